/**
 * The one retry policy of the SDK, used by every HTTP client (ClearML, the user-management API,
 * the Hub) and mirrored in the S3 layer's configuration.
 *
 * - Only safe calls are retried: a call marked idempotent is retried after a network error or an
 *   HTTP 408, 429, 500, 502, 503 or 504; a call that is not idempotent (it may have taken effect
 *   before the failure) is retried only after 429 or 503, where the server said it did not act.
 * - The delay is exponential with full jitter, `random(0, min(maxDelayMs, baseDelayMs * 2^n))`,
 *   and a `Retry-After` header (seconds or an HTTP date) is honoured, capped at `maxDelayMs`.
 * - At most `retries` retries; the final error keeps the last failure as its `cause`.
 * - An aborted `signal` stops both the attempt and the wait between attempts at once.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";
import { onAbort } from "../abort.ts";

/** How a client retries. Every field has a default, applied by {@link resolveRetryOptions}. */
export interface RetryOptions {
  /**
   * How many times a failed call is tried again.
   * @default 4
   */
  retries?: number;
  /**
   * The first delay before a retry, in milliseconds; it doubles at each attempt.
   * @default 200
   */
  baseDelayMs?: number;
  /**
   * The longest delay between two attempts, in milliseconds (also caps `Retry-After`).
   * @default 10000
   */
  maxDelayMs?: number;
}

/** {@link RetryOptions} with every default applied. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/** The defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY: ResolvedRetryOptions = Object.freeze({
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
});

/** Applies the defaults and checks the values. */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = { ...DEFAULT_RETRY };
  for (const key of ["retries", "baseDelayMs", "maxDelayMs"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(`retry.${key}`, `expected a finite number >= 0, got ${value}`);
    }
    resolved[key] = value;
  }
  return resolved;
}

const IDEMPOTENT_RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
const UNSAFE_RETRY_STATUSES = new Set([429, 503]);

/** Whether an HTTP status may be retried for a call of the given kind. */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  return (idempotent ? IDEMPOTENT_RETRY_STATUSES : UNSAFE_RETRY_STATUSES).has(status);
}

/**
 * The delay before retry number `attempt` (0 for the first retry), in milliseconds.
 * `retryAfter` is the raw `Retry-After` header, when the server sent one.
 */
export function retryDelay(
  attempt: number,
  options: ResolvedRetryOptions,
  retryAfter?: string | null,
  random: () => number = Math.random,
): number {
  const fromHeader = parseRetryAfter(retryAfter);
  if (fromHeader !== undefined) return Math.min(fromHeader, options.maxDelayMs);
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Parses a `Retry-After` value (delta seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Waits `ms` milliseconds, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", abort);
      resolve();
    }, ms);
    if (signal !== undefined) onAbort(signal, abort);
  });
}
