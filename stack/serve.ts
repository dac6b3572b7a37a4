/**
 * Serves a `Request -> Response` handler over HTTP on 127.0.0.1, with `node:http` so that the
 * same code runs under Deno, Node and Bun (the stack's services and the tests use it).
 *
 * @module
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

/** A web-standard request handler. */
export type Handler = (request: Request) => Response | Promise<Response>;

/** A running server. */
export interface ServedHandler {
  /** The base URL, `http://127.0.0.1:<port>`, without a trailing slash. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Stops accepting connections, closes the open ones and resolves when the port is free. */
  close(): Promise<void>;
}

/** Options of {@link serveHandler}. */
export interface ServeOptions {
  /**
   * The port; 0 picks a free one.
   * @default 0
   */
  port?: number;
  /**
   * The address to listen on. Only loopback addresses are used in this project.
   * @default "127.0.0.1"
   */
  hostname?: string;
}

/** Starts serving `handler` and resolves once the port is bound. */
export function serveHandler(handler: Handler, options: ServeOptions = {}): Promise<ServedHandler> {
  const hostname = options.hostname ?? "127.0.0.1";
  const server = createServer((incoming, outgoing) => {
    respond(handler, hostname, incoming, outgoing).catch((error) => {
      if (!outgoing.headersSent) {
        outgoing.writeHead(500, { "content-type": "text/plain" });
        outgoing.end(`Failed processing request: ${error}`);
      } else {
        outgoing.destroy(error as Error);
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${hostname}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function respond(
  handler: Handler,
  hostname: string,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<void> {
  const method = incoming.method ?? "GET";
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) { for (const item of value) headers.append(name, item); }
    else if (value !== undefined) headers.set(name, value);
  }
  const hasBody = method !== "HEAD" && (
    headers.has("content-length") && headers.get("content-length") !== "0" ||
    headers.has("transfer-encoding")
  );
  const request = new Request(`http://${incoming.headers.host ?? hostname}${incoming.url ?? "/"}`, {
    method,
    headers,
    ...(hasBody
      ? { body: Readable.toWeb(incoming) as ReadableStream<Uint8Array>, duplex: "half" }
      : {}),
  } as RequestInit);
  const response = await handler(request);
  const outHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === "set-cookie") return;
    outHeaders[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outHeaders["set-cookie"] = cookies;
  outgoing.writeHead(response.status, outHeaders);
  if (response.body === null || method === "HEAD") {
    outgoing.end();
    return;
  }
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!outgoing.write(chunk)) {
      await new Promise<void>((resume) => outgoing.once("drain", () => resume()));
    }
  }
  outgoing.end();
}
