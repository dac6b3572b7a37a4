/**
 * The object half of the embedded registry: each object is a file under
 * `objects/<bucket>/<key>`, written through a temporary file renamed when complete, so that a
 * listing never shows a partial object.
 *
 * @module
 */

import { allowManyListeners } from "../abort.ts";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type {
  BackendCallOptions,
  GetFileCallOptions,
  ObjectEntry,
  ObjectStore,
  StoredFile,
  TransferCallOptions,
  UnfinishedUpload,
} from "../registry/backend.ts";
import { progressCounter } from "../storage/progress.ts";
import { AipModelError, IntegrityError } from "../errors.ts";
import { isErrorCode, isTempName, TEMP_MARKER, tempPathFor } from "./fs.ts";
import { chunksOf } from "../streams.ts";

/** The object store of a registry folder. */
export class LocalObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly #root: string;

  /** Objects live under `{objectsDir}/{bucket}/`. */
  constructor(objectsDir: string, bucket: string) {
    this.bucket = bucket;
    this.#root = join(objectsDir, bucket);
  }

  async putFile(path: string, key: string, options?: TransferCallOptions): Promise<StoredFile> {
    const target = this.#pathOf(key);
    const before = await stat(path);
    const count = progressCounter(options?.onProgress, {
      kind: "upload",
      bucket: this.bucket,
      key,
      totalBytes: before.size,
    });
    // A file that changes while it is copied would store a mix of two contents: refused.
    const unchanged = async (bytes: number): Promise<void> => {
      const after = await stat(path);
      if (bytes !== before.size || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new AipModelError(
          `The file ${path} changed during its upload (${before.size} bytes at the start, ` +
            `${after.size} now). The upload was abandoned: upload it again once it no longer ` +
            "changes.",
        );
      }
    };
    return await streamInto(path, target, count, options?.signal, { unchanged });
  }

  async putStream(
    key: string,
    stream: ReadableStream<Uint8Array>,
    size: number,
    options?: TransferCallOptions,
  ): Promise<StoredFile> {
    const target = this.#pathOf(key);
    const count = progressCounter(options?.onProgress, {
      kind: "upload",
      bucket: this.bucket,
      key,
      totalBytes: size,
    });
    return await streamInto(chunksOf(stream), target, count, options?.signal);
  }

  async getFile(
    key: string,
    destination: string,
    options?: GetFileCallOptions,
  ): Promise<StoredFile> {
    const source = this.#pathOf(key);
    const info = await stat(source).catch((error: unknown) => {
      throw new AipModelError(`No object ${key} in the local registry`, { cause: error });
    });
    const expectedSize = options?.expectedSize;
    if (expectedSize !== undefined && expectedSize !== info.size) {
      throw new IntegrityError(
        `The object ${key} holds ${info.size} bytes, not the ${expectedSize} its manifest lists`,
        { subject: key, expected: String(expectedSize), actual: String(info.size) },
      );
    }
    const count = progressCounter(options?.onProgress, {
      kind: "download",
      bucket: this.bucket,
      key,
      totalBytes: info.size,
    });
    return await streamInto(source, destination, count, options?.signal, {
      expectedSha256: options?.expectedSha256,
    });
  }

  /** Stores a small document. */
  async putBytes(key: string, data: Uint8Array, options?: BackendCallOptions): Promise<void> {
    await streamInto([data], this.#pathOf(key), () => {}, options?.signal);
  }

  /** Reads a small document; `null` when there is none. */
  async getBytes(key: string, options?: BackendCallOptions): Promise<Uint8Array | null> {
    options?.signal?.throwIfAborted();
    try {
      return new Uint8Array(await readFile(this.#pathOf(key)));
    } catch (error) {
      if (isErrorCode(error, "ENOENT") || isErrorCode(error, "ENOTDIR")) return null;
      throw error;
    }
  }

  /** The object as a stream. */
  readStream(key: string, options?: BackendCallOptions): Promise<ReadableStream<Uint8Array>> {
    options?.signal?.throwIfAborted();
    const path = this.#pathOf(key);
    return Promise.resolve(
      Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>,
    );
  }

  async *list(prefix: string, options?: BackendCallOptions): AsyncIterable<ObjectEntry> {
    const keys: ObjectEntry[] = [];
    await this.#walkPrefix(prefix, { objects: keys }, options?.signal);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const entry of keys) if (entry.key.startsWith(prefix)) yield entry;
  }

  /**
   * The temporary files under `prefix` (writes in progress, or left by a process that died):
   * `key` is the object each would have become, `id` the temporary file's name.
   */
  async *listUnfinished(
    prefix: string,
    options?: BackendCallOptions,
  ): AsyncIterable<UnfinishedUpload> {
    const temps: UnfinishedUpload[] = [];
    await this.#walkPrefix(prefix, { temps }, options?.signal);
    for (const temp of temps) if (temp.key.startsWith(prefix)) yield temp;
  }

  /** Removes a temporary file found by {@link LocalObjectStore.listUnfinished}. */
  async abortUnfinished(upload: UnfinishedUpload, options?: BackendCallOptions): Promise<void> {
    options?.signal?.throwIfAborted();
    if (!isTempName(upload.id) || upload.id.includes("/") || upload.id.includes("\\")) {
      throw new AipModelError(`Not a temporary file of the registry: ${upload.id}`);
    }
    const slash = upload.key.lastIndexOf("/");
    const folder = slash < 0 ? this.#root : this.#pathOf(upload.key.slice(0, slash));
    await rm(join(folder, upload.id), { force: true });
  }

  /** Walks only the deepest folder the prefix names; the rest of the prefix filters names. */
  async #walkPrefix(prefix: string, out: WalkOutput, signal: AbortSignal | undefined) {
    const slash = prefix.lastIndexOf("/");
    const folder = slash < 0 ? "" : prefix.slice(0, slash + 1);
    const start = folder === "" ? this.#root : this.#pathOf(folder.slice(0, -1));
    await walk(start, folder, out, signal);
  }

  async deletePrefix(prefix: string, options?: BackendCallOptions): Promise<number> {
    const folder = prefix.endsWith("/") ? prefix : `${prefix}/`;
    const entries: ObjectEntry[] = [];
    for await (const entry of this.list(folder, options)) entries.push(entry);
    await rm(this.#pathOf(folder.slice(0, -1)), { recursive: true, force: true });
    return entries.length;
  }

  async copy(
    sourceKey: string,
    destinationKey: string,
    options?: BackendCallOptions,
  ): Promise<void> {
    options?.signal?.throwIfAborted();
    const target = this.#pathOf(destinationKey);
    await mkdir(dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
      await copyFile(this.#pathOf(sourceKey), temp);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async exists(key: string, options?: BackendCallOptions): Promise<boolean> {
    options?.signal?.throwIfAborted();
    try {
      return (await stat(this.#pathOf(key))).isFile();
    } catch (error) {
      if (isErrorCode(error, "ENOENT") || isErrorCode(error, "ENOTDIR")) return false;
      throw error;
    }
  }

  /** Deletes exact keys; absent keys are fine. */
  async deleteKeys(keys: readonly string[], options?: BackendCallOptions): Promise<number> {
    for (const key of keys) {
      options?.signal?.throwIfAborted();
      await rm(this.#pathOf(key), { force: true });
    }
    return keys.length;
  }

  /** The file of `key`; keys that could leave the store's folder are refused. */
  #pathOf(key: string): string {
    const segments = key.split("/");
    for (const segment of segments) {
      if (
        segment === "" || segment === "." || segment === ".." || segment.includes("\\") ||
        segment.includes("\0") || isTempName(segment)
      ) {
        throw new AipModelError(`Refusing the object key ${JSON.stringify(key)}`);
      }
    }
    return join(this.#root, ...segments);
  }
}

/** What a walk collects: the objects, the temporary files, or both. */
interface WalkOutput {
  objects?: ObjectEntry[];
  temps?: UnfinishedUpload[];
}

async function walk(
  dir: string,
  keyPrefix: string,
  out: WalkOutput,
  signal: AbortSignal | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isErrorCode(error, "ENOENT") || isErrorCode(error, "ENOTDIR")) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const temp = isTempName(entry.name);
    if (entry.isDirectory()) {
      if (!temp) await walk(path, `${keyPrefix}${entry.name}/`, out, signal);
    } else if (entry.isFile() && (temp ? out.temps : out.objects) !== undefined) {
      // A file removed between readdir and stat is simply no longer listed.
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) continue;
      if (!temp) {
        out.objects?.push({
          key: `${keyPrefix}${entry.name}`,
          size: info.size,
          modified: info.mtime,
        });
      } else {
        // `{marker}{12 hex}-{name}`: the name of the object it would have become.
        const target = entry.name.slice(TEMP_MARKER.length + 13);
        out.temps?.push({
          key: `${keyPrefix}${target}`,
          id: entry.name,
          bytes: info.size,
          lastActivity: info.mtime,
        });
      }
    }
  }
}

/**
 * Streams `source` (a file path or chunks) into `target` through a temporary file, hashing the
 * bytes; with `expectedSha256`, a mismatch removes the temporary file and throws. Returns the
 * bytes written and their hash.
 */
async function streamInto(
  source: string | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  target: string,
  count: (delta: number) => void,
  signal: AbortSignal | undefined,
  check: { unchanged?: (bytes: number) => Promise<void>; expectedSha256?: string | undefined } = {},
): Promise<StoredFile> {
  signal?.throwIfAborted();
  // Every file of a transfer runs its pipeline on the same signal.
  if (signal) allowManyListeners(signal);
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    await pipeline(
      typeof source === "string" ? createReadStream(source) : Readable.from(source),
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          hash.update(chunk);
          count(chunk.length);
          yield chunk;
        }
      },
      createWriteStream(temp, { flags: "wx" }),
      ...(signal ? [{ signal }] : []),
    );
    await check.unchanged?.(bytes);
    const sha256 = hash.digest("hex");
    const { expectedSha256 } = check;
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      throw new IntegrityError(
        `The SHA-256 of ${target} is ${sha256}, not the ${expectedSha256} its manifest lists; ` +
          "the file was deleted",
        { subject: target, expected: expectedSha256, actual: sha256 },
      );
    }
    await rename(temp, target);
    return { bytes, sha256 };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
