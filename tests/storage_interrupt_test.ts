/**
 * Interrupted transfers leave nothing behind: no unfinished multipart upload, no object, no
 * partial or temporary file.
 */

import assert from "node:assert/strict";
import { appendFileSync, truncateSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError, StorageError } from "../src/errors.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import {
  cleanPrefix,
  MiB,
  platformStorage,
  removeDir,
  tempDir,
  unfinishedUploads,
  uniquePrefix,
  writeRandomFile,
} from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
/** Small parts so that multipart paths run on a few MiB. */
const SMALL_PARTS = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, concurrency: 3 };
const SMALL_RANGES = { parallelThreshold: 5 * MiB, partSize: 5 * MiB, concurrency: 3 };

describe("S3Storage transfers interrupted on radosgw", SLOW, () => {
  let storage: S3Storage;
  let prefix: string;
  let dir: string;

  before(async () => {
    storage = platformStorage();
    prefix = uniquePrefix("interrupt");
    dir = await tempDir();
  });

  after(async () => {
    if (storage === undefined) return; // the stack was not up: before() failed and said so
    await cleanPrefix(storage, prefix);
    storage.close();
    await removeDir(dir);
  });

  it("an aborted multipart upload leaves no unfinished upload and no object", SLOW, async () => {
    const source = join(dir, "abort.bin");
    await writeRandomFile(source, 30 * MiB);
    const key = `${prefix}abort.bin`;
    const controller = new AbortController();
    const reason = new Error("stopped by the test");
    const upload = storage.putFile(source, key, {
      ...SMALL_PARTS,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.transferredBytes > 6 * MiB) controller.abort(reason);
      },
    });
    await assert.rejects(upload, (error) => error === reason);
    assert.deepEqual(await unfinishedUploads(storage, prefix), []);
    assert.equal(await storage.exists(key), false);
  });

  it(
    "a file that shrinks during a multipart upload fails it and aborts the upload",
    SLOW,
    async () => {
      const source = join(dir, "shrink.bin");
      await writeRandomFile(source, 20 * MiB);
      const key = `${prefix}shrink.bin`;
      let cut = false;
      const upload = storage.putFile(source, key, {
        ...SMALL_PARTS,
        concurrency: 1,
        onProgress: (event) => {
          if (!cut && event.transferredBytes > MiB) {
            cut = true;
            truncateSync(source, 7 * MiB); // synchronous: changed before the next read
          }
        },
      });
      await assert.rejects(upload, (error: Error) => {
        assert.ok(error instanceof AipModelError);
        assert.match(error.message, /changed during its upload/);
        return true;
      });
      assert.deepEqual(await unfinishedUploads(storage, prefix), []);
      assert.equal(await storage.exists(key), false);
    },
  );

  it(
    "a file that grows during a single PutObject fails it without storing an object",
    SLOW,
    async () => {
      const source = join(dir, "grow.bin");
      await writeRandomFile(source, 4 * MiB);
      const key = `${prefix}grow.bin`;
      let grown = false;
      const upload = storage.putFile(source, key, {
        onProgress: () => {
          if (grown) return;
          grown = true;
          appendFileSync(source, new Uint8Array(MiB));
        },
      });
      await assert.rejects(upload, /changed during its upload/);
      assert.equal(await storage.exists(key), false);
    },
  );

  it(
    "a file rewritten in place (same size) during a single PutObject fails it",
    SLOW,
    async () => {
      const source = join(dir, "rewrite.bin");
      await writeRandomFile(source, 4 * MiB);
      const key = `${prefix}rewrite.bin`;
      let rewritten = false;
      const upload = storage.putFile(source, key, {
        onProgress: () => {
          if (rewritten) return;
          rewritten = true;
          writeFileSync(source, new Uint8Array(4 * MiB));
        },
      });
      await assert.rejects(upload, /changed during its upload/);
      assert.equal(await storage.exists(key), false);
    },
  );

  it("an aborted download leaves neither the file nor its temporary file", SLOW, async () => {
    const source = join(dir, "download.bin");
    await writeRandomFile(source, 20 * MiB);
    const key = `${prefix}download.bin`;
    await storage.putFile(source, key, SMALL_PARTS);
    const target = join(dir, "aborted", "download.bin");
    const controller = new AbortController();
    const reason = new Error("download stopped");
    const download = storage.getFile(key, target, {
      ...SMALL_RANGES,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (event) => {
        if (event.transferredBytes > 2 * MiB) controller.abort(reason);
      },
    });
    await assert.rejects(download, (error) => error === reason);
    assert.deepEqual(await readdir(join(dir, "aborted")), []);
  });

  it(
    "a download of a missing key fails with a 404 StorageError and writes nothing",
    SLOW,
    async () => {
      const target = join(dir, "missing", "none.bin");
      await assert.rejects(storage.getFile(`${prefix}none.bin`, target), (error: Error) => {
        assert.ok(error instanceof StorageError);
        assert.equal(error.status, 404);
        assert.equal(error.code, "NoSuchKey");
        return true;
      });
      await assert.rejects(readdir(join(dir, "missing")));
    },
  );

  it(
    "a download fails when the object is replaced while it runs, leaving no file",
    SLOW,
    async () => {
      const source = join(dir, "replaced.bin");
      await writeRandomFile(source, 20 * MiB);
      const key = `${prefix}replaced.bin`;
      await storage.putFile(source, key, SMALL_PARTS);
      const target = join(dir, "replaced", "replaced.bin");
      let replacing: Promise<unknown> | undefined;
      const download = storage.getFile(key, target, {
        ...SMALL_RANGES,
        concurrency: 1,
        onProgress: () => {
          replacing ??= storage.putBytes(key, "new content");
        },
      });
      await assert.rejects(download, (error: Error) => {
        assert.ok(error instanceof StorageError);
        assert.equal(error.status, 412);
        return true;
      });
      await replacing;
      assert.deepEqual(await readdir(join(dir, "replaced")), []);
    },
  );
});
