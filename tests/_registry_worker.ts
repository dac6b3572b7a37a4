/**
 * A child process of the registry concurrency test: adds `count` versions to one model of a local
 * registry. Arguments: registry folder, model name, version prefix ("auto" for `_v<N>`), count,
 * source folder.
 */

import process from "node:process";
import { openLocalBackend } from "../src/local/backend.ts";
import { MLOpsManager } from "../src/registry/manager.ts";

const [registry, modelName, prefix, count, sourcePath] = process.argv.slice(-5);
const manager = new MLOpsManager({ backend: await openLocalBackend(registry!) });
for (let index = 1; index <= Number(count); index++) {
  await manager.addModel({
    sourceType: "local",
    modelName: modelName!,
    version: prefix === "auto" ? undefined : `${prefix}${index}`,
    sourcePath: sourcePath!,
  });
}
process.stdout.write("done\n");
