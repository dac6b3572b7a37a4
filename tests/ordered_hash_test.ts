/**
 * The in-order SHA-256 of a parallel download (src/storage/ordered_hash.ts), fed parts in the
 * orders a network can produce: the hash is the file's, buffers written ahead of the cursor are
 * kept and given back once hashed, and each part's `hashed()` resolves only when the cursor has
 * passed it.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { OrderedHash } from "../src/storage/ordered_hash.ts";

const PIECE = 1000;

/** A file of `parts` parts of `pieces` pieces each; every byte depends on its offset. */
function content(parts: number, pieces: number): Uint8Array {
  const bytes = new Uint8Array(parts * pieces * PIECE);
  for (let at = 0; at < bytes.length; at++) bytes[at] = (at * 31 + (at >> 8)) & 0xff;
  return bytes;
}

describe("OrderedHash", () => {
  for (
    const [label, order] of [
      ["in order", [0, 1, 2, 3]],
      ["in reverse", [3, 2, 1, 0]],
      ["interleaved", [2, 0, 3, 1]],
    ] as const
  ) {
    it(`hashes parts written ${label} as the file's SHA-256, keeping only what is ahead`, async () => {
      const parts = 4;
      const pieces = 3;
      const file = content(parts, pieces);
      const givenBack: Uint8Array[] = [];
      const hash = createHash("sha256");
      const ordered = new OrderedHash(hash, 0, (buffer) => givenBack.push(buffer));
      const controller = new AbortController();
      const hashedOrder: number[] = [];
      const waits = [];
      for (let index = 0; index < parts; index++) {
        ordered.start(index, index * pieces * PIECE);
        waits.push(ordered.hashed(index, controller.signal).then(() => hashedOrder.push(index)));
      }
      let kept = 0;
      // Round-robin over the parts in `order`: one piece each, as parallel streams would.
      for (let piece = 0; piece < pieces; piece++) {
        for (const index of order) {
          const start = (index * pieces + piece) * PIECE;
          // A pooled buffer, larger than its data, reused when the hash does not keep it.
          const buffer = new Uint8Array(PIECE + 24);
          buffer.set(file.subarray(start, start + PIECE));
          // What the writer asks before writing a piece without a copy: live means hashed now.
          const live = ordered.isLive(index);
          if (ordered.wrote(index, buffer, PIECE)) {
            kept++;
            assert.ok(!live, `part ${index} was said to be live but its buffer was kept`);
          } else assert.ok(live, `part ${index} was hashed at once but not said to be live`);
          if (live) buffer.fill(0); // reused at once by the writer: must not matter
        }
      }
      for (const index of order) ordered.done(index);
      await Promise.all(waits);
      assert.equal(ordered.offset, file.length);
      assert.deepEqual(hashedOrder, [0, 1, 2, 3]);
      assert.equal(givenBack.length, kept, "every kept buffer is given back once hashed");
      // Part 0 is at the cursor from the start: its buffers are never kept.
      assert.ok(kept <= (parts - 1) * pieces);
      assert.equal(hash.digest("hex"), createHash("sha256").update(file).digest("hex"));
    });
  }

  it("a part's hashed() resolves at once when the transfer's signal aborts", async () => {
    const ordered = new OrderedHash(createHash("sha256"), 0, () => {});
    ordered.start(0, 0);
    ordered.start(1, PIECE);
    const controller = new AbortController();
    const waiting = ordered.hashed(1, controller.signal);
    controller.abort(new Error("failed"));
    await waiting;
    assert.equal(ordered.offset, 0);
  });
});
