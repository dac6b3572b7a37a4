/**
 * HTTP/1.1 over `node:net`/`node:tls` sockets kept alive between requests: the transport of the
 * S3 data path (`src/storage/direct.ts`) and, on Node, of the JSON calls (`wire_fetch.ts`). It
 * exists for what `node:http` costs a download: its parser copies
 * every piece of body into a new buffer, and that garbage (a gigabyte of it per gigabyte
 * downloaded) made V8 run a full collection every few megabytes in a process with a small heap;
 * with its stream machinery it cost 1.1 s of CPU per GiB received, against 0.1 s here (measured
 * on the benchmark's radosgw, 8 ranged GETs of a 1 GiB object, SHA-256 excluded).
 *
 * On Node a plain-http socket reads into one buffer of its own, reused for every read
 * (`onread`), and a body's pieces are handed to the consumer's `sink` synchronously from it:
 * nothing is allocated per read. Elsewhere (TLS, other runtimes) the socket's `data` events feed
 * the same parser. A consumer that needs a piece later copies it; the async iterator of a body
 * does so.
 *
 * @module
 */

import { onAbort } from "../abort.ts";
import type { ServiceName } from "../errors.ts";
import { closedError, Connection, type PoolHost } from "./wire_connection.ts";

/** Where connections go and how long they may take. */
export interface WireOptions {
  /** `http:` or `https:`. */
  protocol: string;
  /** The host name or address (IPv6 without brackets). */
  hostname: string;
  /** The port. */
  port: number;
  /** How long opening a connection may take, in milliseconds. */
  connectTimeoutMs: number;
  /** How long a request may go without a byte sent or received, in milliseconds. */
  timeoutMs: number;
  /** The most connections open at once. */
  maxSockets: number;
  /** Names the endpoint in errors. */
  origin: string;
  /** The service, for timeout errors. */
  service: ServiceName;
  /** The service as messages name it (`S3`, `ClearML`). */
  name: string;
}

/** Where connections to the origin of `url` go: its protocol, bare host name, port and origin. */
export function endpointOf(
  url: URL,
): Pick<WireOptions, "protocol" | "hostname" | "port" | "origin"> {
  const secure = url.protocol === "https:";
  return {
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? (secure ? 443 : 80) : Number(url.port),
    origin: url.origin,
  };
}

/**
 * Receives a body's pieces. A piece is valid only during the call, or until the promise the call
 * returns settles (its memory is reused for the next read): copy what must outlive it. Returning
 * a promise pauses the reading until it settles (a rejection ends the body with that error).
 */
export type BodySink = (piece: Uint8Array) => void | Promise<void>;

/** An answer's body, to read once (`pipe` or iteration) or to destroy. */
export interface WireBody extends AsyncIterable<Uint8Array> {
  /** Delivers the body to `sink`; resolves at its end, rejects when it breaks off. */
  pipe(sink: BodySink): Promise<void>;
  /** Gives up the body: the connection is closed when the body had not ended. */
  destroy(error?: Error): void;
}

/** An answer whose body is still to be read (or destroyed). */
export interface WireResponse {
  /** The status code. */
  status: number;
  /** A header by lower-case name. */
  header(name: string): string | undefined;
  /** The body (empty for an answer without one). */
  body: WireBody;
}

/**
 * A body sent as it is produced, of a length known in advance (its `Content-Length`), for bodies
 * too big to hold in memory. `send` may run more than once (a request retried, or sent again on a
 * fresh connection): each run produces the whole body from its start.
 */
export interface StreamedBody {
  /** The body's length in bytes. */
  readonly length: number;
  /**
   * Produces the body through `write`, in order; `write` resolves once the chunk has been handed
   * to the socket (its memory may then be reused) and rejects when the request failed.
   */
  send(write: (chunk: Uint8Array) => Promise<void>): Promise<void>;
}

