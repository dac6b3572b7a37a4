/**
 * Downloading an object to a file, hashing it (SHA-256) as it arrives. The bytes go to a
 * temporary file next to the destination, which is checked (size, and the expected hash when one
 * is given) and renamed over the destination only when complete: a failed download never leaves
 * a partial or a bad file at the destination.
 *
 * Objects above `parallelThreshold` are fetched as ranged GETs in parallel, each written at its
 * offset (positional writes) as it arrives. The hash needs the bytes in order: the part at the
 * hash cursor is hashed as it is written; a part ahead of it is written and its buffers kept
 * until the cursor reaches it (see `ordered_hash.ts`). A part keeps its slot of the
 * {@link TransferLimiter} (its size in bytes of the memory budget) until it is hashed, which
 * bounds the memory and how far ahead of the cursor the parts run. A broken GET is retried from the byte it reached. Every GET
 * carries `If-Match` with the ETag seen first, so an object replaced during the download fails it
 * instead of mixing two versions.
 *
 * An object of at most 1 MiB (`SMALL_SIZE`), with no kept partial file to look for, takes the
 * shorter path of `small_download.ts`: received whole, checked, then written.
 *
 * With `resume`, the temporary file has a fixed name (`<destination>.aipmodel-partial`) and a
 * failed or aborted download keeps it with a sidecar (`.aipmodel-partial.json`: the ETag, the size
 * and the length of the known-good prefix, the bytes hashed in order). The next call with `resume`
 * hashes that prefix again from the disk and fetches only the rest, when the object still has the
 * same ETag; otherwise it starts over.
 *
 * @module
 */

