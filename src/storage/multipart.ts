/**
 * The life of one multipart upload (or multipart copy): create it, run its parts, complete it,
 * and abort it on any failure or abort so that no unfinished upload is left to hold storage.
 *
 * @module
 */

import type { CompletedPart } from "@aws-sdk/client-s3";
import { StorageError } from "../errors.ts";
import type { StreamedBody } from "../http/wire.ts";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { drainAnswer, sendDirect } from "./direct_call.ts";
import { cleanEtag } from "./objects.ts";
import { BoundedGroup } from "./pool.ts";

/** What a new object is created with. */
export interface ObjectAttributes {
  /** The `Content-Type` stored with the object. */
  contentType?: string;
  /** User metadata (`x-amz-meta-*`), stored with the object. */
  metadata?: Record<string, string>;
}

/** Turns {@link ObjectAttributes} into the SDK's input fields. */
export function attributeFields(
  attributes: ObjectAttributes,
): { ContentType?: string; Metadata?: Record<string, string> } {
  return {
    ...(attributes.contentType === undefined ? {} : { ContentType: attributes.contentType }),
    ...(attributes.metadata === undefined ? {} : { Metadata: attributes.metadata }),
  };
}

/** {@link ObjectAttributes} as the headers of a PutObject. */
function attributeHeaders(attributes: ObjectAttributes): Record<string, string> {
  const headers: Record<string, string> = {};
  if (attributes.contentType !== undefined) headers["content-type"] = attributes.contentType;
  for (const [name, value] of Object.entries(attributes.metadata ?? {})) {
    headers[`x-amz-meta-${name.toLowerCase()}`] = value;
  }
  return headers;
}

/**
 * Stores `body` at `key` with one PutObject (in memory, or streamed); returns the ETag without
 * its quotes.
 */
export async function putWhole(
  context: StorageContext,
  key: string,
  body: Uint8Array | StreamedBody,
  attributes: ObjectAttributes,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const answer = await sendDirect(context, { operation: "PutObject", key }, {
    method: "PUT",
    bucket: context.bucket,
    key,
    headers: attributeHeaders(attributes),
    body,
    signal,
  });
  drainAnswer(answer);
  return cleanEtag(answer.header("etag"));
}

/** One multipart upload in progress, given to the code that sends its parts. */
export interface MultipartSession {
  /** The upload id radosgw gave. */
  uploadId: string;
  /** Records a finished part (any order). */
  partDone(partNumber: number, etag: string | undefined): void;
  /** The group running the parts: bounded, failing fast, aborted with the caller's signal. */
  group: BoundedGroup;
}

/** Sends one part held in memory (retried whole) and records it in the session. */
export async function sendPart(
  context: StorageContext,
  key: string,
  session: MultipartSession,
  part: { partNumber: number; body: Uint8Array },
  signal: AbortSignal,
): Promise<void> {
  const answer = await sendDirect(context, { operation: "UploadPart", key }, {
    method: "PUT",
    bucket: context.bucket,
    key,
    query: { partNumber: String(part.partNumber), uploadId: session.uploadId },
    body: part.body,
    signal,
  });
  drainAnswer(answer);
  session.partDone(part.partNumber, answer.header("etag"));
}

/** How long the clean-up AbortMultipartUpload may take; it must run even after an abort. */
const ABORT_TIMEOUT_MS = 30_000;

/**
 * Creates a multipart upload of `key`, lets `sendParts` add its parts to the session's group,
 * completes it, and aborts it if anything fails (including the caller's abort). The error thrown
 * is the first failure, or the signal's reason.
 */
export async function runMultipart(
  context: StorageContext,
  key: string,
  options: ObjectAttributes & { concurrency: number; signal?: AbortSignal | undefined },
  sendParts: (session: MultipartSession) => Promise<void>,
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  // Not cut short by the caller's signal: an upload created while its answer is cut off would
  // be left unfinished with an id nobody knows. Once it exists, an abort aborts it (below).
  const created = await call(
    context,
    { operation: "CreateMultipartUpload", key },
    undefined,
    (send) =>
      context.sdk().then(({ client, s3 }) =>
        client.send(
          new s3.CreateMultipartUploadCommand({
            Bucket: context.bucket,
            Key: key,
            ...attributeFields(options),
          }),
          send,
        )
      ),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined || uploadId === "") {
    throw new StorageError(`S3 CreateMultipartUpload on s3://${context.bucket}/${key} gave no id`, {
      operation: "CreateMultipartUpload",
      bucket: context.bucket,
      key,
    });
  }
  const parts: CompletedPart[] = [];
  const group = new BoundedGroup(options.concurrency, signal);
  try {
    try {
      signal?.throwIfAborted();
      await sendParts({
        uploadId,
        group,
        partDone: (PartNumber, ETag) =>
          parts.push(ETag === undefined ? { PartNumber } : { PartNumber, ETag }),
      });
    } catch (error) {
      group.fail(error);
    }
    await group.done();
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await call(
      context,
      { operation: "CompleteMultipartUpload", key },
      signal,
      (send) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(
            new s3.CompleteMultipartUploadCommand({
              Bucket: context.bucket,
              Key: key,
              UploadId: uploadId,
              MultipartUpload: { Parts: parts },
            }),
            send,
          )
        ),
    );
  } catch (error) {
    await abortMultipart(context, key, uploadId);
    throw error;
  }
}

/**
 * Aborts a multipart upload, ignoring the caller's signal (the clean-up must happen even when the
 * caller aborted) but bounded in time. A failure here is swallowed: the original failure is the
 * one to report, and an unfinished upload left behind is visible in ListMultipartUploads.
 */
export async function abortMultipart(
  context: StorageContext,
  key: string,
  uploadId: string,
): Promise<void> {
  try {
    await context.sdk().then(({ client, s3 }) =>
      client.send(
        new s3.AbortMultipartUploadCommand({
          Bucket: context.bucket,
          Key: key,
          UploadId: uploadId,
        }),
        { abortSignal: AbortSignal.timeout(ABORT_TIMEOUT_MS) },
      )
    );
  } catch {
    // Reported through the original error; see the function's documentation.
  }
}
