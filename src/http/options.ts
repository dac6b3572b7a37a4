/**
 * Options shared by the SDK's HTTP clients (ClearML, user management): the checks of a base URL,
 * a timeout and a fetch, each applying its default.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { FetchLike } from "./fetch.ts";

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

/**
 * The given fetch, or the runtime's.
 *
 * @example
 * ```ts
 * import { resolveFetch } from "./options.ts";
 * const fetch = resolveFetch(undefined);
 * ```
 */
export function resolveFetch(value: FetchLike | undefined): FetchLike {
  if (value !== undefined) return value;
  // Bound late so that a test or polyfill replacing globalThis.fetch afterwards is honoured.
  return (input, init) => globalThis.fetch(input, init);
}
