/**
 * Tags and category (the Python SDK 0.2.58+): set by addModel, tags kept as a union across
 * versions, category kept when omitted, bad values refused before anything is created; on the
 * embedded registry and on the platform (ClearML model tags, `category` metadata of type "str").
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { metadataItems } from "../src/clearml/metadata.ts";
import { ValidationError } from "../src/errors.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { directOptions, dropProject, freshUsername, stackClient } from "./_platform.ts";
import { removeDir, tempDir, writeTree } from "./_registry.ts";

const SLOW = { timeout: 120_000 };

async function checkTagsAndCategory(manager: MLOpsManager, source: string): Promise<void> {
  const add = (version: string, extra: { tags?: string[]; category?: string }) =>
    manager.addModel({
      sourceType: "local",
      modelName: "tagged",
      version,
      sourcePath: source,
      ...extra,
    });
  const id = await add("v1", { tags: ["llm", "prod"], category: "Text Generation" });
  await add("v2", { tags: ["prod", "a.b"] });
  const info = await manager.getModelInfo("tagged");
  assert.deepEqual(info.tags, ["a.b", "llm", "prod"]);
  assert.equal(info.category, "Text Generation");
  assert.deepEqual(info.metadata.category, "Text Generation");
  const [summary] = await manager.listModels();
  assert.deepEqual(summary?.tags, ["a.b", "llm", "prod"]);
  await add("v3", { category: "Image Classification" });
  assert.equal((await manager.getModelInfo(id)).category, "Image Classification");

  for (
    const bad of [{ category: "Chat" }, { tags: [""] }, { tags: ["-x"] }, { tags: ["__$all"] }]
  ) {
    await assert.rejects(
      manager.addModel({ sourceType: "local", modelName: "untouched", sourcePath: source, ...bad }),
      ValidationError,
    );
  }
  assert.deepEqual((await manager.listModels()).map((model) => model.name), ["tagged"]);
}

test("tags and category on the embedded registry", async () => {
  const dir = await tempDir();
  try {
    await writeTree(join(dir, "m"), { "w.bin": "w" });
    const manager = await MLOpsManager.connect({ localDir: join(dir, "r"), env: {} });
    try {
      await checkTagsAndCategory(manager, join(dir, "m"));
    } finally {
      await manager.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test("tags and category on the platform: ClearML tags and category metadata", SLOW, async () => {
  const dir = await tempDir();
  const username = freshUsername("tags");
  try {
    await writeTree(join(dir, "m"), { "w.bin": "w" });
    const options = directOptions(username);
    const manager = await MLOpsManager.connect({
      clearmlApiHost: options.clearmlApiHost,
      clearmlAccessKey: options.clearmlAccessKey,
      clearmlSecretKey: options.clearmlSecretKey,
      clearmlUsername: username,
      cephEndpointUrl: options.cephEndpointUrl,
      cephAccessKey: options.cephAccessKey,
      cephSecretKey: options.cephSecretKey,
      cephBucket: options.cephBucket,
      env: {},
    });
    try {
      await checkTagsAndCategory(manager, join(dir, "m"));
      const id = (await manager.getModelInfo("tagged")).id;
      const stored = await manager.models.getById(id);
      assert.deepEqual([...(stored?.tags ?? [])].sort(), ["a.b", "llm", "prod"]);
      assert.deepEqual(metadataItems(stored ?? {}).category, {
        key: "category",
        type: "str",
        value: "Image Classification",
      });
      await manager.deleteModel({ modelName: "tagged" });
    } finally {
      await manager.close();
    }
  } finally {
    await dropProject(stackClient(), username);
    await removeDir(dir);
  }
});
