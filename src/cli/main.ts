/**
 * The `aipmodel` command: parses the command line (commander), runs one command in a
 * {@link Session}, prints its result on stdout and any failure as one line on stderr, and returns
 * the exit code: 0 success, 1 the operation failed, 2 a usage error, 130 interrupted.
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { OperationAbortedError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { registerAdd } from "./commands/add.ts";
import { registerGc } from "./commands/gc.ts";
import { registerGet } from "./commands/get.ts";
import { registerInfo } from "./commands/info.ts";
import { registerLs } from "./commands/ls.ts";
import type { Run } from "./commands/register.ts";
import { registerRm } from "./commands/rm.ts";
import { registerSetLatest } from "./commands/set_latest.ts";
import { registerTransfer } from "./commands/transfer.ts";
import { registerVerify } from "./commands/verify.ts";
import { loadEnvironment } from "./env_file.ts";
import { describeFailure, EXIT_INTERRUPTED, EXIT_OK, exitCodeOf } from "./failure.ts";
import { type CliIo, processIo } from "./io.ts";
import { type CliResult, type GlobalOptions, Session } from "./session.ts";

const COMMANDS: readonly ((program: Command, run: Run) => void)[] = [
  registerAdd,
  registerGet,
  registerLs,
  registerInfo,
  registerRm,
  registerSetLatest,
  registerTransfer,
  registerGc,
  registerVerify,
];

/**
 * Runs `aipmodel` with `args` (without the program name) and returns the exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "./main.ts";
 * const code = await main(["ls", "--local-dir", ".aipmodel", "--json"]);
 * ```
 */
export async function main(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  let debug = args.includes("--debug");
  let current = "aipmodel";
  const run: Run = async (command, work) => {
    const options = globalOptions(command);
    debug = options.debug === true;
    current = `aipmodel ${command.name()}`;
    const env = await loadEnvironment(options.envFile, io.env, io.cwd);
    const session = new Session(io, options, env);
    let result: CliResult;
    try {
      result = await work(session);
    } finally {
      await session.close();
    }
    io.stdout.write(
      session.machine
        ? result.records.map((record) => JSON.stringify(record) + "\n").join("")
        : `${result.text}\n`,
    );
    if (result.failure !== undefined) throw result.failure;
  };
  const program = buildProgram(io, run);
  try {
    await program.parseAsync([...args], { from: "user" });
    return EXIT_OK;
  } catch (error) {
    // commander has already written its own one-line message (or the help/version text).
    if (
      io.signal?.aborted === true && !(error instanceof CommanderError) &&
      !(error instanceof OperationAbortedError)
    ) {
      // Operations that wrote nothing visible stop with the signal's own reason.
      io.stderr.write(
        `aipmodel: ${current.slice("aipmodel ".length)} interrupted; no incomplete file was kept\n`,
      );
      return EXIT_INTERRUPTED;
    }
    if (!(error instanceof CommanderError)) io.stderr.write(describeFailure(error, debug, current));
    return exitCodeOf(error);
  }
}

function buildProgram(io: CliIo, run: Run): Command {
  const program = new Command("aipmodel")
    .description(
      "Register, upload, version, download, list and delete machine-learning models on a " +
        "ClearML + Ceph platform, or in a local folder (--local-dir).",
    )
    .version(VERSION, "-V, --version", "print the version")
    // Options after a command belong to it: `add --version v1` is the model version, not ours.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: usageLine("aipmodel"),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      `
Platform settings come from the environment or --env-file: USER_TOKEN, USER_MANAGEMENT_API,
CLEARML_API_HOST, CEPH_ENDPOINT_URL (token mode), or CLEARML_ACCESS_KEY, CLEARML_SECRET_KEY,
CLEARML_USERNAME, CEPH_ACCESS_KEY, CEPH_SECRET_KEY, CEPH_BUCKET (direct mode).

Exit codes: 0 success, 1 the operation failed, 2 usage error, 130 interrupted.

Examples:
  aipmodel add ./my-model --name demo --version v1 --local-dir ./registry
  aipmodel ls --local-dir ./registry --json
  aipmodel get demo --version v1 --dest ./out --local-dir ./registry`,
    );
  addGlobalOptions(program);
  for (const register of COMMANDS) register(program, run);
  for (const command of program.commands) {
    addGlobalOptions(command);
    command.configureOutput({ outputError: usageLine(`aipmodel ${command.name()}`) });
  }
  return program;
}

/**
 * The options of `command` and its parents. commander's `optsWithGlobals` lets a parent's default
 * (`progress: true`) hide a value given after the command (`--no-progress`): a value given on the
 * command line wins here, defaults only fill gaps.
 */
function globalOptions(command: Command): GlobalOptions {
  const chain: Command[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) chain.push(at);
  const merged: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const at of chain) {
    for (const [key, value] of Object.entries(at.opts())) {
      const explicit = at.getOptionValueSource(key) !== "default";
      if (given.has(key) || (key in merged && !explicit)) continue;
      merged[key] = value;
      if (explicit) given.add(key);
    }
  }
  return merged as GlobalOptions;
}

/** The options every command takes, before or after its name. */
function addGlobalOptions(command: Command): void {
  command
    .option("--local-dir <dir>", "use the embedded registry in this folder (no servers)")
    .option(
      "--env-file <file>",
      "read KEY=value settings from this file (default: .env if present)",
    )
    .option(
      "--json",
      "machine output: one JSON object per line (also when stdout is not a terminal)",
    )
    .option("--no-progress", "no progress output")
    .option("--verbose", "the SDK's [OK]/[INFO] lines on stderr")
    .option("--debug", "error stacks and causes on stderr")
    .option("--concurrency <n>", "requests in flight per transfer (default 16)")
    .option(
      "--part-size <MiB>",
      "multipart part and ranged-GET size in MiB (default 8 for uploads, 16 for downloads)",
    )
    .option("--memory-budget <MiB>", "file data held in memory per transfer, MiB (default 96)");
}

/** Writes commander's message (`error: ...`, maybe with a suggestion line) as one line. */
function usageLine(command: string): (text: string, write: (text: string) => void) => void {
  return (text, write) =>
    write(`aipmodel: ${text.trim().replace(/\s*\n\s*/g, " ")} (see '${command} --help')\n`);
}
