/**
 * A fault-injecting HTTP/1.1 proxy for the fault tests, on 127.0.0.1 only, in front of radosgw
 * or the ClearML server. It forwards bytes both ways and follows the request boundaries of each
 * connection (headers, then a `Content-Length` body), so faults can hit chosen requests:
 *
 * - `reset({ afterBytes, direction, times, match })`: the next `times` matching connections are
 *   destroyed (both sides) once `afterBytes` have gone `up` (client → server) or `down`;
 * - `fail({ status, times, match })`: the next `times` matching requests get an HTTP error answer
 *   (500, 503...) from the proxy itself, and the connection is closed; later requests pass;
 * - `stall({ ms, times, match })`: the next `times` matching requests are held `ms` before they
 *   are forwarded (`Infinity`: held until the connection closes);
 * - `truncate({ times, match })`: the next `times` matching responses are cut after their headers
 *   and half their body (`Content-Length` responses), then the connection is destroyed;
 * - `stop()` / `start()`: the server goes down (the port refuses connections and open ones are
 *   reset) and comes back on the same port.
 *
 * `requests` records `METHOD path` of every request seen; `injected` counts the faults done.
 * It runs on Deno, Bun and Node (node:net). Not a test.
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A request as the fault filters see it. */
export interface SeenRequest {
  method: string;
  /** The path with its query. */
  path: string;
}

/** Which requests (or connections, by their first request) a fault applies to. */
export type RequestFilter = (request: SeenRequest) => boolean;

interface Fault {
  times: number;
  match: RequestFilter;
}

