import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { MLOpsManager } from "../src/registry/manager.ts";
import { localManager, removeDir, tempDir, writeTree } from "./_registry.ts";
import { runChild } from "./_child.ts";

const T = { timeout: 120_000 };
const WORKER = fileURLToPath(new URL("./_registry_worker.ts", import.meta.url));

/** Runs the worker in a child process of the same runtime; resolves with its output. */
function worker(args: string[]): Promise<string> {
  return runChild(WORKER, args);
}

describe("two processes writing to one model of a local registry", T, () => {
  let dir: string;
  let manager: MLOpsManager;

  before(async () => {
    dir = await tempDir();
    ({ manager } = await localManager(dir));
    await writeTree(join(dir, "model"), { "config.json": "{}", "weights.bin": "w".repeat(4096) });
  });
  after(() => removeDir(dir));

  it(
    "two processes adding 10 versions each to a new model end with one model and all 20",
    T,
    async () => {
      const registry = join(dir, "registry");
      const source = join(dir, "model");
      await Promise.all([
        worker([registry, "shared_model", "a", "10", source]),
        worker([registry, "shared_model", "b", "10", source]),
      ]);
      const models = (await manager.listModels()).filter((model) => model.name === "shared_model");
      assert.equal(models.length, 1);
      const expected = [];
      for (let index = 1; index <= 10; index++) expected.push(`a${index}`, `b${index}`);
      assert.deepEqual([...models[0]!.versions].sort(), expected.sort());
      const info = await manager.getModelInfo("shared_model");
      assert.equal(info.versionCount, 20);
      assert.deepEqual(
        info.versions.map((version) => version.versionNumber).sort((a, b) => a! - b!),
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
    },
  );

  it("two processes adding automatic versions get distinct _v<N> names", T, async () => {
    const registry = join(dir, "registry");
    const source = join(dir, "model");
    await Promise.all([
      worker([registry, "auto_model", "auto", "5", source]),
      worker([registry, "auto_model", "auto", "5", source]),
    ]);
    const info = await manager.getModelInfo("auto_model");
    assert.deepEqual(
      info.versions.map((version) => version.name),
      Array.from({ length: 10 }, (_, index) => `_v${index + 1}`),
    );
    for (const version of info.versions) {
      assert.equal(version.path, `_models/${info.id}/${version.name}/`);
    }
  });
});
