/**
 * `transferFromS3`: copies a prefix or an object of a bucket (any endpoint, any keys) into the
 * registry's own bucket under `destPrefix`, as the Python SDK's `transfer_from_s3`, but streamed
 * (or copied server-side when the registry's keys can read the source), with no local copy.
 * Keys are `{destPrefix}/<last segment of sourcePath>/...` (or `{destPrefix}/<basename>`).
 *
 * @module
 */

import { AipModelError, OperationAbortedError, ValidationError } from "../errors.ts";
import { putSourceFile } from "./add_model.ts";
import type { ObjectStore } from "./backend.ts";
import { messageOf, type RegistryContext } from "./context.ts";
import type { TransferListener } from "./progress.ts";
import { openS3Request } from "./s3_source.ts";
import { type FileTask, runTransfer } from "./transfer.ts";

/** Options of `transferFromS3`, the Python SDK's parameters. */
export interface TransferFromS3Options {
  /** The source endpoint. @default the registry's own (platform) */
  sourceEndpointUrl?: string | undefined;
  /** The source access key. @default the registry's own (platform) */
  sourceAccessKey?: string | undefined;
  /** The source secret key. @default the registry's own (platform) */
  sourceSecretKey?: string | undefined;
  /** The source bucket. @default the registry's own (platform) */
  sourceBucket?: string | undefined;
  /** A prefix or a key in the source bucket. */
  sourcePath: string;
  /** Where the objects go in the registry's bucket (`""` for its root). */
  destPrefix: string;
  /** Path segments to skip. @default [".git", ".DS_Store"] */
  exclude?: readonly string[] | undefined;
  /** Whether existing keys may be replaced; when `false` they are refused before any write. @default false */
  overwrite?: boolean | undefined;
  /** Stops the transfer; what was written is removed. */
  signal?: AbortSignal | undefined;
  /** Receives per-file and total progress. */
  onProgress?: TransferListener | undefined;
}

/** What `transferFromS3` copied. */
export interface TransferFromS3Result {
  /** How many objects. */
  objects: number;
  /** How many bytes. */
  bytes: number;
}

const NAMES = {
  endpoint: "sourceEndpointUrl",
  bucket: "sourceBucket",
  accessKey: "sourceAccessKey",
  secretKey: "sourceSecretKey",
};

/** Copies the source into the registry's bucket; on failure removes what it wrote and throws. */
export async function transferFromS3(
  context: RegistryContext,
  options: TransferFromS3Options,
): Promise<TransferFromS3Result> {
  if (typeof options.sourcePath !== "string") {
    throw new ValidationError("sourcePath", "a key or prefix of the source bucket");
  }
  if (typeof options.destPrefix !== "string" || /(^|\/)\.\.?(\/|$)/.test(options.destPrefix)) {
    throw new ValidationError("destPrefix", "a key prefix without . or .. segments");
  }
  const { signal } = options;
  const objects = context.backend.objects;
  const prefix = options.destPrefix.replace(/^\/+/, "").replace(/\/+$/, "");
  const source = await openS3Request(objects, {
    endpoint: options.sourceEndpointUrl,
    bucket: options.sourceBucket,
    accessKey: options.sourceAccessKey,
    secretKey: options.sourceSecretKey,
    path: options.sourcePath,
    exclude: options.exclude,
    signal,
  }, NAMES);
  const written: string[] = [];
  try {
    const files = await source.files(signal);
    const keyOf = (relativePath: string) =>
      prefix === "" ? relativePath : `${prefix}/${relativePath}`;
    if (options.overwrite !== true) {
      await refuseExisting(
        objects,
        files.map((f) => keyOf(f.relativePath)),
        signal,
      );
    }
    const tasks: FileTask[] = files.map((file) => ({
      name: file.relativePath,
      size: file.size,
      run: async (call) => {
        written.push(keyOf(file.relativePath));
        return (await putSourceFile(objects, file, keyOf(file.relativePath), call)).bytes;
      },
    }));
    const bytes = await runTransfer("upload", tasks, options.onProgress, signal);
    return { objects: files.length, bytes };
  } catch (error) {
    await removeWritten(context, objects, written);
    if (signal?.aborted) {
      throw new OperationAbortedError("transferFromS3", {
        cause: signal.reason,
        detail: "the objects written were removed",
      });
    }
    if (error instanceof AipModelError && written.length === 0) throw error;
    throw new AipModelError(
      `transferFromS3 failed; the ${written.length} objects written were removed: ${
        messageOf(error)
      }`,
      { cause: error },
    );
  } finally {
    await source.dispose();
  }
}

/** Throws a {@link ValidationError} naming the first keys that already exist. */
async function refuseExisting(
  objects: ObjectStore,
  keys: readonly string[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const existing: string[] = [];
  for (const key of keys) {
    if (await objects.exists(key, { signal })) existing.push(key);
  }
  if (existing.length > 0) {
    throw new ValidationError(
      "overwrite",
      `true to replace ${existing.length} existing object(s) (${existing.slice(0, 3).join(", ")}${
        existing.length > 3 ? ", ..." : ""
      }); nothing was written`,
    );
  }
}

async function removeWritten(
  context: RegistryContext,
  objects: ObjectStore,
  written: readonly string[],
): Promise<void> {
  if (written.length === 0) return;
  try {
    if (objects.deleteKeys !== undefined) await objects.deleteKeys(written);
  } catch (error) {
    context.logger.warn?.(
      `Could not remove ${written.length} objects written: ${messageOf(error)}`,
    );
  }
}
