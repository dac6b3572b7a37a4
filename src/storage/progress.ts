/**
 * Progress of S3 transfers as typed events. The library never renders them: a CLI draws bars, a
 * service logs them, a test counts them.
 *
 * @module
 */

/** What a transfer is doing. */
export type StorageTransferKind = "upload" | "download" | "copy";

/**
 * The state of one object transfer, sent whenever bytes moved.
 *
 * `transferredBytes` may go back when a part is retried (the bytes of the failed attempt are
 * taken back), so a bar always shows what is really stored.
 *
 * @example Printing a percentage
 * ```ts
 * import type { StorageProgressEvent } from "./progress.ts";
 * const onProgress = (event: StorageProgressEvent) => {
 *   const total = event.totalBytes ?? 0;
 *   if (total > 0) console.log(`${event.key}: ${Math.round(100 * event.transferredBytes / total)}%`);
 * };
 * onProgress({ kind: "upload", bucket: "b", key: "k", transferredBytes: 5, totalBytes: 10 });
 * ```
 */
export interface StorageProgressEvent {
  /** Upload, download or server-side copy. */
  kind: StorageTransferKind;
  /** The bucket of the object being written or read. */
  bucket: string;
  /** The object key. */
  key: string;
  /** Bytes transferred so far. */
  transferredBytes: number;
  /** The size of the object, or `undefined` while a stream of unknown size is uploaded. */
  totalBytes: number | undefined;
}

/** A callback receiving {@link StorageProgressEvent}s. */
export type StorageProgressListener = (event: StorageProgressEvent) => void;

/** Adds byte counts to a running total and reports it; a no-op without a listener. */
export type ProgressCounter = (deltaBytes: number) => void;

/** Makes the {@link ProgressCounter} of one transfer. */
export function progressCounter(
  listener: StorageProgressListener | undefined,
  base: Omit<StorageProgressEvent, "transferredBytes">,
): ProgressCounter {
  if (!listener) return () => {};
  let transferred = 0;
  return (delta) => {
    if (delta === 0) return;
    transferred += delta;
    listener({ ...base, transferredBytes: transferred });
  };
}