import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { ConnectionError, IntegrityError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { withRetries } from "./call.ts";
import { writeAt, writeOnLoop, writesOnLoop } from "./file_write.ts";
import { getObject } from "./read.ts";
import type { WireBody } from "../http/wire.ts";
import { brokenBody, localFileError, sha256Mismatch, toStorageError } from "./errors.ts";
import { requireObject } from "./exists.ts";
import { limiterOf, type TransferLimiter, type TransferTuning } from "./limiter.ts";
import type { TransferResult } from "./objects.ts";
import { checkInteger } from "./options.ts";
import { OrderedHash } from "./ordered_hash.ts";
import { BoundedGroup } from "./pool.ts";
import { getSmallFile } from "./small_download.ts";
import { openTemporary, partialPath, randomTemporaryPath } from "./temporary_file.ts";
import { type ProgressCounter, progressCounter, type StorageProgressListener } from "./progress.ts";

/** Options of {@link getFile}. */
export interface GetFileOptions extends TransferTuning {
  /**
   * Objects larger than this many bytes are fetched in parallel ranged parts of `partSize`
   * (16 MiB when it is unset: `DEFAULT_DOWNLOAD_RANGE_SIZE`).
   * @default the range size
   */
  parallelThreshold?: number;
  /**
   * Flush the file to disk (fsync) before renaming it into place: slower, survives a power cut.
   * @default false
   */
  fsync?: boolean;
  /** The SHA-256 (hex) the bytes must have; a mismatch throws an `IntegrityError`. */
  expectedSha256?: string | undefined;
  /** The size the object must have; another size throws an `IntegrityError` before any GET. */
  expectedSize?: number | undefined;
  /**
   * Keep a failed download's known-good prefix and continue from it next time (see the module
   * documentation).
   * @default false
   */
  resume?: boolean | undefined;
  /**
   * With `resume`: the caller listed the destination's folder and saw no kept partial file, so
   * none is looked for (a look-up that fails costs a system call and an error object per file).
   * @default false
   */
  noKeptPartial?: boolean | undefined;
  /**
   * The object's size and ETag as a listing gave them: the HeadObject before the download is then
   * skipped (one request less per file, which counts for many small files).
   */
  known?: { size: number; etag: string | undefined } | undefined;
  /** A limiter shared with other transfers; the tuning options are then ignored. */
  limiter?: TransferLimiter | undefined;
  /** Stops the download; nothing is left at the destination (but a kept partial file). */
  signal?: AbortSignal | undefined;
  /** Receives the bytes written so far (a resumed download starts at its kept prefix). */
  onProgress?: StorageProgressListener | undefined;
}

/** What {@link getFile} downloaded. */
export interface DownloadResult extends TransferResult {
  /** The SHA-256 (hex) of the whole file. */
  sha256: string;
  /** Bytes taken from a kept partial file instead of the network. */
  resumedBytes: number;
}

/** The sidecar of a kept partial download. */
interface PartialState {
  etag: string;
  size: number;
  bytes: number;
}

/** Downloads `key` to the file `destination`; see the module documentation. *
 * @example
 * ```ts ignore
 * const result = await getFile(context, "_models/abc/v1/weights.bin", "out/weights.bin", {
 *   expectedSha256: "9f86d08...",
 *   resume: true,
 * });
 * ```
 */
export async function getFile(
  context: StorageContext,
  key: string,
  destination: string,
  options: GetFileOptions = {},
): Promise<DownloadResult> {
  const limiter = limiterOf(options);
  const { signal } = options;
  const head = options.known ?? await requireObject(context, key, "GetObject", signal);
  const size = head.size;
  if (options.expectedSize !== undefined && options.expectedSize !== size) {
    throw new IntegrityError(
      `s3://${context.bucket}/${key} holds ${size} bytes, not the ${options.expectedSize} its ` +
        "manifest lists: the object was replaced or damaged; nothing was downloaded.",
      { subject: key, expected: String(options.expectedSize), actual: String(size) },
    );
  }
  const partSize = limiter.rangeSize;
  const threshold = checkInteger("parallelThreshold", options.parallelThreshold ?? partSize, 0);
  const progress = progressCounter(options.onProgress, {
    kind: "download",
    bucket: context.bucket,
    key,
    totalBytes: size,
  });
  const resume = options.resume === true && head.etag !== undefined;
  // Resumable downloads name their temporary file: a stray one is overwritten, not left behind
  // (also without an ETag, when nothing is kept to resume from).
  const temporary = options.resume === true
    ? partialPath(destination)
    : randomTemporaryPath(destination);
  // A small object with no kept partial to look for: received whole, checked, then written.
  if (size > 0 && size <= SMALL_SIZE && (!resume || options.noKeptPartial === true)) {
    progress(0);
    const sha256 = await getSmallFile({
      context,
      key,
      destination,
      temporary,
      size,
      etag: head.etag,
      expectedSha256: options.expectedSha256,
      fsync: options.fsync === true,
      limiter,
      bufferSize: smallBufferSize(size),
      signal,
    });
    progress(size);
    return { bucket: context.bucket, key, size, etag: head.etag, sha256, resumedBytes: 0 };
  }
  const sidecar = `${temporary}.json`;
  const hash = createHash("sha256");
  let handle: FileHandle | undefined;
  let ordered: OrderedHash | undefined;
  try {
    const resumed = resume && options.noKeptPartial !== true
      ? await resumePoint(temporary, sidecar, head.etag, size, hash)
      : undefined;
    const start = resumed ?? 0;
    handle = await openTemporary(temporary, start > 0 ? "r+" : "w+");
    if (start > 0) await handle.truncate(start);
    ordered = new OrderedHash(hash, start, (buffer) => limiter.giveBuffer(buffer));
    progress(start);
    const get = { context, key, etag: head.etag, file: handle, progress, ordered, size, limiter };
    const ranges = size - start <= threshold
      ? [{ start, end: size - 1 }]
      : planRanges(start, size, partSize);
    const [only] = ranges;
    if (size === 0) {
      // Nothing to fetch: the empty file is complete.
    } else if (ranges.length === 1 && only !== undefined) {
      // One request: no group to stop, and a live hash that never reads the file back. Its
      // memory is one write buffer, whatever the size: many files stream at once.
      await limiter.run(Math.min(size - start, WRITE_SIZE), signal, async () => {
        ordered?.start(0, only.start);
        await fetchRange(get, only, 0, signal);
        ordered?.done(0);
      });
    } else {
      await fetchInOrder(get, ranges, limiter, signal);
    }
    await finish(handle, temporary, ordered.offset, size, options.fsync === true);
    const sha256 = hash.digest("hex");
    if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
      throw sha256Mismatch(
        context,
        key,
        options.expectedSha256,
        sha256,
        "The downloaded file was deleted.",
      );
    }
    await handle.close();
    handle = undefined;
    await rename(temporary, destination).catch((error) => {
      throw localFileError("write", destination, error);
    });
    if (resumed !== undefined) await rm(sidecar, { force: true });
    return { bucket: context.bucket, key, size, etag: head.etag, sha256, resumedBytes: start };
  } catch (error) {
    await handle?.close().catch(() => {});
    const kept = ordered?.offset ?? 0;
    // A full disk gets its space back: keeping the prefix would keep it full.
    if (
      resume && kept > 0 && kept < size && !(error instanceof IntegrityError) && !diskFull(error)
    ) {
      const state: PartialState = { etag: head.etag as string, size, bytes: kept };
      await writeFile(sidecar, JSON.stringify(state)).catch(() => {});
    } else {
      await rm(temporary, { force: true }).catch(() => {});
      if (resume) await rm(sidecar, { force: true }).catch(() => {});
    }
    throw error;
  }
}

