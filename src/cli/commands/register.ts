/**
 * The shape of a command module: it adds its command to the program, and its action hands a
 * function of the {@link Session} to `run`, which opens the session, prints the result and
 * closes everything.
 *
 * @module
 */

import type { Command } from "commander";
import type { CliResult, Session } from "../session.ts";

/** Runs a command's work inside a session. */
export type Run = (command: Command, work: (session: Session) => Promise<CliResult>) => Promise<
  void
>;
