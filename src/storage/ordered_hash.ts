/**
 * A SHA-256 fed in file order by parts that arrive out of order. The part at the hash cursor is
 * hashed from its pieces as they are written; a part ahead of the cursor keeps the buffers it
 * wrote, in order, and they are hashed (and given back to the pool) when the cursor reaches it.
 * Nothing is read back from the file. The memory this holds is bounded by the caller: a part
 * keeps its slot of the transfer, whose size is the part's, until it is hashed.
 *
 * Reading parts back from the page cache instead cost a 1 GiB download 1,000 `pread` calls and a
 * copy of every byte ahead of the cursor (about 0.8 s of system time on this benchmark's machine,
 * against no system call here).
 *
 * @module
 */

import type { Hash } from "node:crypto";
import { onAbort } from "../abort.ts";

/** A buffer a part wrote, of which the first `length` bytes are its data. */
interface Kept {
  buffer: Uint8Array;
  length: number;
}

interface PartState {
  start: number;
  written: number;
  done: boolean;
  /** Its pieces are hashed as they are written (everything before them is hashed). */
  live: boolean;
  /** What it wrote before the cursor reached it, in order. */
  kept: Kept[];
}

/**
 * Hashes parts `0, 1, 2, ...` of a file in order; see the module documentation.
 *
 * @example
 * ```ts ignore
 * const ordered = new OrderedHash(createHash("sha256"), 0, (buffer) => limiter.giveBuffer(buffer));
 * ordered.start(0, 0);
 * // after each positional write of a buffer of part 0:
 * if (ordered.wrote(0, buffer, length)) buffer = limiter.takeBuffer(buffer.length);
 * ordered.done(0);
 * ```
 */
export class OrderedHash {
  readonly #hash: Hash;
  readonly #giveBack: (buffer: Uint8Array) => void;
  /** Bytes hashed so far, counted from the start of the file: the known-good prefix. */
  offset: number;
  #index = 0;
  readonly #parts = new Map<number, PartState>();
  readonly #waiters = new Map<number, () => void>();

  /**
   * Continues `hash`, which already holds the first `offset` bytes of the file; buffers kept and
   * then hashed go to `giveBack`.
   */
  constructor(hash: Hash, offset: number, giveBack: (buffer: Uint8Array) => void) {
    this.#hash = hash;
    this.offset = offset;
    this.#giveBack = giveBack;
  }

  /** Whether part `index` is at the cursor: what is written of it now is hashed at once. */
  isLive(index: number): boolean {
    return this.#parts.get(index)?.live === true;
  }

  /** Part `index` starts at byte `start` of the file. */
  start(index: number, start: number): void {
    this.#parts.set(index, { start, written: 0, done: false, live: false, kept: [] });
    this.#advance();
  }

  /**
   * The first `length` bytes of `buffer`, of part `index`, were just written after its earlier
   * bytes. Returns true when the buffer is kept (the part is ahead of the cursor): the caller
   * must then not touch it again and takes another.
   */
  wrote(index: number, buffer: Uint8Array, length: number): boolean {
    const part = this.#parts.get(index);
    if (part === undefined) return false;
    part.written += length;
    if (!part.live) {
      part.kept.push({ buffer, length });
      return true;
    }
    this.#hash.update(buffer.subarray(0, length));
    this.offset += length;
    return false;
  }

  /** Marks part `index` completely written. */
  done(index: number): void {
    const part = this.#parts.get(index);
    if (part !== undefined) part.done = true;
    this.#advance();
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

  /** Moves the cursor as far as the written bytes allow, hashing the parts' kept buffers. */
  #advance(): void {
    for (;;) {
      const part = this.#parts.get(this.#index);
      if (part === undefined) return;
      if (!part.live) {
        for (const { buffer, length } of part.kept) {
          this.#hash.update(buffer.subarray(0, length));
          this.offset += length;
          this.#giveBack(buffer);
        }
        part.kept = [];
        part.live = true;
      }
      if (!part.done) return;
      this.#parts.delete(this.#index);
      this.#waiters.get(this.#index)?.();
      this.#waiters.delete(this.#index);
      this.#index += 1;
    }
  }
}
