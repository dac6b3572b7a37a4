/**
 * The transfer engine on the local stack: SHA-256 computed while bytes stream, version
 * manifests, verification on download (IntegrityError, nothing bad left in place), versions
 * without a manifest (as the Python SDK writes them), resume of an aborted download, skip of
 * files already present, server-side copy of unchanged files, and verifyModel.
 */

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { IntegrityError } from "../src/errors.ts";
import { openPlatformBackend } from "../src/platform/backend.ts";
import type { ObjectEntry, ObjectStore, RegistryBackend } from "../src/registry/backend.ts";
import { parseVersionsMap, serializeVersionsMap } from "../src/registry/format.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { parseManifest } from "../src/registry/manifest.ts";
import type { TransferEvent } from "../src/registry/progress.ts";
import { directOptions, dropProject, freshUsername, stackClient } from "./_platform.ts";
import {
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
const SLOW = { timeout: 240_000 };

/** Calls counted on the object store. */
interface Counts {
  putFile: number;
  putStream: number;
  copy: number;
  getFile: number;
}

/** The backend with its object store's calls counted (a Proxy keeps every other method). */
function counted(backend: RegistryBackend, counts: Counts): RegistryBackend {
  const inner = backend.objects;
  const objects = new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (typeof property === "string" && property in counts) {
          counts[property as keyof Counts] += 1;
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ObjectStore;
  return { metadata: backend.metadata, objects, close: () => backend.close() };
}

describe("the transfer engine: hashes, manifests, verification, resume, dedup", SLOW, () => {
  const username = freshUsername("engine");
  const counts: Counts = { putFile: 0, putStream: 0, copy: 0, getFile: 0 };
  const warnings: string[] = [];
  let backend: RegistryBackend;
  let manager: MLOpsManager;
  let dir: string;
  const storage = platformStorage();
  const small: Record<string, Uint8Array> = {
    "config.json": new TextEncoder().encode('{"layers": 2}'),
    "sub/tokenizer.bin": randomBytes(700_000),
    "weights.bin": randomBytes(3 * MiB + 17),
  };

  before(async () => {
    dir = await tempDir();
    for (const [path, data] of Object.entries(small)) {
      await writeTree(join(dir, "small"), path, data);
    }
    backend = counted(await openPlatformBackend(directOptions(username)), counts);
    manager = new MLOpsManager({
      backend,
      logger: { info: () => {}, warn: (line) => warnings.push(line), error: () => {} },
      // Small parts so that a few MiB already run the multipart and ranged paths.
      tuning: { partSize: 5 * MiB, concurrency: 6, memoryBudget: 20 * MiB },
    });
  });

  after(async () => {
    if (manager !== undefined) await manager.close();
    await dropProject(stackClient(), username);
    storage.close();
    if (dir !== undefined) await removeDir(dir);
  });

  /** The versions_map entry of a version. */
  async function entryOf(modelName: string, version: string) {
    const [entity] = await backend.metadata.findByName(modelName);
    assert.ok(entity, `model ${modelName} exists`);
    const map = parseVersionsMap(entity.metadata.versions_map);
    return { entity, map, info: map[version] };
  }

  it("S3Storage returns the SHA-256 of what it uploaded and downloaded", SLOW, async () => {
    const prefix = uniquePrefix("engine-hash");
    try {
      const path = join(dir, "hash.bin");
      const digest = await writeRandomFile(path, 12 * MiB + 5);
      const tuning = { partSize: 5 * MiB, concurrency: 3, memoryBudget: 10 * MiB };
      const put = await storage.putFile(path, `${prefix}a.bin`, tuning);
      assert.equal(put.sha256, digest);
      const single = await storage.putFile(path, `${prefix}b.bin`, { partSize: 16 * MiB });
      assert.equal(single.sha256, digest);
      const data = randomBytes(6 * MiB + 3);
      const streamed = await storage.putStream(
        `${prefix}c.bin`,
        new Blob([data.subarray(0, 1000), data.subarray(1000)]).stream(),
        { partSize: 5 * MiB },
      );
      assert.equal(streamed.sha256, sha256(data));
      // Ranged, in parallel, hashed in order within the window; then one GET.
      const got = await storage.getFile(`${prefix}a.bin`, join(dir, "hash.out"), tuning);
      assert.equal(got.sha256, digest);
      assert.equal(await sha256File(join(dir, "hash.out")), digest);
      const whole = await storage.getFile(`${prefix}c.bin`, join(dir, "c.out"), {
        partSize: 16 * MiB,
      });
      assert.equal(whole.sha256, sha256(data));
    } finally {
      await storage.deletePrefix(prefix).catch(() => {});
    }
  });

  it(
    "addModel writes a manifest beside the version, referred to from versions_map",
    SLOW,
    async () => {
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "engine_manifest",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      const { info } = await entryOf("engine_manifest", "v1");
      assert.ok(info);
      const key = String(info.manifest);
      assert.match(key, new RegExp(`^_models/${id}/_manifests/v1/[0-9a-f]{64}\\.json$`));
      const bytes = await storage.getBytes(key);
      assert.equal(sha256(bytes), info.manifestSha256);
      const manifest = parseManifest(new TextDecoder().decode(bytes));
      assert.ok(manifest);
      assert.equal(manifest.version, "v1");
      assert.deepEqual(
        manifest.files,
        Object.entries(small)
          .map(([path, data]) => ({ path, size: data.length, sha256: sha256(data) }))
          .sort((a, b) => (a.path < b.path ? -1 : 1)),
      );
      // Not under the version's prefix: the Python SDK downloads only that.
      assert.ok(!key.startsWith(String(info.path)));

      const out = join(dir, "out_manifest");
      const result = await manager.getModel({ modelName: "engine_manifest", localDest: out });
      assert.equal(result.verified, true);
      assert.equal(result.files, 3);
      for (const [path, data] of Object.entries(small)) {
        assert.equal(await sha256File(join(out, "v1", path)), sha256(data));
      }
      const report = await manager.verifyModel({ modelName: "engine_manifest" });
      assert.equal(report.ok, true);
      assert.equal(report.manifest, true);
      assert.deepEqual(report.files.map((file) => file.status), ["ok", "ok", "ok"]);
      const local = await manager.verifyModel({
        modelName: "engine_manifest",
        localPath: result.path,
      });
      assert.equal(local.ok, true);
      assert.equal(local.checked, "local");
    },
  );

  it(
    "a corrupted object fails getModel with an IntegrityError and leaves no file; verifyModel " +
      "reports it",
    SLOW,
    async () => {
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "engine_corrupt",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      // Same size, other bytes: only the hash can tell.
      const key = `_models/${id}/v1/weights.bin`;
      const bad = new Uint8Array(small["weights.bin"]!);
      bad[12345] = (bad[12345]! + 1) % 256;
      await storage.putBytes(key, bad);
      const out = join(dir, "out_corrupt");
      await assert.rejects(
        manager.getModel({ modelName: "engine_corrupt", localDest: out }),
        (error: unknown) => {
          assert.ok(error instanceof IntegrityError, `IntegrityError: ${error}`);
          assert.equal(error.subject, key);
          assert.equal(error.expected, sha256(small["weights.bin"]!));
          assert.equal(error.actual, sha256(bad));
          return true;
        },
      );
      const left = await readdir(join(out, "v1"), { recursive: true }).catch(() => []);
      assert.ok(
        left.every((name) => !String(name).startsWith("weights.bin")),
        `no weights.bin nor its partial file: ${left.join(", ")}`,
      );
      const report = await manager.verifyModel({ modelName: "engine_corrupt" });
      assert.equal(report.ok, false);
      const weights = report.files.find((file) => file.path === "weights.bin");
      assert.equal(weights?.status, "mismatch");
      assert.equal(weights?.sha256, sha256(bad));

      // Another size: refused from the listing, before any byte is fetched.
      await storage.putBytes(key, bad.subarray(0, 1000));
      await assert.rejects(
        manager.getModel({ modelName: "engine_corrupt", localDest: join(dir, "out_corrupt2") }),
        IntegrityError,
      );
    },
  );

  it(
    "a version changed after it was published (a file added, removed or resized) fails " +
      "getModel with an IntegrityError naming the file; only files that match the manifest stay",
    SLOW,
    async () => {
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "engine_changed",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      const prefix = `_models/${id}/v1/`;
      /** Every file left under `out/v1` holds the bytes of the version's source; none is partial. */
      const onlyGoodFiles = async (out: string) => {
        const left = await readdir(join(out, "v1"), { recursive: true }).catch(() => []);
        for (const name of left.map(String)) {
          const path = join(out, "v1", name);
          if ((await stat(path)).isDirectory()) continue;
          const source = small[name];
          assert.ok(source !== undefined, `${name} is one of the version's files`);
          assert.equal(await sha256File(path), sha256(source), name);
        }
      };
      const rejectsWith = async (out: string, subject: string, actual: RegExp) => {
        await assert.rejects(
          manager.getModel({ modelName: "engine_changed", localDest: join(dir, out) }),
          (error: unknown) => {
            assert.ok(error instanceof IntegrityError, `IntegrityError: ${error}`);
            assert.equal(error.subject, subject);
            assert.match(String(error.actual), actual);
            return true;
          },
        );
        await onlyGoodFiles(join(dir, out));
      };

      // Added: small files start before the listing ends, and the listing still stops them.
      await storage.putBytes(`${prefix}extra.txt`, new TextEncoder().encode("added later"));
      await rejectsWith("out_added", "extra.txt", /11 bytes/);
      await storage.deleteKeys([`${prefix}extra.txt`]);

      // Removed: the listing's verdict, not the failed GET of the missing object.
      const tokenizer = small["sub/tokenizer.bin"]!;
      await storage.deleteKeys([`${prefix}sub/tokenizer.bin`]);
      await rejectsWith("out_removed", "sub/tokenizer.bin", /missing/);

      // Resized: a small file of another size than the manifest's.
      await storage.putBytes(`${prefix}sub/tokenizer.bin`, tokenizer);
      await storage.putBytes(`${prefix}config.json`, new TextEncoder().encode('{"layers": 20}'));
      await rejectsWith("out_resized", "config.json", /14/);

      // Put back: the same call downloads the whole version, verified.
      await storage.putBytes(`${prefix}config.json`, small["config.json"]!);
      const result = await manager.getModel({
        modelName: "engine_changed",
        localDest: join(dir, "out_resized"),
      });
      assert.equal(result.verified, true);
      assert.equal(result.files, 3);
      await onlyGoodFiles(join(dir, "out_resized"));
    },
  );

  it(
    "small files of a version with a manifest start before its listing ends; larger ones wait " +
      "for the listing's ETag",
    SLOW,
    async () => {
      await manager.addModel({
        sourceType: "local",
        modelName: "engine_early",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      const events: string[] = [];
      const inner = backend.objects;
      /** The listing, held back 300 ms before its first entry. */
      async function* slowly(entries: AsyncIterable<ObjectEntry>) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        yield* entries;
        events.push("listed");
      }
      const objects = new Proxy(inner, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            if (property === "list" || property === "listFrom") {
              return slowly(result as AsyncIterable<ObjectEntry>);
            }
            if (property === "getFile") events.push(`get ${String(args[0]).split("/v1/")[1]}`);
            return result;
          };
        },
      }) as ObjectStore;
      const slow = new MLOpsManager({
        backend: { metadata: backend.metadata, objects, close: () => Promise.resolve() },
        logger: { info: () => {}, warn: () => {}, error: () => {} },
      });
      const result = await slow.getModel({
        modelName: "engine_early",
        localDest: join(dir, "out_early"),
      });
      assert.equal(result.verified, true);
      assert.equal(result.files, 3);
      const listed = events.indexOf("listed");
      assert.ok(events.indexOf("get config.json") < listed, events.join(", "));
      assert.ok(events.indexOf("get sub/tokenizer.bin") < listed, events.join(", "));
      assert.ok(events.indexOf("get weights.bin") > listed, events.join(", "));
      for (const [path, data] of Object.entries(small)) {
        assert.equal(await sha256File(join(dir, "out_early", "v1", path)), sha256(data));
      }
    },
  );

  it(
    "a version without a manifest (as the Python SDK writes it) downloads with verified: false " +
      "and a warning",
    SLOW,
    async () => {
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "engine_python",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      // The Python SDK rewrites an entry without the fields it does not know.
      const { map } = await entryOf("engine_python", "v1");
      const { manifest: _m, manifestSha256: _s, ...plain } = map.v1!;
      map.v1 = plain as typeof map.v1 & object;
      await backend.metadata.setMetadata(id, {
        versions_map: { type: "str", value: serializeVersionsMap(map) },
      });
      warnings.length = 0;
      const out = join(dir, "out_python");
      const result = await manager.getModel({ modelName: "engine_python", localDest: out });
      assert.equal(result.verified, false);
      assert.ok(warnings.some((line) => /no manifest/.test(line)), warnings.join("\n"));
      for (const [path, data] of Object.entries(small)) {
        assert.equal(await sha256File(join(out, "v1", path)), sha256(data));
      }
      const report = await manager.verifyModel({
        modelName: "engine_python",
        localPath: result.path,
      });
      assert.equal(report.manifest, false);
      assert.equal(report.ok, true);
    },
  );

  it(
    "an aborted download of a large file is resumed from its kept prefix; present files are " +
      "skipped",
    SLOW,
    async () => {
      const source = join(dir, "large");
      const size = 150 * MiB + 7;
      await writeTree(source, "note.txt", new TextEncoder().encode("large model"));
      const digest = await writeRandomFile(join(source, "big.bin"), size);
      await manager.addModel({
        sourceType: "local",
        modelName: "engine_resume",
        version: "v1",
        sourcePath: source,
        // Larger parts for the upload: fewer requests.
        partSize: 16 * MiB,
        memoryBudget: 64 * MiB,
      });
      const out = join(dir, "out_resume");
      const controller = new AbortController();
      let seen = 0;
      const first = manager.getModel({
        modelName: "engine_resume",
        localDest: out,
        signal: controller.signal,
        onProgress: (event: TransferEvent) => {
          seen = event.bytesDone;
          if (
            event.type === "file-progress" && event.file === "big.bin" && event.fileBytes > 60 * MiB
          ) {
            controller.abort(new Error("stop"));
          }
        },
      });
      await assert.rejects(first);
      assert.ok(seen > 60 * MiB);
      const partial = join(out, "v1", "big.bin.aipmodel-partial");
      const kept = (await stat(partial)).size;
      assert.ok(kept > 0, "the partial file is kept");
      await stat(`${partial}.json`);
      await assert.rejects(stat(join(out, "v1", "big.bin")), "no final file after the abort");

      const second = await manager.getModel({ modelName: "engine_resume", localDest: out });
      assert.equal(second.verified, true);
      assert.ok(second.resumedBytes > 0, `resumed ${second.resumedBytes} bytes`);
      assert.ok(second.bytes < size, `fetched ${second.bytes} of ${size} bytes`);
      assert.equal(await sha256File(join(out, "v1", "big.bin")), digest);
      await assert.rejects(stat(partial), "the partial file is gone");
      await assert.rejects(stat(`${partial}.json`), "its sidecar too");

      // Run again: every file is present and verified, nothing is fetched.
      const getsBefore = counts.getFile;
      const third = await manager.getModel({ modelName: "engine_resume", localDest: out });
      assert.equal(third.skippedFiles, 2);
      assert.equal(third.bytes, 0);
      assert.equal(counts.getFile, getsBefore);

      // A damaged local file is fetched again (and only that one); the partial file a killed
      // process left (no sidecar) is written over and renamed, not left behind.
      await writeFile(join(out, "v1", "note.txt"), "changed");
      await writeFile(join(out, "v1", "note.txt.aipmodel-partial"), "left by a killed process");
      const fourth = await manager.getModel({ modelName: "engine_resume", localDest: out });
      assert.equal(fourth.skippedFiles, 1);
      assert.equal(fourth.bytes, "large model".length);
      assert.deepEqual((await readdir(join(out, "v1"))).sort(), ["big.bin", "note.txt"]);
      assert.equal(await readFile(join(out, "v1", "note.txt"), "utf8"), "large model");
      await rm(join(source), { recursive: true, force: true });
    },
  );

  it(
    "a new version copies its unchanged files server-side and uploads only the changed ones",
    SLOW,
    async () => {
      await manager.addModel({
        sourceType: "local",
        modelName: "engine_dedup",
        version: "v1",
        sourcePath: join(dir, "small"),
      });
      await writeTree(
        join(dir, "small2"),
        "config.json",
        new TextEncoder().encode('{"layers": 3}'),
      );
      await writeTree(join(dir, "small2"), "sub/tokenizer.bin", small["sub/tokenizer.bin"]!);
      await writeTree(join(dir, "small2"), "weights.bin", small["weights.bin"]!);
      const before = { ...counts };
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "engine_dedup",
        version: "v2",
        sourcePath: join(dir, "small2"),
      });
      assert.equal(counts.putFile - before.putFile, 1, "only config.json is uploaded");
      assert.equal(counts.copy - before.copy, 2, "the two unchanged files are copied");
      const { info } = await entryOf("engine_dedup", "v2");
      assert.equal(info?.path, `_models/${id}/v2/`);
      const out = join(dir, "out_dedup");
      const result = await manager.getModel({ modelName: "engine_dedup", localDest: out });
      assert.equal(result.verified, true);
      assert.equal(await sha256File(join(out, "v2", "weights.bin")), sha256(small["weights.bin"]!));
      const report = await manager.verifyModel({ modelName: "engine_dedup", version: "v2" });
      assert.equal(report.ok, true);
    },
  );

  it(
    "verifyModel on a local folder reports changed, missing and unexpected files",
    SLOW,
    async () => {
      const out = join(dir, "out_verify");
      const result = await manager.getModel({ modelName: "engine_manifest", localDest: out });
      await writeFile(join(result.path, "config.json"), '{"layers": 9}');
      await rm(join(result.path, "sub", "tokenizer.bin"));
      await writeFile(join(result.path, "extra.txt"), "x");
      const report = await manager.verifyModel({
        modelName: "engine_manifest",
        localPath: result.path,
      });
      assert.equal(report.ok, false);
      assert.deepEqual(
        report.files.map((file) => [file.path, file.status]),
        [
          ["config.json", "mismatch"],
          ["extra.txt", "unexpected"],
          ["sub/tokenizer.bin", "missing"],
          ["weights.bin", "ok"],
        ],
      );
      const hash = createHash("sha256").update('{"layers": 9}').digest("hex");
      assert.equal(report.files[0]?.sha256, hash);
    },
  );
});

async function writeTree(root: string, path: string, data: Uint8Array): Promise<void> {
  const { mkdir } = await import("node:fs/promises");
  const target = join(root, ...path.split("/"));
  await mkdir(join(target, ".."), { recursive: true });
  await writeFile(target, data);
}
