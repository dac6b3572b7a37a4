/**
 * What the CLI reads and writes, gathered in one value so that the command runner can be driven
 * in-process (tests, embedding) as well as from a terminal.
 *
 * @module
 */

import process from "node:process";

/** A place the CLI writes text to. */
export interface CliWriter {
  /** Writes `text` as is (no newline added). */
  write(text: string): void;
  /** Whether this is a terminal (progress bars and tables) or not (JSON lines). */
  readonly isTTY: boolean;
}

/** The CLI's surroundings: its output streams, environment and working folder. */
export interface CliIo {
  /** Results only. */
  stdout: CliWriter;
  /** Progress, diagnostics and errors. */
  stderr: CliWriter;
  /** The process environment (a `.env` file's values are added under it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The folder relative paths start from. */
  cwd: string;
  /**
   * Aborted when the user interrupts (Ctrl-C); the running operation stops and rolls back.
   * @default a signal that never aborts
   */
  signal?: AbortSignal | undefined;
}

/** The process's own streams, environment and folder. */
export function processIo(signal?: AbortSignal): CliIo {
  const writer = (stream: { write(text: string): unknown; isTTY?: boolean }): CliWriter => ({
    write: (text) => void stream.write(text),
    get isTTY() {
      return stream.isTTY === true;
    },
  });
  return {
    stdout: writer(process.stdout),
    stderr: writer(process.stderr),
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}
