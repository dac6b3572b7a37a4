/**
 * Server-side copy, the bytes never leaving the endpoint: CopyObject up to `multipartThreshold`
 * (5 GiB, the S3 limit of CopyObject), a multipart copy above it (UploadPartCopy of byte ranges,
 * `concurrency` at a time, aborted on any failure). The source may be in another bucket reachable
 * with the same endpoint and credentials. Every request is conditional on the source's ETag, so a
 * source replaced during the copy fails it instead of mixing two versions.
 *
 * @module
 */

import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { requireObject } from "./exists.ts";
import { runMultipart } from "./multipart.ts";
import { cleanEtag, type TransferResult } from "./objects.ts";
import {
  checkInteger,
  DEFAULT_COPY_PART_SIZE,
  DEFAULT_COPY_THRESHOLD,
  type PartOptions,
  planParts,
  resolvePartOptions,
} from "./options.ts";
import { progressCounter, type StorageProgressListener } from "./progress.ts";

/** Options of {@link copyObject}. */
export interface CopyOptions extends PartOptions {
  /**
   * The bucket of the source, on the same endpoint and readable with the same credentials.
   * @default the bucket of the destination
   */
  sourceBucket?: string;
  /**
   * Sources larger than this many bytes are copied part by part (UploadPartCopy).
   * @default 5 GiB
   */
  multipartThreshold?: number;
  /** Stops the copy; an unfinished multipart copy is then aborted. */
  signal?: AbortSignal;
  /** Receives the bytes copied so far (after each part). */
  onProgress?: StorageProgressListener;
}

/**
 * The `CopySource` header value: bucket and key, each path segment URL-encoded, so keys with
 * spaces, `+`, `%` or non-ASCII characters name the right object.
 */
export function copySource(bucket: string, key: string): string {
  return `${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Copies `sourceKey` to `destinationKey` of the context's bucket; see the module doc. *
 * @example
 * ```ts ignore
 * await copyObject(context, "incoming/model.bin", "_models/abc/v1/model.bin", {
 *   sourceBucket: "staging",
 * });
 * ```
 */
export async function copyObject(
  context: StorageContext,
  sourceKey: string,
  destinationKey: string,
  options: CopyOptions = {},
): Promise<TransferResult> {
  const parts = resolvePartOptions(options, DEFAULT_COPY_PART_SIZE);
  const threshold = checkInteger(
    "multipartThreshold",
    options.multipartThreshold ?? DEFAULT_COPY_THRESHOLD,
    0,
  );
  const { signal } = options;
  const sourceBucket = options.sourceBucket ?? context.bucket;
  const head = await requireObject(
    { ...context, bucket: sourceBucket },
    sourceKey,
    "CopyObject",
    signal,
  );
  const source = copySource(sourceBucket, sourceKey);
  const ifMatch = head.etag === undefined ? {} : { CopySourceIfMatch: `"${head.etag}"` };
  const progress = progressCounter(options.onProgress, {
    kind: "copy",
    bucket: context.bucket,
    key: destinationKey,
    totalBytes: head.size,
  });
  if (head.size <= threshold) {
    const output = await call(
      context,
      { operation: "CopyObject", key: destinationKey },
      signal,
      (send) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(
            new s3.CopyObjectCommand({
              Bucket: context.bucket,
              Key: destinationKey,
              CopySource: source,
              ...ifMatch,
            }),
            send,
          )
        ),
    );
    progress(head.size);
    return {
      bucket: context.bucket,
      key: destinationKey,
      size: head.size,
      etag: cleanEtag(output.CopyObjectResult?.ETag),
    };
  }
  const attributes = {
    ...(head.contentType === undefined ? {} : { contentType: head.contentType }),
    metadata: head.metadata,
  };
  await runMultipart(
    context,
    destinationKey,
    { ...attributes, concurrency: parts.concurrency, signal },
    async (session) => {
      for (const range of planParts(head.size, parts.partSize)) {
        await session.group.add(async (partSignal) => {
          const output = await call(
            context,
            { operation: "UploadPartCopy", key: destinationKey },
            partSignal,
            (send) =>
              context.sdk().then(({ client, s3 }) =>
                client.send(
                  new s3.UploadPartCopyCommand({
                    Bucket: context.bucket,
                    Key: destinationKey,
                    UploadId: session.uploadId,
                    PartNumber: range.partNumber,
                    CopySource: source,
                    CopySourceRange: `bytes=${range.start}-${range.end}`,
                    ...ifMatch,
                  }),
                  send,
                )
              ),
          );
          session.partDone(range.partNumber, output.CopyPartResult?.ETag);
          progress(range.end - range.start + 1);
        });
      }
    },
  );
  return { bucket: context.bucket, key: destinationKey, size: head.size, etag: undefined };
}
