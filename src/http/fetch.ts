/**
 * One HTTP exchange under the SDK's policy: a timeout per attempt combined with the caller's
 * `signal`, the retry policy of `retry.ts`, and transport failures turned into typed errors that
 * name the service but never the credentials.
 *
 * @module
 */

import { ConnectionError, type ServiceName, TimeoutError } from "../errors.ts";
import { isRetryableStatus, type ResolvedRetryOptions, retryDelay, sleep } from "./retry.ts";

/** A fetch function; the seam for proxies, instrumentation and tests. */
export type FetchLike = (input: Request | URL | string, init?: RequestInit) => Promise<Response>;

/** What the SDK sends through a transport: a fetch's init, reduced to what it uses. */
export interface TransportInit {
  /** The method. */
  method: string;
  /** Header values by name. */
  headers?: Record<string, string>;
  /** The body, as text. */
  body?: string;
  /** Aborts the request and the reading of its answer. */
  signal?: AbortSignal;
}

/** The part of a fetch `Response` the SDK reads: any {@link FetchLike}'s answer is one. */
export interface HttpAnswer {
  /** The status code. */
  readonly status: number;
  /** Whether the status is 2xx. */
  readonly ok: boolean;
  /** The headers. */
  readonly headers: { get(name: string): string | null };
  /** The body as text (read once). */
  text(): Promise<string>;
  /** The body, to give up unread. */
  readonly body: { cancel(): Promise<void> } | null;
}

/** Sends one request: a {@link FetchLike}, or the SDK's own HTTP/1.1 client (`wire_fetch.ts`). */
export type HttpTransport = (input: string, init: TransportInit) => Promise<HttpAnswer>;

/** One request as {@link fetchWithPolicy} sends it. */
export interface PolicyRequest {
  /** The service, for error messages. */
  service: ServiceName;
  /** The URL; only its origin and path appear in errors (never its query). */
  url: string;
  /** Builds the init of each attempt. */
  init: () => Omit<TransportInit, "signal">;
  /** Whether the call can safely run twice (see `retry.ts`). */
  idempotent: boolean;
  /** The transport to use. */
  fetch: HttpTransport;
  /** The time limit of one attempt, in milliseconds. */
  timeoutMs: number;
  /** The retry policy. */
  retry: ResolvedRetryOptions;
  /** Aborts the call and any wait. */
  signal?: AbortSignal | undefined;
}

/** The part of a URL that may be shown: origin and path, no credentials, no query. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(an invalid URL)";
  }
}

/**
 * Sends a request, retrying as the policy allows, and returns the last response (which may be an
 * error status the caller interprets). Throws {@link ConnectionError} or {@link TimeoutError} when
 * no response came, and the signal's reason when the caller aborted.
 */
export async function fetchWithPolicy(request: PolicyRequest): Promise<HttpAnswer> {
  const { retry, signal } = request;
  for (let attempt = 0;; attempt++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: HttpAnswer;
    try {
      response = await request.fetch(request.url, { ...request.init(), signal: combined });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const failure = timeout.aborted
        ? new TimeoutError(
          request.service,
          `${request.service} did not answer ${
            describeUrl(request.url)
          } within ${request.timeoutMs} ms`,
          request.timeoutMs,
          { cause: error },
        )
        : new ConnectionError(
          request.service,
          `Cannot reach ${request.service} at ${describeUrl(request.url)}: ${
            describeCause(error)
          }. Check the URL and that the service is running.`,
          { cause: error },
        );
      // A request that timed out or lost its connection may have been processed: only
      // idempotent calls are sent again.
      if (!request.idempotent || attempt >= retry.retries) throw failure;
      await sleep(retryDelay(attempt, retry), signal);
      continue;
    }
    if (attempt < retry.retries && isRetryableStatus(response.status, request.idempotent)) {
      const retryAfter = response.headers.get("retry-after");
      await response.body?.cancel();
      await sleep(retryDelay(attempt, retry, retryAfter), signal);
      continue;
    }
    return response;
  }
}

function describeCause(error: unknown): string {
  let current: unknown = error;
  // Runtimes wrap the socket error ("fetch failed" -> ECONNREFUSED); the innermost is the useful one.
  for (let depth = 0; depth < 4; depth++) {
    const next = (current as { cause?: unknown } | null)?.cause;
    if (next === undefined || next === null) break;
    current = next;
  }
  const code = (current as { code?: unknown } | null)?.code;
  const message = current instanceof Error ? current.message : String(current);
  return typeof code === "string" && !message.includes(code) ? `${code} ${message}` : message;
}
