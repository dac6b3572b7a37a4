/**
 * {@link S3Storage}: one bucket of an S3 endpoint (Ceph radosgw first), with streaming uploads
 * and downloads of bounded memory, paging hidden behind async generators, exact-key checks,
 * checked batch deletes and server-side copies. Every operation takes `signal` and stops at once
 * when it aborts, leaving no unfinished multipart upload and no partial file.
 *
 * @module
 */

import type { S3Client } from "@aws-sdk/client-s3";
import { createStorageContext, type S3ConnectionOptions, type StorageContext } from "./client.ts";
import { copyObject, type CopyOptions } from "./copy.ts";
import { deleteKeys, type DeleteOptions, deletePrefix } from "./delete.ts";
import { type DownloadResult, getFile, type GetFileOptions } from "./download.ts";
import { headObject } from "./exists.ts";
import { listObjects, type ListOptions, listPrefixes } from "./list.ts";
import type { ObjectHead, StoredObject, TransferResult } from "./objects.ts";
import { putBytes, type PutBytesOptions, putStream, type PutStreamOptions } from "./put.ts";
import { getBytes, type GetBytesOptions, getStream, type GetStreamOptions } from "./read.ts";
import { putFile, type PutFileOptions } from "./upload.ts";
import {
  abortUpload,
  listUploads,
  type UnfinishedUpload,
  type UploadParts,
  uploadParts,
} from "./uploads.ts";

/** Options of {@link S3Storage}: where, who, and which bucket. */
export interface S3StorageOptions extends S3ConnectionOptions {
  /** The bucket operated on. */
  bucket: string;
}

/** Marks the options of a view made by {@link S3Storage.withBucket}; private to this module. */
const VIEW: unique symbol = Symbol("S3Storage view");

interface ViewOptions extends S3StorageOptions {
  [VIEW]: StorageContext;
}

/** Options of the operations that only need a signal. */
export interface SignalOptions {
  /** Stops the operation. */
  signal?: AbortSignal;
}

/**
 * One bucket of an S3 endpoint.
 *
 * @example Upload a file, check it, download it, clean up
 * ```ts ignore
 * import { S3Storage } from "./storage.ts";
 * const storage = new S3Storage({
 *   endpoint: "http://127.0.0.1:7480",
 *   accessKey: "AK",
 *   secretKey: "SK",
 *   bucket: "models",
 * });
 * try {
 *   await storage.putFile("model.safetensors", "_models/abc/v1/model.safetensors", {
 *     onProgress: (event) => console.log(event.transferredBytes, "/", event.totalBytes),
 *   });
 *   console.log(await storage.exists("_models/abc/v1/model.safetensors")); // true
 *   await storage.getFile("_models/abc/v1/model.safetensors", "out/model.safetensors");
 *   for await (const object of storage.list("_models/abc/")) console.log(object.key);
 *   await storage.deletePrefix("_models/abc");
 * } finally {
 *   storage.close();
 * }
 * ```
 */
export class S3Storage {
  readonly #context: StorageContext;
  readonly #owner: boolean;

  /**
   * Configures a client for `options.endpoint` (nothing is sent yet). Throws a ValidationError
   * for an endpoint that is not an http(s) URL, a bucket name shorter than 3 characters, or
   * empty credentials.
   */
  constructor(options: S3StorageOptions) {
    const shared = (options as Partial<ViewOptions>)[VIEW];
    this.#context = shared ?? createStorageContext(options, options.bucket);
    this.#owner = shared === undefined;
  }

  /** The bucket operated on. */
  get bucket(): string {
    return this.#context.bucket;
  }

  /** The endpoint, as errors show it (no credentials). */
  get endpoint(): string {
    return this.#context.endpoint;
  }

