/**
 * `aipmodel set-latest <name> <version>`: makes another version the latest.
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";
import type { Run } from "./register.ts";

/** Registers `set-latest`. */
export function registerSetLatest(program: Command, run: Run): void {
  program.command("set-latest")
    .summary("make a version the latest")
    .description("Point the model (its uri and latest_version) at one of its versions.")
    .argument("<model>", "the model's exact name")
    .argument("<version>", "an existing version")
    .addHelpText(
      "after",
      `
Example:
  aipmodel set-latest demo v1 --local-dir ./registry`,
    )
    .action((model: string, version: string, _flags: unknown, command: Command) =>
      run(command, async (session: Session): Promise<CliResult> => {
        await (await session.manager()).setLatestVersion(model, version, {
          signal: session.signal,
        });
        return {
          records: [{ model, latest: version }],
          text: `Latest version of ${model} is now ${version}`,
        };
      })
    );
}
