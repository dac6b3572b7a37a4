/**
 * The options every call to the user-management API takes, with their defaults.
 *
 * @module
 */

import type { FetchLike, HttpTransport } from "../http/fetch.ts";
import { normalizeBaseUrl, resolveFetch, resolveTimeoutMs } from "../http/options.ts";
import {
  type ResolvedRetryOptions,
  resolveRetryOptions,
  type RetryOptions,
} from "../http/retry.ts";

/**
 * Where the user-management API is and how to call it.
 *
 * @example
 * ```ts
 * import type { UserManagementOptions } from "./options.ts";
 * const options: UserManagementOptions = {
 *   userManagementApi: "http://127.0.0.1:8090",
 *   timeoutMs: 10_000,
 * };
 * ```
 */
export interface UserManagementOptions {
  /** The API's base URL (`USER_MANAGEMENT_API`); trailing slashes are ignored. */
  userManagementApi: string;
  /**
   * The fetch used for the request.
   * @default globalThis.fetch; on Node, the SDK's own HTTP/1.1 client (Node's fetch costs 0.25 s
   *   and 44 MiB on its first call) unless globalThis.fetch was replaced. Pass
   *   `globalThis.fetch` to go through an undici dispatcher (a proxy).
   */
  fetch?: FetchLike | undefined;
  /**
   * The time limit of one HTTP attempt, in milliseconds.
   * @default 30000
   */
  timeoutMs?: number | undefined;
  /**
   * The retry policy (see `src/http/retry.ts`); the calls are reads, so every failure that
   * policy names is retried.
   * @default DEFAULT_RETRY
   */
  retry?: RetryOptions | undefined;
  /** Aborts the call, its retries and its waits. */
  signal?: AbortSignal | undefined;
}

/** {@link UserManagementOptions} checked, with the defaults applied. */
export interface ResolvedUserManagementOptions {
  /** The base URL without a trailing slash. */
  baseUrl: string;
  /** The transport: the given fetch or the default (see `resolveFetch`). */
  fetch: HttpTransport;
  /** Per-attempt limit. */
  timeoutMs: number;
  /** The retry policy. */
  retry: ResolvedRetryOptions;
  /** The caller's signal. */
  signal: AbortSignal | undefined;
}

/**
 * Checks {@link UserManagementOptions} and applies the defaults; a wrong value is a
 * `ValidationError` naming the option.
 *
 * @example
 * ```ts
 * import { resolveUserManagementOptions } from "./options.ts";
 * const resolved = resolveUserManagementOptions({ userManagementApi: "http://h:8090/api/" });
 * console.assert(resolved.baseUrl === "http://h:8090/api");
 * ```
 */
export function resolveUserManagementOptions(
  options: UserManagementOptions,
): ResolvedUserManagementOptions {
  return {
    baseUrl: normalizeBaseUrl("userManagementApi", options.userManagementApi),
    fetch: resolveFetch(options.fetch),
    timeoutMs: resolveTimeoutMs(options.timeoutMs),
    retry: resolveRetryOptions(options.retry),
    signal: options.signal,
  };
}
