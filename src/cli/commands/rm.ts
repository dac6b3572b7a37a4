/**
 * `aipmodel rm <name>`: deletes one version, or the whole model.
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";
import type { Run } from "./register.ts";

interface RmFlags {
  version?: string;
  id?: boolean;
}

/** Registers `rm`. */
export function registerRm(program: Command, run: Run): void {
  program.command("rm")
    .alias("delete")
    .summary("delete a version or a whole model")
    .description(
      "Delete one version (--version) or the whole model with every version. The metadata goes " +
        "first, then the files, so nothing ever points at deleted files.",
    )
    .argument("<model>", "the model's exact name (or its id with --id)")
    .option("-v, --version <version>", "only this version (default: the whole model)")
    .option("--id", "<model> is the model's 32-hex id")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel rm demo --version v1 --local-dir ./registry
  aipmodel rm demo                                    # every version`,
    )
    .action((model: string, flags: RmFlags, command: Command) =>
      run(command, (session) => rm(session, model, flags))
    );
}

async function rm(session: Session, model: string, flags: RmFlags): Promise<CliResult> {
  const manager = await session.manager();
  await manager.deleteModel({
    ...(flags.id === true ? { modelId: model } : { modelName: model }),
    version: flags.version,
    signal: session.signal,
  });
  return {
    records: [{ deleted: model, version: flags.version ?? null }],
    text: flags.version === undefined
      ? `Deleted model ${model}`
      : `Deleted version ${flags.version} of ${model}`,
  };
}
