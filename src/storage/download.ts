/**
 * Downloading an object to a file. The bytes go to a temporary file next to the destination
 * (`<name>.<random>.incomplete`), which is checked against the object's size and renamed over the
 * destination only when complete: a failed or aborted download leaves neither a partial file nor
 * the temporary one. Objects above `parallelThreshold` are fetched as ranged GETs, `concurrency`
 * at a time, each written at its offset as it arrives (memory: a few stream buffers per range).
 * Every GET carries `If-Match` with the ETag seen first, so an object replaced during the
 * download fails it instead of mixing two versions.
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { ConnectionError } from "../errors.ts";
import { fittedName } from "../file_names.ts";
import { concatBytes } from "./bytes.ts";
import type { StorageContext } from "./client.ts";
import { call, withRetries } from "./call.ts";
import { localFileError, toStorageError } from "./errors.ts";
import { requireObject } from "./exists.ts";
import type { TransferResult } from "./objects.ts";
import {
  checkInteger,
  DEFAULT_PARALLEL_DOWNLOAD_THRESHOLD,
  type PartOptions,
  type PartRange,
  planParts,
  resolvePartOptions,
} from "./options.ts";
import { runBounded } from "./pool.ts";
import { type ProgressCounter, progressCounter, type StorageProgressListener } from "./progress.ts";

/** Options of {@link getFile}. */
export interface GetFileOptions extends PartOptions {
  /**
   * Objects larger than this many bytes are fetched in parallel ranged parts of `partSize`.
   * @default 64 MiB
   */
  parallelThreshold?: number;
  /**
   * Flush the file to disk (fsync) before renaming it into place: slower, survives a power cut.
   * @default false
   */
  fsync?: boolean;
  /** Stops the download; nothing is left at the destination. */
  signal?: AbortSignal;
  /** Receives the bytes written so far. */
  onProgress?: StorageProgressListener;
}

/** Downloads `key` to the file `destination`; see the module documentation. *
 * @example
 * ```ts ignore
 * await getFile(context, "_models/abc/v1/weights.bin", "out/weights.bin", { fsync: true });
 * ```
 */
export async function getFile(
  context: StorageContext,
  key: string,
  destination: string,
  options: GetFileOptions = {},
): Promise<TransferResult> {
  const parts = resolvePartOptions(options);
  const threshold = checkInteger(
    "parallelThreshold",
    options.parallelThreshold ?? DEFAULT_PARALLEL_DOWNLOAD_THRESHOLD,
    0,
  );
  const { signal } = options;
  const head = await requireObject(context, key, "GetObject", signal);
  const size = head.size;
  const progress = progressCounter(options.onProgress, {
    kind: "download",
    bucket: context.bucket,
    key,
    totalBytes: size,
  });
  const directory = dirname(destination);
  const temporary = join(
    directory,
    fittedName("", basename(destination), `.${randomBytes(6).toString("hex")}.incomplete`),
  );
  let handle: FileHandle | undefined;
  try {
    await mkdir(directory, { recursive: true }).catch((error) => {
      throw localFileError("create the folder", directory, error);
    });
    handle = await open(temporary, "w").catch((error) => {
      throw localFileError("create", temporary, error);
    });
    const file = handle;
    const get = { context, key, etag: head.etag, file, progress };
    if (size <= threshold) {
      await fetchRange(get, { partNumber: 1, start: 0, end: size - 1 }, signal, false);
    } else {
      await runBounded(
        planParts(size, parts.partSize),
        parts.concurrency,
        signal,
        (range, inner) => fetchRange(get, range, inner, true),
      );
    }
    await finish(file, temporary, size, options.fsync === true);
    await handle.close();
    handle = undefined;
    await rename(temporary, destination).catch((error) => {
      throw localFileError("write", destination, error);
    });
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temporary, { force: true }).catch(() => {});
    throw error;
  }
  return { bucket: context.bucket, key, size, etag: head.etag };
}

