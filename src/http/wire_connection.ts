/**
 * One HTTP/1.1 connection of a `WirePool` (`wire.ts`): its socket (`node:net`, or `node:tls` for
 * https), the exchange it carries (a request, then the answer's head and body, framed by
 * `Content-Length`, chunks or the close), its timeouts and its abort. See `wire.ts` for why the
 * SDK has a transport of its own and how a body's pieces reach their consumer.
 *
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { onAbort } from "../abort.ts";
import { TimeoutError } from "../errors.ts";
import {
  type BodyFraming,
  framingOf,
  HEAD_LIMIT,
  headEnd,
  keepsAlive,
  parseHead,
  type ResponseHead,
} from "./http1.ts";
import type {
  BodySink,
  StreamedBody,
  WireBody,
  WireOptions,
  WireRequest,
  WireResponse,
} from "./wire.ts";

/** The size of the buffer each plain-http connection reads into. */
const READ_BUFFER = 256 * 1024;

/** A failure that says the connection closed (or was closed) before the answer ended. */
export function closedError(message: string): Error {
  return Object.assign(new Error(message), { code: "ECONNCLOSED" });
}

/** What a connection tells its pool. */
export interface PoolHost {
  /** The exchange ended; the connection may carry another request when `reusable`. */
  release(connection: Connection, reusable: boolean): void;
  /** The socket closed. */
  closed(connection: Connection): void;
}

/** One request and its answer on a connection. */
interface Exchange {
  request: WireRequest;
  resolve: (response: WireResponse) => void;
  reject: (error: unknown) => void;
  head: ResponseHead | undefined;
  framing: BodyFraming | undefined;
  keepAlive: boolean;
  /** Body bytes read with the head, before a sink was there. */
  stash: Uint8Array | undefined;
  sink: BodySink | undefined;
  bodyDone: boolean;
  bodyError: unknown;
  settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  stopAbort: () => void;
}

const EMPTY = new Uint8Array(0);
const LATIN1 = new TextDecoder("latin1");

/** One socket and the exchange it carries. */
export class Connection {
  readonly #options: WireOptions;
  readonly #host: PoolHost;
  readonly #socket: net.Socket;
  readonly #connectTimer: ReturnType<typeof setTimeout>;
  #closed = false;
  #failure: unknown;
  #headBytes: Uint8Array = EMPTY;
  #exchange: Exchange | undefined;
  /** It carried an exchange before the current one. */
  reused = false;
  /** The current exchange got its head. */
  answered = false;

