/**
 * How this folder calls S3: every call carries the caller's abort signal, an abort surfaces as
 * the signal's reason (as everywhere in the SDK), and every other failure becomes a typed error.
 *
 * @module
 */

import { retryDelay, sleep } from "../http/retry.ts";
import type { StorageContext } from "./client.ts";
import { isTransientFailure, type StorageCallSite, toStorageError } from "./errors.ts";

/** The second argument of `S3Client.send`. */
export interface SendOptions {
  /** Aborts the request, and the SDK's wait between two attempts. */
  abortSignal?: AbortSignal;
}

/**
 * Runs one SDK call with the signal and maps its failure.
 *
 * @example
 * ```ts ignore
 * const head = await call(context, { operation: "HeadObject", key }, signal, (options) =>
 *   context.sdk().then(({ client, s3 }) =>
 *     client.send(new s3.HeadObjectCommand({ Bucket: context.bucket, Key: key }), options)));
 * ```
 */
export async function call<T>(
  context: StorageContext,
  site: StorageCallSite,
  signal: AbortSignal | undefined,
  run: (options: SendOptions) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted();
  try {
    // The SDK aborts its request in flight, and fails its next attempt after a retry wait (at
    // most the policy's longest delay): the call returns once the SDK knows the outcome, so that
    // no request it sent can still land after the caller moved on (a multipart upload created
    // behind the caller's back would stay unfinished).
    return await run(signal ? { abortSignal: signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, site);
  }
}

/**
 * Retries what the SDK cannot retry itself: requests whose body is a stream (a file part) and
 * the reading of a response body. `run` must start from scratch each time (a new file stream, a
 * new GET). The policy is `src/http/retry.ts`'s: transient failures only, bounded, with backoff;
 * an aborted signal stops the wait at once.
 */
export async function withRetries<T>(
  context: StorageContext,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= context.retry.retries || !isTransientFailure(error)) throw error;
      await sleep(retryDelay(attempt, context.retry), signal);
    }
  }
}
