/**
 * Uploading a local file. Up to `multipartThreshold` bytes it is one PutObject; above, a
 * multipart upload with `concurrency` parts in flight. Every request body is a ranged read stream
 * of the file (a Node `Readable` with its `ContentLength`: a Web stream body fails over http://),
 * so memory stays at a few stream buffers per part in flight, never a part, whatever the size.
 *
 * The file is checked not to change while it is read: a part that reads more or fewer bytes than
 * planned, or a size or modification time that differs at the end, abandons the upload.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Transform } from "node:stream";
import { PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { AipModelError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { call, type SendOptions, withRetries } from "./call.ts";
import { localFileError, type StorageCallSite } from "./errors.ts";
import { attributeFields, type ObjectAttributes, runMultipart } from "./multipart.ts";
import { cleanEtag, type TransferResult } from "./objects.ts";
import {
  checkInteger,
  DEFAULT_MULTIPART_THRESHOLD,
  type PartOptions,
  planParts,
  resolvePartOptions,
} from "./options.ts";
import { type ProgressCounter, progressCounter, type StorageProgressListener } from "./progress.ts";

/** Options of {@link putFile}. */
export interface PutFileOptions extends PartOptions, ObjectAttributes {
  /**
   * Files larger than this many bytes are sent as a multipart upload.
   * @default 16 MiB
   */
  multipartThreshold?: number;
  /** Stops the upload; an unfinished multipart upload is then aborted. */
  signal?: AbortSignal;
  /** Receives the bytes sent so far. */
  onProgress?: StorageProgressListener;
}

/** The file as it was when the upload started. */
interface FileState {
  size: number;
  mtimeMs: number;
}

/** Uploads the file at `path` to `key`; see the module documentation. *
 * @example
 * ```ts ignore
 * const result = await putFile(context, "weights.bin", "_models/abc/v1/weights.bin", {
 *   concurrency: 8,
 *   onProgress: (event) => console.log(event.transferredBytes),
 * });
 * ```
 */
export async function putFile(
  context: StorageContext,
  path: string,
  key: string,
  options: PutFileOptions = {},
): Promise<TransferResult> {
  const parts = resolvePartOptions(options);
  const threshold = checkInteger(
    "multipartThreshold",
    options.multipartThreshold ?? DEFAULT_MULTIPART_THRESHOLD,
    0,
  );
  const { signal } = options;
  signal?.throwIfAborted();
  const before = await fileState(path);
  const progress = progressCounter(options.onProgress, {
    kind: "upload",
    bucket: context.bucket,
    key,
    totalBytes: before.size,
  });
  if (before.size <= threshold) {
    const etag = await sendRange(
      context,
      { path, before, start: 0 },
      signal,
      progress,
      (body, send) =>
        context.client.send(
          new PutObjectCommand({
            Bucket: context.bucket,
            Key: key,
            Body: body,
            ContentLength: before.size,
            ...attributeFields(options),
          }),
          send,
        ),
      { operation: "PutObject", key },
    );
    return { bucket: context.bucket, key, size: before.size, etag: cleanEtag(etag) };
  }
  await runMultipart(
    context,
    key,
    { ...options, concurrency: parts.concurrency, signal },
    async (session) => {
      for (const range of planParts(before.size, parts.partSize)) {
        await session.group.add(async (partSignal) => {
          const source = { path, before, start: range.start, end: range.end };
          const etag = await sendRange(
            context,
            source,
            partSignal,
            progress,
            (body, send) =>
              context.client.send(
                new UploadPartCommand({
                  Bucket: context.bucket,
                  Key: key,
                  UploadId: session.uploadId,
                  PartNumber: range.partNumber,
                  Body: body,
                  ContentLength: range.end - range.start + 1,
                }),
                send,
              ),
            { operation: "UploadPart", key },
          );
          session.partDone(range.partNumber, etag);
        });
      }
      await session.group.done();
      const after = await fileState(path);
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw changedError(path, before, `its size is now ${after.size} bytes or it was rewritten`);
      }
    },
  );
  return { bucket: context.bucket, key, size: before.size, etag: undefined };
}

/** Bytes `start` to `end` (inclusive; default: the end of the file) of a file. */
interface FileRange {
  path: string;
  before: FileState;
  start: number;
  end?: number;
}

/**
 * Sends one request whose body is a range of the file, retried from a fresh read stream after a
 * transient failure. The SDK pipes a stream body into the request without watching it for
 * errors, so a body that fails (a read error, a file that changed) aborts its own request through
 * a signal of its own, instead of leaving it to hang until the inactivity timeout.
 */
function sendRange(
  context: StorageContext,
  range: FileRange,
  signal: AbortSignal | undefined,
  progress: ProgressCounter,
  send: (
    body: Transform | Uint8Array,
    options: SendOptions,
  ) => Promise<{ ETag?: string | undefined }>,
  site: StorageCallSite,
): Promise<string | undefined> {
  return withRetries(context, signal, async () => {
    const failed = new AbortController();
    const attemptSignal = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
    const sent = { bytes: 0 };
    const body = range.before.size === 0
      ? new Uint8Array(0)
      : readRange(range, sent, progress, (error) => failed.abort(error));
    try {
      return (await call(context, site, attemptSignal, (options) => send(body, options))).ETag;
    } catch (error) {
      progress(-sent.bytes);
      throw error;
    } finally {
      if (body instanceof Transform) body.destroy();
    }
  });
}

/**
 * A stream of the file's bytes `start` to `end` (inclusive), counting them. The last range of a
 * file is read to the end of the file, so that a file that grew is noticed, not cut.
 */
function readRange(
  range: FileRange,
  sent: { bytes: number },
  progress: ProgressCounter,
  onError: (error: unknown) => void,
): Transform {
  const { path, before, start } = range;
  const end = range.end ?? before.size - 1;
  const expected = end - start + 1;
  const toEof = end === before.size - 1;
  const file = createReadStream(path, toEof ? { start } : { start, end });
  // The last chunk is held back until the range is known to be exactly what was planned (and,
  // for the end of the file, until the file is seen unchanged): released early, it could let
  // the server complete a request whose content is already known to be wrong.
  let held: Uint8Array | undefined;
  const counter = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      if (sent.bytes + chunk.length > expected) {
        done(changedError(path, before, "it grew while it was read"));
        return;
      }
      sent.bytes += chunk.length;
      progress(chunk.length);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      if (sent.bytes !== expected) {
        done(changedError(path, before, "it shrank while it was read"));
        return;
      }
      const release = () => done(null, held);
      if (!toEof) return release();
      fileState(path).then((now) => {
        if (now.size === before.size && now.mtimeMs === before.mtimeMs) return release();
        done(changedError(path, before, "it was rewritten while it was read"));
      }, done);
    },
  });
  file.on("error", (error) => counter.destroy(localFileError("read", path, error)));
  counter.on("error", onError);
  counter.on("close", () => file.destroy());
  return file.pipe(counter);
}

async function fileState(path: string): Promise<FileState> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new AipModelError(`Cannot upload ${path}: it is not a file`);
    return { size: info.size, mtimeMs: info.mtimeMs };
  } catch (error) {
    throw localFileError("read", path, error);
  }
}

function changedError(path: string, before: FileState, what: string): AipModelError {
  return new AipModelError(
    `The file ${path} changed during its upload (${before.size} bytes at the start; ${what}). ` +
      "The upload was abandoned: upload it again once it no longer changes.",
  );
}
