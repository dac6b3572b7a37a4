import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3";
import { StorageError, ValidationError } from "../src/errors.ts";
import { runBounded } from "../src/storage/pool.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { cleanPrefix, keysUnder, platformStorage, uniquePrefix } from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };

describe("S3Storage listing, exists and delete on radosgw", SLOW, () => {
  let storage: S3Storage;
  let prefix: string;

  before(() => {
    storage = platformStorage();
    prefix = uniquePrefix("listing");
  });

  after(async () => {
    if (storage === undefined) return; // the stack was not up: before() failed and said so
    await cleanPrefix(storage, prefix);
    storage.close();
  });

  it("list() pages past 1000 keys and deletePrefix() removes them all", SLOW, async () => {
    const folder = `${prefix}many/`;
    const keys = Array.from({ length: 1100 }, (_, i) => `${folder}${String(i).padStart(4, "0")}`);
    await runBounded(keys, 32, undefined, async (key) => {
      await storage.putBytes(key, key);
    });
    const listed = [];
    for await (const object of storage.list(folder)) listed.push(object);
    assert.equal(listed.length, 1100);
    assert.deepEqual(listed.map((object) => object.key), keys);
    assert.ok(listed.every((object) => object.size === object.key.length));
    assert.ok(listed.every((object) => /^[0-9a-f]{32}$/.test(object.etag ?? "")));
    assert.ok(listed.every((object) => object.lastModified instanceof Date));
    let paged = 0;
    for await (const _ of storage.list(folder, { pageSize: 300 })) paged++;
    assert.equal(paged, 1100);
    let resumed = 0;
    for await (const _ of storage.list(folder, { startAfter: String(keys[1049]), pageSize: 20 })) {
      resumed++;
    }
    assert.equal(resumed, 50);
    assert.equal(await storage.deletePrefix(folder), 1100);
    assert.deepEqual(await keysUnder(storage, folder), []);
  });

  it("listPrefixes() and a delimited list() show one level", SLOW, async () => {
    const base = `${prefix}tree/`;
    for (const key of ["a/1", "a/2", "b/c/3", "top.txt"]) await storage.putBytes(base + key, "x");
    const folders = [];
    for await (const folder of storage.listPrefixes(base)) folders.push(folder);
    assert.deepEqual(folders, [`${base}a/`, `${base}b/`]);
    const direct = [];
    for await (const object of storage.list(base, { delimiter: "/" })) direct.push(object.key);
    assert.deepEqual(direct, [`${base}top.txt`]);
  });

  it("exists() and head() compare exact keys, never prefixes", SLOW, async () => {
    await storage.putBytes(`${prefix}a/bc`, "content");
    assert.equal(await storage.exists(`${prefix}a/bc`), true);
    assert.equal(await storage.exists(`${prefix}a/b`), false);
    assert.equal(await storage.exists(`${prefix}a/`), false);
    assert.equal(await storage.head(`${prefix}a/b`), null);
    assert.equal((await storage.head(`${prefix}a/bc`))?.size, 7);
  });

  it("exists() throws on a missing bucket instead of answering false", SLOW, async () => {
    const missing = storage.withBucket(`no-such-bucket-${Date.now()}`);
    await assert.rejects(missing.exists("any"), (error: Error) => {
      assert.ok(error instanceof StorageError);
      assert.equal(error.code, "NoSuchBucket");
      return true;
    });
  });

  it("deletePrefix('x/ab') deletes x/ab/... but never the sibling x/abc/...", SLOW, async () => {
    const base = `${prefix}x/`;
    const keys = ["ab/1", "ab/2/deep", "abc/1", "abc", "ab"].map((key) => base + key);
    for (const key of keys) await storage.putBytes(key, "x");
    assert.equal(await storage.deletePrefix(`${base}ab`), 2);
    assert.deepEqual(await keysUnder(storage, base), [`${base}ab`, `${base}abc`, `${base}abc/1`]);
  });

  it("deletePrefix() refuses the whole bucket", SLOW, async () => {
    await assert.rejects(storage.deletePrefix(""), ValidationError);
    await assert.rejects(storage.deletePrefix("/"), ValidationError);
  });

  it("deleteKeys() deletes exact keys and reports per-key failures", SLOW, async () => {
    // A bucket of our own whose policy denies deleting under protected/: radosgw then answers
    // DeleteObjects with 200 and a per-key AccessDenied in its Errors.
    const bucket = `aipmodel-test-${Date.now().toString(36)}-${
      Math.random().toString(36).slice(2, 8)
    }`;
    await (await storage.awsClient()).send(new CreateBucketCommand({ Bucket: bucket }));
    const other = storage.withBucket(bucket);
    try {
      await (await storage.awsClient()).send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{
              Effect: "Deny",
              Principal: "*",
              Action: "s3:DeleteObject",
              Resource: `arn:aws:s3:::${bucket}/protected/*`,
            }],
          }),
        }),
      );
      for (const key of ["protected/a", "protected/b", "free/c"]) await other.putBytes(key, "x");
      await assert.rejects(
        other.deleteKeys(["protected/a", "free/c", "protected/b"]),
        (error: Error) => {
          assert.ok(error instanceof StorageError);
          assert.equal(error.operation, "DeleteObjects");
          assert.equal(error.code, "AccessDenied");
          assert.match(error.message, /2 key\(s\).*protected\/a \(AccessDenied\)/);
          assert.ok(error.cause instanceof AggregateError);
          assert.deepEqual(
            error.cause.errors.map((failure: StorageError) => failure.key).sort(),
            ["protected/a", "protected/b"],
          );
          return true;
        },
      );
      assert.deepEqual(await keysUnder(other, ""), ["protected/a", "protected/b"]);
    } finally {
      await (await storage.awsClient()).send(new DeleteBucketPolicyCommand({ Bucket: bucket }))
        .catch(() => {});
      await other.deleteKeys(await keysUnder(other, "")).catch(() => {});
      await (await storage.awsClient()).send(new DeleteBucketCommand({ Bucket: bucket })).catch(
        () => {},
      );
    }
  });
});