interface RangedGet {
  context: StorageContext;
  key: string;
  etag: string | undefined;
  file: FileHandle;
  progress: ProgressCounter;
}

/** Fetches bytes `start..end` into the file at the same offsets, retried as a whole. */
function fetchRange(
  get: RangedGet,
  range: PartRange,
  signal: AbortSignal | undefined,
  ranged: boolean,
): Promise<void> {
  const { context, key, progress } = get;
  const expected = range.end - range.start + 1;
  return withRetries(context, signal, async () => {
    const received = { bytes: 0 };
    try {
      const output = await call(
        context,
        { operation: "GetObject", key },
        signal,
        (send) =>
          context.client.send(
            new GetObjectCommand({
              Bucket: context.bucket,
              Key: key,
              ...(get.etag === undefined ? {} : { IfMatch: `"${get.etag}"` }),
              ...(ranged ? { Range: `bytes=${range.start}-${range.end}` } : {}),
            }),
            send,
          ),
      );
      if (output.ContentLength !== undefined && output.ContentLength !== expected) {
        asStream(output.Body)?.destroy?.();
        throw truncated(context, key, output.ContentLength, expected);
      }
      await writeBody(get, output.Body, range.start, expected, received, signal);
    } catch (error) {
      progress(-received.bytes);
      throw error;
    }
  });
}

/** Network chunks are small (16 to 64 KiB): gathering them into writes of this size saves CPU. */
const WRITE_SIZE = 1024 * 1024;

async function writeBody(
  get: RangedGet,
  body: unknown,
  position: number,
  expected: number,
  written: { bytes: number },
  signal: AbortSignal | undefined,
): Promise<void> {
  const { context, key, file, progress } = get;
  const stream = asStream(body);
  // A stalled body would otherwise only end at the inactivity timeout.
  const onAbort = () => stream?.destroy?.();
  signal?.addEventListener("abort", onAbort, { once: true });
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    const buffer = pending.length === 1 ? pending[0] : concatBytes(pending, pendingBytes);
    pending = [];
    if (buffer === undefined || buffer.length === 0) return;
    pendingBytes = 0;
    await file.write(buffer, 0, buffer.length, position + written.bytes).catch((error) => {
      throw localFileError("write", "the temporary download file", error);
    });
    written.bytes += buffer.length;
    progress(buffer.length);
  };
  try {
    if (stream !== undefined) {
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        if (written.bytes + pendingBytes + chunk.length > expected) {
          throw truncated(context, key, written.bytes + pendingBytes + chunk.length, expected);
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_SIZE) await flush();
      }
      await flush();
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw toStorageError(error, context, { operation: "GetObject", key });
  } finally {
    signal?.removeEventListener("abort", onAbort);
    stream?.destroy?.();
  }
  if (written.bytes !== expected) throw truncated(context, key, written.bytes, expected);
}

/** The response body as something iterable and destroyable. */
function asStream(
  body: unknown,
): (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined {
  if (body === undefined || body === null) return undefined;
  return body as AsyncIterable<Uint8Array> & { destroy?: () => void };
}

/** Checks the file is complete, then flushes it when asked. */
async function finish(file: FileHandle, path: string, size: number, sync: boolean): Promise<void> {
  try {
    const written = (await file.stat()).size;
    if (written !== size) {
      throw new ConnectionError(
        "s3",
        `The download into ${path} holds ${written} of ${size} bytes`,
      );
    }
    if (sync) await file.sync();
  } catch (error) {
    throw localFileError("write", path, error);
  }
}

/** A body that ended early or ran long: a broken transfer, retried like a network failure. */
function truncated(
  context: StorageContext,
  key: string,
  got: number,
  expected: number,
): ConnectionError {
  return new ConnectionError(
    "s3",
    `S3 at ${context.endpoint} sent ${got} bytes instead of ${expected} for ` +
      `s3://${context.bucket}/${key}; the transfer broke off.`,
  );
}
