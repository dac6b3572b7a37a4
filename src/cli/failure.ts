/**
 * How a failure ends the CLI: its exit code and the one line (or, under `--debug`, the stack and
 * causes) written to stderr. Messages come from the typed errors, which never carry secrets.
 *
 * @module
 */

import { CommanderError } from "commander";
import {
  AipModelError,
  AuthenticationError,
  ConnectionError,
  NotFoundError,
  OperationAbortedError,
  ValidationError,
} from "../errors.ts";
import { UsageError } from "./usage_error.ts";

/** Success. */
export const EXIT_OK = 0;
/** The operation failed. */
export const EXIT_FAILED = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;
/** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** The exit code for a thrown value. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (error instanceof UsageError || error instanceof ValidationError) return EXIT_USAGE;
  if (error instanceof OperationAbortedError) return EXIT_INTERRUPTED;
  return EXIT_FAILED;
}

/** What to do next, for the errors whose message says what went wrong but not where to look. */
function hint(error: unknown, command: string): string | undefined {
  if (error instanceof NotFoundError) return "`aipmodel ls` lists the models and versions";
  if (error instanceof AuthenticationError) {
    return "check the credentials (USER_TOKEN, or the CLEARML_*/CEPH_* keys, or --env-file)";
  }
  if (error instanceof ConnectionError) return "check that the service is running and its URL";
  if (error instanceof ValidationError) return `see '${command} --help'`;
  return undefined;
}

/** The line(s) describing `error` of `command` (e.g. `aipmodel get`) on stderr. */
export function describeFailure(error: unknown, debug: boolean, command: string): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ");
  const known = error instanceof AipModelError;
  const tip = hint(error, command);
  let text = `aipmodel: ${known ? "" : "unexpected error: "}${message.trim()}` +
    (tip === undefined ? "" : ` (${tip})`) +
    (!debug && !known ? " (rerun with --debug for the stack)" : "") + "\n";
  if (debug) {
    let cause: unknown = error;
    for (let depth = 0; cause !== undefined && depth < 8; depth += 1) {
      text += `${depth === 0 ? "" : "caused by: "}${
        cause instanceof Error ? cause.stack ?? cause.message : String(cause)
      }\n`;
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return text;
}
