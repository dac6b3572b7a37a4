/**
 * A prefix or a single object of an S3 bucket as a {@link ModelSource}: a folder's files go under
 * `<last segment of the prefix>/`, a single object is `<basename>`, the Python SDK's layout. The
 * files are streamed (GetObject into the destination's upload), or, when the destination can
 * read the source on the same endpoint, marked with `copyFrom` so that the destination copies
 * them server-side (no byte goes through this process). The source bucket is only read: never
 * created nor modified (the Python SDK created it).
 *
 * A missing object, prefix or bucket is a {@link NotFoundError}; refused keys an
 * `AuthenticationError` whose `service` is `s3`.
 *
 * @module
 */

import { NotFoundError, StorageError, ValidationError } from "../errors.ts";
import type { ModelSource, StreamedSourceFile } from "../registry/source.ts";
import { S3Storage } from "../storage/storage.ts";

/** The files a source skips by default, as the Python SDK. */
export const S3_DEFAULT_EXCLUDE: readonly string[] = [".git", ".DS_Store"];

/** Where the source objects are and who reads them. */
export interface S3SourceConnection {
  /** The S3 endpoint URL. */
  endpoint: string;
  /** The access key. */
  accessKey: string;
  /** The secret key; never logged nor put in a message. */
  secretKey: string;
}

/** Options of {@link s3Source}. */
export interface S3SourceOptions {
  /** How to reach the source, or an opened storage (not closed by the source). */
  connection: S3SourceConnection | S3Storage;
  /** The source bucket. */
  bucket: string;
  /** A prefix (a folder, with or without the trailing `/`) or the key of one object. */
  path: string;
  /** Path segments to skip (`.git` drops `.git/config`, keeps `.gitattributes`). @default [".git", ".DS_Store"] */
  exclude?: readonly string[] | undefined;
  /**
   * Whether the destination can copy `key` of `bucket` server-side; asked once, with the first
   * file. When it says yes, every file gets `copyFrom`.
   */
  canCopy?: ((bucket: string, key: string) => Promise<boolean>) | undefined;
  /** Stops the checks made while opening. */
  signal?: AbortSignal | undefined;
}

/**
 * Opens the source: the exact object `path` if it exists, else every object under `path/`
 * (all pages). Throws {@link NotFoundError} when there is neither.
 *
 * @example
 * ```ts ignore
 * import { s3Source } from "./s3.ts";
 * const source = await s3Source({
 *   connection: { endpoint: "http://127.0.0.1:7480", accessKey: "AK", secretKey: "SK" },
 *   bucket: "shared",
 *   path: "models/bert",
 * });
 * console.log((await source.files()).map((file) => file.relativePath)); // ["bert/config.json", ...]
 * await source.dispose();
 * ```
 */
export async function s3Source(options: S3SourceOptions): Promise<ModelSource> {
  const { connection, bucket, signal } = options;
  if (typeof options.path !== "string") throw new ValidationError("sourcePath", "a key or prefix");
  const owned = !(connection instanceof S3Storage);
  const storage = connection instanceof S3Storage
    ? connection.withBucket(bucket)
    : new S3Storage({ ...connection, bucket });
  try {
    const listed = await listSource(storage, options.path, options.exclude, signal);
    const first = listed.files[0];
    const copy = first !== undefined && options.canCopy !== undefined &&
      await options.canCopy(bucket, first.key);
    const files: StreamedSourceFile[] = listed.files.map(({ key, relativePath, size }) => ({
      relativePath,
      size,
      open: (readSignal) => storage.getStream(key, { signal: readSignal }),
      ...(copy ? { copyFrom: { bucket, key } } : {}),
    }));
    return {
      folderName: listed.folderName,
      versionFields: { s3Source: `s3://${bucket}/${options.path}` },
      files: (filesSignal) => {
        filesSignal?.throwIfAborted();
        return Promise.resolve(files);
      },
      dispose: () => {
        if (owned) storage.close();
        return Promise.resolve();
      },
    };
  } catch (error) {
    if (owned) storage.close();
    throw notFound(error, bucket, options.path);
  }
}

/** One object of the source. */
interface ListedObject {
  key: string;
  relativePath: string;
  size: number;
}

async function listSource(
  storage: S3Storage,
  path: string,
  exclude: readonly string[] | undefined,
  signal: AbortSignal | undefined,
): Promise<{ folderName: string; files: ListedObject[] }> {
  const skip = new Set(exclude ?? S3_DEFAULT_EXCLUDE);
  const signalOption = signal === undefined ? {} : { signal };
  const trimmed = path.replace(/^\/+/, "").replace(/\/+$/, "");
  if (trimmed !== "" && !path.endsWith("/")) {
    const head = await headOrExplain(storage, trimmed, signalOption);
    if (head !== null) {
      const name = trimmed.split("/").pop() ?? trimmed;
      return { folderName: name, files: [{ key: trimmed, relativePath: name, size: head.size }] };
    }
  }
  const prefix = trimmed === "" ? "" : `${trimmed}/`;
  const folderName = trimmed === "" ? storage.bucket : trimmed.split("/").pop() ?? trimmed;
  const files: ListedObject[] = [];
  let any = false;
  for await (const object of storage.list(prefix, signalOption)) {
    any = true;
    const relative = object.key.slice(prefix.length);
    // A "folder marker" object (empty relative part or ending with "/") holds no file.
    if (relative === "" || relative.endsWith("/")) continue;
    if (relative.split("/").some((segment) => skip.has(segment))) continue;
    files.push({ key: object.key, relativePath: `${folderName}/${relative}`, size: object.size });
  }
  if (!any) {
    throw new NotFoundError(
      "object",
      `s3://${storage.bucket}/${path}`,
      `No object or prefix s3://${storage.bucket}/${path} at ${storage.endpoint}`,
    );
  }
  return { folderName, files };
}

/**
 * HeadObject, whose 403 has no body to tell refused keys from a denied read: a listing then says
 * which (an `AuthenticationError` for refused keys); the HEAD's error is thrown otherwise.
 */
async function headOrExplain(
  storage: S3Storage,
  key: string,
  signalOption: { signal?: AbortSignal },
): Promise<{ size: number } | null> {
  try {
    return await storage.head(key, signalOption);
  } catch (error) {
    if (!(error instanceof StorageError) || error.status !== 403) throw error;
    const listing = storage.list(key, { pageSize: 1, ...signalOption });
    await listing.next();
    await listing.return(undefined);
    throw error;
  }
}

/** A missing bucket is a {@link NotFoundError} too; other errors pass unchanged. */
function notFound(error: unknown, bucket: string, path: string): unknown {
  if (error instanceof StorageError && error.code === "NoSuchBucket") {
    return new NotFoundError("bucket", bucket, `No bucket ${bucket} (reading ${path})`, {
      cause: error,
    });
  }
  return error;
}
