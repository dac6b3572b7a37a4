/**
 * `aipmodel verify <name>`: checks a version against its manifest (sizes and SHA-256), in the
 * registry or in a downloaded folder.
 *
 * @module
 */

import type { Command } from "commander";
import { resolve } from "node:path";
import { IntegrityError } from "../../errors.ts";
import type { CliResult, Session } from "../session.ts";
import { table } from "../table.ts";
import type { Run } from "./register.ts";

interface VerifyFlags {
  version?: string;
  local?: string;
}

/** Registers `verify`. */
export function registerVerify(program: Command, run: Run): void {
  program.command("verify")
    .summary("check a version's files against its manifest")
    .description(
      "Re-hash every file of a version, in the registry or in a downloaded folder (--local), and " +
        "compare it with the version's manifest. Exits 1 when a file is missing, different or " +
        "unexpected. Versions written by the Python SDK have no manifest: sizes only.",
    )
    .argument("<name>", "the model's name")
    .option("-v, --version <version>", "the version (default: the latest)")
    .option("--local <dir>", "a downloaded copy, e.g. ./out/v1 (default: the registry's copy)")
    .addHelpText(
      "after",
      `
Examples:
  aipmodel verify demo --version v1 --local-dir ./registry
  aipmodel verify demo --version v1 --local ./out/v1 --json`,
    )
    .action((name: string, flags: VerifyFlags, command: Command) =>
      run(command, (session) => verify(session, name, flags))
    );
}

async function verify(session: Session, name: string, flags: VerifyFlags): Promise<CliResult> {
  const report = await (await session.manager()).verifyModel({
    modelName: name,
    version: flags.version,
    localPath: flags.local === undefined ? undefined : resolve(session.io.cwd, flags.local),
    signal: session.signal,
  });
  const bad = report.files.filter((file) => file.status !== "ok");
  const where = report.checked === "local" ? flags.local : "the registry";
  return {
    records: report.files.map((file) => ({ model: name, version: report.version, ...file })),
    text: [
      ...(bad.length === 0
        ? []
        : [table(["STATUS", "FILE"], bad.map((f) => [f.status, f.path])), ""]),
      `${name} ${report.version} in ${where}: ${report.files.length - bad.length} of ` +
      `${report.files.length} file(s) ok` +
      (report.manifest ? "" : " (no manifest: sizes only, written by the Python SDK?)"),
    ].join("\n"),
    failure: report.ok ? undefined : new IntegrityError(
      `${bad.length} file(s) of ${name} ${report.version} in ${where} do not match the ` +
        `manifest (${bad[0]?.status} ${bad[0]?.path}): download the version again`,
      {
        subject: bad[0]?.path ?? name,
        expected: String(bad[0]?.expectedSize ?? "the manifest's file"),
        actual: bad[0]?.status ?? "different",
      },
    ),
  };
}
