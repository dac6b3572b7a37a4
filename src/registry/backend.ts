/**
 * The two halves a registry is made of, as the registry's operations see them: a metadata store
 * (ClearML on the platform, JSON files in the embedded registry) and an object store (the user's
 * S3 bucket, or a folder). The operations in `src/registry/` are written once against these
 * interfaces, so that the platform and the embedded registry keep the same rules.
 *
 * @module
 */

import type { TransferLimiter } from "../storage/limiter.ts";
import type { StorageProgressListener } from "../storage/progress.ts";
import type { S3Storage } from "../storage/storage.ts";

/** The options every backend call takes. */
export interface BackendCallOptions {
  /** Stops the call. */
  signal?: AbortSignal | undefined;
}

/** One registered model, as stored: its metadata values are strings, keyed by metadata key. */
export interface ModelEntity {
  /** 32 lowercase hex characters. */
  id: string;
  /** The model name (not unique in ClearML: see {@link MetadataStore.findByName}). */
  name: string;
  /** `s3://{bucket}/_models/{id}/{latest}/`, or a placeholder before the first version. */
  uri: string;
  /** When the entity was created, ISO 8601; the oldest of two same-name models wins. */
  created: string;
  /** The tags, sorted. */
  tags: string[];
  /** Metadata values by key (`versions_map`, `latest_version`, `modelSize`, ...). */
  metadata: Record<string, string>;
}

/** A metadata value with its ClearML `type` field ("str", "float", "int", "bool"). */
export interface TypedValue {
  /** The ClearML type label. */
  type: string;
  /** The value, always a string. */
  value: string;
}

/** A held lock; released exactly once. */
export interface HeldLock {
  /** Gives the lock up. Never throws for a lock that has already expired. */
  release(): Promise<void>;
}

/** The metadata half of a registry, scoped to one user (one ClearML project). */
export interface MetadataStore {
  /** Every model named exactly `name` (no pattern matching), oldest first. */
  findByName(name: string, options?: BackendCallOptions): Promise<ModelEntity[]>;
  /** The model with this id, or `null` when there is none. */
  getById(id: string, options?: BackendCallOptions): Promise<ModelEntity | null>;
  /** Creates a model entity and returns its id. */
  create(name: string, uri: string, options?: BackendCallOptions): Promise<string>;
  /** Adds or replaces the given metadata keys; other keys stay. */
  setMetadata(
    id: string,
    values: Readonly<Record<string, TypedValue>>,
    options?: BackendCallOptions,
  ): Promise<void>;
  /** Removes the given metadata keys; keys that are absent are fine. */
  deleteMetadata(id: string, keys: readonly string[], options?: BackendCallOptions): Promise<void>;
  /** Replaces the model's tags. */
  setTags(id: string, tags: readonly string[], options?: BackendCallOptions): Promise<void>;
  /** Sets the model's uri. */
  setUri(id: string, uri: string, options?: BackendCallOptions): Promise<void>;
  /** Deletes the model entity; `false` when it did not exist. */
  delete(id: string, options?: BackendCallOptions): Promise<boolean>;
  /** Every model of the user, all pages. */
  list(options?: BackendCallOptions): AsyncIterable<ModelEntity>;
  /**
   * Mutual exclusion between processes over one model's metadata, held while a read-modify-write
   * of `versions_map` runs. A lock left by a crashed process expires after `ttlMs`.
   */
  lock(modelId: string, options: BackendCallOptions & { ttlMs: number }): Promise<HeldLock>;
}

/** One stored object. */
export interface ObjectEntry {
  /** The full key. */
  key: string;
  /** Its size in bytes. */
  size: number;
  /** When it was last written, when the store knows. */
  modified?: Date | undefined;
  /** Its ETag when the store has one (a download then needs no HeadObject). */
  etag?: string | undefined;
}

/**
 * An upload that was started and never finished: an unfinished S3 multipart upload, or a
 * temporary file of the embedded registry. It holds storage until it is aborted.
 */
export interface UnfinishedUpload {
  /** The key it would have created. */
  key: string;
  /** What tells it apart from other unfinished uploads of the same key (the S3 upload id). */
  id: string;
  /** The bytes it holds. */
  bytes: number;
  /** When it last received data (or was started, with no data yet). */
  lastActivity: Date;
}

/** The options of {@link ObjectStore.listFrom}. */
export interface ListFromOptions extends BackendCallOptions {
  /** Entries asked for per request, 1 to 1000. */
  pageSize: number;
}

/** The options of transfers. */
export interface TransferCallOptions extends BackendCallOptions {
  /** Byte progress of this one object. */
  onProgress?: StorageProgressListener | undefined;
  /** The slots shared by every file of one transfer (S3 stores; a folder ignores it). */
  limiter?: TransferLimiter | undefined;
  /**
   * Uploads: a file above the part size and up to this many bytes goes as one PutObject
   * streamed from the disk rather than in parts (S3 stores; a folder ignores it).
   */
  streamedPutLimit?: number | undefined;
}

