/**
 * A loopback TCP proxy for the failure tests: it forwards bytes both ways between its clients and
 * an upstream server, and can cut connections on demand, as a flaky network or a crashed server
 * would. Not a test.
 *
 * - `limitBytes(n)`: from now on, every connection that has sent more than `n` bytes upstream is
 *   destroyed at once (both sides). Small requests keep working; big uploads fail on every
 *   attempt, retries included.
 * - `cut()`: destroys every open connection now (new connections still work).
 * - `onUpstreamBytes`: called with the running total of bytes sent upstream through the proxy.
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A running proxy; {@link startTcpProxy} makes one. */
export interface TcpProxy {
  /** `http://127.0.0.1:{port}`. */
  url: string;
  /** The total of bytes forwarded upstream so far. */
  readonly upstreamBytes: number;
  /** How many connections the proxy destroyed. */
  readonly cuts: number;
  /** Every connection sending more than `bytes` upstream is destroyed (`undefined`: no limit). */
  limitBytes(bytes: number | undefined): void;
  /** Destroys every open connection now. */
  cut(): void;
  /** Called after each chunk forwarded upstream, with the running total. */
  onUpstreamBytes: ((total: number) => void) | undefined;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of `upstream` (an http(s) URL). */
export async function startTcpProxy(upstream: string): Promise<TcpProxy> {
  const target = new URL(upstream);
  const port = Number(target.port || (target.protocol === "https:" ? 443 : 80));
  const open = new Set<{ client: Socket; server: Socket }>();
  let limit: number | undefined;
  let upstreamBytes = 0;
  let cuts = 0;

  const destroy = (pair: { client: Socket; server: Socket }): void => {
    if (!open.delete(pair)) return;
    cuts++;
    pair.client.destroy();
    pair.server.destroy();
  };

  const server: Server = createServer((client) => {
    const upstreamSocket = createConnection({ host: target.hostname, port });
    const pair = { client, server: upstreamSocket };
    open.add(pair);
    let sent = 0;
    client.on("data", (chunk: Uint8Array) => {
      if (!open.has(pair)) return;
      sent += chunk.length;
      upstreamBytes += chunk.length;
      if (limit !== undefined && sent > limit) {
        destroy(pair);
        return;
      }
      upstreamSocket.write(chunk);
      proxy.onUpstreamBytes?.(upstreamBytes);
    });
    upstreamSocket.on("data", (chunk: Uint8Array) => {
      if (open.has(pair)) client.write(chunk);
    });
    const end = (): void => {
      open.delete(pair);
      client.destroy();
      upstreamSocket.destroy();
    };
    client.on("close", end);
    upstreamSocket.on("close", end);
    client.on("error", end);
    upstreamSocket.on("error", end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no proxy port");

  const proxy: TcpProxy = {
    url: `http://127.0.0.1:${address.port}`,
    get upstreamBytes() {
      return upstreamBytes;
    },
    get cuts() {
      return cuts;
    },
    limitBytes(bytes) {
      limit = bytes;
    },
    cut() {
      for (const pair of [...open]) destroy(pair);
    },
    onUpstreamBytes: undefined,
    close() {
      for (const pair of [...open]) destroy(pair);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
