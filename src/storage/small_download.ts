/**
 * Downloading an object that fits one write buffer: the whole body is received into a reused
 * buffer, hashed and checked there, and only then written to a temporary file with one write and
 * renamed over the destination. A damaged or replaced object never reaches the disk, and a file
 * costs one request, one hash call and four file-system calls — what counts when a version holds
 * thousands of small files (the large-file path of `download.ts` keeps a write buffer, an ordered
 * hash and a partial file per download, to stream and resume any size).
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import { close, fsync, mkdir, open, rename, unlink, write } from "node:fs";
import { basename, dirname, join } from "node:path";
import { IntegrityError } from "../errors.ts";
import { fittedName } from "../file_names.ts";
import { withRetries } from "./call.ts";
import type { StorageContext } from "./client.ts";
import { brokenBody, localFileError, toStorageError } from "./errors.ts";
import type { TransferLimiter } from "./limiter.ts";
import { getObject } from "./read.ts";

/** What {@link getSmallFile} needs to know. */
export interface SmallDownload {
  context: StorageContext;
  key: string;
  destination: string;
  /**
   * The temporary file: a fixed name replaces a stray file of that name (the partial file of a
   * process that was killed). By default a new random name next to the destination.
   */
  temporary: string | undefined;
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
        throw new IntegrityError(
          `The SHA-256 of s3://${context.bucket}/${key} is ${sha256}, not the ${expected} its ` +
            "manifest lists: the object was damaged or replaced. Nothing was written.",
          { subject: key, expected, actual: sha256 },
        );
      }
      const { destination } = download;
      const temporary = download.temporary ?? join(
        dirname(destination),
        fittedName("", basename(destination), `.${randomBytes(6).toString("hex")}.incomplete`),
      );
      await writeComplete(destination, temporary, data, download.fsync);
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
) {
  const directory = dirname(temporary);
  let fd: number;
  try {
    fd = await openNew(temporary);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") {
      throw localFileError("create", temporary, error);
    }
    await new Promise<void>((resolve, reject) => {
      mkdir(directory, { recursive: true }, (failure) => failure ? reject(failure) : resolve());
    }).catch((failure) => {
      throw localFileError("create the folder", directory, failure);
    });
    fd = await openNew(temporary).catch((failure) => {
      throw localFileError("create", temporary, failure);
    });
  }
  try {
    try {
      await writeAll(fd, data);
      if (sync) await done((callback) => fsync(fd, callback));
    } finally {
      await done((callback) => close(fd, callback));
    }
    await done((callback) => rename(temporary, destination, callback));
  } catch (error) {
    await done((callback) => unlink(temporary, callback)).catch(() => {});
    throw localFileError("write", destination, error);
  }
}

function openNew(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, "w", (error, fd) => error ? reject(error) : resolve(fd));
  });
}

async function writeAll(fd: number, data: Uint8Array): Promise<void> {
  for (let offset = 0; offset < data.length;) {
    offset += await new Promise<number>((resolve, reject) => {
      write(fd, data, offset, data.length - offset, offset, (error, written) => {
        if (error) reject(error);
        else resolve(written);
      });
    });
  }
}

function done(start: (callback: (error: NodeJS.ErrnoException | null) => void) => void) {
  return new Promise<void>((resolve, reject) => {
    start((error) => error ? reject(error) : resolve());
  });
}
