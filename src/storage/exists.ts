/**
 * Exact-key questions: does this object exist, and what is it. A key is compared exactly, never
 * as a prefix (`a/b` does not answer for `a/bc`), and only "not found" means absent: a refused or
 * failed call throws, it is never taken for "no such object".
 *
 * @module
 */

import { StorageError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { isNotFound } from "./errors.ts";
import { cleanEtag, type ObjectHead } from "./objects.ts";

/**
 * HeadObject of `key`: its description, or `null` when S3 answers 404.
 * A 403 from a HEAD carries no S3 code, so bad credentials and a denied read both arrive as a
 * {@link StorageError} with code `Forbidden`.
 *
 * @example
 * ```ts ignore
 * const head = await headObject(context, "_models/abc/v1/model.bin");
 * if (head !== null) console.log(head.size, head.etag, head.metadata);
 * ```
 */
export async function headObject(
  context: StorageContext,
  key: string,
  signal?: AbortSignal,
): Promise<ObjectHead | null> {
  try {
    const output = await call(
      context,
      { operation: "HeadObject", key },
      signal,
      (send) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(new s3.HeadObjectCommand({ Bucket: context.bucket, Key: key }), send)
        ),
    );
    return {
      key,
      size: output.ContentLength ?? 0,
      etag: cleanEtag(output.ETag),
      lastModified: output.LastModified,
      contentType: output.ContentType,
      metadata: { ...output.Metadata },
    };
  } catch (error) {
    if (!(error instanceof StorageError && isNotFound(error.cause))) throw error;
  }
  // A HEAD answer has no body, so a missing bucket also looks like a missing key: tell them
  // apart, or a wrong bucket name would read as "no such object" forever.
  await call(
    context,
    { operation: "HeadBucket" },
    signal,
    (send) =>
      context.sdk().then(({ client, s3 }) =>
        client.send(new s3.HeadBucketCommand({ Bucket: context.bucket }), send)
      ),
  ).catch(
    (error: unknown) => {
      signal?.throwIfAborted();
      // Only a 404 is conclusive: keys scoped by a policy may not be allowed HeadBucket.
      if (!(error instanceof StorageError && isNotFound(error.cause))) return;
      throw new StorageError(`S3 bucket ${context.bucket} does not exist at ${context.endpoint}`, {
        operation: "HeadObject",
        bucket: context.bucket,
        key,
        code: "NoSuchBucket",
        status: 404,
        cause: error,
      });
    },
  );
  return null;
}

/** {@link headObject} for an operation that needs the object: absent → a 404 StorageError. */
export async function requireObject(
  context: StorageContext,
  key: string,
  operation: string,
  signal?: AbortSignal,
): Promise<ObjectHead> {
  const head = await headObject(context, key, signal);
  if (head !== null) return head;
  throw new StorageError(
    `S3 ${operation} on s3://${context.bucket}/${key} failed: there is no such object`,
    { operation, bucket: context.bucket, key, code: "NoSuchKey", status: 404 },
  );
}
