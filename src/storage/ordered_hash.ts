/**
 * A SHA-256 fed in file order by parts that arrive out of order, without holding any part in
 * memory. The part at the hash cursor is hashed from its chunks as they are written; a part ahead
 * of the cursor is only written (positionally) and, when the cursor reaches it, its bytes already
 * written are read back from the file (the page cache, through one reused 1 MiB buffer) and
 * hashed, after which its remaining chunks are hashed as they come. Memory stays flat whatever the
 * number of parts in flight; the window of parts ahead of the cursor is bounded by the caller
 * (a part keeps its slot of the transfer until it is hashed), which bounds the bytes read back.
 *
 * @module
 */

import type { Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { onAbort } from "../abort.ts";

interface PartState {
  start: number;
  written: number;
  done: boolean;
  /** Its chunks are hashed as they are written (everything before them is hashed). */
  live: boolean;
}

/** Reads back this many bytes at a time. */
const READ_SIZE = 1024 * 1024;

/**
 * Hashes parts `0, 1, 2, ...` of a file in order; see the module documentation.
 *
 * @example
 * ```ts ignore
 * const ordered = new OrderedHash(createHash("sha256"), 0, handle, (error) => group.fail(error));
 * ordered.start(0, 0);
 * // after each positional write of part 0's chunks:
 * ordered.wrote(0, chunks, length);
 * ordered.done(0);
 * ```
 */
export class OrderedHash {
  readonly #hash: Hash;
  readonly #file: FileHandle;
  readonly #onError: (error: unknown) => void;
  /** Bytes hashed so far, counted from the start of the file: the known-good prefix. */
  offset: number;
  #index = 0;
  #running = false;
  #again = false;
  #buffer: Uint8Array | undefined;
  readonly #parts = new Map<number, PartState>();
  readonly #waiters = new Map<number, () => void>();

  /** Continues `hash`, which already holds the first `offset` bytes of `file`. */
  constructor(hash: Hash, offset: number, file: FileHandle, onError: (error: unknown) => void) {
    this.#hash = hash;
    this.offset = offset;
    this.#file = file;
    this.#onError = onError;
  }

  /** Part `index` starts at byte `start` of the file. */
  start(index: number, start: number): void {
    this.#parts.set(index, { start, written: 0, done: false, live: false });
    this.#pump();
  }

  /** `chunks` (`length` bytes) of part `index` were just written after its earlier bytes. */
  wrote(index: number, chunks: readonly Uint8Array[], length: number): void {
    const part = this.#parts.get(index);
    if (part === undefined) return;
    part.written += length;
    if (!part.live) return;
    for (const chunk of chunks) this.#hash.update(chunk);
    this.offset += length;
  }

  /** Marks part `index` completely written. */
  done(index: number): void {
    const part = this.#parts.get(index);
    if (part !== undefined) part.done = true;
    this.#pump();
  }

  /**
   * Resolves once part `index` has been hashed, or as soon as `signal` aborts (the transfer
   * failed: nothing will reach the part any more).
   */
  hashed(index: number, signal: AbortSignal): Promise<void> {
    if (index < this.#index || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        signal.removeEventListener("abort", finish);
        resolve();
      };
      onAbort(signal, finish);
      this.#waiters.set(index, finish);
    });
  }

  #pump(): void {
    // A part that starts or finishes while the cursor is moving asks for one more pass: the
    // running pass may already have looked at it (a lost wake-up would leave its waiter hanging).
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    (async () => {
      try {
        do {
          this.#again = false;
          await this.#advance();
        } while (this.#again);
      } finally {
        this.#running = false;
      }
    })().catch(this.#onError);
  }

  /** Moves the cursor as far as the written bytes allow, reading back what was written ahead. */
  async #advance(): Promise<void> {
    for (;;) {
      const part = this.#parts.get(this.#index);
      if (part === undefined) return;
      if (!part.live) {
        const target = part.start + part.written;
        if (this.offset < target) {
          await this.#hashFromFile(target);
          continue;
        }
        // Caught up, with no wait since the check: from now on its chunks are hashed live.
        part.live = true;
      }
      if (!part.done) return;
      this.#parts.delete(this.#index);
      this.#waiters.get(this.#index)?.();
      this.#waiters.delete(this.#index);
      this.#index += 1;
    }
  }

  async #hashFromFile(target: number): Promise<void> {
    this.#buffer ??= new Uint8Array(READ_SIZE);
    while (this.offset < target) {
      const want = Math.min(READ_SIZE, target - this.offset);
      const { bytesRead } = await this.#file.read(this.#buffer, 0, want, this.offset);
      if (bytesRead === 0) throw new Error(`The download file ends at ${this.offset} bytes`);
      this.#hash.update(this.#buffer.subarray(0, bytesRead));
      this.offset += bytesRead;
    }
  }
}
