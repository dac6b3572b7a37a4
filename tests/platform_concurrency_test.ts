/**
 * Two OS processes (of this test's runtime) add 10 versions each to one new model on the platform
 * (ClearML-compatible server + radosgw) at the same time: no lost update, one model.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { parseVersionsMap } from "../src/registry/format.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { stackValue } from "./_stack.ts";
import { keysUnder, platformStorage, removeDir, tempDir } from "./_storage.ts";
import { runChild } from "./_child.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
const WORKER = fileURLToPath(new URL("./_platform_worker.ts", import.meta.url));

/** When a worker began its first addModel and finished its last, epoch ms. */
interface Span {
  started: number;
  finished: number;
}

/** Runs the worker in a child process of the same runtime; resolves with its output. */
function worker(args: string[]): Promise<string> {
  return runChild(WORKER, args);
}

describe("two processes adding versions to one model on the platform", SLOW, () => {
  let dir: string;
  let manager: MLOpsManager;
  let storage: S3Storage;
  const modelName = `pc_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const files = ["config.json", "weights.bin"];

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir, "model"));
    await writeFile(join(dir, "model", "config.json"), "{}");
    await writeFile(join(dir, "model", "weights.bin"), randomBytes(4096));
    manager = await MLOpsManager.connect({
      userToken: stackValue("USER_TOKEN"),
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      clearmlApiHost: stackValue("CLEARML_API_HOST"),
      cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
      env: {},
    });
    storage = platformStorage();
  });

  after(async () => {
    if (manager !== undefined) {
      const found = await manager.backend.metadata.findByName(modelName).catch(() => []);
      for (const entity of found) {
        await manager.models.delete(entity.id).catch(() => {});
        await storage.deletePrefix(`_models/${entity.id}/`).catch(() => {});
      }
      await manager.close();
      storage.close();
    }
    await removeDir(dir);
  });

  it(
    "10 versions each from two processes: one model, all 20 versions with their objects",
    SLOW,
    async () => {
      const source = join(dir, "model");
      const spans = (await Promise.all([
        worker([modelName, "a", "10", source]),
        worker([modelName, "b", "10", source]),
      ])).map((output) => JSON.parse(output.trim().split("\n").at(-1)!) as Span);
      // The two processes were adding versions at the same time.
      assert.ok(
        spans[0]!.started < spans[1]!.finished && spans[1]!.started < spans[0]!.finished,
        JSON.stringify(spans),
      );
      const found = await manager.backend.metadata.findByName(modelName);
      assert.equal(found.length, 1, `one model named ${modelName}`);
      const [entity] = found;
      const map = parseVersionsMap(entity!.metadata.versions_map);
      const expected: string[] = [];
      for (let index = 1; index <= 10; index++) expected.push(`a${index}`, `b${index}`);
      assert.deepEqual(Object.keys(map).sort(), expected.sort());
      assert.equal(entity!.metadata.version_count, "20");
      assert.deepEqual(
        Object.values(map).map((info) => info.version_number).sort((a, b) => a! - b!),
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      const keys = new Set(await keysUnder(storage, `_models/${entity!.id}/`));
      for (const [version, info] of Object.entries(map)) {
        assert.equal(info.path, `_models/${entity!.id}/${version}/`);
        for (const file of files) assert.ok(keys.has(`${info.path}${file}`), `${info.path}${file}`);
        // Each version's manifest, beside the versions (src/registry/manifest.ts).
        assert.ok(keys.has(String(info.manifest)), `${version}'s manifest ${info.manifest}`);
      }
      assert.equal(keys.size, 20 * (files.length + 1));
    },
  );
});