/** A running proxy; {@link startFaultProxy} makes one. */
export interface FaultProxy {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /** Every request seen, `METHOD path`, in order. */
  readonly requests: string[];
  /** How many faults were injected, by kind. */
  readonly injected: { reset: number; fail: number; stall: number; truncate: number };
  /** Resets the next `times` matching connections after `afterBytes` in `direction`. */
  reset(options: {
    afterBytes: number;
    direction?: "up" | "down";
    times?: number;
    match?: RequestFilter;
  }): void;
  /**
   * Answers the next `times` matching requests with `status` (and `body` of `contentType`, by
   * default a line of text) and closes their connections.
   */
  fail(options: {
    status: number;
    body?: string;
    contentType?: string;
    times?: number;
    match?: RequestFilter;
  }): void;
  /** Holds the next `times` matching requests for `ms` before forwarding them. */
  stall(options: { ms: number; times?: number; match?: RequestFilter }): void;
  /** Cuts the next `times` matching responses halfway through their body. */
  truncate(options?: { times?: number; match?: RequestFilter }): void;
  /** Removes every armed fault. */
  clear(): void;
  /** The server goes down: the port refuses connections, open connections are reset. */
  stop(): Promise<void>;
  /** The server comes back on the same port. */
  start(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

const ANY: RequestFilter = () => true;
const GETS: RequestFilter = (request) => request.method === "GET";
const HEADER_END = Buffer.from("\r\n\r\n");

/** Starts a proxy on 127.0.0.1 (a free port) in front of `upstream` (an http URL). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const upstreamPort = Number(target.port || 80);
  const requests: string[] = [];
  const injected = { reset: 0, fail: 0, stall: 0, truncate: 0 };
  let resets: (Fault & { afterBytes: number; direction: "up" | "down" })[] = [];
  let failures: (Fault & { status: number; body?: string; contentType?: string })[] = [];
  let stalls: (Fault & { ms: number })[] = [];
  let truncations: Fault[] = [];
  const open = new Set<Socket>();

  /** Takes one use of the first armed fault matching `request`. */
  function take<T extends Fault>(
    list: T[],
    request: SeenRequest,
    fits: (fault: T) => boolean = () => true,
  ): T | undefined {
    const fault = list.find((item) => item.times > 0 && item.match(request) && fits(item));
    if (fault) fault.times--;
    return fault;
  }

  function handle(client: Socket): void {
    const server = createConnection({ host: target.hostname, port: upstreamPort });
    open.add(client);
    open.add(server);
    let closed = false;
    const destroy = (): void => {
      if (closed) return;
      closed = true;
      open.delete(client);
      open.delete(server);
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) {
      socket.on("error", destroy);
      socket.on("close", destroy);
    }

    // Request side: headers are buffered until complete, then the body streams through.
    let head = Buffer.alloc(0);
    let bodyLeft = 0; // bytes of the current request's body still to come
    let opaque = false; // a body of unknown length: the rest of the connection just passes
    let discarding = false; // a failed request's body is swallowed before the answer
    let failure: { status: number; body?: string; contentType?: string } | undefined;
    let held: Buffer[] | undefined; // a stalled request's bytes
    let cut: { bytes: number; direction: "up" | "down"; limit: number; fault: Fault } | undefined;
    // Response side: a truncation waits for the next response's headers.
    let truncateNext = false;
    let responseHead: Buffer | undefined;
    let responseLeft = -1;

    const countUp = (bytes: number): boolean => {
      if (cut?.direction !== "up") return true;
      cut.bytes += bytes;
      if (cut.bytes <= cut.limit) return true;
      cut = undefined;
      injected.reset++;
      destroy();
      return false;
    };

    const forward = (chunk: Buffer): void => {
      if (held) held.push(chunk);
      else if (countUp(chunk.length)) server.write(chunk);
    };

    const answer = (): void => {
      injected.fail++;
      const status = failure?.status ?? 500;
      const body = failure?.body ?? `${status} injected by the fault proxy\n`;
      client.end(
        `HTTP/1.1 ${status} Injected\r\ncontent-type: ${failure?.contentType ?? "text/plain"}\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      server.destroy();
    };

    const onRequestHead = (text: string): SeenRequest => {
      const [line = "", ...fields] = text.split("\r\n");
      const [method = "", path = ""] = line.split(" ");
      const request = { method, path };
      requests.push(`${method} ${path}`);
      const headers = new Map<string, string>();
      for (const field of fields) {
        const colon = field.indexOf(":");
        if (colon > 0) {
          headers.set(field.slice(0, colon).trim().toLowerCase(), field.slice(colon + 1).trim());
        }
      }
      const length = headers.get("content-length");
      if (headers.get("transfer-encoding") !== undefined) opaque = true;
      bodyLeft = length === undefined ? 0 : Number(length);
      failure = take(failures, request);
      if (failure) {
        // With `Expect: 100-continue` the body waits for us: answer at once, as a server may.
        if (headers.get("expect")?.toLowerCase() === "100-continue" || bodyLeft === 0 || opaque) {
          answer();
        } else {
          discarding = true;
        }
        return request;
      }
      // A reset armed by an earlier request of this connection that never carried enough
      // bytes goes back to its fault: it is meant for a request that does.
      if (cut !== undefined) cut.fault.times++;
      cut = undefined;
      // At most one fault per request, so that each one armed is seen.
      // An upload reset is only armed on a request that carries enough bytes to trigger it.
      const reset = take(
        resets,
        request,
        (fault) =>
          fault.direction === "down" || opaque || text.length + bodyLeft > fault.afterBytes,
      );
      if (reset) {
        cut = { bytes: 0, direction: reset.direction, limit: reset.afterBytes, fault: reset };
        return request;
      }
      if (take(truncations, request)) {
        truncateNext = true;
        return request;
      }
      const stall = take(stalls, request);
      if (stall) {
        injected.stall++;
        held = [];
        if (Number.isFinite(stall.ms)) {
          setTimeout(() => {
            const pending = held ?? [];
            held = undefined;
            if (!closed) { for (const chunk of pending) forward(chunk); }
          }, stall.ms);
        }
      }
      return request;
    };

    client.on("data", (data: Buffer) => {
      let chunk = data;
      while (chunk.length > 0 && !closed) {
        if (discarding) {
          const take = Math.min(bodyLeft, chunk.length);
          bodyLeft -= take;
          chunk = chunk.subarray(take);
          if (bodyLeft === 0) answer();
          return;
        }
        if (opaque || bodyLeft > 0) {
          const take = opaque ? chunk.length : Math.min(bodyLeft, chunk.length);
          if (!opaque) bodyLeft -= take;
          forward(chunk.subarray(0, take));
          chunk = chunk.subarray(take);
          continue;
        }
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end < 0) return;
        const headBytes = head.subarray(0, end + 4);
        chunk = head.subarray(end + 4);
        head = Buffer.alloc(0);
        onRequestHead(headBytes.toString("latin1"));
        if (closed || discarding) continue;
        forward(headBytes);
      }
    });

    server.on("data", (data: Buffer) => {
      if (closed) return;
      if (cut?.direction === "down") {
        cut.bytes += data.length;
        if (cut.bytes > cut.limit) {
          client.write(data.subarray(0, Math.max(0, data.length - (cut.bytes - cut.limit))));
          cut = undefined;
          injected.reset++;
          destroy();
          return;
        }
      }
      if (responseLeft === 0) return; // a truncated response's rest is dropped
      if (!truncateNext) {
        client.write(data);
        return;
      }
      if (responseLeft < 0) {
        responseHead = Buffer.concat([responseHead ?? Buffer.alloc(0), data]);
        const end = responseHead.indexOf(HEADER_END);
        if (end < 0) return;
        const text = responseHead.subarray(0, end).toString("latin1");
        const status = Number(text.split(" ")[1]);
        const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
        const rest = responseHead.subarray(end + 4);
        responseHead = undefined;
        if (status < 200 || length === undefined || Number(length) < 2) {
          // An interim answer, or nothing to cut: pass it and wait for the next one.
          client.write(Buffer.concat([Buffer.from(text + "\r\n\r\n", "latin1"), rest]));
          if (status >= 200) truncateNext = false;
          return;
        }
        responseLeft = Math.floor(Number(length) / 2);
        client.write(Buffer.from(text + "\r\n\r\n", "latin1"));
        data = rest;
      }
      const part = data.subarray(0, responseLeft);
      responseLeft -= part.length;
      client.write(part);
      if (responseLeft === 0) {
        injected.truncate++;
        // Let the bytes go out before the reset.
        client.end(() => destroy());
        setTimeout(destroy, 50);
      }
    });
  }

  let listener: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const created = createServer(handle);
    await new Promise<void>((resolve, reject) => {
      created.once("error", reject);
      created.listen(port, "127.0.0.1", () => resolve());
    });
    const address = created.address();
    if (address === null || typeof address === "string") throw new Error("no proxy port");
    port = address.port;
    listener = created;
  };
  const shut = async (): Promise<void> => {
    const current = listener;
    listener = undefined;
    for (const socket of [...open]) socket.destroy();
    open.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    injected,
    reset({ afterBytes, direction = "up", times = Infinity, match = ANY }) {
      resets.push({ afterBytes, direction, times, match });
    },
    fail({ status, body, contentType, times = Infinity, match = ANY }) {
      failures.push({
        status,
        times,
        match,
        ...(body === undefined ? {} : { body }),
        ...(contentType === undefined ? {} : { contentType }),
      });
    },
    stall({ ms, times = Infinity, match = ANY }) {
      stalls.push({ ms, times, match });
    },
    truncate({ times = Infinity, match = GETS } = {}) {
      truncations.push({ times, match });
    },
    clear() {
      resets = [];
      failures = [];
      stalls = [];
      truncations = [];
    },
    stop: shut,
    async start() {
      if (listener === undefined) await listen();
    },
    close: shut,
  };
}
