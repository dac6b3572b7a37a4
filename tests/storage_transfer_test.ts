import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { IntegrityError } from "../src/errors.ts";
import { TransferLimiter } from "../src/storage/limiter.ts";
import type { StorageProgressEvent } from "../src/storage/progress.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import {
  cleanPrefix,
  keysUnder,
  MiB,
  platformStorage,
  removeDir,
  sha256,
  sha256File,
  tempDir,
  uniquePrefix,
  writeRandomFile,
} from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
/** Small parts so that multipart paths run on a few MiB. */
const SMALL_PARTS = { multipartThreshold: 5 * MiB, partSize: 5 * MiB, concurrency: 3 };
const SMALL_RANGES = { parallelThreshold: 5 * MiB, partSize: 5 * MiB, concurrency: 3 };

describe("S3Storage transfers on radosgw", SLOW, () => {
  let storage: S3Storage;
  let prefix: string;
  let dir: string;

  before(async () => {
    storage = platformStorage();
    prefix = uniquePrefix("transfer");
    dir = await tempDir();
  });

  after(async () => {
    if (storage === undefined) return; // the stack was not up: before() failed and said so
    await cleanPrefix(storage, prefix);
    storage.close();
    await removeDir(dir);
  });

  it(
    "putFile() then getFile() round-trips a small file with its type and metadata",
    SLOW,
    async () => {
      const source = join(dir, "small.bin");
      const digest = await writeRandomFile(source, 3000);
      const key = `${prefix}small.bin`;
      const put = await storage.putFile(source, key, {
        contentType: "application/x-test",
        metadata: { origin: "unit" },
      });
      assert.equal(put.size, 3000);
      assert.match(put.etag ?? "", /^[0-9a-f]{32}$/);
      const head = await storage.head(key);
      assert.equal(head?.size, 3000);
      assert.equal(head?.contentType, "application/x-test");
      assert.deepEqual(head?.metadata, { origin: "unit" });
      const target = join(dir, "out", "nested", "small.bin");
      await storage.getFile(key, target);
      assert.equal(await sha256File(target), digest);
    },
  );

  it(
    "multipart upload and ranged parallel download of 40 MiB are byte-identical",
    SLOW,
    async () => {
      const source = join(dir, "big.bin");
      const digest = await writeRandomFile(source, 40 * MiB + 123);
      const key = `${prefix}big.bin`;
      const events: StorageProgressEvent[] = [];
      await storage.putFile(source, key, { ...SMALL_PARTS, onProgress: (e) => events.push(e) });
      assert.equal(events.at(-1)?.transferredBytes, 40 * MiB + 123);
      assert.ok(events.every((event) => event.totalBytes === 40 * MiB + 123));
      const head = await storage.head(key);
      assert.match(head?.etag ?? "", /-9$/, "9 parts of 5 MiB");
      const target = join(dir, "big.out");
      let downloaded = 0;
      await storage.getFile(key, target, {
        ...SMALL_RANGES,
        onProgress: (event) => (downloaded = event.transferredBytes),
      });
      assert.equal(downloaded, 40 * MiB + 123);
      assert.equal(await sha256File(target), digest);
      assert.deepEqual((await readdir(dir)).sort(), ["big.bin", "big.out", "out", "small.bin"]);
    },
  );

  it(
    "small files of mixed sizes downloaded at once through one limiter, reusing each other's " +
      "buffers, are byte-identical",
    SLOW,
    async () => {
      // Around the buffer sizes (64 KiB doubling up to 1 MiB): a buffer given back by one file is
      // taken by the next of its size class, whose bytes must not mix with the previous one's.
      const sizes = [MiB, 1, 64 * 1024 + 1, 300 * 1024, 64 * 1024, MiB - 1, 200, 128 * 1024];
      const files = await Promise.all(sizes.map(async (size, index) => {
        const source = join(dir, `mixed-${index}.bin`);
        const digest = await writeRandomFile(source, size);
        const key = `${prefix}mixed/${index}.bin`;
        await storage.putFile(source, key);
        return { key, digest, target: join(dir, "mixed-out", `${index}.bin`) };
      }));
      const limiter = new TransferLimiter({ concurrency: 3 });
      for (let round = 0; round < 2; round++) {
        await Promise.all(files.map(async (file) => {
          await storage.getFile(file.key, file.target, { limiter });
          assert.equal(await sha256File(file.target), file.digest, file.key);
        }));
      }
      await removeDir(join(dir, "mixed-out"));
      for (let index = 0; index < sizes.length; index++) {
        await removeDir(join(dir, `mixed-${index}.bin`));
      }
    },
  );

  it("round-trips a 0-byte file", SLOW, async () => {
    const source = join(dir, "empty.bin");
    await writeFile(source, new Uint8Array(0));
    const key = `${prefix}empty.bin`;
    assert.equal((await storage.putFile(source, key)).size, 0);
    assert.equal((await storage.head(key))?.size, 0);
    const target = join(dir, "empty.out");
    await storage.getFile(key, target);
    assert.equal(await sha256File(target), sha256(new Uint8Array(0)));
    await removeDir(target);
  });

  it(
    "a small file is checked before it is written: a wrong SHA-256 is an IntegrityError and " +
      "leaves no file, an abort leaves none either, the right one writes it",
    SLOW,
    async () => {
      const source = join(dir, "checked.bin");
      const digest = await writeRandomFile(source, 200_000);
      const key = `${prefix}checked.bin`;
      await storage.putFile(source, key);
      const folder = join(dir, "checked");
      const target = join(folder, "checked.bin");
      const wrong = "0".repeat(64);
      await assert.rejects(storage.getFile(key, target, { expectedSha256: wrong }), (error) => {
        assert.ok(error instanceof IntegrityError, String(error));
        assert.equal(error.expected, wrong);
        assert.equal(error.actual, digest);
        assert.match(error.message, /Nothing was written/);
        return true;
      });
      await assert.rejects(readdir(folder), /ENOENT/);
      const controller = new AbortController();
      const reason = new Error("stopped");
      controller.abort(reason);
      await assert.rejects(
        storage.getFile(key, target, { signal: controller.signal }),
        (error) => error === reason,
      );
      await assert.rejects(readdir(folder), /ENOENT/);
      const got = await storage.getFile(key, target, { expectedSha256: digest });
      assert.equal(got.sha256, digest);
      assert.equal(await sha256File(target), digest);
      assert.deepEqual(await readdir(folder), ["checked.bin"]);
    },
  );

  it(
    "a small file flushed to the disk (fsync, through the thread pool) lands whole, in a new " +
      "folder, over an older file, and leaves no temporary file",
    SLOW,
    async () => {
      const source = join(dir, "flushed.bin");
      const digest = await writeRandomFile(source, 100_000);
      const key = `${prefix}flushed.bin`;
      await storage.putFile(source, key);
      const folder = join(dir, "flushed", "deeper");
      const target = join(folder, "flushed.bin");
      for (let round = 0; round < 2; round++) {
        const got = await storage.getFile(key, target, { expectedSha256: digest, fsync: true });
        assert.equal(got.sha256, digest);
        assert.equal(await sha256File(target), digest);
        assert.deepEqual(await readdir(folder), ["flushed.bin"]);
      }
    },
  );

  it("handles keys with unicode, spaces and URL-special characters", SLOW, async () => {
    const key = `${prefix}dossier é/模型 file+1 %20&=?.bin`;
    const source = join(dir, "unicode.bin");
    const digest = await writeRandomFile(source, 6 * MiB);
    await storage.putFile(source, key, SMALL_PARTS);
    assert.equal(await storage.exists(key), true);
    assert.deepEqual(await keysUnder(storage, `${prefix}dossier é/`), [key]);
    const target = join(dir, "ünicode out.bin");
    await storage.getFile(key, target, SMALL_RANGES);
    assert.equal(await sha256File(target), digest);
    await removeDir(target);
  });

  it("putBytes(), putStream() and getBytes()/getStream() round-trip content", SLOW, async () => {
    const key = `${prefix}doc.json`;
    await storage.putBytes(key, '{"a":1}', { contentType: "application/json" });
    assert.equal(new TextDecoder().decode(await storage.getBytes(key)), '{"a":1}');
    await assert.rejects(storage.getBytes(key, { maxBytes: 3 }), /more than the 3 allowed/);

    const chunks = Array.from({ length: 12 }, (_, i) => new Uint8Array(MiB + 7).fill(i));
    const expected = sha256(Buffer.concat(chunks));
    const streamKey = `${prefix}stream.bin`;
    const stream = ReadableStream.from(chunks);
    const put = await storage.putStream(streamKey, stream, { partSize: 5 * MiB });
    assert.equal(put.size, 12 * (MiB + 7));
    assert.match((await storage.head(streamKey))?.etag ?? "", /-3$/);
    const back = await storage.getStream(streamKey);
    const parts: Uint8Array[] = [];
    for await (const chunk of back) parts.push(chunk);
    assert.equal(sha256(Buffer.concat(parts)), expected);

    const ranged = await storage.getStream(streamKey, { range: { start: MiB + 7, end: MiB + 9 } });
    const bytes: Uint8Array[] = [];
    for await (const chunk of ranged) bytes.push(chunk);
    assert.deepEqual([...Buffer.concat(bytes)], [1, 1, 1]);

    const shortKey = `${prefix}short.bin`;
    await storage.putStream(shortKey, ReadableStream.from([new Uint8Array([1, 2, 3])]));
    assert.deepEqual([...await storage.getBytes(shortKey)], [1, 2, 3]);
  });
});
