/**
 * The platform's object store: the user's bucket through {@link S3Storage}, seen through the
 * registry's {@link ObjectStore} interface.
 *
 * @module
 */

import type {
  BackendCallOptions,
  GetFileCallOptions,
  ListFromOptions,
  ObjectEntry,
  ObjectStore,
  StoredFile,
  TransferCallOptions,
  UnfinishedUpload,
} from "../registry/backend.ts";
import { StorageError } from "../errors.ts";
import { isNotFound } from "../storage/errors.ts";
import { describeUrl } from "../http/fetch.ts";
import type { StoredObject } from "../storage/objects.ts";
import type { S3Storage } from "../storage/storage.ts";

/** The part size of streamed uploads (S3 wants at least 5 MiB per part). */
const STREAM_PART_SIZE = 8 * 1024 * 1024;

/**
 * One S3 bucket as an {@link ObjectStore}. It does not own the storage: closing it is the
 * caller's (the platform backend's) job.
 *
 * @example
 * ```ts ignore
 * import { S3Storage } from "../storage/storage.ts";
 * import { S3ObjectStore } from "./object_store.ts";
 * const objects = new S3ObjectStore(new S3Storage({ endpoint, accessKey, secretKey, bucket }));
 * await objects.putFile("weights.bin", "_models/0123/v1/weights.bin");
 * ```
 */
export class S3ObjectStore implements ObjectStore {
  readonly #storage: S3Storage;

  /** Wraps a storage; does not contact S3. */
  constructor(storage: S3Storage) {
    this.#storage = storage;
  }

  /** The bucket name. */
  get bucket(): string {
    return this.#storage.bucket;
  }

