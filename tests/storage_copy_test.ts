import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateBucketCommand, DeleteBucketCommand } from "@aws-sdk/client-s3";
import { StorageError } from "../src/errors.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import {
  cleanPrefix,
  keysUnder,
  MiB,
  platformStorage,
  removeDir,
  sha256File,
  tempDir,
  unfinishedUploads,
  uniquePrefix,
  writeRandomFile,
} from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
const FORCE_MULTIPART = { multipartThreshold: 0, partSize: 5 * MiB, concurrency: 3 };

describe("S3Storage.copy() on radosgw", SLOW, () => {
  let storage: S3Storage;
  let second: S3Storage;
  let prefix: string;
  let dir: string;
  let digest: string;
  const secondBucket = `aipmodel-copy-${Date.now().toString(36)}-${
    Math.random().toString(36).slice(2, 8)
  }`;

  before(async () => {
    storage = platformStorage();
    prefix = uniquePrefix("copy");
    dir = await tempDir();
    digest = await writeRandomFile(join(dir, "source.bin"), 12 * MiB + 5);
    await storage.putFile(join(dir, "source.bin"), `${prefix}source é.bin`, {
      contentType: "application/x-model",
      metadata: { sha256: digest },
    });
    await (await storage.awsClient()).send(new CreateBucketCommand({ Bucket: secondBucket }));
    second = storage.withBucket(secondBucket);
  });

  after(async () => {
    if (storage === undefined) return; // the stack was not up: before() failed and said so
    await cleanPrefix(storage, prefix);
    await second.deleteKeys(await keysUnder(second, "")).catch(() => {});
    await (await storage.awsClient()).send(new DeleteBucketCommand({ Bucket: secondBucket })).catch(
      () => {},
    );
    storage.close();
    await removeDir(dir);
  });

  async function assertSameContent(target: S3Storage, key: string): Promise<void> {
    const file = join(dir, `check-${Math.random()}`);
    await target.getFile(key, file);
    assert.equal(await sha256File(file), digest);
    await removeDir(file);
  }

  it("copies with CopyObject inside one bucket, keeping type and metadata", SLOW, async () => {
    const key = `${prefix}copy/plain 模型.bin`;
    const result = await storage.copy(`${prefix}source é.bin`, key);
    assert.equal(result.size, 12 * MiB + 5);
    await assertSameContent(storage, key);
    const head = await storage.head(key);
    assert.equal(head?.contentType, "application/x-model");
    assert.equal(head?.metadata.sha256, digest);
  });

  it("copies part by part (UploadPartCopy) when forced by a low threshold", SLOW, async () => {
    const key = `${prefix}copy/multipart é+%.bin`;
    let copied = 0;
    await storage.copy(`${prefix}source é.bin`, key, {
      ...FORCE_MULTIPART,
      onProgress: (event) => (copied = event.transferredBytes),
    });
    assert.equal(copied, 12 * MiB + 5);
    const head = await storage.head(key);
    assert.match(head?.etag ?? "", /-3$/);
    assert.equal(head?.contentType, "application/x-model");
    assert.equal(head?.metadata.sha256, digest);
    await assertSameContent(storage, key);
    assert.deepEqual(await unfinishedUploads(storage, prefix), []);
  });

  it("copies across two buckets of the same account, both ways and both paths", SLOW, async () => {
    await second.copy(`${prefix}source é.bin`, "from-platform.bin", {
      sourceBucket: storage.bucket,
    });
    await assertSameContent(second, "from-platform.bin");
    await second.copy(`${prefix}source é.bin`, "from-platform-mp.bin", {
      ...FORCE_MULTIPART,
      sourceBucket: storage.bucket,
    });
    await assertSameContent(second, "from-platform-mp.bin");
    await storage.copy("from-platform-mp.bin", `${prefix}copy/back.bin`, {
      ...FORCE_MULTIPART,
      sourceBucket: secondBucket,
    });
    await assertSameContent(storage, `${prefix}copy/back.bin`);
  });

  it("fails with a 404 StorageError when the source is missing", SLOW, async () => {
    await assert.rejects(storage.copy(`${prefix}nothing`, `${prefix}copy/x`), (error: Error) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.status, 404);
      return true;
    });
  });

  it("an aborted multipart copy leaves no unfinished upload", SLOW, async () => {
    const controller = new AbortController();
    const key = `${prefix}copy/aborted.bin`;
    const copy = storage.copy(`${prefix}source é.bin`, key, {
      ...FORCE_MULTIPART,
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await assert.rejects(copy, { name: "AbortError" });
    assert.deepEqual(await unfinishedUploads(storage, prefix), []);
    assert.equal(await storage.exists(key), false);
  });
});
