/**
 * Uploading a local file, hashing it (SHA-256) as it is read: the file is read once, in order,
 * and each part's bytes feed the hash and then the request. Up to `multipartThreshold` bytes it is
 * one PutObject from memory; up to `streamedPutLimit`, one PutObject read from the disk as it is
 * sent; above, a multipart upload whose parts are read one after the other and sent in
 * parallel. Each part takes a slot of a {@link TransferLimiter} (a request and the part's bytes of
 * the memory budget) before it is read, so memory is bounded by the budget whatever the file size,
 * and the SDK can retry a part itself (its body is in memory).
 *
 * The file is checked not to change while it is read: a part that reads fewer bytes than planned,
 * bytes past the planned end, or a size or modification time that differs at the end abandons
 * the upload before it is completed.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, type Hash } from "node:crypto";
import { type FileHandle, open, stat } from "node:fs/promises";
import { AipModelError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import type { StreamedBody } from "../http/wire.ts";
import { localFileError } from "./errors.ts";
import { limiterOf, type TransferLimiter, type TransferTuning } from "./limiter.ts";
import { type ObjectAttributes, putWhole, runMultipart, sendPart } from "./multipart.ts";
import type { TransferResult } from "./objects.ts";
import { checkInteger, planParts } from "./options.ts";
import { type ProgressCounter, progressCounter, type StorageProgressListener } from "./progress.ts";

/** Options of {@link putFile}. */
export interface PutFileOptions extends TransferTuning, ObjectAttributes {
  /**
   * Files larger than this many bytes are not read into memory whole for one PutObject.
   * @default the part size
   */
  multipartThreshold?: number;
  /**
   * Files above `multipartThreshold` and up to this many bytes are sent with one PutObject
   * streamed from the disk (two 1 MiB buffers) instead of a multipart upload: radosgw spends
   * less CPU on one object than on parts, but the file is one stream and a failed request sends
   * it again from its start. Worth it when other files fill the other streams.
   * @default 0 (always multipart)
   */
  streamedPutLimit?: number;
  /** A limiter shared with other transfers; the tuning options are then ignored. */
  limiter?: TransferLimiter | undefined;
  /** Stops the upload; an unfinished multipart upload is then aborted. */
  signal?: AbortSignal | undefined;
  /**
   * Receives the bytes read from the file and handed to requests so far (taken back if the
   * upload fails).
   */
  onProgress?: StorageProgressListener | undefined;
}

/** The file as it was when the upload started. */
interface FileState {
  size: number;
  mtimeMs: number;
}

/** Reads of the file are this big: large enough to be cheap, small enough for smooth progress. */
const READ_SIZE = 1024 * 1024;

/** Uploads the file at `path` to `key`; see the module documentation. *
 * @example
 * ```ts ignore
 * const result = await putFile(context, "weights.bin", "_models/abc/v1/weights.bin", {
 *   concurrency: 8,
 *   onProgress: (event) => console.log(event.transferredBytes),
 * });
 * console.log(result.sha256);
 * ```
 */
