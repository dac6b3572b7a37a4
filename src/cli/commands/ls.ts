/**
 * `aipmodel ls`: every model with its versions.
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";
import { table } from "../table.ts";
import type { Run } from "./register.ts";

/** Registers `ls`. */
export function registerLs(program: Command, run: Run): void {
  program.command("ls")
    .alias("list")
    .summary("list models and their versions")
    .description("List every model of the registry with its versions, latest version and size.")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel ls --local-dir ./registry
  aipmodel ls --json          # one JSON object per model and line`,
    )
    .action((_flags: unknown, command: Command) => run(command, ls));
}

async function ls(session: Session): Promise<CliResult> {
  const models = await (await session.manager()).listModels({ signal: session.signal });
  const records = models.map((model) => ({ ...model }));
  const text = models.length === 0 ? "No models." : table(
    ["NAME", "LATEST", "VERSIONS", "SIZE (MB)", "ID"],
    models.map((model) => [
      model.name,
      model.latest ?? "-",
      model.versions.join(", "),
      model.totalSizeMb.toFixed(2),
      model.id,
    ]),
  );
  return { records, text };
}
