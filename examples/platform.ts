// deno-lint-ignore-file no-console
/**
 * The Python `aipmodel` README's example, steps 1 to 9, against the local platform stack:
 * local, Hugging Face and S3 sources, download, list, info, delete a version, delete a model.
 *
 *   deno run -A scripts/stack.ts up
 *   deno run -A --env-file=.stack/env examples/platform.ts
 *   node --env-file=.stack/env --import tsx examples/platform.ts
 *
 * The S3 step first seeds a small model folder into the external account's bucket (EXT_S3_*), as
 * a user would have one in another S3; the Hugging Face step reads HF_REPO from the Hub stand-in.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { MLOpsManager, S3Storage } from "../mod.ts";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: load .stack/env (see the README).`);
  return value;
}

const work = await mkdtemp(join(tmpdir(), "aipmodel-platform-"));
const suffix = Date.now().toString(36);
const external = new S3Storage({
  endpoint: env("EXT_S3_ENDPOINT_URL"),
  accessKey: env("EXT_S3_ACCESS_KEY"),
  secretKey: env("EXT_S3_SECRET_KEY"),
  bucket: env("EXT_S3_BUCKET"),
});
const s3Prefix = `examples/${suffix}/bert/`;
try {
  // A local model folder and its serving code.
  const folder = join(work, "local_model");
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, "config.json"), JSON.stringify({ hidden_size: 8 }));
  await writeFile(join(folder, "weights.bin"), new Uint8Array(256 * 1024).fill(7));
  await writeFile(join(work, "model.py"), "class Model:\n    def load_model(self, *args): ...\n");
  await external.putBytes(`${s3Prefix}config.json`, JSON.stringify({ model_type: "bert" }));
  await external.putBytes(`${s3Prefix}weights/model.bin`, new Uint8Array(128 * 1024).fill(3));

  console.log("\n--- STEP 1: Initialize MLOps Manager (token-based auth) ---");
  const manager = await MLOpsManager.connect({ userToken: env("USER_TOKEN"), verbose: true });
  const localName = `local_test_model_${suffix}`;
  const hfName = `hf_test_model_${suffix}`;
  const s3Name = `s3_test_model_${suffix}`;
  try {
    console.log("\n--- STEP 2: Upload local model (version v1) ---");
    const localId = await manager.addModel({
      sourceType: "local",
      modelName: localName,
      version: "v1",
      sourcePath: folder,
      codePath: join(work, "model.py"),
    });
    console.log(`Local Model ID: ${localId}`);

    console.log("\n--- STEP 3: Upload Hugging Face model (version v2) ---");
    const hfId = await manager.addModel({
      sourceType: "hf",
      modelName: hfName,
      version: "v2",
      sourcePath: env("HF_REPO"),
    });
    console.log(`HuggingFace Model ID: ${hfId}`);

    console.log("\n--- STEP 4: Upload model from another S3 (version v1) ---");
    const s3Id = await manager.addModel({
      sourceType: "s3",
      modelName: s3Name,
      version: "v1",
      sourcePath: s3Prefix,
      codePath: join(work, "model.py"),
      externalCephEndpointUrl: env("EXT_S3_ENDPOINT_URL"),
      externalCephBucketName: env("EXT_S3_BUCKET"),
      externalCephAccessKey: env("EXT_S3_ACCESS_KEY"),
      externalCephSecretKey: env("EXT_S3_SECRET_KEY"),
    });
    console.log(`S3 Model ID: ${s3Id}`);

    console.log("\n--- STEP 5: Download a specific version (v1) ---");
    const downloaded = await manager.getModel({
      modelName: localName,
      version: "v1",
      localDest: join(work, "downloaded_local_model_v1"),
    });
    console.log(`Downloaded to ${downloaded.path}:`, (await readdir(downloaded.path)).sort());

    console.log("\n--- STEP 6: List all models and versions ---");
    for (const model of await manager.listModels()) {
      console.log(`${model.name} | ${model.id} | latest ${model.latest} | ${model.versions}`);
    }

    console.log("\n--- STEP 7: Get model information for the HF model ---");
    const info = await manager.getModelInfo(hfName);
    console.log(
      `${info.name}: ${info.versionCount} version(s), latest ${info.latest}, ` +
        `${info.totalSizeMb} MB, folder ${info.modelFolderName}`,
    );

    console.log("\n--- STEP 8: Delete version v1 of the local model ---");
    await manager.deleteModel({ modelName: localName, version: "v1" });

    console.log("\n--- STEP 9: Delete the HF model completely ---");
    await manager.deleteModel({ modelName: hfName });
  } finally {
    // The example leaves the account as it found it.
    for (const name of [localName, hfName, s3Name]) {
      await manager.deleteModel({ modelName: name }).catch(() => undefined);
    }
    await manager.close();
  }
} finally {
  await external.deletePrefix(`examples/${suffix}`).catch(() => undefined);
  external.close();
  await rm(work, { recursive: true, force: true });
}
