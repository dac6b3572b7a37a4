/**
 * The object half of the embedded registry: each object is a file under
 * `objects/<bucket>/<key>`, written through a temporary file renamed when complete, so that a
 * listing never shows a partial object.
 *
 * @module
 */

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
} from "../registry/backend.ts";
import { progressCounter } from "../storage/progress.ts";
import { AipModelError, IntegrityError } from "../errors.ts";
import { isErrorCode, isTempName, tempPathFor } from "./fs.ts";
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
    const count = progressCounter(options?.onProgress, {
      kind: "upload",
      bucket: this.bucket,
      key,
      totalBytes: (await stat(path)).size,
    });
    return await streamInto(path, target, count, options?.signal);
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
    return await streamInto(source, destination, count, options?.signal, options?.expectedSha256);
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
    // Walk only the deepest folder the prefix names; the rest of the prefix filters names.
    const slash = prefix.lastIndexOf("/");
    const folder = slash < 0 ? "" : prefix.slice(0, slash + 1);
    const start = folder === "" ? this.#root : this.#pathOf(folder.slice(0, -1));
    const keys: ObjectEntry[] = [];
    await walk(start, folder, keys, options?.signal);
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const entry of keys) if (entry.key.startsWith(prefix)) yield entry;
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

async function walk(
  dir: string,
  keyPrefix: string,
  out: ObjectEntry[],
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
    if (isTempName(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      await walk(path, `${keyPrefix}${entry.name}/`, out, signal);
    } else if (entry.isFile()) {
      // A file removed between readdir and stat is simply no longer listed.
      const size = await stat(path).then((info) => info.size, () => undefined);
      if (size !== undefined) out.push({ key: `${keyPrefix}${entry.name}`, size });
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
  expectedSha256?: string,
): Promise<StoredFile> {
  signal?.throwIfAborted();
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
    const sha256 = hash.digest("hex");
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