  constructor(options: WireOptions, host: PoolHost) {
    this.#options = options;
    this.#host = host;
    const secure = options.protocol === "https:";
    const onData = (bytes: Uint8Array) => {
      if (!this.#receive(bytes)) this.#socket.pause();
    };
    if (secure) {
      this.#socket = tls.connect({
        host: options.hostname,
        port: options.port,
        servername: net.isIP(options.hostname) === 0 ? options.hostname : undefined,
        ALPNProtocols: ["http/1.1"],
      });
      this.#socket.on("data", onData);
    } else {
      // One buffer for every read of this connection (see the module documentation).
      const buffer = new Uint8Array(READ_BUFFER);
      this.#socket = net.connect({
        host: options.hostname,
        port: options.port,
        onread: { buffer, callback: (count: number) => this.#receive(buffer.subarray(0, count)) },
      } as net.NetConnectOpts);
      // Runtimes without `onread` emit `data` instead.
      this.#socket.on("data", onData);
    }
    this.#socket.setNoDelay(true);
    this.#connectTimer = setTimeout(() => {
      this.#fail(
        new TimeoutError(
          options.service,
          `${options.name} at ${options.origin} did not accept a connection within ${options.connectTimeoutMs} ms`,
          options.connectTimeoutMs,
        ),
      );
    }, options.connectTimeoutMs);
    this.#socket.once(secure ? "secureConnect" : "connect", () => clearTimeout(this.#connectTimer));
    this.#socket.on("timeout", () => {
      this.#fail(
        new TimeoutError(
          options.service,
          `${options.name} at ${options.origin} sent or received nothing for ${options.timeoutMs} ms during ` +
            `${this.#exchange?.request.describe ?? "a request"}.`,
          options.timeoutMs,
        ),
      );
    });
    this.#socket.on("error", (error) => this.#fail(error));
    this.#socket.on("end", () => this.#ended());
    this.#socket.on(
      "close",
      () => this.#fail(closedError(`${this.#options.name} closed the connection`)),
    );
  }

  /** Open and carrying nothing. */
  get usable(): boolean {
    return !this.#closed && this.#exchange === undefined;
  }

  /** Sends `request`; resolves with the answer once its head arrived. */
  exchange(request: WireRequest): Promise<WireResponse> {
    if (this.#closed) return Promise.reject(this.#failure);
    this.answered = false;
    return new Promise((resolve, reject) => {
      const exchange: Exchange = {
        request,
        resolve,
        reject,
        head: undefined,
        framing: undefined,
        keepAlive: false,
        stash: undefined,
        sink: undefined,
        bodyDone: false,
        bodyError: undefined,
        settle: undefined,
        stopAbort: () => {},
      };
      this.#exchange = exchange;
      const { signal } = request;
      if (signal !== undefined) {
        exchange.stopAbort = onAbort(signal, () => this.#fail(signal.reason));
      }
      this.#socket.ref();
      this.#socket.resume();
      this.#socket.setTimeout(this.#options.timeoutMs);
      const { body } = request;
      if (body === undefined || body.length === 0) {
        this.#socket.write(`${request.head}\r\n`, "latin1");
      } else if (body instanceof Uint8Array) {
        this.#socket.cork();
        this.#socket.write(`${request.head}\r\n`, "latin1");
        this.#socket.write(body);
        this.#socket.uncork();
      } else {
        this.#socket.write(`${request.head}\r\n`, "latin1");
        this.#stream(exchange, body);
      }
    });
  }

  /** Sends a streamed body; a failure to produce it fails the exchange. */
  #stream(exchange: Exchange, body: StreamedBody): void {
    let sent = 0;
    const write = (chunk: Uint8Array): Promise<void> =>
      new Promise((resolve, reject) => {
        if (this.#closed || this.#exchange !== exchange) return reject(this.#failure);
        sent += chunk.length;
        if (sent > body.length) {
          return reject(new Error(`a streamed body longer than its ${body.length} bytes`));
        }
        this.#socket.write(chunk, (error) => error ? reject(error) : resolve());
      });
    body.send(write).then(() => {
      if (sent !== body.length) {
        throw new Error(`a streamed body of ${sent} bytes instead of ${body.length}`);
      }
    }).catch((error) => {
      // An answer may already have come (an error answer before the whole body was read): the
      // connection is closed then, so the failure is only this exchange's.
      if (this.#exchange === exchange) this.#fail(error);
    });
  }

  /** Idle in the pool: no timeout, and no hold on the process. */
  park(): void {
    this.#socket.setTimeout(0);
    this.#socket.unref();
    // Reading on: a close by the server is seen (and the connection dropped) while idle.
    this.#socket.resume();
  }

  /** Closes the socket. */
  close(): void {
    this.#fail(closedError("the connection was closed"));
  }

  /** Handles bytes read; false asks to pause the socket. */
  #receive(bytes: Uint8Array): boolean {
    const exchange = this.#exchange;
    if (exchange === undefined) {
      if (bytes.length > 0) {
        this.#fail(new Error(`${this.#options.name} sent bytes that answer no request`));
      }
      return false;
    }
    if (exchange.head !== undefined && exchange.sink === undefined) {
      // Read before the body has a reader (the socket is being paused): kept for it.
      exchange.stash = concat(exchange.stash, bytes);
      return false;
    }
    if (exchange.head !== undefined) return this.#deliver(exchange, bytes, 0);
    return this.#readHead(exchange, bytes);
  }

  #readHead(exchange: Exchange, bytes: Uint8Array): boolean {
    const before = this.#headBytes.length;
    // Usually the whole head comes in one read: no copy then.
    let joined = bytes;
    if (before > 0) {
      joined = new Uint8Array(before + bytes.length);
      joined.set(this.#headBytes);
      joined.set(bytes, before);
    }
    const end = headEnd(joined, before - 3);
    if (end < 0) {
      if (joined.length > HEAD_LIMIT) {
        this.#fail(
          new Error(`${this.#options.name}'s answer has a head longer than ${HEAD_LIMIT} bytes`),
        );
        return false;
      }
      this.#headBytes = joined.slice();
      return true;
    }
    this.#headBytes = EMPTY;
    let head: ResponseHead;
    let framing: BodyFraming | undefined;
    try {
      head = parseHead(LATIN1.decode(joined.subarray(0, end - 4)));
      if (head.status < 200) return this.#readHead(exchange, joined.subarray(end));
      framing = framingOf(head);
    } catch (error) {
      this.#fail(
        new Error(`${this.#options.name} sent a malformed answer: ${(error as Error).message}`),
      );
      return false;
    }
    this.answered = true;
    exchange.head = head;
    exchange.framing = framing;
    // An error answer may come before the server read the whole request body: the connection's
    // state is then unknown, and it is not reused.
    exchange.keepAlive = keepsAlive(head) &&
      (exchange.request.body === undefined || head.status < 300);
    const rest = joined.subarray(end);
    const response: WireResponse = {
      status: head.status,
      header: (name) => head.headers.get(name),
      body: this.#bodyOf(exchange),
    };
    if (framing === undefined) {
      if (rest.length > 0) {
        this.#fail(new Error(`${this.#options.name} sent bytes after an answer without a body`));
        return false;
      }
      exchange.bodyDone = true;
      exchange.resolve(response);
      this.#finish(exchange);
      return true;
    }
    // Nobody reads the body yet: what came with the head waits for a sink, without a copy (the
    // socket is paused: no read reuses the buffer until the sink has it).
    if (rest.length > 0) exchange.stash = rest;
    exchange.resolve(response);
    return false;
  }

  /** Hands body pieces of `bytes` from `from` to the sink; false asks to pause the socket. */
  #deliver(exchange: Exchange, bytes: Uint8Array, from: number): boolean {
    const { framing, sink } = exchange;
    if (framing === undefined || sink === undefined) return false;
    for (let at = from;;) {
      let piece;
      try {
        piece = framing.step(bytes, at);
      } catch (error) {
        this.#fail(
          new Error(`${this.#options.name} sent a malformed body: ${(error as Error).message}`),
        );
        return false;
      }
      at = piece.next;
      if (piece.end > piece.start) {
        let result;
        try {
          result = sink(bytes.subarray(piece.start, piece.end));
        } catch (error) {
          this.#fail(error);
          return false;
        }
        if (result instanceof Promise) {
          const next = at;
          const done = piece.done;
          result.then(() => {
            if (this.#exchange !== exchange || exchange.bodyDone) return;
            const going = done
              ? this.#bodyEnd(exchange, bytes, next)
              : this.#deliver(exchange, bytes, next);
            if (going && !this.#closed) this.#socket.resume();
          }, (error) => this.#fail(error));
          return false;
        }
      }
      if (piece.done) return this.#bodyEnd(exchange, bytes, at);
      if (at >= bytes.length) return true;
    }
  }

  #bodyEnd(exchange: Exchange, bytes: Uint8Array, at: number): boolean {
    if (at < bytes.length) {
      this.#fail(new Error(`${this.#options.name} sent more bytes than its answer's body`));
      return false;
    }
    exchange.bodyDone = true;
    this.#finish(exchange);
    exchange.settle?.resolve();
    return true;
  }

  /** The exchange is over: the connection goes back to the pool. */
  #finish(exchange: Exchange): void {
    exchange.stopAbort();
    this.#exchange = undefined;
    this.reused = true;
    this.#host.release(this, exchange.keepAlive);
  }

  #bodyOf(exchange: Exchange): WireBody {
    const pipe = (sink: BodySink): Promise<void> => {
      if (exchange.sink !== undefined) return Promise.reject(new Error("the body is read already"));
      exchange.sink = sink;
      return new Promise<void>((resolve, reject) => {
        if (exchange.bodyError !== undefined) return reject(exchange.bodyError);
        if (exchange.bodyDone) {
          // A body that ended with the connection before it had a reader is all in the stash.
          const rest = exchange.stash;
          exchange.stash = undefined;
          if (rest === undefined) return resolve();
          return void Promise.resolve().then(() => sink(rest)).then(resolve, reject);
        }
        exchange.settle = { resolve, reject };
        const stash = exchange.stash;
        exchange.stash = undefined;
        const going = stash === undefined || this.#deliver(exchange, stash, 0);
        if (going && !exchange.bodyDone && !this.#closed) this.#socket.resume();
      });
    };
    return {
      pipe,
      destroy: (error?: Error) => {
        if (!exchange.bodyDone && exchange.bodyError === undefined) {
          this.#fail(error ?? closedError("the body was given up"));
        }
      },
      [Symbol.asyncIterator]: () =>
        iterate(pipe, () => {
          if (!exchange.bodyDone) this.#fail(closedError("the body was given up"));
        }),
    };
  }

  /** The server ended its side: the end of a body that runs to the close, else a failure. */
  #ended(): void {
    const exchange = this.#exchange;
    if (exchange?.head !== undefined && exchange.framing?.endsAtClose === true) {
      exchange.keepAlive = false;
      exchange.bodyDone = true;
      this.#finish(exchange);
      exchange.settle?.resolve();
      return;
    }
    this.#fail(closedError(`${this.#options.name} closed the connection`));
  }

  /** Closes the socket and fails the exchange in progress with `error`. */
  #fail(error: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    clearTimeout(this.#connectTimer);
    this.#socket.destroy();
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (exchange !== undefined) {
      exchange.stopAbort();
      if (exchange.head === undefined) {
        exchange.reject(error);
      } else if (!exchange.bodyDone) {
        exchange.bodyError = error;
        exchange.settle?.reject(error);
      }
    }
    this.#host.closed(this);
  }
}

/** `more` appended to a copy of `kept`. */
function concat(kept: Uint8Array | undefined, more: Uint8Array): Uint8Array {
  const joined = new Uint8Array((kept?.length ?? 0) + more.length);
  if (kept !== undefined) joined.set(kept);
  joined.set(more, kept?.length ?? 0);
  return joined;
}

/** A body as an async iterable of copied pieces, at most a few ahead of the consumer. */
async function* iterate(
  pipe: (sink: BodySink) => Promise<void>,
  giveUp: () => void,
): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let room: (() => void) | undefined;
  let ended = false;
  let failure: unknown;
  pipe((piece) => {
    queue.push(piece.slice());
    wake?.();
    if (queue.length < 8) return;
    return new Promise<void>((resolve) => (room = resolve));
  }).then(() => {
    ended = true;
    wake?.();
  }, (error) => {
    failure = error ?? new Error("the body broke off");
    ended = true;
    wake?.();
  });
  try {
    for (;;) {
      const piece = queue.shift();
      if (piece !== undefined) {
        room?.();
        room = undefined;
        yield piece;
        continue;
      }
      if (ended) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    if (!ended) giveUp();
  }
}
