/**
 * A SHA-256 fed in file order by parts that arrive out of order: the part at the cursor is hashed
 * as its bytes are written; a later part's bytes wait in memory until the cursor reaches it. The
 * caller bounds that memory by starting parts only within a window ahead of the cursor (each part
 * holds its slot of the transfer's memory budget until it has been hashed).
 *
 * @module
 */

import type { Hash } from "node:crypto";

interface PartState {
  chunks: Uint8Array[];
  done: boolean;
}

/**
 * Hashes parts `0, 1, 2, ...` in order; see the module documentation.
 *
 * @example
 * ```ts
 * import { createHash } from "node:crypto";
 * import { OrderedHash } from "./ordered_hash.ts";
 * const ordered = new OrderedHash(createHash("sha256"), 0);
 * ordered.push(1, new TextEncoder().encode("b"));
 * ordered.push(0, new TextEncoder().encode("a"));
 * ordered.done(0);
 * ordered.done(1);
 * console.assert(ordered.offset === 2);
 * ```
 */
export class OrderedHash {
  readonly #hash: Hash;
  /** Bytes hashed so far, counted from the start of the file: the known-good prefix. */
  offset: number;
  #index = 0;
  readonly #parts = new Map<number, PartState>();
  readonly #waiters = new Map<number, () => void>();

  /** Continues `hash`, which already holds the first `offset` bytes. */
  constructor(hash: Hash, offset: number) {
    this.#hash = hash;
    this.offset = offset;
  }

  /** Adds the next bytes of part `index` (already written to the file). */
  push(index: number, chunk: Uint8Array): void {
    if (index === this.#index) {
      this.#hash.update(chunk);
      this.offset += chunk.length;
      return;
    }
    this.#state(index).chunks.push(chunk);
  }

  /** Marks part `index` complete. */
  done(index: number): void {
    this.#state(index).done = true;
    while (this.#parts.get(this.#index)?.done) {
      this.#parts.delete(this.#index);
      this.#waiters.get(this.#index)?.();
      this.#waiters.delete(this.#index);
      this.#index += 1;
      const next = this.#parts.get(this.#index);
      if (next !== undefined) {
        for (const chunk of next.chunks) {
          this.#hash.update(chunk);
          this.offset += chunk.length;
        }
        next.chunks = [];
      }
    }
  }

  /**
   * Resolves once part `index` has been hashed (its buffered bytes are released), or as soon as
   * `signal` aborts (the transfer failed: nothing will reach the part any more).
   */
  hashed(index: number, signal: AbortSignal): Promise<void> {
    if (index < this.#index || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        signal.removeEventListener("abort", finish);
        resolve();
      };
      signal.addEventListener("abort", finish, { once: true });
      this.#waiters.set(index, finish);
    });
  }

  #state(index: number): PartState {
    let state = this.#parts.get(index);
    if (state === undefined) {
      state = { chunks: [], done: false };
      this.#parts.set(index, state);
    }
    return state;
  }
}