/**
 * The length of a kept partial file's prefix that can be reused (hashed into `hash`), 0 after
 * removing a partial file that cannot, or undefined when there is no sidecar (the usual case: no
 * file to remove, and a stray partial file is truncated when the download opens it).
 */
async function resumePoint(
  temporary: string,
  sidecar: string,
  etag: string | undefined,
  size: number,
  hash: Hash,
): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(sidecar, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    text = "";
  }
  let state: Partial<PartialState> | undefined;
  try {
    state = JSON.parse(text);
  } catch {
    state = undefined;
  }
  const bytes = state?.bytes;
  const usable = state !== undefined && state.etag === etag && state.size === size &&
    typeof bytes === "number" && Number.isSafeInteger(bytes) && bytes > 0 && bytes < size &&
    ((await stat(temporary).catch(() => undefined))?.size ?? -1) >= bytes;
  if (!usable || bytes === undefined) {
    await rm(temporary, { force: true });
    await rm(sidecar, { force: true });
    return 0;
  }
  for await (const chunk of createReadStream(temporary, { start: 0, end: bytes - 1 })) {
    hash.update(chunk as Uint8Array);
  }
  return bytes;
}

/** Bytes `start` to `end` inclusive. */
interface ByteRange {
  start: number;
  end: number;
}

/** Cuts `start..size-1` into ranges of `partSize`. */
function planRanges(start: number, size: number, partSize: number): ByteRange[] {
  const ranges: ByteRange[] = [];
  for (let offset = start; offset < size; offset += partSize) {
    ranges.push({ start: offset, end: Math.min(size, offset + partSize) - 1 });
  }
  return ranges;
}

interface RangedGet {
  context: StorageContext;
  key: string;
  etag: string | undefined;
  file: FileHandle;
  progress: ProgressCounter;
  ordered: OrderedHash;
  size: number;
  limiter: TransferLimiter;
}

/**
 * Fetches the ranges in parallel, taking their limiter slots in order and giving each back once
 * the hash has passed it (see the module documentation).
 */
async function fetchInOrder(
  get: RangedGet,
  ranges: readonly ByteRange[],
  limiter: TransferLimiter,
  signal: AbortSignal | undefined,
): Promise<void> {
  const group = new BoundedGroup(Number.MAX_SAFE_INTEGER, signal);
  try {
    for (const [index, range] of ranges.entries()) {
      const release = await limiter.acquire(range.end - range.start + 1, group.signal);
      try {
        await group.add(async (inner) => {
          try {
            get.ordered.start(index, range.start);
            await fetchRange(get, range, index, inner);
            get.ordered.done(index);
            await get.ordered.hashed(index, inner);
          } finally {
            release();
          }
        });
      } catch (error) {
        release();
        throw error;
      }
    }
  } catch (error) {
    group.fail(error);
  }
  await group.done();
}

/** Fetches one range into the file at its offsets; a broken body resumes where it stopped. */
function fetchRange(
  get: RangedGet,
  range: ByteRange,
  index: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { context, key } = get;
  const received = { bytes: 0 };
  return withRetries(context, signal, async () => {
    const from = range.start + received.bytes;
    const expected = range.end - from + 1;
    const whole = from === 0 && range.end === get.size - 1;
    const output = await getObject(
      context,
      key,
      { etag: get.etag, range: whole ? undefined : { start: from, end: range.end } },
      signal,
    );
    if (output.contentLength !== undefined && output.contentLength !== expected) {
      output.body.destroy();
      throw brokenBody(context, key, output.contentLength, expected);
    }
    await writeBody(
      get,
      output.body,
      { index, position: range.start, expected: range.end - range.start + 1 },
      received,
      signal,
    );
  });
}

/**
 * Network chunks are small (16 to 64 KiB): they are copied into one reused buffer of this size,
 * which is hashed and written together (in slices: see `file_write.ts`), and allocates nothing
 * per write (garbage is what makes a download's memory grow).
 */
const WRITE_SIZE = 128 * 1024;
/**
 * An object up to this size, with no kept partial file to look for, is received whole into one
 * buffer and written at once (see `small_download.ts`).
 */
const SMALL_SIZE = 1024 * 1024;