/** One request: head lines already formatted, and a body in memory or streamed. */
export interface WireRequest {
  /** `GET /path HTTP/1.1\r\n` and the header lines, each ending with `\r\n` (no blank line). */
  head: string;
  /** The body, sent after the head. */
  body?: Uint8Array | StreamedBody | undefined;
  /** Aborts the request and its body. */
  signal?: AbortSignal | undefined;
  /** Names the request in a timeout's message. */
  describe: string;
  /**
   * Send it on a new connection, which takes the place of an idle one when there is one (fresh
   * requests do not make the pool grow).
   * For a small answer on the critical path: radosgw's beast frontend (Nagle's algorithm on, its
   * default) writes an answer's head and body separately and holds a body shorter than a TCP
   * segment until the head is acknowledged, and a kept-alive connection acknowledges after the
   * kernel's delayed-ACK timer: 40 ms more for a 313-byte manifest (48 ms against 7 ms on a new
   * connection, measured). A new connection acknowledges at once.
   */
  fresh?: boolean | undefined;
}

/** Whether a failure means the server closed a kept-alive connection before answering. */
function staleFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "ECONNRESET" || code === "EPIPE" || code === "ERR_STREAM_DESTROYED" ||
    code === "ECONNCLOSED";
}

/**
 * The connections to one endpoint: at most `maxSockets` open, idle ones reused (and not keeping
 * the process alive).
 *
 * @example
 * ```ts ignore
 * const pool = new WirePool({ protocol: "http:", hostname: "127.0.0.1", port: 7480, ... });
 * const answer = await pool.send({ head: "GET /b/k HTTP/1.1\r\nhost: h\r\n", describe: "GET" });
 * await answer.body.pipe((piece) => hash.update(piece));
 * pool.destroy();
 * ```
 */
export class WirePool implements PoolHost {
  readonly #options: WireOptions;
  readonly #idle: Connection[] = [];
  readonly #waiting: Array<(connection: Connection | undefined) => void> = [];
  #open = 0;
  #destroyed = false;

  constructor(options: WireOptions) {
    this.#options = options;
  }

  /**
   * Sends `request` and resolves once the answer's head arrived, whatever its status. A request
   * on a kept-alive connection that the server had closed is sent once more on a new one.
   */
  async send(request: WireRequest): Promise<WireResponse> {
    request.signal?.throwIfAborted();
    for (let attempt = 0;; attempt++) {
      const connection = await this.#acquire(
        attempt > 0 || request.fresh === true,
        request.signal,
      );
      try {
        return await connection.exchange(request);
      } catch (error) {
        const stale = connection.reused && !connection.answered && attempt === 0 &&
          !request.signal?.aborted && staleFailure(error);
        if (!stale) throw error;
      }
    }
  }

  /** Closes every connection; requests in flight fail. */
  destroy(): void {
    this.#destroyed = true;
    for (const connection of this.#idle.splice(0)) connection.close();
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
  }

  release(connection: Connection, reusable: boolean): void {
    if (!reusable || this.#destroyed) return connection.close();
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) return waiter(connection);
    connection.park();
    this.#idle.push(connection);
  }

  closed(connection: Connection): void {
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
    this.#open -= 1;
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter(this.#connect());
  }

  #connect(): Connection {
    this.#open += 1;
    return new Connection(this.#options, this);
  }

  async #acquire(fresh: boolean, signal: AbortSignal | undefined): Promise<Connection> {
    if (this.#destroyed) throw closedError(`the ${this.#options.name} transport was closed`);
    while (!fresh && this.#idle.length > 0) {
      const idle = this.#idle.pop() as Connection;
      if (idle.usable) return idle;
    }
    // A new connection in place of an idle one: closing it frees its place at once.
    if (fresh) this.#idle.shift()?.close();
    if (this.#open < this.#options.maxSockets) return this.#connect();
    const handed = await new Promise<Connection | undefined>((resolve, reject) => {
      let stopListening = () => {};
      const waiter = (connection: Connection | undefined) => {
        stopListening();
        resolve(connection);
      };
      if (signal !== undefined) {
        stopListening = onAbort(signal, () => {
          const index = this.#waiting.indexOf(waiter);
          if (index >= 0) this.#waiting.splice(index, 1);
          reject(signal.reason);
        });
      }
      this.#waiting.push(waiter);
    });
    if (handed === undefined) throw closedError(`the ${this.#options.name} transport was closed`);
    if (!fresh || !handed.reused) return handed;
    handed.close();
    return await this.#acquire(true, signal);
  }
}
