import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MetadataItem } from "../src/clearml/types.ts";
import { AipModelError } from "../src/errors.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { stackValue } from "./_stack.ts";
import { keysUnder, platformStorage, removeDir, tempDir } from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
const MiB = 1024 * 1024;

describe("MLOpsManager.connect in token mode, end to end on the local stack", SLOW, () => {
  let manager: MLOpsManager;
  let dir: string;
  let modelId: string | undefined;
  const modelName = `e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const files: Record<string, Uint8Array> = {
    "weights.bin": randomBytes(300_000),
    "config.json": new TextEncoder().encode('{"layers": 3}'),
    "sub/tokenizer.txt": new TextEncoder().encode("a b c"),
  };

  before(async () => {
    dir = await tempDir();
    const source = join(dir, "my_model");
    for (const [path, data] of Object.entries(files)) {
      await mkdir(join(source, path, ".."), { recursive: true });
      await writeFile(join(source, path), data);
    }
    await writeFile(join(dir, "code.py"), "class Model: pass\n");
    manager = await MLOpsManager.connect({
      userToken: stackValue("USER_TOKEN"),
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      clearmlApiHost: stackValue("CLEARML_API_HOST"),
      cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
      env: {},
    });
  });

  after(async () => {
    if (manager === undefined) return;
    if (modelId !== undefined) await manager.models.delete(modelId).catch(() => {});
    await manager.close();
    await removeDir(dir);
  });

  it(
    "adds a local folder in the Python SDK's format, gets it back, lists and deletes it",
    SLOW,
    async () => {
      const bucket = stackValue("CEPH_BUCKET");
      const id = await manager.addModel({
        sourceType: "local",
        modelName,
        version: "v1",
        sourcePath: join(dir, "my_model"),
        codePath: join(dir, "code.py"),
      });
      modelId = id;
      assert.match(id, /^[0-9a-f]{32}$/);

      // S3: the folder's contents at the version root, model.py beside them, nothing else.
      const storage = platformStorage();
      try {
        const keys = (await keysUnder(storage, `_models/${id}/`)).sort();
        // The manifest sits beside the version, outside its prefix (see src/registry/manifest.ts).
        assert.match(
          keys.shift() ?? "",
          new RegExp(`^_models/${id}/_manifests/v1/[0-9a-f]{64}\\.json$`),
        );
        assert.deepEqual(keys, [
          `_models/${id}/v1/config.json`,
          `_models/${id}/v1/model.py`,
          `_models/${id}/v1/sub/tokenizer.txt`,
          `_models/${id}/v1/weights.bin`,
        ]);
      } finally {
        storage.close();
      }

      // ClearML: the model entity and every metadata item, field by field.
      const model = await manager.models.getById(id);
      assert.ok(model);
      assert.equal(model.name, modelName);
      assert.equal(model.uri, `s3://${bucket}/_models/${id}/v1/`);
      assert.equal(model.ready, true);
      const project = await manager.projects.getByName(`project_${stackValue("CLEARML_USERNAME")}`);
      assert.equal(model.project, project?.id);
      const items = model.metadata as Record<string, MetadataItem>;
      const dataBytes = Object.values(files).reduce((sum, data) => sum + data.length, 0);
      const item = (key: string) => ({ type: items[key]?.type, value: items[key]?.value });
      assert.deepEqual(item("latest_version"), { type: "str", value: "v1" });
      assert.deepEqual(item("modelSize"), { type: "float", value: (dataBytes / MiB).toFixed(2) });
      assert.deepEqual(item("modelFolderName"), { type: "str", value: "my_model" });
      assert.deepEqual(item("haveModelPy"), { type: "str", value: "true" });
      assert.deepEqual(item("version_count"), { type: "int", value: "1" });
      assert.equal(item("versions_map").type, "str");
      const map = JSON.parse(String(item("versions_map").value));
      assert.deepEqual(Object.keys(map), ["v1"]);
      assert.equal(map.v1.path, `_models/${id}/v1/`);
      assert.ok(Math.abs(map.v1.size - dataBytes / MiB) < 1e-9, `size ${map.v1.size}`);
      assert.match(map.v1.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(map.v1.haveModelPy, "true");
      assert.equal(map.v1.folderName, "my_model");
      assert.equal(map.v1.version_number, 1);

      // Back to disk, byte for byte, under {localDest}/{version}/.
      const out = join(dir, "out");
      const got = await manager.getModel({ modelName, localDest: out });
      assert.equal(got.version, "v1");
      for (const [path, data] of Object.entries(files)) {
        assert.deepEqual(
          new Uint8Array(await readFile(join(out, "v1", path))),
          new Uint8Array(data),
        );
      }
      assert.equal(await readFile(join(out, "v1", "model.py"), "utf8"), "class Model: pass\n");

      const listed = (await manager.listModels()).find((summary) => summary.id === id);
      assert.deepEqual(listed?.versions, ["v1"]);
      assert.equal(listed?.latest, "v1");
      assert.equal(listed?.name, modelName);

      await manager.deleteModel({ modelName });
      assert.equal(await manager.models.getById(id), null);
      const after = platformStorage();
      try {
        assert.deepEqual(await keysUnder(after, `_models/${id}/`), []);
      } finally {
        after.close();
      }
      modelId = undefined;
    },
  );

  it("manager.projects and manager.models throw in the embedded registry", SLOW, async () => {
    const local = await MLOpsManager.connect({ localDir: join(dir, "local"), env: {} });
    try {
      assert.throws(() => local.projects, AipModelError);
      assert.throws(() => local.models, /only on the platform/);
    } finally {
      await local.close();
    }
  });
});