/** The options of {@link ObjectStore.getFile}. */
export interface GetFileCallOptions extends TransferCallOptions {
  /** The SHA-256 (hex) the object must have: a mismatch is an `IntegrityError`, no file is left. */
  expectedSha256?: string | undefined;
  /** The size the object must have. */
  expectedSize?: number | undefined;
  /** The ETag a listing gave, with `expectedSize`: the store may then skip its HeadObject. */
  etag?: string | undefined;
  /**
   * `expectedSize` is the size a manifest lists and `expectedSha256` checks the bytes: the store
   * may skip its HeadObject without an ETag. Nothing then pins the GETs to one version of the
   * object (no `If-Match`) nor names a kept partial file: meant for small files, one GET each,
   * whose hash catches a replaced object.
   */
  sizeKnown?: boolean | undefined;
  /**
   * Keep a failed download's known-good prefix beside the destination
   * (`<file>.aipmodel-partial`) and continue from it on the next call.
   */
  resume?: boolean | undefined;
  /** With `resume`: the caller saw no kept partial file in the folder; none is looked for. */
  noKeptPartial?: boolean | undefined;
  /**
   * Objects above this many bytes are fetched in parallel ranged parts (S3 stores; the default
   * is the part size). A transfer of many files passes a large one: its files fill the streams.
   */
  parallelThreshold?: number | undefined;
}

/** What an upload stored, or a download wrote: the byte count and their SHA-256, hashed as they flowed. */
export interface StoredFile {
  /** Bytes stored or written. */
  bytes: number;
  /** Their SHA-256, lowercase hex. */
  sha256: string;
  /** Downloads only: bytes reused from a kept partial file rather than fetched. */
  resumedBytes?: number | undefined;
}

/** The object half of a registry: one bucket (or folder), keys with `/` separators. */
export interface ObjectStore {
  /** The bucket name, as it appears in `s3://{bucket}/...` uris. */
  readonly bucket: string;
  /** Uploads the local file `path` to `key`, reading it once; returns its size and hash. */
  putFile(path: string, key: string, options?: TransferCallOptions): Promise<StoredFile>;
  /**
   * Stores a stream of `size` bytes at `key` without a local copy (S3: parts held in memory,
   * a bounded number at a time; a folder: a temporary file renamed when complete). Returns the
   * bytes stored and their hash; a stream that fails leaves no object.
   */
  putStream(
    key: string,
    stream: ReadableStream<Uint8Array>,
    size: number,
    options?: TransferCallOptions,
  ): Promise<StoredFile>;
  /**
   * Downloads `key` to `destination` through a temporary file renamed when complete and checked;
   * returns the bytes written and their hash.
   */
  getFile(key: string, destination: string, options?: GetFileCallOptions): Promise<StoredFile>;
  /** Stores a small document (a manifest) at `key`. Stores without it keep no manifests. */
  putBytes?(key: string, data: Uint8Array, options?: BackendCallOptions): Promise<void>;
  /** Reads a small document; `null` when there is no such object. */
  getBytes?(key: string, options?: BackendCallOptions): Promise<Uint8Array | null>;
  /** The object's bytes as a stream (to hash them without a local copy). */
  readStream?(key: string, options?: BackendCallOptions): Promise<ReadableStream<Uint8Array>>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string, options?: BackendCallOptions): AsyncIterable<ObjectEntry>;
  /**
   * The objects under `prefix` whose keys come after `startAfter` (all of them when undefined),
   * in S3's key order (by code point), asking the store for `pageSize` entries a request. Stores
   * that page their listings have it: a caller that knows which keys to expect can list the parts
   * of a large folder at once.
   */
  listFrom?(
    prefix: string,
    startAfter: string | undefined,
    options: ListFromOptions,
  ): AsyncIterable<ObjectEntry>;
  /** Deletes every object under the folder `prefix` (normalised to end with `/`). */
  deletePrefix(prefix: string, options?: BackendCallOptions): Promise<number>;
  /** Copies `sourceKey` to `destinationKey` inside this store, server-side. */
  copy(sourceKey: string, destinationKey: string, options?: BackendCallOptions): Promise<void>;
  /** Whether exactly `key` exists. */
  exists(key: string, options?: BackendCallOptions): Promise<boolean>;
  /** Deletes exact keys (absent ones are fine); returns how many were asked for. */
  deleteKeys?(keys: readonly string[], options?: BackendCallOptions): Promise<number>;
  /** Every unfinished upload whose key starts with `prefix`. */
  listUnfinished?(prefix: string, options?: BackendCallOptions): AsyncIterable<UnfinishedUpload>;
  /** Aborts an unfinished upload, freeing its storage (one already gone is fine). */
  abortUnfinished?(upload: UnfinishedUpload, options?: BackendCallOptions): Promise<void>;
  /**
   * Whether {@link ObjectStore.copyFromBucket} can copy `sourceKey` of `sourceBucket` at
   * `endpoint` server-side: the same endpoint, and this store's keys may read it. Never throws.
   */
  canCopyFrom?(
    endpoint: string,
    sourceBucket: string,
    sourceKey: string,
    options?: BackendCallOptions,
  ): Promise<boolean>;
  /** Copies `sourceKey` of another bucket of the same endpoint to `destinationKey`, server-side. */
  copyFromBucket?(
    sourceBucket: string,
    sourceKey: string,
    destinationKey: string,
    options?: TransferCallOptions,
  ): Promise<number>;
  /**
   * The storage of this store's own endpoint and keys on `bucket` (default: its own), to read a
   * source from without handing out the keys; closed with the store, never by the caller.
   */
  ownStorage?(bucket?: string): S3Storage;
}

/** A registry: where metadata and objects live. */
export interface RegistryBackend {
  /** The metadata store. */
  readonly metadata: MetadataStore;
  /** The object store. */
  readonly objects: ObjectStore;
  /** Releases connections. */
  close(): Promise<void>;
}