/**
 * The buffer a small object of `size` bytes is received into: the next power of two from 64 KiB
 * (at most {@link SMALL_SIZE}), so that files of similar sizes reuse each other's buffers from
 * the limiter. One size for all (1 MiB) made 2,000 files of 64 KiB allocate 16 MiB of buffers
 * at the start, followed by about 10 ms of garbage collection before the first GETs (profiled).
 */
function smallBufferSize(size: number): number {
  let bytes = 64 * 1024;
  while (bytes < size) bytes *= 2;
  return bytes;
}

async function writeBody(
  get: RangedGet,
  body: WireBody,
  part: { index: number; position: number; expected: number },
  written: { bytes: number },
  signal: AbortSignal | undefined,
): Promise<void> {
  const { context, key, file, progress, ordered } = get;
  const { index, position, expected } = part;
  let buffer = get.limiter.takeBuffer(WRITE_SIZE);
  const writeFailed = (error: unknown) =>
    localFileError("write", "the temporary download file", error);
  let pendingBytes = 0;
  const flush = async () => {
    const length = pendingBytes;
    pendingBytes = 0;
    if (length === 0) return;
    const data = buffer.subarray(0, length);
    await writeAt(file, data, position + written.bytes).catch((error) => {
      throw writeFailed(error);
    });
    written.bytes += length;
    // Kept by the hash (its part is ahead of the cursor): the next bytes go to another buffer.
    if (ordered.wrote(index, buffer, length)) buffer = get.limiter.takeBuffer(WRITE_SIZE);
    progress(length);
  };
  const fill = (piece: Uint8Array, from: number): number => {
    const take = Math.min(buffer.length - pendingBytes, piece.length - from);
    buffer.set(piece.subarray(from, from + take), pendingBytes);
    pendingBytes += take;
    return from + take;
  };
  // Pieces are copied into the buffer straight from the connection's read buffer; a full
  // buffer is written (the connection waits) before the rest of the piece is taken. Writing one
  // buffer while the next fills, the connection never waiting, was slower here: 8 x 128 MiB took
  // 2.6 to 2.9 s with 1.8 s of system time, against 1.6 s with 0.5 s (six rounds each).
  const sink = (piece: Uint8Array): void | Promise<void> => {
    if (written.bytes + pendingBytes + piece.length > expected) {
      throw brokenBody(context, key, written.bytes + pendingBytes + piece.length, expected);
    }
    // At the hash cursor, nothing buffered and writes on the loop: the piece is written and
    // hashed straight from the connection's read buffer, without the copy (it is not kept).
    if (pendingBytes === 0 && writesOnLoop() && ordered.isLive(index)) {
      try {
        writeOnLoop(file.fd, piece, position + written.bytes);
      } catch (error) {
        throw writeFailed(error);
      }
      written.bytes += piece.length;
      ordered.wrote(index, piece, piece.length);
      progress(piece.length);
      return;
    }
    let offset = fill(piece, 0);
    if (pendingBytes < buffer.length) return;
    return (async () => {
      await flush();
      while (offset < piece.length) {
        offset = fill(piece, offset);
        if (pendingBytes === buffer.length) await flush();
      }
    })();
  };
  try {
    await body.pipe(sink);
    // What arrived is good even when the body broke off: keep it, the retry continues after it.
    await flush();
  } catch (error) {
    if (pendingBytes > 0 && !signal?.aborted) await flush().catch(() => {});
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, { operation: "GetObject", key });
  } finally {
    body.destroy();
    // Written, and hashed or not kept: free for the next range.
    get.limiter.giveBuffer(buffer);
  }
  if (written.bytes !== expected) throw brokenBody(context, key, written.bytes, expected);
}

/**
 * Checks the file is complete (the hash cursor, which passes a byte only once it is written,
 * reached the end), then flushes it when asked.
 */
async function finish(
  file: FileHandle,
  path: string,
  hashed: number,
  size: number,
  sync: boolean,
): Promise<void> {
  if (hashed !== size) {
    throw new ConnectionError("s3", `The download into ${path} holds ${hashed} of ${size} bytes`);
  }
  if (sync) {
    await file.sync().catch((error) => {
      throw localFileError("write", path, error);
    });
  }
}

/** Whether `error` (or a cause of it) says the local disk or quota is full. */
function diskFull(error: unknown): boolean {
  for (let at = error, depth = 0; at !== undefined && at !== null && depth < 8; depth += 1) {
    const code = (at as { code?: unknown }).code;
    if (code === "ENOSPC" || code === "EDQUOT") return true;
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}