export async function putFile(
  context: StorageContext,
  path: string,
  key: string,
  options: PutFileOptions = {},
): Promise<TransferResult & { sha256: string }> {
  const limiter = limiterOf(options);
  const { signal } = options;
  signal?.throwIfAborted();
  const handle = await open(path, "r").catch((error) => {
    throw localFileError("read", path, error);
  });
  try {
    const before = await fileState(path, handle);
    const partSize = limiter.partSizeFor(before.size);
    const threshold = checkInteger(
      "multipartThreshold",
      options.multipartThreshold ?? partSize,
      0,
    );
    const source: FileSource = {
      path,
      handle,
      before,
      hash: createHash("sha256"),
      progress: progressCounter(options.onProgress, {
        kind: "upload",
        bucket: context.bucket,
        key,
        totalBytes: before.size,
      }),
      read: 0,
    };
    try {
      if (before.size <= threshold || before.size <= (options.streamedPutLimit ?? 0)) {
        const etag = before.size <= threshold
          ? await limiter.run(before.size, signal, async () => {
            const body = await readPart(source, 0, before.size, new Uint8Array(before.size));
            await checkUnchanged(source);
            return await putWhole(context, key, body, options, signal);
          })
          : await putStreamed(context, key, source, limiter, options);
        return {
          bucket: context.bucket,
          key,
          size: before.size,
          etag,
          sha256: source.hash.digest("hex"),
        };
      }
      await runMultipart(
        context,
        key,
        { ...options, concurrency: Number.MAX_SAFE_INTEGER, signal },
        async (session) => {
          for (const range of planParts(before.size, partSize)) {
            const length = range.end - range.start + 1;
            const release = await limiter.acquire(length, session.group.signal);
            try {
              const body = await readPart(source, range.start, length, limiter.takeBuffer(length));
              await session.group.add(async (partSignal) => {
                try {
                  await sendPart(
                    context,
                    key,
                    session,
                    { partNumber: range.partNumber, body },
                    partSignal,
                  );
                  // Sent: the request no longer holds it (after a failure it might).
                  limiter.giveBuffer(body);
                } finally {
                  release();
                }
              });
            } catch (error) {
              release();
              throw error;
            }
          }
          await checkUnchanged(source);
          await session.group.done();
        },
      );
      return {
        bucket: context.bucket,
        key,
        size: before.size,
        etag: undefined,
        sha256: source.hash.digest("hex"),
      };
    } catch (error) {
      source.progress(-source.read);
      throw error;
    }
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * One PutObject whose body is read from the file as the socket takes it: two buffers, one
 * being sent while the other is read. Each attempt reads and hashes the file from its start; the
 * file is checked unchanged before its last bytes go, so a changed file never completes the
 * object. A failure to read the file ends the request with that error, not retried.
 */
async function putStreamed(
  context: StorageContext,
  key: string,
  source: FileSource,
  limiter: TransferLimiter,
  options: PutFileOptions,
): Promise<string | undefined> {
  const size = source.before.size;
  const local = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, local.signal]) : local.signal;
  // A local failure (the file unreadable or changed) ends the request as it is, not retried; a
  // failure to send is the request's own, retried as any.
  const stopLocal = (error: unknown): never => {
    local.abort(error);
    throw error;
  };
  // The attempt whose bytes count. A failed attempt may still be inside a read when the next one
  // starts: its bytes then go to its own hash, and count for nothing.
  let current: Attempt | undefined;
  const body: StreamedBody = {
    length: size,
    send: async (write) => {
      if (current !== undefined) current.stale = true;
      source.progress(-source.read);
      source.read = 0;
      const attempt: Attempt = { hash: createHash("sha256"), stale: false };
      current = attempt;
      source.hash = attempt.hash;
      // A replaced attempt's local failure ends only that attempt.
      const failLocal = (error: unknown): never => {
        if (attempt.stale) throw error;
        return stopLocal(error);
      };
      const buffers = [limiter.takeBuffer(READ_SIZE), limiter.takeBuffer(READ_SIZE)];
      const writes: Array<Promise<void> | undefined> = [undefined, undefined];
      try {
        for (let position = 0, turn = 0; position < size; turn = 1 - turn) {
          await writes[turn];
          if (attempt.stale) throw new Error("A newer attempt of this request started");
          const length = Math.min(READ_SIZE, size - position);
          const chunk = await readPart(
            source,
            position,
            length,
            buffers[turn] as Uint8Array,
            attempt,
          )
            .catch(failLocal);
          position += length;
          if (position === size) await checkUnchanged(source).catch(failLocal);
          const sent = write(chunk.subarray(0, length));
          sent.catch(() => {});
          writes[turn] = sent;
        }
        await Promise.all(writes);
      } finally {
        await Promise.allSettled(writes);
        for (const buffer of buffers) limiter.giveBuffer(buffer as Uint8Array);
      }
    },
  };
  return await limiter.run(
    2 * READ_SIZE,
    signal,
    () => putWhole(context, key, body, options, signal),
  );
}

/** The file being uploaded, read in order. */
interface FileSource {
  path: string;
  handle: FileHandle;
  before: FileState;
  /** Replaced when a streamed request starts over. */
  hash: Hash;
  progress: ProgressCounter;
  /** Bytes read so far. */
  read: number;
}

/** One attempt of a streamed request: the hash of the bytes it read, and whether one replaced it. */
interface Attempt {
  hash: Hash;
  stale: boolean;
}

/**
 * Reads `length` bytes at `position` (the next bytes in order) into `buffer`, hashing them (into
 * `attempt`'s hash, and counted only while `attempt` is not stale, when given).
 */
async function readPart(
  source: FileSource,
  position: number,
  length: number,
  buffer: Uint8Array,
  attempt?: Attempt,
): Promise<Uint8Array> {
  const hash = attempt?.hash ?? source.hash;
  for (let offset = 0; offset < length;) {
    const want = Math.min(READ_SIZE, length - offset);
    const { bytesRead } = await source.handle.read(buffer, offset, want, position + offset)
      .catch((error) => {
        throw localFileError("read", source.path, error);
      });
    if (bytesRead === 0) throw changedError(source, "it shrank while it was read");
    hash.update(buffer.subarray(offset, offset + bytesRead));
    offset += bytesRead;
    if (attempt?.stale === true) continue;
    source.read += bytesRead;
    source.progress(bytesRead);
  }
  return buffer;
}

/** Checks, once every byte is read, that the file is still what it was at the start. */
async function checkUnchanged(source: FileSource): Promise<void> {
  const { bytesRead } = await source.handle.read(Buffer.alloc(1), 0, 1, source.before.size);
  if (bytesRead !== 0) throw changedError(source, "it grew while it was read");
  const now = await fileState(source.path);
  if (now.size !== source.before.size || now.mtimeMs !== source.before.mtimeMs) {
    throw changedError(source, `its size is now ${now.size} bytes or it was rewritten`);
  }
}

async function fileState(path: string, handle?: FileHandle): Promise<FileState> {
  try {
    const info = handle === undefined ? await stat(path) : await handle.stat();
    if (!info.isFile()) throw new AipModelError(`Cannot upload ${path}: it is not a file`);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    throw localFileError("read", path, error);
  }
}

function changedError(source: FileSource, what: string): AipModelError {
  return new AipModelError(
    `The file ${source.path} changed during its upload (${source.before.size} bytes at the ` +
      `start; ${what}). The upload was abandoned: upload it again once it no longer changes.`,
  );
}
