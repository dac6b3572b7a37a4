/**
 * The transfer limiter's sizes (src/storage/limiter.ts): uploads cut files into 8 MiB parts and
 * downloads into 16 MiB ranges unless the caller sets `partSize`, which then sets both; a file
 * that would need more than 10,000 upload parts gets larger parts.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_DOWNLOAD_RANGE_SIZE,
  DEFAULT_TRANSFER_PART_SIZE,
  TransferLimiter,
} from "../mod.ts";

const MiB = 1024 * 1024;

describe("TransferLimiter sizes", () => {
  it("uses 8 MiB upload parts and 16 MiB download ranges by default", () => {
    const limiter = new TransferLimiter();
    assert.equal(DEFAULT_TRANSFER_PART_SIZE, 8 * MiB);
    assert.equal(DEFAULT_DOWNLOAD_RANGE_SIZE, 16 * MiB);
    assert.equal(limiter.partSize, 8 * MiB);
    assert.equal(limiter.rangeSize, 16 * MiB);
    assert.equal(limiter.partSizeFor(1024 * MiB), 8 * MiB);
  });

  it("applies a given partSize to both", () => {
    const limiter = new TransferLimiter({ partSize: 6 * MiB });
    assert.equal(limiter.partSize, 6 * MiB);
    assert.equal(limiter.rangeSize, 6 * MiB);
  });

  it("enlarges upload parts past 10,000 of them, in whole MiB", () => {
    const limiter = new TransferLimiter();
    assert.equal(limiter.partSizeFor(100_000 * MiB), 10 * MiB);
    assert.equal(limiter.partSizeFor(100_001 * MiB), 11 * MiB);
  });

  it("refuses a partSize under 5 MiB, naming the option", () => {
    assert.throws(() => new TransferLimiter({ partSize: 4 * MiB }), /partSize/);
  });
});
