import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError, OperationAbortedError } from "../src/errors.ts";
import type { ObjectStore, RegistryBackend } from "../src/registry/backend.ts";
import { parseVersionsMap } from "../src/registry/format.ts";
import type { MLOpsManager } from "../src/registry/manager.ts";
import { keysUnder, localManager, removeDir, tempDir, writeTree } from "./_registry.ts";

const T = { timeout: 30_000 };

/** Hooks run before the wrapped object store's calls. */
interface Hooks {
  putFile?: (key: string) => Promise<void> | void;
  copy?: (key: string) => Promise<void> | void;
  deletePrefix?: (prefix: string) => Promise<void> | void;
}

/** A backend whose object store runs `hooks` before each call (to inject failures or checks). */
function hooked(backend: RegistryBackend, hooks: Hooks): RegistryBackend {
  const inner = backend.objects;
  const objects: ObjectStore = {
    bucket: inner.bucket,
    putFile: async (path, key, options) => {
      await hooks.putFile?.(key);
      return inner.putFile(path, key, options);
    },
    putStream: (key, stream, size, options) => inner.putStream(key, stream, size, options),
    getFile: (key, destination, options) => inner.getFile(key, destination, options),
    list: (prefix, options) => inner.list(prefix, options),
    deletePrefix: async (prefix, options) => {
      await hooks.deletePrefix?.(prefix);
      return inner.deletePrefix(prefix, options);
    },
    copy: async (source, destination, options) => {
      await hooks.copy?.(source);
      return inner.copy(source, destination, options);
    },
    exists: (key, options) => inner.exists(key, options),
  };
  return { metadata: backend.metadata, objects, close: () => backend.close() };
}

