/**
 * The streamed PutObject of `putFile` (`streamedPutLimit`): a file above the multipart threshold
 * sent as one request read from the disk as the socket takes it. On radosgw, directly and through
 * a fault proxy: one object (no parts), the right bytes and hash, retries that start the file
 * over, and a file that changes or an abort that stores nothing.
 */

import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError } from "../src/errors.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";
import { stackValue } from "./_stack.ts";
import {
  cleanPrefix,
  MiB,
  platformStorage,
  removeDir,
  sha256,
  tempDir,
  unfinishedUploads,
  uniquePrefix,
  writeRandomFile,
} from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
/** Files above 5 MiB are not sent from memory; up to 64 MiB they go as one streamed request. */
const STREAMED = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, streamedPutLimit: 64 * MiB };
const PUTS = (request: { method: string }) => request.method === "PUT";

describe("putFile() with a streamed PutObject on radosgw", SLOW, () => {
  let storage: S3Storage;
  let proxy: FaultProxy;
  let viaProxy: S3Storage;
  let prefix: string;
  let dir: string;
  let source: string;
  let digest: string;
  const size = 13 * MiB + 77;

  before(async () => {
    storage = platformStorage();
    proxy = await startFaultProxy(stackValue("CEPH_ENDPOINT_URL"));
    viaProxy = platformStorage({ endpoint: proxy.url });
    prefix = uniquePrefix("streamed");
    dir = await tempDir();
    source = join(dir, "weights.bin");
    digest = await writeRandomFile(source, size);
  });

  after(async () => {
    await proxy?.close();
    viaProxy?.close();
    if (storage === undefined) return;
    await cleanPrefix(storage, prefix);
    storage.close();
    await removeDir(dir);
  });

  it("stores one object (no parts) with the file's bytes, hash and progress", SLOW, async () => {
    const key = `${prefix}one.bin`;
    let progress = 0;
    const result = await storage.putFile(source, key, {
      ...STREAMED,
      onProgress: (event) => (progress = event.transferredBytes),
    });
    assert.equal(result.sha256, digest);
    assert.equal(progress, size);
    // A multipart object's ETag ends with -<parts>; one PutObject's is the MD5 of the bytes.
    assert.match(result.etag ?? "", /^[0-9a-f]{32}$/);
    assert.equal(sha256(await storage.getBytes(key, { maxBytes: size })), digest);
  });

  for (
    const [label, arm] of [
      [
        "a connection reset after 2 MiB",
        () => proxy.reset({ afterBytes: 2 * MiB, times: 1, match: PUTS }),
      ],
      ["two 503 answers", () => proxy.fail({ status: 503, times: 2, match: PUTS })],
    ] as const
  ) {
    it(`is sent again from the file's start after ${label}`, SLOW, async () => {
      proxy.clear();
      const key = `${prefix}retried-${label.length}.bin`;
      const before = proxy.injected.reset + proxy.injected.fail;
      arm();
      let progress = 0;
      const result = await viaProxy.putFile(source, key, {
        ...STREAMED,
        onProgress: (event) => (progress = event.transferredBytes),
      });
      proxy.clear();
      assert.ok(proxy.injected.reset + proxy.injected.fail > before, "a fault was injected");
      assert.equal(result.sha256, digest);
      assert.equal(progress, size, "the progress of the failed attempt was taken back");
      assert.equal(sha256(await storage.getBytes(key, { maxBytes: size })), digest);
    });
  }

  it("a request that goes silent past the timeout is sent again, not given up", SLOW, async () => {
    proxy.clear();
    const impatient = platformStorage({ endpoint: proxy.url, timeoutMs: 400 });
    try {
      const key = `${prefix}silent.bin`;
      const before = proxy.injected.stall;
      proxy.stall({ ms: 1500, times: 1, match: PUTS });
      const result = await impatient.putFile(source, key, STREAMED);
      proxy.clear();
      assert.equal(proxy.injected.stall, before + 1, "a stall was injected");
      assert.equal(result.sha256, digest);
      assert.equal(sha256(await storage.getBytes(key, { maxBytes: size })), digest);
    } finally {
      impatient.close();
    }
  });

  it("a file that grows while it is sent stores nothing and says so", SLOW, async () => {
    const grow = join(dir, "grow.bin");
    await writeRandomFile(grow, 12 * MiB);
    const key = `${prefix}grow.bin`;
    let grown = false;
    await assert.rejects(
      storage.putFile(grow, key, {
        ...STREAMED,
        onProgress: () => {
          if (grown) return;
          grown = true;
          appendFileSync(grow, new Uint8Array(MiB));
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof AipModelError, String(error));
        assert.match(error.message, /changed during its upload/);
        return true;
      },
    );
    assert.equal(await storage.exists(key), false);
    assert.deepEqual(await unfinishedUploads(storage, prefix), []);
  });

  it("an abort stores nothing and rejects with the caller's reason", SLOW, async () => {
    const key = `${prefix}aborted.bin`;
    const controller = new AbortController();
    const reason = new Error("stopped by the test");
    await assert.rejects(
      storage.putFile(source, key, {
        ...STREAMED,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.transferredBytes > 3 * MiB) controller.abort(reason);
        },
      }),
      (error: unknown) => error === reason,
    );
    assert.equal(await storage.exists(key), false);
  });
});
