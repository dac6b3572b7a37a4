import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RegistryBackend } from "../src/registry/backend.ts";
import type { MLOpsManager } from "../src/registry/manager.ts";
import {
  keysUnder,
  localManager,
  notManifest,
  removeDir,
  tempDir,
  writeTree,
} from "./_registry.ts";

const T = { timeout: 30_000 };
const MiB = 1024 * 1024;

describe("the metadata written on the local registry, as the Python SDK writes it", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  let id: string;

  before(async () => {
    dir = await tempDir();
    ({ manager, backend } = await localManager(dir));
    await writeTree(join(dir, "code"), { "model.py": "class Model: pass\n" });
    await writeTree(join(dir, "llama"), { "config.json": "{}" });
    await writeFile(join(dir, "llama", "config.json"), new Uint8Array(MiB));
    await writeTree(join(dir, "half"), { "weights.bin": "" });
    await writeFile(join(dir, "half", "weights.bin"), new Uint8Array(MiB / 2));
    id = await manager.addModel({
      sourceType: "local",
      modelName: "format_model",
      version: "v1",
      sourcePath: join(dir, "llama"),
      codePath: join(dir, "code", "model.py"),
    });
    await manager.addModel({
      sourceType: "local",
      modelName: "format_model",
      sourcePath: join(dir, "half"),
    });
  });
  after(() => removeDir(dir));

  it(
    "versions_map is json.dumps text with path, size, created, haveModelPy, folderName, " +
      "version_number, and the manifest fields the Python SDK keeps without reading",
    T,
    async () => {
      const entity = await backend.metadata.getById(id);
      const text = entity!.metadata.versions_map!;
      const created = [...text.matchAll(/"created": "(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)"/g)].map((
        match,
      ) => match[1]);
      assert.equal(created.length, 2);
      const digests = [...text.matchAll(/"manifestSha256": "([0-9a-f]{64})"/g)].map((m) => m[1]);
      assert.equal(digests.length, 2);
      const manifest = (version: string, digest: string | undefined) =>
        `"manifest": "_models/${id}/_manifests/${version}/${digest}.json", ` +
        `"manifestSha256": "${digest}"`;
      assert.equal(
        text,
        `{"v1": {"path": "_models/${id}/v1/", "size": 1.0, "created": "${created[0]}", ` +
          `"haveModelPy": "true", "folderName": "llama", ${manifest("v1", digests[0])}, ` +
          `"version_number": 1}, ` +
          `"_v2": {"path": "_models/${id}/_v2/", "size": 0.5, "created": "${created[1]}", ` +
          `"haveModelPy": "false", "folderName": "half", ${manifest("_v2", digests[1])}, ` +
          `"version_number": 2}}`,
      );
    },
  );

  it("the other keys have the Python SDK's values and ClearML types", T, async () => {
    const stored = JSON.parse(
      await readFile(join(dir, "registry", "metadata", "models", `${id}.json`), "utf8"),
    ) as { uri: string; metadata: Record<string, { type: string; value: string }> };
    const { versions_map: _map, ...rest } = stored.metadata;
    assert.deepEqual(rest, {
      latest_version: { type: "str", value: "_v2" },
      modelSize: { type: "float", value: "1.50" },
      haveModelPy: { type: "str", value: "false" },
      version_count: { type: "int", value: "2" },
      modelFolderName: { type: "str", value: "half" },
    });
    assert.equal(stored.uri, `s3://local/_models/${id}/_v2/`);
  });

  it("the objects follow the Python SDK's layout", T, async () => {
    assert.deepEqual((await keysUnder(backend, `_models/${id}/`)).filter(notManifest).sort(), [
      `_models/${id}/_v2/weights.bin`,
      `_models/${id}/v1/config.json`,
      `_models/${id}/v1/model.py`,
    ]);
  });

  it("a model from before versions_map is downloaded through its uri", T, async () => {
    const legacy = await backend.metadata.create("legacy_model", "s3://placeholder");
    await writeTree(join(dir, "registry", "objects", "local", "_models", legacy, "v1"), {
      "weights.bin": "legacy",
    });
    await backend.metadata.setUri(legacy, `s3://local/_models/${legacy}/v1/`);
    const result = await manager.getModel({
      modelName: "legacy_model",
      localDest: join(dir, "out"),
    });
    assert.equal(result.version, "v1");
    assert.equal(await readFile(join(dir, "out", "v1", "weights.bin"), "utf8"), "legacy");
  });
});