  /**
   * The configured AWS SDK client, for what this class does not cover (presigned URLs...); the
   * SDK is loaded on this first use.
   * @ignore
   */
  async awsClient(): Promise<S3Client> {
    return (await this.#context.sdk()).client;
  }

  /**
   * The same endpoint and credentials on another bucket, sharing this one's connections. Close
   * only the original.
   */
  withBucket(bucket: string): S3Storage {
    if (bucket === this.bucket) return this;
    const view: ViewOptions = {
      endpoint: this.endpoint,
      accessKey: "",
      secretKey: "",
      bucket,
      [VIEW]: { ...this.#context, bucket },
    };
    return new S3Storage(view);
  }

  /**
   * Uploads the file `path` to `key`, reading it once and hashing it (`sha256` of the result);
   * multipart above the threshold.
   */
  putFile(
    path: string,
    key: string,
    options?: PutFileOptions,
  ): Promise<TransferResult & { sha256: string }> {
    return putFile(this.#context, path, key, options);
  }

  /** Stores bytes or a UTF-8 string at `key` with one PutObject. */
  putBytes(
    key: string,
    data: Uint8Array | string,
    options?: PutBytesOptions,
  ): Promise<TransferResult> {
    return putBytes(this.#context, key, data, options);
  }

  /** Stores a stream of unknown length at `key`, in parts held in memory, hashing it. */
  putStream(
    key: string,
    stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<TransferResult & { sha256: string }> {
    return putStream(this.#context, key, stream, options);
  }

  /**
   * Downloads `key` to the file `destination`, through a temporary file renamed at the end,
   * hashing it; checks `expectedSha256`/`expectedSize` when given.
   */
  getFile(key: string, destination: string, options?: GetFileOptions): Promise<DownloadResult> {
    return getFile(this.#context, key, destination, options);
  }

  /** Reads the whole object into memory (refused above `maxBytes`, 64 MiB by default). */
  getBytes(key: string, options?: GetBytesOptions): Promise<Uint8Array> {
    return getBytes(this.#context, key, options);
  }

  /** The object (or a range of it) as a Web stream. */
  getStream(key: string, options?: GetStreamOptions): Promise<ReadableStream<Uint8Array>> {
    return getStream(this.#context, key, options);
  }

  /** Every object under `prefix` (a string prefix: end it with `/` for a folder). */
  list(prefix: string, options?: ListOptions): AsyncGenerator<StoredObject> {
    return listObjects(this.#context, prefix, options);
  }

  /** The "sub-folders" directly under `prefix`, each ending with the delimiter (`/`). */
  listPrefixes(prefix: string, options?: ListOptions): AsyncGenerator<string> {
    return listPrefixes(this.#context, prefix, options);
  }

  /** The description of exactly `key`, or `null` when there is no such object. */
  head(key: string, options: SignalOptions = {}): Promise<ObjectHead | null> {
    return headObject(this.#context, key, options.signal);
  }

  /** Whether exactly `key` exists; any failure other than "not found" is thrown. */
  async exists(key: string, options: SignalOptions = {}): Promise<boolean> {
    return (await headObject(this.#context, key, options.signal)) !== null;
  }

  /** Deletes exact keys in batches of 1000; throws listing any key left. */
  deleteKeys(
    keys: Iterable<string> | AsyncIterable<string>,
    options?: DeleteOptions,
  ): Promise<number> {
    return deleteKeys(this.#context, keys, options);
  }

  /** Deletes the folder `prefix` (made to end with `/`) and everything under it. */
  deletePrefix(prefix: string, options?: DeleteOptions): Promise<number> {
    return deletePrefix(this.#context, prefix, options);
  }

  /** Copies server-side into `destinationKey` of this bucket (source: `sourceBucket` or this). */
  copy(sourceKey: string, destinationKey: string, options?: CopyOptions): Promise<TransferResult> {
    return copyObject(this.#context, sourceKey, destinationKey, options);
  }

  /** Every unfinished multipart upload whose key starts with `prefix`. */
  listUploads(prefix: string, options: SignalOptions = {}): AsyncGenerator<UnfinishedUpload> {
    return listUploads(this.#context, prefix, options.signal);
  }

  /** The parts an unfinished multipart upload holds: count, bytes, latest write. */
  uploadParts(key: string, uploadId: string, options: SignalOptions = {}): Promise<UploadParts> {
    return uploadParts(this.#context, key, uploadId, options.signal);
  }

  /** Aborts an unfinished multipart upload (one already gone is fine). */
  abortUpload(key: string, uploadId: string, options: SignalOptions = {}): Promise<void> {
    return abortUpload(this.#context, key, uploadId, options.signal);
  }

  /** Closes the connections. Views made with {@link S3Storage.withBucket} are closed with it. */
  close(): void {
    if (!this.#owner) return;
    this.#context.close();
  }
}
