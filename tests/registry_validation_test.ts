import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ValidationError } from "../src/errors.ts";
import type { RegistryBackend } from "../src/registry/backend.ts";
import type { AddModelOptions } from "../src/registry/add_model.ts";
import type { MLOpsManager } from "../src/registry/manager.ts";
import { keysUnder, localManager, removeDir, tempDir, writeTree } from "./_registry.ts";

const T = { timeout: 30_000 };

describe("addModel() validation", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  let base: AddModelOptions;

  before(async () => {
    dir = await tempDir();
    ({ manager, backend } = await localManager(dir));
    await writeTree(join(dir, "model"), { "config.json": "{}" });
    base = { sourceType: "local", modelName: "valid_model", sourcePath: join(dir, "model") };
  });
  after(() => removeDir(dir));

  const cases: [string, Record<string, unknown>, string][] = [
    ["an empty modelName", { modelName: "" }, "modelName"],
    ["a modelName of 2 characters", { modelName: "ab" }, "modelName"],
    ["a modelName with '/'", { modelName: "a/b/c" }, "modelName"],
    ["a modelName with '\\'", { modelName: "a\\bc" }, "modelName"],
    ["a modelName with '..'", { modelName: "abc..d" }, "modelName"],
    ["a modelName with a control character", { modelName: "abc\ndef" }, "modelName"],
    ["a modelName starting with tmp_", { modelName: "tmp_model" }, "modelName"],
    ["a modelName starting with _tmp_", { modelName: "_tmp_model" }, "modelName"],
    ["a modelName starting with #", { modelName: "#model" }, "modelName"],
    ["an empty version", { version: "" }, "version"],
    ["a version with '/'", { version: "v1/x" }, "version"],
    ["a version with '\\'", { version: "v1\\x" }, "version"],
    ["a version with '..'", { version: ".." }, "version"],
    ["a version with a control character", { version: "v\u00011" }, "version"],
    ["a version starting with '_'", { version: "_v1" }, "version"],
    ["a missing sourcePath", { sourcePath: "" }, "sourcePath"],
    ["a sourcePath that does not exist", { sourcePath: "/no/such/folder" }, "sourcePath"],
    ["a codePath that is not a file", { codePath: "/no/such/model.py" }, "codePath"],
    ["a codePath that is a folder", { codePath: "." }, "codePath"],
    ["sourceType hf with a local path", { sourceType: "hf" }, "sourcePath"],
    ["sourceType hf with a token not hf_", {
      sourceType: "hf",
      sourcePath: "owner/repo",
      hfToken: "abc",
    }, "hfToken"],
    ["sourceType s3 without external options on the local registry", {
      sourceType: "s3",
    }, "externalCephEndpointUrl"],
    ["sourceType s3 with one key only", {
      sourceType: "s3",
      externalCephAccessKey: "AK",
    }, "externalCephSecretKey"],
    ["an unknown sourceType", { sourceType: "ftp" }, "sourceType"],
  ];
  for (const [what, change, field] of cases) {
    it(`addModel() throws a ValidationError naming ${field} for ${what}`, T, async () => {
      const error = await manager.addModel({ ...base, ...change } as AddModelOptions).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(error instanceof ValidationError, `got ${String(error)}`);
      assert.equal(error.field, field);
    });
  }

  it("addModel() creates nothing when validation fails", T, async () => {
    assert.deepEqual(await manager.listModels(), []);
    assert.deepEqual(await keysUnder(backend, ""), []);
  });

  it("on the local registry the s3 error asks for the external options", T, async () => {
    await assert.rejects(
      manager.addModel({ ...base, sourceType: "s3" }),
      /externalCephBucketName, externalCephAccessKey and externalCephSecretKey/,
    );
  });
});
