/**
 * The transfer settings of the S3 layer: their defaults, applied in one place, and their checks.
 *
 * Memory stays bounded whatever the object size: a file upload reads each part into a buffer
 * taken from the transfer's memory budget (`limiter.ts`), a parallel download holds the parts
 * ahead of its hash within the same budget, and {@link putStream} of a stream of unknown size
 * holds at most `concurrency + 2` parts.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/** One mebibyte, the unit of the defaults. */
export const MiB: number = 1024 * 1024;
/** One gibibyte. */
export const GiB: number = 1024 * MiB;

/** The smallest part S3 (and radosgw) accepts, except for the last part. */
export const MIN_PART_SIZE: number = 5 * MiB;
/** The most parts one multipart upload may have. */
export const MAX_PARTS: number = 10_000;

/** Settings shared by the operations that move many bytes. */
export interface PartOptions {
  /**
   * The size of one part of a multipart transfer, in bytes; at least 5 MiB. It grows by itself
   * when an object would need more than 10,000 parts.
   * @default 16 MiB (128 MiB for a server-side copy)
   */
  partSize?: number;
  /**
   * How many parts are transferred at the same time.
   * @default 4
   */
  concurrency?: number;
}

/** {@link PartOptions} with every default applied. */
export interface ResolvedPartOptions {
  /** See {@link PartOptions.partSize}. */
  partSize: number;
  /** See {@link PartOptions.concurrency}. */
  concurrency: number;
}

/** The defaults of uploads and downloads. */
export const DEFAULT_PART_SIZE: number = 16 * MiB;
/** The default number of parts in flight. */
export const DEFAULT_CONCURRENCY: number = 4;
/** Files up to this size are uploaded with one PutObject. */
export const DEFAULT_MULTIPART_THRESHOLD: number = 16 * MiB;
/** Objects above this size are downloaded in ranged parts, in parallel. */
export const DEFAULT_PARALLEL_DOWNLOAD_THRESHOLD: number = 64 * MiB;
/** Objects up to this size are copied with one CopyObject (the S3 limit). */
export const DEFAULT_COPY_THRESHOLD: number = 5 * GiB;
/** The default part size of a multipart copy: parts move inside the cluster, so they can be big. */
export const DEFAULT_COPY_PART_SIZE: number = 128 * MiB;

/** Checks that `value` is an integer of at least `min`; `name` is the option's name. */
export function checkInteger(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError(name, `must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** Applies the defaults of {@link PartOptions} and checks them. */
export function resolvePartOptions(
  options: PartOptions,
  defaultPartSize: number = DEFAULT_PART_SIZE,
): ResolvedPartOptions {
  return {
    partSize: checkInteger("partSize", options.partSize ?? defaultPartSize, MIN_PART_SIZE),
    concurrency: checkInteger("concurrency", options.concurrency ?? DEFAULT_CONCURRENCY, 1),
  };
}

/** One part of a multipart transfer: bytes `start` to `end` inclusive, numbered from 1. */
export interface PartRange {
  /** The part number, 1 to 10,000. */
  partNumber: number;
  /** The offset of the first byte. */
  start: number;
  /** The offset of the last byte (inclusive, as in an HTTP range). */
  end: number;
}

/**
 * Cuts `size` bytes into parts of `partSize`, enlarging the parts (to whole MiB) when more than
 * 10,000 would be needed.
 */
export function planParts(size: number, partSize: number): PartRange[] {
  let effective = partSize;
  if (Math.ceil(size / effective) > MAX_PARTS) {
    effective = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  }
  const parts: PartRange[] = [];
  for (let start = 0, partNumber = 1; start < size; start += effective, partNumber++) {
    parts.push({ partNumber, start, end: Math.min(size, start + effective) - 1 });
  }
  return parts;
}
