/**
 * `aipmodel info <name-or-id>`: one model's metadata and versions.
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";
import { table } from "../table.ts";
import type { Run } from "./register.ts";

/** Registers `info`. */
export function registerInfo(program: Command, run: Run): void {
  program.command("info")
    .summary("show one model")
    .description("Show a model's id, uri, latest version and every version's details.")
    .argument("<model>", "the model's exact name, or its 32-hex id")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel info demo --local-dir ./registry
  aipmodel info 0f3c9a... --json`,
    )
    .action((model: string, _flags: unknown, command: Command) =>
      run(command, (session) => info(session, model))
    );
}

async function info(session: Session, model: string): Promise<CliResult> {
  const details = await (await session.manager()).getModelInfo(model, { signal: session.signal });
  const versions = details.versions.length === 0 ? "No versions." : table(
    ["VERSION", "SIZE (MB)", "CREATED", "MODEL.PY", "PATH"],
    details.versions.map((version) => [
      version.name === details.latest ? `${version.name} (latest)` : version.name,
      version.sizeMb.toFixed(2),
      version.created,
      version.haveModelPy ? "yes" : "no",
      version.path,
    ]),
  );
  return {
    records: [{ ...details }],
    text: [
      `Model:   ${details.name}`,
      `Id:      ${details.id}`,
      `Uri:     ${details.uri}`,
      `Latest:  ${details.latest ?? "-"}`,
      `Tags:    ${details.tags.length === 0 ? "-" : details.tags.join(", ")}`,
      `Category: ${details.category ?? "-"}`,
      `Size:    ${details.totalSizeMb.toFixed(2)} MB in ${details.versionCount} version(s)`,
      `Created: ${details.created}`,
      "",
      versions,
    ].join("\n"),
  };
}
