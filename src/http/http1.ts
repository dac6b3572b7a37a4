/**
 * HTTP/1.1 as pure functions over text and bytes (no sockets): a request's head, an answer's head
 * (status line and headers) and the three ways a body ends (RFC 9112 section 6: a `Content-Length`, the chunked
 * transfer coding, or the connection's close). `wire.ts` feeds them what the socket reads.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/**
 * A request's head, without its blank line: the request line, `host`, `content-length` and
 * `headers` (names as given). Throws a {@link ValidationError} for a header that would break the
 * head (a line break in a value, a character not allowed in a name).
 */
export function requestHead(
  method: string,
  target: string,
  host: string,
  headers: Record<string, string>,
  contentLength: number,
): string {
  let head =
    `${method} ${target} HTTP/1.1\r\nhost: ${host}\r\ncontent-length: ${contentLength}\r\n`;
  for (const name in headers) {
    const value = headers[name] as string;
    if (/[\r\n]/.test(value) || /[^!#$%&'*+.^_`|~0-9A-Za-z-]/.test(name)) {
      throw new ValidationError("header", `a header without line breaks (${name})`);
    }
    head += `${name}: ${value}\r\n`;
  }
  return head;
}

/** The status and headers of an answer. */
export interface ResponseHead {
  /** The status code. */
  status: number;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /** Header values by lower-case name (repeated headers joined with `, `). */
  headers: Map<string, string>;
}

/** The largest head accepted: an answer with more is not from a service this SDK talks to. */
export const HEAD_LIMIT = 64 * 1024;

const CRLFCRLF = [13, 10, 13, 10];

/** Where the head ends in `bytes` (the index after its blank line), or -1. */
export function headEnd(bytes: Uint8Array, from = 0): number {
  for (let at = Math.max(0, from); at + 3 < bytes.length; at++) {
    if (
      bytes[at] === CRLFCRLF[0] && bytes[at + 1] === CRLFCRLF[1] &&
      bytes[at + 2] === CRLFCRLF[2] && bytes[at + 3] === CRLFCRLF[3]
    ) return at + 4;
  }
  return -1;
}

/** Parses a head (without its blank line); throws an `Error` saying what is malformed. */
export function parseHead(text: string): ResponseHead {
  const lines = text.split("\r\n");
  const status = /^(HTTP\/1\.[01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
  if (status === null) {
    throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(lines[0]?.slice(0, 80))}`);
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error("a header line without a name");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const earlier = headers.get(name);
    headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
  }
  return { status: Number(status[2]), version: status[1] as string, headers };
}

/** A piece of body found by {@link BodyFraming.step}: bytes `start` to `end` of the buffer. */
export interface BodyPiece {
  /** The first body byte. */
  start: number;
  /** After the last body byte (`start` when the step found none). */
  end: number;
  /** Where to continue reading the buffer. */
  next: number;
  /** The body ended at `next` (bytes after it belong to no answer). */
  done: boolean;
}

/** How an answer's body ends. */
export interface BodyFraming {
  /** The next piece of body in `buffer` from `from` (see {@link BodyPiece}). */
  step(buffer: Uint8Array, from: number): BodyPiece;
  /** Whether the body is complete when the connection closes before {@link step} said done. */
  readonly endsAtClose: boolean;
}

/** A body of `length` bytes. */
export function lengthFraming(length: number): BodyFraming {
  let remaining = length;
  return {
    endsAtClose: false,
    step(buffer, from) {
      const take = Math.min(remaining, buffer.length - from);
      remaining -= take;
      return { start: from, end: from + take, next: from + take, done: remaining === 0 };
    },
  };
}

/** A body that ends when the server closes the connection. */
export function closeFraming(): BodyFraming {
  return {
    endsAtClose: true,
    step(buffer, from) {
      return { start: from, end: buffer.length, next: buffer.length, done: false };
    },
  };
}

const enum Chunked {
  Size,
  Data,
  DataEnd,
  Trailer,
}

/** The longest chunk-size line (with extensions) accepted. */
const LINE_LIMIT = 4096;

/** A body in the chunked transfer coding; throws on a malformed size line. */
export function chunkedFraming(): BodyFraming {
  let state = Chunked.Size;
  let line = "";
  let remaining = 0;
  return {
    endsAtClose: false,
    step(buffer, from) {
      let at = from;
      while (at < buffer.length) {
        if (state === Chunked.Data) {
          const take = Math.min(remaining, buffer.length - at);
          remaining -= take;
          if (remaining === 0) state = Chunked.DataEnd;
          return { start: at, end: at + take, next: at + take, done: false };
        }
        const byte = buffer[at] as number;
        at += 1;
        if (byte !== 10) {
          if (byte !== 13) line += String.fromCharCode(byte);
          if (line.length > LINE_LIMIT) throw new Error("a chunk line is too long");
          continue;
        }
        const text = line;
        line = "";
        if (state === Chunked.DataEnd) {
          if (text !== "") throw new Error("a chunk is longer than its size");
          state = Chunked.Size;
        } else if (state === Chunked.Size) {
          const size = /^([0-9a-fA-F]{1,13})[ \t]*(?:;.*)?$/.exec(text);
          if (size === null) {
            throw new Error(`a malformed chunk size ${JSON.stringify(text.slice(0, 40))}`);
          }
          remaining = Number.parseInt(size[1] as string, 16);
          state = remaining === 0 ? Chunked.Trailer : Chunked.Data;
        } else if (text === "") {
          return { start: at, end: at, next: at, done: true };
        }
      }
      return { start: at, end: at, next: at, done: false };
    },
  };
}

/**
 * How the body of an answer with `head` ends, or `undefined` when it has none (RFC 9112 6.3).
 * Throws on a `Transfer-Encoding` other than chunked or an invalid `Content-Length`.
 */
export function framingOf(head: ResponseHead): BodyFraming | undefined {
  if (head.status === 204 || head.status === 304 || head.status < 200) return undefined;
  const coding = head.headers.get("transfer-encoding");
  if (coding !== undefined) {
    if (coding.toLowerCase().split(",").map((part) => part.trim()).at(-1) !== "chunked") {
      throw new Error(`an unsupported transfer coding "${coding}"`);
    }
    return chunkedFraming();
  }
  const length = head.headers.get("content-length");
  if (length !== undefined) {
    const values = new Set(length.split(",").map((part) => part.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
      throw new Error(`an invalid Content-Length "${length}"`);
    }
    return Number(only) === 0 ? undefined : lengthFraming(Number(only));
  }
  return closeFraming();
}

/** Whether the connection may carry another request after this answer. */
export function keepsAlive(head: ResponseHead): boolean {
  const connection = head.headers.get("connection")?.toLowerCase() ?? "";
  const tokens = connection.split(",").map((token) => token.trim());
  if (tokens.includes("close")) return false;
  return head.version === "HTTP/1.1" || tokens.includes("keep-alive");
}
