/**
 * Reading an object into memory (small documents: manifests, metadata files) or as a stream
 * (to pipe it elsewhere without touching the disk).
 *
 * @module
 */

import { GetObjectCommand, type GetObjectCommandOutput } from "@aws-sdk/client-s3";
import { StorageError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
import { toStorageError } from "./errors.ts";
import { checkInteger, MiB } from "./options.ts";

/** Options of {@link getBytes}. */
export interface GetBytesOptions {
  /**
   * The largest object read into memory; a larger one is refused before its body is read.
   * @default 64 MiB
   */
  maxBytes?: number;
  /** Stops the read. */
  signal?: AbortSignal;
}

/** Options of {@link getStream}. */
export interface GetStreamOptions {
  /** Only these bytes, `start` to `end` inclusive (`end` omitted: to the end). */
  range?: { start: number; end?: number };
  /** Stops the request and the stream. */
  signal?: AbortSignal;
}

/** Reads the whole object `key` into memory (see {@link GetBytesOptions.maxBytes}). *
 * @example
 * ```ts ignore
 * const manifest = JSON.parse(new TextDecoder().decode(await getBytes(context, "m.json")));
 * ```
 */
export async function getBytes(
  context: StorageContext,
  key: string,
  options: GetBytesOptions = {},
): Promise<Uint8Array> {
  const maxBytes = checkInteger("maxBytes", options.maxBytes ?? 64 * MiB, 0);
  const { signal } = options;
  const output = await call(
    context,
    { operation: "GetObject", key },
    signal,
    (send) => context.client.send(new GetObjectCommand({ Bucket: context.bucket, Key: key }), send),
  );
  if ((output.ContentLength ?? 0) > maxBytes) {
    await output.Body?.transformToWebStream().cancel().catch(() => {});
    throw new StorageError(
      `s3://${context.bucket}/${key} holds ${output.ContentLength} bytes, more than the ` +
        `${maxBytes} allowed in memory; download it to a file instead`,
      { operation: "GetObject", bucket: context.bucket, key },
    );
  }
  try {
    return output.Body === undefined ? new Uint8Array(0) : await output.Body.transformToByteArray();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, { operation: "GetObject", key });
  }
}

/**
 * One GetObject of `key`: a byte range of it (`end` omitted: to the end) and, with `etag`, only
 * while the object still has that ETag (`If-Match`).
 */
export function getObject(
  context: StorageContext,
  key: string,
  where: { range?: { start: number; end?: number } | undefined; etag?: string | undefined },
  signal: AbortSignal | undefined,
): Promise<GetObjectCommandOutput> {
  const { range, etag } = where;
  return call(
    context,
    { operation: "GetObject", key },
    signal,
    (send) =>
      context.client.send(
        new GetObjectCommand({
          Bucket: context.bucket,
          Key: key,
          ...(etag === undefined ? {} : { IfMatch: `"${etag}"` }),
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ""}` }),
        }),
        send,
      ),
  );
}

/**
 * The object `key` (or a byte range of it) as a Web stream. The caller must read it to the end
 * or cancel it, or its connection stays busy.
 *
 * @example
 * ```ts ignore
 * const stream = await getStream(context, "big.bin", { range: { start: 0, end: 1023 } });
 * for await (const chunk of stream) console.log(chunk.length);
 * ```
 */
export async function getStream(
  context: StorageContext,
  key: string,
  options: GetStreamOptions = {},
): Promise<ReadableStream<Uint8Array>> {
  const { range, signal } = options;
  const output = await getObject(context, key, { range }, signal);
  if (output.Body === undefined) return new ReadableStream({ start: (c) => c.close() });
  const reader = (output.Body.transformToWebStream() as ReadableStream<Uint8Array>).getReader();
  // Failures while the body flows become typed errors too, not raw socket errors.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(
          signal?.aborted ? signal.reason : toStorageError(error, context, {
            operation: "GetObject",
            key,
          }),
        );
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
