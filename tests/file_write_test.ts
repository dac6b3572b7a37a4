/**
 * The download's file writes (src/storage/file_write.ts): bytes written in 32 KiB slices land at
 * their offsets, whatever the buffer's size and position, with the file's other bytes untouched.
 */

import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { WRITE_SLICE, writeAllSync, writeAt } from "../src/storage/file_write.ts";

/**
 * Whether two byte arrays are equal, naming the first difference (`assert.deepEqual` on arrays of
 * 100 KiB builds a diff of gigabytes).
 */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(actual.length, expected.length, "file length");
  const at = actual.findIndex((byte, index) => byte !== expected[index]);
  assert.equal(at, -1, `first differing byte at offset ${at}`);
}

/** `length` bytes that depend on their offset and `seed`. */
function bytes(length: number, seed: number): Uint8Array {
  const data = new Uint8Array(length);
  for (let at = 0; at < length; at++) data[at] = (at * 13 + seed + (at >> 9)) & 0xff;
  return data;
}

describe("file writes in slices", () => {
  it("writeAt puts buffers of any size at their offsets", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aipmodel-write-"));
    try {
      const path = join(dir, "file");
      const sizes = [1, WRITE_SLICE - 1, WRITE_SLICE, WRITE_SLICE + 1, 3 * WRITE_SLICE + 77];
      const total = sizes.reduce((sum, size) => sum + size, 0) + 5;
      const expected = new Uint8Array(total);
      const file = await open(path, "w+");
      try {
        // Written back to front, each at its own offset; the first 5 bytes are never written.
        let position = total;
        for (const [index, size] of sizes.entries()) {
          position -= size;
          const data = bytes(size, index);
          expected.set(data, position);
          await writeAt(file, data, position);
        }
        assert.equal(position, 5);
      } finally {
        await file.close();
      }
      assertSameBytes(readFileSync(path), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writeAllSync without a position writes one buffer after another", () => {
    const dir = mkdtempSync(join(tmpdir(), "aipmodel-write-"));
    try {
      const path = join(dir, "file");
      const first = bytes(2 * WRITE_SLICE + 3, 1);
      const second = bytes(WRITE_SLICE / 2, 2);
      const descriptor = openSync(path, "w");
      try {
        writeAllSync(descriptor, first);
        writeAllSync(descriptor, second);
      } finally {
        closeSync(descriptor);
      }
      const expected = new Uint8Array(first.length + second.length);
      expected.set(first);
      expected.set(second, first.length);
      assertSameBytes(readFileSync(path), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
