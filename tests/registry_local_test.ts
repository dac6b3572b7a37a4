import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NotFoundError } from "../src/errors.ts";
import type { RegistryBackend } from "../src/registry/backend.ts";
import type { MLOpsManager } from "../src/registry/manager.ts";
import type { TransferEvent } from "../src/registry/progress.ts";
import {
  keysUnder,
  localManager,
  notManifest,
  removeDir,
  sha256File,
  tempDir,
  writeTree,
} from "./_registry.ts";

const T = { timeout: 60_000 };

describe("MLOpsManager on the local registry", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  let lines: string[];
  let modelId: string;

  before(async () => {
    dir = await tempDir();
    ({ manager, backend, lines } = await localManager(dir));
    await writeTree(join(dir, "v1"), {
      "config.json": '{"a": 1}',
      "weights/part-1.bin": "x".repeat(70_000),
      ".gitignore": "kept",
      ".git/HEAD": "excluded",
    });
    await writeTree(join(dir, "v2"), { "config.json": '{"a": 2}', "tokenizer.json": "{}" });
    await writeTree(join(dir, "code"), { "serve.py": "class Model: pass\n" });
    await writeTree(join(dir, "single"), { "model.onnx": "onnx-bytes" });
  });
  after(() => removeDir(dir));

  it("addModel() uploads a folder with its code file as model.py", T, async () => {
    const events: TransferEvent[] = [];
    modelId = await manager.addModel({
      sourceType: "local",
      modelName: "local_test_model",
      version: "v1",
      sourcePath: join(dir, "v1"),
      codePath: join(dir, "code", "serve.py"),
      onProgress: (event) => events.push(event),
    });
    assert.match(modelId, /^[0-9a-f]{32}$/);
    const keys = (await keysUnder(backend, `_models/${modelId}/`)).filter(notManifest);
    assert.deepEqual(keys.sort(), [
      `_models/${modelId}/v1/.git/HEAD`,
      `_models/${modelId}/v1/.gitignore`,
      `_models/${modelId}/v1/config.json`,
      `_models/${modelId}/v1/model.py`,
      `_models/${modelId}/v1/weights/part-1.bin`,
    ]);
    assert.equal(events[0]?.type, "start");
    const last = events.at(-1)!;
    assert.equal(last.type, "end");
    assert.equal(last.filesDone, 5);
    assert.equal(last.filesTotal, 5);
    assert.equal(last.bytesDone, last.bytesTotal);
    assert.equal(events.filter((event) => event.type === "file-end").length, 5);
    assert.ok(lines.some((line) => line.startsWith("[OK] Model 'local_test_model' version 'v1'")));
  });

  it("addModel() adds v2 as the new latest and a single file as a version", T, async () => {
    assert.equal(
      await manager.addModel({
        sourceType: "local",
        modelName: "local_test_model",
        version: "v2",
        sourcePath: join(dir, "v2"),
      }),
      modelId,
    );
    const info = await manager.getModelInfo("local_test_model");
    assert.equal(info.latest, "v2");
    assert.equal(info.haveModelPy, false);
    assert.equal(info.modelFolderName, "v2");
    const single = await manager.addModel({
      sourceType: "local",
      modelName: "single_file_model",
      version: "v1",
      sourcePath: join(dir, "single", "model.onnx"),
    });
    assert.deepEqual((await keysUnder(backend, `_models/${single}/`)).filter(notManifest), [
      `_models/${single}/v1/model.onnx`,
    ]);
  });

  it("getModel() writes v1 byte-identical into {localDest}/v1, without .git", T, async () => {
    const out = join(dir, "out");
    const result = await manager.getModel({
      modelName: "local_test_model",
      version: "v1",
      localDest: out,
    });
    assert.equal(result.version, "v1");
    assert.equal(result.path, join(out, "v1"));
    for (const file of ["config.json", "weights/part-1.bin", ".gitignore"]) {
      assert.equal(
        await sha256File(join(out, "v1", file)),
        await sha256File(join(dir, "v1", file)),
      );
    }
    assert.equal(
      await sha256File(join(out, "v1", "model.py")),
      await sha256File(join(dir, "code", "serve.py")),
    );
    await assert.rejects(sha256File(join(out, "v1", ".git", "HEAD")));
    const latest = await manager.getModel({ modelName: "local_test_model", localDest: out });
    assert.equal(latest.version, "v2");
  });

  it("getModel() replaces existing files and reports download progress", T, async () => {
    const out = join(dir, "out-replace");
    await writeTree(join(out, "v2"), { "config.json": "stale" });
    const events: TransferEvent[] = [];
    const result = await manager.getModel({
      modelName: "local_test_model",
      version: "v2",
      localDest: out,
      onProgress: (event) => events.push(event),
    });
    assert.equal(result.files, 2);
    assert.equal(
      await sha256File(join(out, "v2", "config.json")),
      await sha256File(join(dir, "v2", "config.json")),
    );
    const last = events.at(-1)!;
    assert.deepEqual([last.type, last.operation, last.filesDone, last.filesTotal], [
      "end",
      "download",
      2,
      2,
    ]);
    await assert.rejects(
      manager.getModel({ modelName: "local_test_model", version: "v9", localDest: out }),
      NotFoundError,
    );
    await assert.rejects(
      manager.getModel({ modelName: "no_such_model", localDest: out }),
      NotFoundError,
    );
  });

  it("addModel() without a version names it _v<N>", T, async () => {
    await manager.addModel({
      sourceType: "local",
      modelName: "local_test_model",
      sourcePath: join(dir, "v2"),
    });
    const info = await manager.getModelInfo(modelId);
    assert.equal(info.latest, "_v3");
    assert.deepEqual(info.versions.map((version) => version.versionNumber), [1, 2, 3]);
    assert.deepEqual(
      (await keysUnder(backend, `_models/${modelId}/_v3/`)).map((key) => key.split("/").at(-1)),
      ["config.json", "tokenizer.json"],
    );
    assert.equal(
      (await keysUnder(backend, `_models/${modelId}/`)).some((key) => key.includes("_tmp_")),
      false,
    );
  });

  it("40 files go and come back with a signal and no runtime warning (listeners)", T, async () => {
    // Every file's stream listens to the transfer's signal: Node warns past 10 listeners on one
    // signal unless the library lifts the limit, and the library never prints.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const files: Record<string, string> = {};
      for (let index = 0; index < 40; index++) files[`f${index}.txt`] = `file ${index}`;
      await writeTree(join(dir, "many"), files);
      const signal = new AbortController().signal;
      await manager.addModel({
        sourceType: "local",
        modelName: "many_files",
        version: "v1",
        sourcePath: join(dir, "many"),
        signal,
      });
      await manager.getModel({
        modelName: "many_files",
        version: "v1",
        localDest: join(dir, "many-out"),
        signal,
      });
      assert.equal(
        await sha256File(join(dir, "many-out", "v1", "f39.txt")),
        await sha256File(join(dir, "many", "f39.txt")),
      );
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(warnings.filter((text) => text.includes("MaxListeners")), []);
      await manager.deleteModel({ modelName: "many_files" });
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("listModels() and getModelInfo() give the documented shapes", T, async () => {
    const models = await manager.listModels();
    const model = models.find((entry) => entry.name === "local_test_model")!;
    assert.deepEqual(Object.keys(model).sort(), [
      "id",
      "latest",
      "name",
      "tags",
      "totalSizeMb",
      "versions",
    ]);
    assert.deepEqual(model.versions, ["v1", "v2", "_v3"]);
    assert.equal(model.latest, "_v3");
    assert.ok(model.totalSizeMb > 0.06 && model.totalSizeMb < 0.08);
    const info = await manager.getModelInfo("local_test_model");
    assert.equal(info.id, modelId);
    assert.equal(info.versionCount, 3);
    assert.equal(info.uri, `s3://local/_models/${modelId}/_v3/`);
    assert.deepEqual(info.versions[0], {
      name: "v1",
      path: `_models/${modelId}/v1/`,
      sizeMb: info.versions[0]!.sizeMb,
      created: info.versions[0]!.created,
      haveModelPy: true,
      folderName: "v1",
      versionNumber: 1,
    });
    await assert.rejects(manager.getModelInfo("no_such_model"), NotFoundError);
  });

  it(
    "setLatestVersion() moves uri, latest_version, haveModelPy and modelFolderName",
    T,
    async () => {
      await manager.setLatestVersion("local_test_model", "v1");
      const info = await manager.getModelInfo("local_test_model");
      assert.equal(info.latest, "v1");
      assert.equal(info.uri, `s3://local/_models/${modelId}/v1/`);
      assert.equal(info.haveModelPy, true);
      assert.equal(info.modelFolderName, "v1");
      await assert.rejects(manager.setLatestVersion("local_test_model", "v9"), NotFoundError);
    },
  );

  it(
    "deleteModel() of the latest version reassigns latest, then deletes its objects",
    T,
    async () => {
      await manager.deleteModel({ modelName: "local_test_model", version: "v1" });
      const info = await manager.getModelInfo("local_test_model");
      assert.deepEqual(info.versions.map((version) => version.name), ["v2", "_v3"]);
      assert.equal(info.latest, "_v3");
      assert.equal(info.uri, `s3://local/_models/${modelId}/_v3/`);
      assert.equal(info.metadata.version_count, "2");
      assert.deepEqual(await keysUnder(backend, `_models/${modelId}/v1/`), []);
      await assert.rejects(
        manager.deleteModel({ modelName: "local_test_model", version: "v1" }),
        NotFoundError,
      );
    },
  );

  it("deleteModel() of a whole model removes metadata and objects", T, async () => {
    await manager.deleteModel({ modelId });
    await assert.rejects(manager.getModelInfo("local_test_model"), NotFoundError);
    assert.deepEqual(await keysUnder(backend, `_models/${modelId}/`), []);
    assert.equal((await manager.listModels()).some((model) => model.id === modelId), false);
  });

  it("deleteModel() of the last version removes the model", T, async () => {
    await manager.deleteModel({ modelName: "single_file_model", version: "v1" });
    await assert.rejects(manager.getModelInfo("single_file_model"), NotFoundError);
  });

  it("getModel() refuses a stored key that would escape localDest", T, async () => {
    const id = await manager.addModel({
      sourceType: "local",
      modelName: "traversal_model",
      version: "v1",
      sourcePath: join(dir, "v2"),
    });
    // A key written behind the SDK's back: a file name holding `..\` (legal on POSIX).
    const folder = join(dir, "registry", "objects", "local", "_models", id, "v1");
    await writeFile(join(folder, "..\\..\\evil.txt"), "evil");
    const out = join(dir, "out-traversal");
    await assert.rejects(
      manager.getModel({ modelName: "traversal_model", localDest: out }),
      /Refusing to download/,
    );
    await assert.rejects(sha256File(join(out, "v1", "config.json")));
  });
});
