/**
 * `aipmodel get <name>`: downloads a version into `{dest}/{version}/`.
 *
 * @module
 */

import type { Command } from "commander";
import { resolve } from "node:path";
import type { CliResult, Session } from "../session.ts";
import type { Run } from "./register.ts";

interface GetFlags {
  version?: string;
  dest: string;
}

/** Registers `get`. */
export function registerGet(program: Command, run: Run): void {
  program.command("get")
    .summary("download a model version")
    .description(
      "Download a version (the latest by default) into <dest>/<version>/. Files land through " +
        "temporary files renamed when complete; an interrupted download leaves no partial file.",
    )
    .argument("<name>", "the model's name")
    .option("-v, --version <version>", "the version (default: the latest)")
    .option("-d, --dest <dir>", "the folder the version's folder is created in", ".")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel get demo --version v1 --dest ./models --local-dir ./registry
  aipmodel get demo --json                       # the latest, result as one JSON line`,
    )
    .action((name: string, flags: GetFlags, command: Command) =>
      run(command, (session) => get(session, name, flags))
    );
}

async function get(session: Session, name: string, flags: GetFlags): Promise<CliResult> {
  const manager = await session.manager();
  const result = await manager.getModel({
    modelName: name,
    version: flags.version,
    localDest: resolve(session.io.cwd, flags.dest),
    signal: session.signal,
    onProgress: session.progress(),
  });
  return {
    records: [{ model: name, ...result }],
    text: `Downloaded ${name} version ${result.version} to ${result.path} ` +
      `(${result.files} files, ${result.bytes} bytes)`,
  };
}
