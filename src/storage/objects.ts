/**
 * The descriptions of stored objects that the S3 layer returns.
 *
 * @module
 */

/** One object of a listing. */
export interface StoredObject {
  /** The full key. */
  key: string;
  /** The size in bytes. */
  size: number;
  /**
   * The ETag without its quotes: the MD5 of the content for a single PUT, `<md5>-<parts>` for a
   * multipart upload. Not a content hash in general; compare it only with other ETags.
   */
  etag: string | undefined;
  /** When the object was last written. */
  lastModified: Date | undefined;
}

/** What HeadObject says about one object. */
export interface ObjectHead extends StoredObject {
  /** The stored `Content-Type`. */
  contentType: string | undefined;
  /** The user metadata (`x-amz-meta-*`), names in lower case. */
  metadata: Record<string, string>;
}

/** What an upload, a download or a copy moved. */
export interface TransferResult {
  /** The bucket of the object. */
  bucket: string;
  /** The key of the object. */
  key: string;
  /** The size of the object, in bytes. */
  size: number;
  /**
   * The ETag without quotes when the server gave one (radosgw answers a multipart completion
   * with an empty ETag: use `head()` when it is needed).
   */
  etag: string | undefined;
  /**
   * The SHA-256 (hex) of the bytes, computed while they streamed: set by uploads of a file or a
   * stream and by downloads; absent for server-side copies and `putBytes`.
   */
  sha256?: string | undefined;
}

/** Removes the quotes around an ETag; an empty one becomes `undefined`. */
export function cleanEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined;
  const bare = etag.replace(/^"+|"+$/g, "");
  return bare === "" ? undefined : bare;
}
