import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { MLOpsManager } from "../src/registry/manager.ts";
import { localManager, removeDir, tempDir, writeTree } from "./_registry.ts";

const T = { timeout: 120_000 };
const WORKER = fileURLToPath(new URL("./_registry_worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The arguments that make this runtime's own executable run a TypeScript file. */
function runtimeArgs(): string[] {
  if ("Deno" in globalThis) return ["run", "-A", WORKER];
  if ("Bun" in globalThis) return [WORKER];
  return ["--import", "tsx", WORKER];
}

/** Runs the worker in a child process of the same runtime; resolves with its output. */
function worker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...runtimeArgs(), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += String(chunk)));
    child.stderr.on("data", (chunk) => (output += String(chunk)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`worker exited with ${code}: ${output}`));
    });
  });
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