  /** Streams the local file `path` to `key`; returns the bytes stored and their hash. */
  async putFile(
    path: string,
    key: string,
    options: TransferCallOptions = {},
  ): Promise<StoredFile> {
    const result = await this.#storage.putFile(path, key, {
      ...transferOptions(options),
      ...(options.streamedPutLimit === undefined
        ? {}
        : { streamedPutLimit: options.streamedPutLimit }),
    });
    return { bytes: result.size, sha256: result.sha256 };
  }

  /** Streams `stream` (`size` bytes) to `key` in parts held in memory; returns the bytes stored. */
  async putStream(
    key: string,
    stream: ReadableStream<Uint8Array>,
    size: number,
    options: TransferCallOptions = {},
  ): Promise<StoredFile> {
    const { onProgress } = options;
    const result = await this.#storage.putStream(key, stream, {
      ...signalOnly(options),
      // A stream's parts are held in memory until sent, and up to 4 files stream at once:
      // 8 MiB parts, 2 in flight, keep that near (2 + 2) x 8 MiB x 4 = 128 MiB in all.
      partSize: STREAM_PART_SIZE,
      concurrency: 2,
      // The storage does not know the size of a stream: the events say it.
      ...(onProgress === undefined
        ? {}
        : { onProgress: (event) => onProgress({ ...event, totalBytes: size }) }),
    });
    return { bytes: result.size, sha256: result.sha256 };
  }

  /** Downloads `key` to `destination` through a checked temporary file renamed when complete. */
  async getFile(
    key: string,
    destination: string,
    options: GetFileCallOptions = {},
  ): Promise<StoredFile> {
    const result = await this.#storage.getFile(key, destination, {
      ...transferOptions(options),
      ...(options.expectedSha256 === undefined ? {} : { expectedSha256: options.expectedSha256 }),
      ...(options.expectedSize === undefined ? {} : { expectedSize: options.expectedSize }),
      ...(options.resume === undefined ? {} : { resume: options.resume }),
      ...(options.noKeptPartial === undefined ? {} : { noKeptPartial: options.noKeptPartial }),
      ...(options.parallelThreshold === undefined
        ? {}
        : { parallelThreshold: options.parallelThreshold }),
      ...(options.expectedSize === undefined ||
          (options.etag === undefined && options.sizeKnown !== true)
        ? {}
        : { known: { size: options.expectedSize, etag: options.etag } }),
    });
    return { bytes: result.size, sha256: result.sha256, resumedBytes: result.resumedBytes };
  }

  /** Stores a small document with one PutObject. */
  async putBytes(key: string, data: Uint8Array, options: BackendCallOptions = {}): Promise<void> {
    await this.#storage.putBytes(key, data, {
      ...signalOnly(options),
      contentType: "application/json",
    });
  }

  /** Reads a small document (at most 64 MiB); `null` when there is no such object. */
  async getBytes(key: string, options: BackendCallOptions = {}): Promise<Uint8Array | null> {
    try {
      return await this.#storage.getBytes(key, signalOnly(options));
    } catch (error) {
      if (error instanceof StorageError && isNotFound(error.cause)) return null;
      throw error;
    }
  }

  /** The object as a stream. */
  readStream(key: string, options: BackendCallOptions = {}): Promise<ReadableStream<Uint8Array>> {
    return this.#storage.getStream(key, signalOnly(options));
  }

  /** Every object whose key starts with `prefix`. */
  list(prefix: string, options: BackendCallOptions = {}): AsyncGenerator<ObjectEntry> {
    return entriesOf(this.#storage.list(prefix, signalOnly(options)));
  }

  /** The objects under `prefix` after `startAfter`, `pageSize` a request. */
  listFrom(
    prefix: string,
    startAfter: string | undefined,
    options: ListFromOptions,
  ): AsyncGenerator<ObjectEntry> {
    return entriesOf(this.#storage.list(prefix, {
      ...signalOnly(options),
      pageSize: options.pageSize,
      ...(startAfter === undefined ? {} : { startAfter }),
    }));
  }

  /** The unfinished multipart uploads under `prefix`, with their parts' size and last write. */
  async *listUnfinished(
    prefix: string,
    options: BackendCallOptions = {},
  ): AsyncGenerator<UnfinishedUpload, void, undefined> {
    for await (const upload of this.#storage.listUploads(prefix, signalOnly(options))) {
      const parts = await this.#storage.uploadParts(
        upload.key,
        upload.uploadId,
        signalOnly(options),
      );
      const times = [upload.initiated, parts.lastModified]
        .filter((time): time is Date => time !== undefined)
        .map((time) => time.getTime());
      yield {
        key: upload.key,
        id: upload.uploadId,
        bytes: parts.bytes,
        // No date at all: take it as active now, so that nothing is aborted on a guess.
        lastActivity: new Date(times.length === 0 ? Date.now() : Math.max(...times)),
      };
    }
  }

  /** Aborts an unfinished multipart upload. */
  abortUnfinished(upload: UnfinishedUpload, options: BackendCallOptions = {}): Promise<void> {
    return this.#storage.abortUpload(upload.key, upload.id, signalOnly(options));
  }

  /** Deletes the folder `prefix` and everything under it; returns how many objects went. */
  deletePrefix(prefix: string, options: BackendCallOptions = {}): Promise<number> {
    return this.#storage.deletePrefix(prefix, signalOnly(options));
  }

  /** Copies server-side inside the bucket. */
  async copy(
    sourceKey: string,
    destinationKey: string,
    options: BackendCallOptions = {},
  ): Promise<void> {
    await this.#storage.copy(sourceKey, destinationKey, signalOnly(options));
  }

  /** Whether exactly `key` exists (never a prefix match). */
  exists(key: string, options: BackendCallOptions = {}): Promise<boolean> {
    return this.#storage.exists(key, signalOnly(options));
  }

  /** Deletes exact keys in batches; absent keys are fine. */
  deleteKeys(keys: readonly string[], options: BackendCallOptions = {}): Promise<number> {
    return this.#storage.deleteKeys(keys, signalOnly(options));
  }

  /** Same endpoint, and a HeadObject of the source with this store's keys succeeds. */
  async canCopyFrom(
    endpoint: string,
    sourceBucket: string,
    sourceKey: string,
    options: BackendCallOptions = {},
  ): Promise<boolean> {
    if (describeUrl(endpoint).replace(/\/+$/, "") !== this.#storage.endpoint.replace(/\/+$/, "")) {
      return false;
    }
    try {
      const head = await this.#storage.withBucket(sourceBucket).head(
        sourceKey,
        signalOnly(options),
      );
      return head !== null;
    } catch {
      return false;
    }
  }

  /** Copies from another bucket of this endpoint, server-side; returns the bytes copied. */
  async copyFromBucket(
    sourceBucket: string,
    sourceKey: string,
    destinationKey: string,
    options: TransferCallOptions = {},
  ): Promise<number> {
    const result = await this.#storage.copy(sourceKey, destinationKey, {
      ...transferOptions(options),
      sourceBucket,
    });
    return result.size;
  }

  /** This store's endpoint and keys on `bucket` (shares its connections; never close it). */
  ownStorage(bucket: string = this.#storage.bucket): S3Storage {
    return this.#storage.withBucket(bucket);
  }
}

/** A storage listing as registry entries. */
async function* entriesOf(objects: AsyncIterable<StoredObject>): AsyncGenerator<ObjectEntry> {
  for await (const object of objects) {
    yield {
      key: object.key,
      size: object.size,
      modified: object.lastModified,
      etag: object.etag,
    };
  }
}

// The storage options leave `undefined` out of their optional fields, so absent values are
// omitted rather than passed along.
function signalOnly(options: BackendCallOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

function transferOptions(
  options: TransferCallOptions,
): {
  signal?: AbortSignal;
  onProgress?: NonNullable<TransferCallOptions["onProgress"]>;
  limiter?: NonNullable<TransferCallOptions["limiter"]>;
} {
  return {
    ...signalOnly(options),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.limiter === undefined ? {} : { limiter: options.limiter }),
  };
}
