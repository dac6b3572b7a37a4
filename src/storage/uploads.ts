/**
 * Unfinished multipart uploads: the parts of an upload that was never completed nor aborted (a
 * process killed mid-upload, an abort that could not reach S3) hold storage until someone aborts
 * them. These list them (paging hidden), tell how big and how recently active each one is, and
 * abort them.
 *
 * @module
 */

import type { ListMultipartUploadsCommandOutput, ListPartsCommandOutput } from "@aws-sdk/client-s3";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { StorageError } from "../errors.ts";

/** One unfinished multipart upload. */
export interface UnfinishedUpload {
  /** The key the upload would create. */
  key: string;
  /** Its upload id. */
  uploadId: string;
  /** When it was created. */
  initiated: Date | undefined;
}

/** The parts an unfinished upload holds. */
export interface UploadParts {
  /** How many parts. */
  parts: number;
  /** Their total size in bytes. */
  bytes: number;
  /** When the latest part was written (`undefined` with no parts). */
  lastModified: Date | undefined;
}

/**
 * Every unfinished multipart upload whose key starts with `prefix`, in key order.
 *
 * @example
 * ```ts ignore
 * for await (const upload of listUploads(context, "_models/")) console.log(upload.key);
 * ```
 */
export async function* listUploads(
  context: StorageContext,
  prefix: string,
  signal?: AbortSignal,
): AsyncGenerator<UnfinishedUpload> {
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  for (;;) {
    const page: ListMultipartUploadsCommandOutput = await call(
      context,
      { operation: "ListMultipartUploads", key: prefix },
      signal,
      (send) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(
            new s3.ListMultipartUploadsCommand({
              Bucket: context.bucket,
              Prefix: prefix,
              ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
              ...(idMarker === undefined ? {} : { UploadIdMarker: idMarker }),
            }),
            send,
          )
        ),
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === undefined || upload.UploadId === undefined) continue;
      yield { key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated };
    }
    if (!page.IsTruncated) return;
    const nextKey = page.NextKeyMarker;
    if (nextKey === undefined || nextKey === "") return;
    keyMarker = nextKey;
    idMarker = page.NextUploadIdMarker;
  }
}

/** The parts of one unfinished upload (paging hidden); an upload gone meanwhile has none. */
export async function uploadParts(
  context: StorageContext,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<UploadParts> {
  const result: UploadParts = { parts: 0, bytes: 0, lastModified: undefined };
  let marker: string | undefined;
  for (;;) {
    let page: ListPartsCommandOutput;
    try {
      page = await call(
        context,
        { operation: "ListParts", key },
        signal,
        (send) =>
          context.sdk().then(({ client, s3 }) =>
            client.send(
              new s3.ListPartsCommand({
                Bucket: context.bucket,
                Key: key,
                UploadId: uploadId,
                ...(marker === undefined ? {} : { PartNumberMarker: marker }),
              }),
              send,
            )
          ),
      );
    } catch (error) {
      if (isNoSuchUpload(error)) return result;
      throw error;
    }
    for (const part of page.Parts ?? []) {
      result.parts++;
      result.bytes += part.Size ?? 0;
      const modified = part.LastModified;
      if (modified && (!result.lastModified || modified > result.lastModified)) {
        result.lastModified = modified;
      }
    }
    if (!page.IsTruncated || page.NextPartNumberMarker === undefined) return result;
    marker = page.NextPartNumberMarker;
  }
}

/** Aborts one unfinished upload; one that is already gone is fine. */
export async function abortUpload(
  context: StorageContext,
  key: string,
  uploadId: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    await call(
      context,
      { operation: "AbortMultipartUpload", key },
      signal,
      (send) =>
        context.sdk().then(({ client, s3 }) =>
          client.send(
            new s3.AbortMultipartUploadCommand({
              Bucket: context.bucket,
              Key: key,
              UploadId: uploadId,
            }),
            send,
          )
        ),
    );
  } catch (error) {
    if (!isNoSuchUpload(error)) throw error;
  }
}

function isNoSuchUpload(error: unknown): boolean {
  return error instanceof StorageError && error.code === "NoSuchUpload";
}
