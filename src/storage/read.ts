/**
 * Reading an object into memory (small documents: manifests, metadata files) or as a stream
 * (to pipe it elsewhere without touching the disk).
 *
 * @module
 */

import { StorageError } from "../errors.ts";
import { concatBytes } from "./bytes.ts";
import type { StorageContext } from "./client.ts";
import { sendDirect } from "./direct_call.ts";
import { toStorageError } from "./errors.ts";
import { cleanEtag } from "./objects.ts";
import type { WireBody } from "../http/wire.ts";
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
  // A small document awaited whole, such as a manifest (see `WireRequest.fresh`).
  const { body, contentLength } = await getObject(context, key, { fresh: true }, signal);
  if ((contentLength ?? 0) > maxBytes) {
    body.destroy();
    throw new StorageError(
      `s3://${context.bucket}/${key} holds ${contentLength} bytes, more than the ` +
        `${maxBytes} allowed in memory; download it to a file instead`,
      { operation: "GetObject", bucket: context.bucket, key },
    );
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new StorageError(
          `s3://${context.bucket}/${key} sent more than the ${maxBytes} bytes allowed in memory`,
          { operation: "GetObject", bucket: context.bucket, key },
        );
      }
      chunks.push(chunk);
    }
  } catch (error) {
    body.destroy();
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, { operation: "GetObject", key });
  }
  return concatBytes(chunks, total);
}

/** An object's bytes as they arrive, from {@link getObject}. */
export interface ObjectBody {
  /**
   * The body: read it to the end (`pipe`, the cheapest, or iteration), or destroy it (its
   * connection stays busy until then).
   */
  body: WireBody;
  /** The length the server announced, when it did. */
  contentLength: number | undefined;
  /** The object's ETag, without quotes. */
  etag: string | undefined;
}

/**
 * One GetObject of `key` (through the data path, `direct.ts`): a byte range of it (`end`
 * omitted: to the end) and, with `etag`, only while the object still has that ETag (`If-Match`).
 */
export async function getObject(
  context: StorageContext,
  key: string,
  where: {
    range?: { start: number; end?: number } | undefined;
    etag?: string | undefined;
    fresh?: boolean | undefined;
  },
  signal: AbortSignal | undefined,
): Promise<ObjectBody> {
  const { range, etag, fresh } = where;
  const headers: Record<string, string> = {};
  if (etag !== undefined) headers["if-match"] = `"${etag}"`;
  if (range !== undefined) headers.range = `bytes=${range.start}-${range.end ?? ""}`;
  const answer = await sendDirect(context, { operation: "GetObject", key }, {
    method: "GET",
    bucket: context.bucket,
    key,
    headers,
    signal,
    fresh,
  });
  const length = Number(answer.header("content-length") ?? Number.NaN);
  return {
    body: answer.body,
    contentLength: Number.isSafeInteger(length) ? length : undefined,
    etag: cleanEtag(answer.header("etag")),
  };
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
  const { body } = await getObject(context, key, { range }, signal);
  const chunks = body[Symbol.asyncIterator]();
  // Failures while the body flows become typed errors too, not raw socket errors.
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
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
    cancel: () => body.destroy(),
  });
}