describe("addModel() failures and overwrites on the local registry", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  const hooks: Hooks = {};

  before(async () => {
    dir = await tempDir();
    ({ manager, backend } = await localManager(dir, (inner) => hooked(inner, hooks)));
    const files: Record<string, string> = {};
    for (let index = 0; index < 8; index++) files[`file-${index}.txt`] = `old ${index}`;
    await writeTree(join(dir, "old"), files);
    for (let index = 0; index < 8; index++) files[`file-${index}.txt`] = `new ${index}`;
    await writeTree(join(dir, "new"), files);
  });
  after(() => removeDir(dir));

  /** The visible content of every file of a version, read through its versions_map path. */
  async function visible(name: string, version: string): Promise<string[]> {
    const [entity] = await backend.metadata.findByName(name);
    const path = parseVersionsMap(entity?.metadata.versions_map)[version]?.path;
    assert.ok(path, `version ${version} is visible`);
    const root = join(dir, "registry", "objects", "local");
    const keys = (await keysUnder(backend, path)).sort();
    return await Promise.all(keys.map((key) => readFile(join(root, key), "utf8")));
  }

  it("addModel() rolls back a new model when an upload fails", T, async () => {
    const failure = new Error("injected upload failure");
    let calls = 0;
    hooks.putFile = () => {
      if (++calls === 3) throw failure;
    };
    const error = await manager.addModel({
      sourceType: "local",
      modelName: "failing_model",
      version: "v1",
      sourcePath: join(dir, "old"),
    }).catch((error: unknown) => error);
    delete hooks.putFile;
    assert.ok(error instanceof AipModelError);
    assert.equal(error.cause, failure);
    assert.deepEqual(await manager.listModels(), []);
    assert.deepEqual(await keysUnder(backend, "_models/"), []);
  });

  it("addModel() rolls back when a source file disappears mid-upload", T, async () => {
    await writeTree(join(dir, "vanishing"), { "a.txt": "a", "b.txt": "b", "c.txt": "c" });
    hooks.putFile = async () => {
      await rm(join(dir, "vanishing", "c.txt"), { force: true });
    };
    await assert.rejects(
      manager.addModel({
        sourceType: "local",
        modelName: "vanishing_model",
        version: "v1",
        sourcePath: join(dir, "vanishing"),
      }),
      AipModelError,
    );
    delete hooks.putFile;
    assert.deepEqual(await manager.listModels(), []);
    assert.deepEqual(await keysUnder(backend, "_models/"), []);
  });

  it(
    "addModel() aborted by its signal throws OperationAbortedError (cause: the reason) and leaves nothing",
    T,
    async () => {
      const controller = new AbortController();
      const reason = new Error("stop now");
      hooks.putFile = () => controller.abort(reason);
      const error = await manager.addModel({
        sourceType: "local",
        modelName: "aborted_model",
        version: "v1",
        sourcePath: join(dir, "old"),
        signal: controller.signal,
      }).catch((error: unknown) => error);
      delete hooks.putFile;
      assert.ok(error instanceof OperationAbortedError);
      assert.equal(error.cause, reason);
      assert.deepEqual(await manager.listModels(), []);
      assert.deepEqual(await keysUnder(backend, "_models/"), []);
    },
  );

  it("a failed new version leaves the model's other versions as they were", T, async () => {
    const id = await manager.addModel({
      sourceType: "local",
      modelName: "kept_model",
      version: "v1",
      sourcePath: join(dir, "old"),
    });
    let calls = 0;
    hooks.putFile = () => {
      if (++calls === 5) throw new Error("injected");
    };
    await assert.rejects(
      manager.addModel({
        sourceType: "local",
        modelName: "kept_model",
        version: "v2",
        sourcePath: join(dir, "new"),
      }),
      AipModelError,
    );
    delete hooks.putFile;
    const info = await manager.getModelInfo("kept_model");
    assert.equal(info.id, id);
    assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
    assert.equal(info.latest, "v1");
    assert.equal((await keysUnder(backend, `_models/${id}/`)).length, 8);
  });

  it("a failed overwrite keeps the old data visible and removes its staging", T, async () => {
    let calls = 0;
    hooks.putFile = async () => {
      assert.deepEqual(
        await visible("kept_model", "v1"),
        [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `old ${i}`),
      );
      if (++calls === 6) throw new Error("injected");
    };
    await assert.rejects(
      manager.addModel({
        sourceType: "local",
        modelName: "kept_model",
        version: "v1",
        sourcePath: join(dir, "new"),
      }),
      AipModelError,
    );
    delete hooks.putFile;
    assert.equal((await visible("kept_model", "v1"))[0], "old 0");
    const [entity] = await backend.metadata.findByName("kept_model");
    assert.equal((await keysUnder(backend, `_models/${entity!.id}/`)).length, 8);
  });

  it("an overwrite shows complete old or complete new data at every step", T, async () => {
    const oldData = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `old ${i}`);
    const newData = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `new ${i}`);
    const seen = new Set<string>();
    const check = async () => {
      const data = await visible("kept_model", "v1");
      const same = (expected: string[]) => JSON.stringify(data) === JSON.stringify(expected);
      assert.ok(same(oldData) || same(newData), `complete data: ${JSON.stringify(data)}`);
      seen.add(same(oldData) ? "old" : "new");
    };
    hooks.putFile = check;
    hooks.copy = check;
    hooks.deletePrefix = check;
    await manager.addModel({
      sourceType: "local",
      modelName: "kept_model",
      version: "v1",
      sourcePath: join(dir, "new"),
    });
    delete hooks.putFile;
    delete hooks.copy;
    delete hooks.deletePrefix;
    assert.deepEqual([...seen].sort(), ["new", "old"]);
    assert.deepEqual(await visible("kept_model", "v1"), newData);
    const info = await manager.getModelInfo("kept_model");
    assert.equal(info.versions[0]!.path, `_models/${info.id}/v1/`);
    assert.equal(info.uri, `s3://local/_models/${info.id}/v1/`);
    const keys = await keysUnder(backend, `_models/${info.id}/`);
    assert.equal(keys.length, 8);
    assert.equal(keys.some((key) => key.includes("_tmp_")), false);
  });
});
