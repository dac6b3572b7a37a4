/**
 * `manager.gc()`: every kind of orphan (staging folder, unreferenced version folder, loose object,
 * folder of a deleted model, unfinished upload) is listed by a dry run, removed by a real one,
 * and nothing referenced, reserved, recent or another project's is touched; on the embedded
 * registry and on the platform (radosgw + the ClearML server).
 */

import assert from "node:assert/strict";
import { mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { GcReport } from "../src/registry/gc.ts";
import { PENDING_KEY } from "../src/registry/reservations.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { directConnect, randomId, SLOW, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { keysUnder, localManager, removeDir, tempDir, writeTree } from "./_registry.ts";
import { platformStorage } from "./_storage.ts";

/** The report's orphans as `kind prefix` lines, sorted. */
function kinds(report: GcReport): string[] {
  return report.orphans.map((orphan) => `${orphan.kind} ${orphan.prefix}`).sort();
}

describe("gc() on the local registry", SLOW, () => {
  let dir: string;
  let manager: MLOpsManager;
  let objectsRoot: string;
  let id: string;
  let ghost: string;

  before(async () => {
    dir = await tempDir("aipmodel-gc-");
    ({ manager } = await localManager(dir));
    objectsRoot = join(dir, "registry", "objects", "local");
    await writeTree(join(dir, "src"), { "config.json": "{}", "weights.bin": "w".repeat(5000) });
    id = await manager.addModel({
      sourceType: "local",
      modelName: "gc_local",
      version: "v1",
      sourcePath: join(dir, "src"),
    });
    ghost = randomId();
    await writeTree(objectsRoot, {
      [`_models/${id}/v9/stray.bin`]: "s".repeat(100),
      [`_models/${id}/v1_tmp_abcdefgh12/staged.bin`]: "t".repeat(200),
      [`_models/${id}/loose.bin`]: "l".repeat(10),
      // A manifest no versions_map entry refers to (its version was deleted by another SDK).
      [`_models/${id}/_manifests/v9/${"0".repeat(64)}.json`]: "m".repeat(20),
      [`_models/${id}/_v7/reserved.bin`]: "r".repeat(10),
      [`_models/${ghost}/v1/dead.bin`]: "d".repeat(300),
      [`_models/${id}/v1/.aipmodel-tmp-0123456789ab-half.bin`]: "h".repeat(50),
      // Not a model folder: never touched.
      ["_models/not-a-model-id/x.bin"]: "x",
      ["elsewhere/y.bin"]: "y",
    });
    // _v7 is reserved by an upload in flight.
    await manager.backend.metadata.setMetadata(id, {
      [PENDING_KEY]: { type: "str", value: JSON.stringify({ _v7: Date.now() + 3_600_000 }) },
    });
  });
  after(() => removeDir(dir));

  it("with the default age, lists nothing written in the last hour", SLOW, async () => {
    const report = await manager.gc({ dryRun: true });
    assert.deepEqual(report.orphans, []);
  });

  it("a dry run lists every kind of orphan with its bytes and removes nothing", SLOW, async () => {
    const report = await manager.gc({ dryRun: true, olderThanMs: 0 });
    assert.deepEqual(kinds(report), [
      `manifest _models/${id}/_manifests/v9/${"0".repeat(64)}.json`,
      `model _models/${ghost}/`,
      `object _models/${id}/loose.bin`,
      `staging _models/${id}/v1_tmp_abcdefgh12/`,
      `upload _models/${id}/v1/half.bin`,
      `version _models/${id}/v9/`,
    ]);
    const bytes = Object.fromEntries(report.orphans.map((orphan) => [orphan.kind, orphan.bytes]));
    assert.deepEqual(bytes, {
      manifest: 20,
      model: 300,
      object: 10,
      staging: 200,
      upload: 50,
      version: 100,
    });
    assert.equal(report.removed, 0);
    assert.equal(report.dryRun, true);
    assert.ok(report.orphans.every((orphan) => !orphan.removed));
    assert.equal(
      await readFile(join(objectsRoot, `_models/${id}/v9/stray.bin`), "utf8"),
      "s".repeat(100),
    );
  });

  it(
    "a real run removes them all, keeps v1, the reserved _v7 and foreign keys, and a second run finds nothing",
    SLOW,
    async () => {
      const report = await manager.gc({ olderThanMs: 0 });
      assert.equal(report.removed, 6);
      assert.equal(report.bytesRemoved, 680);
      const left = await keysUnder(manager.backend, "");
      const manifest = left.filter((key) => key.startsWith(`_models/${id}/_manifests/`));
      assert.match(
        manifest.join(),
        new RegExp(`^_models/${id}/_manifests/v1/[0-9a-f]{64}\\.json$`),
      );
      assert.deepEqual(left.filter((key) => !manifest.includes(key)).sort(), [
        `_models/${id}/_v7/reserved.bin`,
        `_models/${id}/v1/config.json`,
        `_models/${id}/v1/weights.bin`,
        "_models/not-a-model-id/x.bin",
        "elsewhere/y.bin",
      ]);
      const temps = [];
      for await (const upload of manager.backend.objects.listUnfinished!("_models/")) {
        temps.push(upload);
      }
      assert.deepEqual(temps, []);
      const out = join(dir, "out");
      const got = await manager.getModel({ modelName: "gc_local", version: "v1", localDest: out });
      assert.equal(got.files, 2);
      assert.deepEqual((await manager.gc({ olderThanMs: 0 })).orphans, []);
    },
  );

  it(
    "an old temporary file is an orphan; a fresh one (a write in flight) is not",
    SLOW,
    async () => {
      const folder = join(objectsRoot, `_models/${id}/v1`);
      const old = join(folder, ".aipmodel-tmp-aaaaaaaaaaaa-old.bin");
      const fresh = join(folder, ".aipmodel-tmp-bbbbbbbbbbbb-fresh.bin");
      await writeFile(old, "o");
      await writeFile(fresh, "f");
      const twoHoursAgo = new Date(Date.now() - 7_200_000);
      await utimes(old, twoHoursAgo, twoHoursAgo);
      const report = await manager.gc();
      assert.deepEqual(kinds(report), [`upload _models/${id}/v1/old.bin`]);
      assert.equal(report.removed, 1);
      await assert.rejects(readFile(old));
      assert.equal(await readFile(fresh, "utf8"), "f");
      await rm(fresh);
    },
  );

  it("a model whose versions_map cannot be read is left alone", SLOW, async () => {
    await mkdir(join(objectsRoot, `_models/${id}/v5`), { recursive: true });
    await writeFile(join(objectsRoot, `_models/${id}/v5/a.bin`), "a");
    const saved = (await manager.backend.metadata.getById(id))!.metadata.versions_map!;
    await manager.backend.metadata.setMetadata(id, {
      versions_map: { type: "str", value: "{broken" },
    });
    try {
      assert.deepEqual((await manager.gc({ olderThanMs: 0 })).orphans, []);
    } finally {
      await manager.backend.metadata.setMetadata(id, {
        versions_map: { type: "str", value: saved },
      });
    }
    assert.deepEqual(kinds(await manager.gc({ olderThanMs: 0, dryRun: true })), [
      `version _models/${id}/v5/`,
    ]);
  });

  it(
    "a version published at its staging folder (the move after an overwrite failed) is not an " +
      "orphan, and neither is the folder of the model's uri",
    SLOW,
    async () => {
      const staging = `_models/${id}/v5_tmp_0123456789/`;
      await writeTree(objectsRoot, { [`${staging}b.bin`]: "b" });
      const entity = (await manager.backend.metadata.getById(id))!;
      const map = JSON.parse(entity.metadata.versions_map!) as Record<string, { path: string }>;
      map.v5 = { ...map.v1!, path: staging };
      await manager.backend.metadata.setMetadata(id, {
        versions_map: { type: "str", value: JSON.stringify(map) },
      });
      await manager.backend.metadata.setUri(id, `s3://local/_models/${id}/v5/`);
      assert.deepEqual((await manager.gc({ olderThanMs: 0, dryRun: true })).orphans, []);
    },
  );
});

describe("gc() on the platform", SLOW, () => {
  const username = uniqueName("t_gc");
  const otherUser = uniqueName("t_gc_other");
  let manager: MLOpsManager;
  let other: MLOpsManager;
  let storage: S3Storage;
  let dir: string;
  let id: string;
  let foreignId: string;
  const ghost = randomId();

  before(async () => {
    dir = await tempDir("aipmodel-gc-");
    await writeTree(join(dir, "src"), { "config.json": "{}", "weights.bin": "w".repeat(5000) });
    manager = await MLOpsManager.connect(directConnect(username));
    other = await MLOpsManager.connect(directConnect(otherUser));
    storage = platformStorage();
    id = await manager.addModel({
      sourceType: "local",
      modelName: "gc_platform",
      version: "v1",
      sourcePath: join(dir, "src"),
    });
    foreignId = await other.addModel({
      sourceType: "local",
      modelName: "gc_foreign",
      version: "v1",
      sourcePath: join(dir, "src"),
    });
    await storage.putBytes(`_models/${id}/v9/stray.bin`, "s".repeat(100));
    await storage.putBytes(`_models/${id}/v1_tmp_abcdefgh12/staged.bin`, "t".repeat(200));
    await storage.putBytes(`_models/${id}/loose.bin`, "l".repeat(10));
    await storage.putBytes(`_models/${ghost}/v1/dead.bin`, "d".repeat(300));
    // Another project's model folder holds an unreferenced folder: not ours to judge.
    await storage.putBytes(`_models/${foreignId}/v9/theirs.bin`, "f".repeat(10));
    // An unfinished multipart upload with one part of 1000 bytes.
    const created = await (await storage.awsClient()).send(
      new CreateMultipartUploadCommand({ Bucket: storage.bucket, Key: `_models/${id}/v3/big.bin` }),
    );
    await (await storage.awsClient()).send(
      new UploadPartCommand({
        Bucket: storage.bucket,
        Key: `_models/${id}/v3/big.bin`,
        UploadId: created.UploadId,
        PartNumber: 1,
        Body: new Uint8Array(1000),
      }),
    );
  });

  after(async () => {
    for (const prefix of [`_models/${id}/`, `_models/${ghost}/`, `_models/${foreignId}/`]) {
      await storage?.deletePrefix(prefix).catch(() => {});
    }
    const uploads = await (await storage?.awsClient())?.send(
      new ListMultipartUploadsCommand({ Bucket: storage!.bucket, Prefix: `_models/${id}/` }),
    );
    for (const upload of uploads?.Uploads ?? []) {
      await storage.abortUpload(upload.Key!, upload.UploadId!).catch(() => {});
    }
    storage?.close();
    await manager?.close();
    await other?.close();
    const client = stackClient();
    await dropProject(client, username);
    await dropProject(client, otherUser);
    await removeDir(dir);
  });

  it(
    "a dry run lists staging, version, object, deleted-model and multipart orphans, not another project's",
    SLOW,
    async () => {
      const report = await manager.gc({
        dryRun: true,
        olderThanMs: 0,
        modelIds: [id, ghost, foreignId],
      });
      assert.deepEqual(kinds(report), [
        `model _models/${ghost}/`,
        `object _models/${id}/loose.bin`,
        `staging _models/${id}/v1_tmp_abcdefgh12/`,
        `upload _models/${id}/v3/big.bin`,
        `version _models/${id}/v9/`,
      ]);
      const upload = report.orphans.find((orphan) => orphan.kind === "upload")!;
      assert.equal(upload.bytes, 1000);
      assert.ok(upload.uploadId);
      assert.equal(report.removed, 0);
      assert.ok(await storage.exists(`_models/${id}/v9/stray.bin`));
    },
  );

  it(
    "with the default age, the whole bucket holds no orphan younger than an hour",
    SLOW,
    async () => {
      const report = await manager.gc({ dryRun: true });
      const recent = report.orphans.filter((orphan) =>
        [id, ghost, foreignId].includes(orphan.modelId)
      );
      assert.deepEqual(recent, []);
    },
  );

  it(
    "a real run removes them (the multipart upload aborted), v1 and the other project stay",
    SLOW,
    async () => {
      const report = await manager.gc({ olderThanMs: 0, modelIds: [id, ghost, foreignId] });
      assert.equal(report.removed, 5, JSON.stringify(report.orphans));
      assert.equal(report.bytesRemoved, 1610);
      const kept = (await keysUnder(manager.backend, `_models/${id}/`)).sort();
      // v1's manifest is referenced by its versions_map entry: kept.
      assert.match(kept[0] ?? "", new RegExp(`^_models/${id}/_manifests/v1/[0-9a-f]{64}\\.json$`));
      assert.deepEqual(kept.slice(1), [
        `_models/${id}/v1/config.json`,
        `_models/${id}/v1/weights.bin`,
      ]);
      assert.deepEqual(await keysUnder(manager.backend, `_models/${ghost}/`), []);
      const theirs = (await keysUnder(manager.backend, `_models/${foreignId}/`)).sort();
      assert.deepEqual(theirs.filter((key) => !key.includes("/_manifests/")), [
        `_models/${foreignId}/v1/config.json`,
        `_models/${foreignId}/v1/weights.bin`,
        `_models/${foreignId}/v9/theirs.bin`,
      ]);
      const uploads = [];
      for await (const upload of storage.listUploads(`_models/${id}/`)) uploads.push(upload);
      assert.deepEqual(uploads, []);
      const got = await manager.getModel({
        modelName: "gc_platform",
        localDest: join(dir, "out"),
      });
      assert.equal(got.files, 2);
      assert.deepEqual(
        (await manager.gc({ olderThanMs: 0, modelIds: [id, ghost, foreignId] })).orphans,
        [],
      );
    },
  );

  it(
    "an automatic version being uploaded (reserved) is not an orphan even with olderThanMs 0, " +
      "and its upload ends complete",
    SLOW,
    async () => {
      await writeFile(join(dir, "big.bin"), new Uint8Array(24 * 1024 * 1024).fill(7));
      let during: Promise<GcReport> | undefined;
      const added = manager.addModel({
        sourceType: "local",
        modelName: "gc_platform",
        sourcePath: join(dir, "big.bin"),
        onProgress: (event) => {
          if (during === undefined && event.bytesDone > 8 * 1024 * 1024) {
            during = manager.gc({ olderThanMs: 0, modelIds: [id] });
          }
        },
      });
      await added;
      assert.ok(during, "gc ran during the upload");
      const report = await during;
      assert.deepEqual(report.orphans, [], JSON.stringify(report.orphans));
      const info = await manager.getModelInfo("gc_platform");
      assert.deepEqual(info.versions.map((version) => version.name).sort(), ["_v2", "v1"]);
      const got = await manager.getModel({
        modelName: "gc_platform",
        version: "_v2",
        localDest: join(dir, "out2"),
      });
      assert.deepEqual(
        await readFile(join(got.path, "big.bin")),
        await readFile(join(dir, "big.bin")),
      );
    },
  );
});
