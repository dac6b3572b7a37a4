/**
 * The options of the ClearML client, their defaults (applied here and nowhere else) and their
 * validation.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { FetchLike, HttpTransport } from "../http/fetch.ts";
import { normalizeBaseUrl, resolveFetch, resolveTimeoutMs } from "../http/options.ts";
import {
  type ResolvedRetryOptions,
  resolveRetryOptions,
  type RetryOptions,
} from "../http/retry.ts";
import type { Logger } from "../logger.ts";

/**
 * How to reach and authenticate to a ClearML API server.
 *
 * @example
 * ```ts
 * import type { ClearMLClientOptions } from "./options.ts";
 * const options: ClearMLClientOptions = {
 *   apiHost: "http://127.0.0.1:8008",
 *   accessKey: "ACCESSKEY",
 *   secretKey: "secret",
 *   timeoutMs: 10_000,
 *   retry: { retries: 2 },
 * };
 * ```
 */
export interface ClearMLClientOptions {
  /** The API server, `http(s)://host:8008` or the web server's `http(s)://host:8080/api`. */
  apiHost: string;
  /** The ClearML access key. */
  accessKey: string;
  /** The ClearML secret key. */
  secretKey: string;
  /**
   * The fetch used for every request.
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
   * The retry policy (see `src/http/retry.ts`).
   * @default DEFAULT_RETRY
   */
  retry?: RetryOptions | undefined;
  /**
   * The API version put in every path (`/v2.23/models.get_all`). At least 2.17, the version
   * from which the server returns metadata as a map (at ≤ 2.16 it returns `[]`).
   * @default "2.23" (as the official SDK)
   */
  apiVersion?: string | undefined;
  /**
   * Log in again when fewer than this many seconds remain before the token expires (or half
   * the token's lifetime, if that is shorter).
   * @default 60
   */
  refreshBeforeExpirySec?: number | undefined;
  /**
   * The clock, in epoch milliseconds, compared with the token's expiry.
   * @default Date.now
   */
  now?: (() => number) | undefined;
  /** Where debug lines go; nothing is logged without it. */
  logger?: Logger | undefined;
}

/** {@link ClearMLClientOptions} with the defaults applied and the values checked. */
export interface ResolvedClearMLOptions {
  /** The base URL without a trailing slash. */
  apiHost: string;
  /** The access key. */
  accessKey: string;
  /** The secret key. */
  secretKey: string;
  /** The transport: the given fetch or the default (see `resolveFetch`). */
  fetch: HttpTransport;
  /** Per-attempt limit. */
  timeoutMs: number;
  /** The retry policy. */
  retry: ResolvedRetryOptions;
  /** E.g. `2.23`. */
  apiVersion: string;
  /** Seconds before expiry. */
  refreshBeforeExpirySec: number;
  /** The clock. */
  now: () => number;
  /** The logger, possibly empty. */
  logger: Logger;
}

const DEFAULT_API_VERSION = "2.23";
const MIN_API_VERSION: readonly [number, number] = [2, 17];

/**
 * Applies the defaults of {@link ClearMLClientOptions} and checks every value, throwing a
 * {@link ValidationError} that names the option (never its value when it is a key).
 *
 * @example
 * ```ts
 * import { resolveClearMLOptions } from "./options.ts";
 * const resolved = resolveClearMLOptions({ apiHost: "http://h:8080/api/", accessKey: "a", secretKey: "s" });
 * console.assert(resolved.apiHost === "http://h:8080/api" && resolved.apiVersion === "2.23");
 * ```
 */
export function resolveClearMLOptions(options: ClearMLClientOptions): ResolvedClearMLOptions {
  const apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  const match = /^(\d+)\.(\d+)$/.exec(apiVersion);
  if (
    !match ||
    Number(match[1]) * 1000 + Number(match[2]) < MIN_API_VERSION[0] * 1000 + MIN_API_VERSION[1]
  ) {
    throw new ValidationError(
      "apiVersion",
      `expected a ClearML API version "MAJOR.MINOR" of at least 2.17 (metadata as a map), ` +
        `got ${JSON.stringify(apiVersion)}`,
    );
  }
  const refreshBeforeExpirySec = options.refreshBeforeExpirySec ?? 60;
  if (!Number.isFinite(refreshBeforeExpirySec) || refreshBeforeExpirySec < 0) {
    throw new ValidationError("refreshBeforeExpirySec", "expected a finite number >= 0");
  }
  return {
    apiHost: normalizeBaseUrl("apiHost", options.apiHost),
    accessKey: requireSecret("accessKey", options.accessKey),
    secretKey: requireSecret("secretKey", options.secretKey),
    fetch: resolveFetch(options.fetch),
    timeoutMs: resolveTimeoutMs(options.timeoutMs),
    retry: resolveRetryOptions(options.retry),
    apiVersion,
    refreshBeforeExpirySec,
    now: options.now ?? Date.now,
    logger: options.logger ?? {},
  };
}

function requireSecret(option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(option, "expected a non-empty string");
  }
  return value;
}
