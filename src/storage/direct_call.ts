/**
 * The policy around one data-path request (`direct.ts`): the retries of `src/http/retry.ts`
 * (no answer, 408, 429, 500, 502, 503, 504; the bodies sent are in memory, so every attempt sends
 * them whole), the server's `Retry-After`, and every failure turned into the same typed errors as
 * the AWS SDK's calls (`errors.ts`), with the S3 error code read from the answer's XML.
 *
 * @module
 */

import { isRetryableStatus, retryDelay, sleep } from "../http/retry.ts";
import type { StorageContext } from "./client.ts";
import type { DirectRequest, DirectResponse } from "./direct.ts";
import { type StorageCallSite, toStorageError } from "./errors.ts";

/** The most bytes of an error answer read to find its code and message. */
const ERROR_BODY_LIMIT = 16 * 1024;

/**
 * Sends `request` (bucket and signal as given) until it gets a 2xx answer, and returns that
 * answer with its body unread. Throws a typed error, or the signal's reason after an abort.
 *
 * @example
 * ```ts ignore
 * const answer = await sendDirect(context, { operation: "GetObject", key }, {
 *   method: "GET", bucket: context.bucket, key, signal,
 * });
 * for await (const chunk of answer.body) use(chunk);
 * ```
 */
export async function sendDirect(
  context: StorageContext,
  site: StorageCallSite,
  request: DirectRequest,
): Promise<DirectResponse> {
  const { signal } = request;
  for (let attempt = 0;; attempt++) {
    let failure: unknown;
    let retryAfter: string | undefined;
    try {
      const response = await context.direct.send(request);
      if (response.status >= 200 && response.status < 300) return response;
      failure = await answerError(response);
      if (!isRetryableStatus(response.status, true)) {
        throw toStorageError(failure, context, site);
      }
      retryAfter = response.header("retry-after");
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (failure !== undefined) throw error;
      failure = error;
    }
    if (attempt >= context.retry.retries) throw toStorageError(failure, context, site);
    await sleep(retryDelay(attempt, context.retry, retryAfter), signal);
  }
}

/** The error an S3 answer describes, shaped as the AWS SDK's errors are (see `errors.ts`). */
async function answerError(response: DirectResponse): Promise<Error> {
  let text = "";
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      if (text.length >= ERROR_BODY_LIMIT) break;
    }
  } catch {
    // The status says enough.
  } finally {
    response.body.destroy();
  }
  const code = /<Code>([^<]{1,200})<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]{1,2000})<\/Message>/.exec(text)?.[1] ?? "";
  return Object.assign(new Error(message === "" ? (code ?? `HTTP ${response.status}`) : message), {
    name: code ?? "Unknown",
    ...(code === undefined ? {} : { Code: code }),
    $metadata: { httpStatusCode: response.status },
  });
}
