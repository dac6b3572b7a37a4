/**
 * Downloading an object of at most 1 MiB: the whole body is received into a reused buffer,
 * hashed and checked there, and only then written to a temporary file (in 32 KiB slices, see
 * `file_write.ts`) and renamed over the destination. A damaged or replaced object never reaches
 * the disk, and a file costs one request, one hash call and a few file-system calls (open, the
 * writes, close, rename), made synchronously while they stay fast — what counts when a version holds
 * thousands of small files (the large-file path of `download.ts` keeps a write buffer, an ordered
 * hash and a partial file per download, to stream and resume any size).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { closeSync, renameSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { withRetries } from "./call.ts";
import type { StorageContext } from "./client.ts";
import { brokenBody, localFileError, sha256Mismatch, toStorageError } from "./errors.ts";
import type { TransferLimiter } from "./limiter.ts";
import { getObject } from "./read.ts";
import { timedOnLoop, writeAllSync, writesOnLoop } from "./file_write.ts";
import { openTemporary, openTemporarySync } from "./temporary_file.ts";

/** What {@link getSmallFile} needs to know. */
export interface SmallDownload {
  context: StorageContext;
  key: string;
  destination: string;
  /** The temporary file, created or truncated (see `temporary_file.ts`). */
  temporary: string;
  /** The object's size (at most `bufferSize`) and its ETag (sent as `If-Match`). */
  size: number;
  etag: string | undefined;
  /** The SHA-256 (hex) the bytes must have. */
  expectedSha256: string | undefined;
  fsync: boolean;
  limiter: TransferLimiter;
  /** The size of the limiter's reusable buffers. */
  bufferSize: number;
  signal: AbortSignal | undefined;
}

/**
 * Downloads a small object (see the module documentation) and returns its SHA-256 (hex). Throws
 * `IntegrityError` (nothing written) when the bytes do not have the expected hash.
 */
export function getSmallFile(download: SmallDownload): Promise<string> {
  const { limiter, size, signal } = download;
  return limiter.run(size, signal, async () => {
    const buffer = limiter.takeBuffer(download.bufferSize);
    try {
      const data = buffer.subarray(0, size);
      await withRetries(download.context, signal, () => receive(download, data));
      const sha256 = createHash("sha256").update(data).digest("hex");
      const expected = download.expectedSha256;
      if (expected !== undefined && sha256 !== expected) {
        const { context, key } = download;
        throw sha256Mismatch(context, key, expected, sha256, "Nothing was written.");
      }
      await writeComplete(download.destination, download.temporary, data, download.fsync);
      return sha256;
    } finally {
      limiter.giveBuffer(buffer);
    }
  });
}

/** One GET of the whole object into `data` (exactly its length). */
async function receive(download: SmallDownload, data: Uint8Array): Promise<void> {
  const { context, key, signal } = download;
  const output = await getObject(context, key, { etag: download.etag }, signal);
  const size = data.length;
  if (output.contentLength !== undefined && output.contentLength !== size) {
    output.body.destroy();
    throw brokenBody(context, key, output.contentLength, size);
  }
  let received = 0;
  try {
    await output.body.pipe((piece) => {
      if (received + piece.length > size) {
        throw brokenBody(context, key, received + piece.length, size);
      }
      data.set(piece, received);
      received += piece.length;
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, { operation: "GetObject", key });
  } finally {
    output.body.destroy();
  }
  if (received !== size) throw brokenBody(context, key, received, size);
}

/**
 * Writes `data` to `temporary` (created or truncated; its folder created when it is missing) and
 * renames it over `destination`; on any failure the temporary file is removed.
 */
async function writeComplete(
  destination: string,
  temporary: string,
  data: Uint8Array,
  sync: boolean,
): Promise<void> {
  // A flush to the disk is slow by nature: never on the loop.
  // On the loop: a few calls of microseconds, against as many trips through the thread pool
  // (2,000 files of 64 KiB: 0.4 s less client CPU); see `file_write.ts`.
  if (writesOnLoop() && !sync) {
    timedOnLoop(() => writeCompleteNow(destination, temporary, data));
    return;
  }
  const file = await openTemporary(temporary, "w");
  try {
    try {
      await file.writeFile(data);
      if (sync) await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => {});
    throw localFileError("write", destination, error);
  }
}

/** {@link writeComplete} with synchronous calls (no flush to the disk). */
function writeCompleteNow(destination: string, temporary: string, data: Uint8Array): void {
  const descriptor = openTemporarySync(temporary, "w");
  try {
    try {
      writeAllSync(descriptor, data);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, destination);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw localFileError("write", destination, error);
  }
}
