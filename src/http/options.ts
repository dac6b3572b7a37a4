/**
 * Options shared by the SDK's HTTP clients (ClearML, user management): the checks of a base URL,
 * a timeout and a fetch, each applying its default.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { FetchLike, HttpTransport } from "./fetch.ts";
import { wireTransport } from "./wire_fetch.ts";

/**
 * Checks that `value` is an http(s) URL without credentials, query or fragment, and returns it
 * without trailing slashes.
 *
 * @example
 * ```ts
 * import { normalizeBaseUrl } from "./options.ts";
 * console.assert(normalizeBaseUrl("apiHost", "https://clearml.example/api//") === "https://clearml.example/api");
 * ```
 */
export function normalizeBaseUrl(option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(option, "expected an http(s) URL, got nothing");
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch (error) {
    throw new ValidationError(option, "expected an http(s) URL such as http://host:8008", {
      cause: error,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ValidationError(option, `expected an http(s) URL, got a ${url.protocol} URL`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new ValidationError(option, "expected a URL without user:password (pass keys apart)");
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ValidationError(option, "expected a base URL without ?query or #fragment");
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * Checks a per-attempt timeout, in milliseconds, applying the default of 30 s.
 *
 * @example
 * ```ts
 * import { resolveTimeoutMs } from "./options.ts";
 * console.assert(resolveTimeoutMs(undefined) === 30_000);
 * ```
 */
export function resolveTimeoutMs(value: number | undefined, fallback = 30_000): number {
  const timeoutMs = value ?? fallback;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ValidationError("timeoutMs", "expected a finite number of milliseconds > 0");
  }
  return timeoutMs;
}

/** The runtime's fetch as it was when the SDK was loaded. */
const RUNTIME_FETCH: unknown = globalThis.fetch;

/** Node's fetch loads undici on its first call (see `wire_fetch.ts`); Deno's and Bun's are native. */
function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: Record<string, string | undefined> } })
    .process;
  return !("Deno" in globalThis) && typeof process?.versions?.node === "string" &&
    process.versions.bun === undefined;
}

let nodeTransport: HttpTransport | undefined;

/**
 * The given fetch; else, on Node, the SDK's own HTTP/1.1 client (unless `globalThis.fetch` was
 * replaced, by a polyfill or a test, then that one); else the runtime's fetch.
 *
 * @example
 * ```ts
 * import { resolveFetch } from "./options.ts";
 * const send = resolveFetch(undefined);
 * ```
 */
export function resolveFetch(value: FetchLike | undefined): HttpTransport {
  if (value !== undefined) return value;
  return (input, init) => {
    // Chosen at each call, so that a fetch replaced after the SDK was loaded is honoured.
    if (globalThis.fetch === RUNTIME_FETCH && isNode()) {
      nodeTransport ??= wireTransport();
      return nodeTransport(input, init);
    }
    return globalThis.fetch(input, init);
  };
}
