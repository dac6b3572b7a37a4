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

/**
 * The text of an answer's body, read to its end or until `limit` characters (the body is then
 * given up): whether it was read whole says `complete`. Throws what broke the body off.
 */
export async function answerText(
  response: DirectResponse,
  limit: number,
): Promise<{ text: string; complete: boolean }> {
  let text = "";
  const decoder = new TextDecoder();
  const full = new Error("the answer is longer than the limit");
  try {
    await response.body.pipe((piece) => {
      text += decoder.decode(piece, { stream: true });
      if (text.length > limit) throw full;
    });
  } catch (error) {
    if (error !== full) throw error;
    return { text, complete: false };
  } finally {
    response.body.destroy();
  }
  return { text: text + decoder.decode(), complete: true };
}

/** Reads the rest of an answer whose body does not matter, so that its connection is reused. */
export function drainAnswer(response: DirectResponse): void {
  response.body.pipe(() => {}).catch(() => {});
}

/** The error an S3 answer describes, shaped as the AWS SDK's errors are (see `errors.ts`). */
async function answerError(response: DirectResponse): Promise<Error> {
  // The status says enough when the body breaks off.
  const { text } = await answerText(response, ERROR_BODY_LIMIT).catch(() => ({ text: "" }));
  const code = /<Code>([^<]{1,200})<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]{1,2000})<\/Message>/.exec(text)?.[1] ?? "";
  return Object.assign(new Error(message === "" ? (code ?? `HTTP ${response.status}`) : message), {
    name: code ?? "Unknown",
    ...(code === undefined ? {} : { Code: code }),
    $metadata: { httpStatusCode: response.status },
  });
}
