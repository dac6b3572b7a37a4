/**
 * Progress of a registry transfer (all the files of one version) as typed events: per file
 * (start, bytes, end) and for the whole transfer (files and bytes done out of the totals).
 *
 * @module
 */

import type { StorageProgressEvent } from "../storage/progress.ts";

/** The counters every event carries. */
export interface TransferTotals {
  /** Whether files go to the registry or come from it. */
  operation: "upload" | "download";
  /** Files finished so far. */
  filesDone: number;
  /** Files in this transfer. */
  filesTotal: number;
  /** Bytes moved so far, every file together. */
  bytesDone: number;
  /** Bytes in this transfer. */
  bytesTotal: number;
}

/** One file's part of an event. */
export interface TransferFileState {
  /** The file's path relative to the version's root. */
  file: string;
  /** Bytes of this file moved so far. */
  fileBytes: number;
  /** The file's size. */
  fileSize: number;
}

/**
 * An event of a transfer: `start` and `end` once each, then per file `file-start`, any number of
 * `file-progress` and `file-end`.
 *
 * @example Printing whole-transfer percentages
 * ```ts
 * import type { TransferEvent } from "./progress.ts";
 * const onProgress = (event: TransferEvent) => {
 *   if (event.bytesTotal > 0) console.log(Math.round(100 * event.bytesDone / event.bytesTotal));
 * };
 * ```
 */
export type TransferEvent =
  | (TransferTotals & { type: "start" | "end" })
  | (TransferTotals & TransferFileState & { type: "file-start" | "file-progress" | "file-end" });

/** A callback receiving {@link TransferEvent}s. */
export type TransferListener = (event: TransferEvent) => void;

/** Keeps the totals of one transfer and turns storage byte events into {@link TransferEvent}s. */
export class TransferTracker {
  readonly #listener: TransferListener | undefined;
  readonly #totals: TransferTotals;

  /** Counts `filesTotal` files of `bytesTotal` bytes; events go to `listener`. */
  constructor(
    listener: TransferListener | undefined,
    operation: "upload" | "download",
    filesTotal: number,
    bytesTotal: number,
  ) {
    this.#listener = listener;
    this.#totals = { operation, filesDone: 0, filesTotal, bytesDone: 0, bytesTotal };
  }

  /** Sends `start` or `end`. */
  edge(type: "start" | "end"): void {
    this.#emit({ ...this.#totals, type });
  }

  /**
   * Starts one file; returns the storage listener for its bytes and the function ending it.
   * Storage events carry cumulative bytes (which may go back on a retried part).
   */
  file(file: string, fileSize: number): {
    onProgress: (event: StorageProgressEvent) => void;
    end: () => void;
  } {
    let fileBytes = 0;
    const totals = this.#totals;
    // Built field by field: thousands of small files make tens of thousands of events, and a
    // spread of the totals cost several times more.
    const event = (type: "file-start" | "file-progress" | "file-end"): TransferEvent => ({
      type,
      operation: totals.operation,
      filesDone: totals.filesDone,
      filesTotal: totals.filesTotal,
      bytesDone: totals.bytesDone,
      bytesTotal: totals.bytesTotal,
      file,
      fileBytes,
      fileSize,
    });
    if (this.#listener !== undefined) this.#emit(event("file-start"));
    return {
      onProgress: (progress) => {
        totals.bytesDone += progress.transferredBytes - fileBytes;
        fileBytes = progress.transferredBytes;
        if (this.#listener !== undefined) this.#emit(event("file-progress"));
      },
      end: () => {
        totals.bytesDone += fileSize - fileBytes;
        fileBytes = fileSize;
        totals.filesDone += 1;
        if (this.#listener !== undefined) this.#emit(event("file-end"));
      },
    };
  }

  #emit(event: TransferEvent): void {
    // A throwing listener must not break a transfer half-way.
    try {
      this.#listener?.(event);
    } catch {
      // ignored on purpose
    }
  }
}
