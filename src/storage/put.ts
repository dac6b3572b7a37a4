/**
 * Small or streamed content without a file: bytes or a string in one PutObject, and a stream of
 * unknown length cut into parts. A stream shorter than one part becomes one PutObject; a longer
 * one a multipart upload holding at most `concurrency + 2` parts in memory, aborted on failure.
 * Bodies here are in memory, so the SDK itself retries them under the SDK's policy.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { concatBytes } from "./bytes.ts";
import type { StorageContext } from "./client.ts";
import { type ObjectAttributes, putWhole, runMultipart, sendPart } from "./multipart.ts";
import type { TransferResult } from "./objects.ts";
import { type PartOptions, resolvePartOptions } from "./options.ts";
import { progressCounter, type StorageProgressListener } from "./progress.ts";
import { chunksOf } from "../streams.ts";

/** Options of {@link putBytes}. */
export interface PutBytesOptions extends ObjectAttributes {
  /** Stops the upload. */
  signal?: AbortSignal;
}

/** Options of {@link putStream}. */
export interface PutStreamOptions extends PartOptions, ObjectAttributes {
  /** Stops the upload; an unfinished multipart upload is then aborted and the stream cancelled. */
  signal?: AbortSignal;
  /** Receives the bytes sent so far; `totalBytes` is unknown (undefined). */
  onProgress?: StorageProgressListener;
}

/** Stores `data` (a string is stored as UTF-8) at `key` with one PutObject. *
 * @example
 * ```ts ignore
 * await putBytes(context, "_models/abc/v1/manifest.json", JSON.stringify({ files: [] }), {
 *   contentType: "application/json",
 * });
 * ```
 */
export async function putBytes(
  context: StorageContext,
  key: string,
  data: Uint8Array | string,
  options: PutBytesOptions = {},
): Promise<TransferResult> {
  const body = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const etag = await putWhole(context, key, body, options, options.signal);
  return { bucket: context.bucket, key, size: body.length, etag };
}

/** Stores a stream of unknown length at `key`; see the module documentation. *
 * @example
 * ```ts ignore
 * const response = await fetch("https://example.com/model.bin");
 * await putStream(context, "_models/abc/v1/model.bin", response.body!);
 * ```
 */
export async function putStream(
  context: StorageContext,
  key: string,
  stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  options: PutStreamOptions = {},
): Promise<TransferResult & { sha256: string }> {
  const { partSize, concurrency } = resolvePartOptions(options);
  const hash = createHash("sha256");
  const { signal } = options;
  const progress = progressCounter(options.onProgress, {
    kind: "upload",
    bucket: context.bucket,
    key,
    totalBytes: undefined,
  });
  const parts = rechunk(chunksOf(stream), partSize, hash);
  try {
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      const only = first.done ? new Uint8Array(0) : first.value;
      const result = await putBytes(context, key, only, options);
      progress(only.length);
      return { ...result, sha256: hash.digest("hex") };
    }
    let size = 0;
    await runMultipart(context, key, { ...options, concurrency, signal }, async (session) => {
      let partNumber = 0;
      const send = (body: Uint8Array) => {
        const number = ++partNumber;
        size += body.length;
        return session.group.add(async (partSignal) => {
          await sendPart(context, key, session, { partNumber: number, body }, partSignal);
          progress(body.length);
        });
      };
      await send(first.value);
      await send(second.value);
      for (;;) {
        session.group.signal.throwIfAborted();
        const next = await parts.next();
        if (next.done) break;
        await send(next.value);
      }
    });
    return { bucket: context.bucket, key, size, etag: undefined, sha256: hash.digest("hex") };
  } finally {
    await parts.return(undefined);
  }
}

/**
 * Re-cuts a byte stream into parts of exactly `size` bytes (the last may be shorter), hashing the
 * bytes in order as they pass.
 */
async function* rechunk(
  source: AsyncIterable<Uint8Array>,
  size: number,
  hash: Hash,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    for (let offset = 0; offset < chunk.length;) {
      const take = Math.min(size - length, chunk.length - offset);
      pending.push(chunk.subarray(offset, offset + take));
      length += take;
      offset += take;
      if (length === size) {
        yield concatBytes(pending, length);
        pending = [];
        length = 0;
      }
    }
  }
  if (length > 0) yield concatBytes(pending, length);
}
