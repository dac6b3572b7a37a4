// deno-lint-ignore-file no-console
/**
 * TEMPORARY stand-in for the SDK's CLI until src/cli/bin.ts lands: the same arguments
 * (`add <path> --name N --version V --env-file F`, `get <name> --version V --dest D --env-file F`,
 * `rm <name> [--version V] --env-file F`), through the public API in this process.
 *
 * @module
 */

import process from "node:process";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { MLOpsManager } from "../mod.ts";

const { positionals, values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    name: { type: "string" },
    version: { type: "string" },
    dest: { type: "string" },
    "env-file": { type: "string" },
  },
});
const [command, target] = positionals;
if (values["env-file"]) {
  for (const line of readFileSync(values["env-file"], "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) process.env[line.slice(0, at)] = line.slice(at + 1);
  }
}
const manager = await MLOpsManager.connect({});
try {
  if (command === "add") {
    await manager.addModel({
      sourceType: "local",
      sourcePath: target!,
      modelName: values.name!,
      version: values.version,
    });
  } else if (command === "get") {
    await manager.getModel({
      modelName: target!,
      version: values.version,
      localDest: values.dest!,
    });
  } else if (command === "rm") {
    await manager.deleteModel({ modelName: target!, version: values.version });
  } else {
    console.error(`unknown command ${command}`);
    process.exitCode = 2;
  }
} finally {
  await manager.close();
}
