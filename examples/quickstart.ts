// deno-lint-ignore-file no-console
/**
 * The Python `aipmodel` README's flow on the embedded registry (a local folder, no servers):
 * add v1 and v2 of a small demo model, download v1, list the models, print the model's info,
 * delete a version, delete the model.
 *
 *   deno run -A examples/quickstart.ts
 *   node --import tsx examples/quickstart.ts
 *   bun examples/quickstart.ts
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MLOpsManager } from "../mod.ts";

const work = await mkdtemp(join(tmpdir(), "aipmodel-quickstart-"));
try {
  // A demo model the example writes itself: a config, weights and the serving code.
  for (const version of ["v1", "v2"]) {
    const folder = join(work, `demo_model_${version}`);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, "config.json"), JSON.stringify({ version, hidden_size: 8 }));
    await writeFile(join(folder, "weights.bin"), new Uint8Array(64 * 1024).fill(version.length));
  }
  await writeFile(join(work, "model.py"), "class Model:\n    def load_model(self, *args): ...\n");

  const manager = await MLOpsManager.connect({ localDir: ".aipmodel", verbose: true });
  const modelName = "local_test_model";

  const id = await manager.addModel({
    sourceType: "local",
    modelName,
    version: "v1",
    sourcePath: join(work, "demo_model_v1"),
    codePath: join(work, "model.py"),
  });
  await manager.addModel({
    sourceType: "local",
    modelName,
    version: "v2",
    sourcePath: join(work, "demo_model_v2"),
  });

  const downloaded = await manager.getModel({
    modelName,
    version: "v1",
    localDest: join(work, "downloads"),
  });
  console.log(`v1 downloaded to ${downloaded.path}:`, (await readdir(downloaded.path)).sort());

  console.log("models:", await manager.listModels());

  const info = await manager.getModelInfo(modelName);
  console.log("model info:", JSON.stringify(info, null, 2));

  await manager.deleteModel({ modelName, version: "v1" });
  console.log("after deleting v1:", (await manager.getModelInfo(id)).versions.map((v) => v.name));

  await manager.deleteModel({ modelName });
  console.log(`model ${modelName} deleted`);
  await manager.close();
} finally {
  await rm(work, { recursive: true, force: true });
}
