/**
 * Runs the CLI in-process with captured output, or as a child process of the runtime running the
 * tests, for the CLI tests.
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { CliIo } from "../src/cli/io.ts";
import { main } from "../src/cli/main.ts";
import { runtimeArgs } from "./_child.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url));

/** What one CLI run gave. */
export interface CliRun {
  code: number;
  /** The signal that ended a child process, if one did. */
  signal?: string | null;
  stdout: string;
  stderr: string;
}

/** Runs `main(args)` in this process; stdout is a terminal only when `tty` says so. */
export async function cli(
  args: string[],
  options: { tty?: boolean; env?: Record<string, string>; cwd?: string; signal?: AbortSignal } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text) => void (stdout += text), isTTY: options.tty === true },
    stderr: { write: (text) => void (stderr += text), isTTY: options.tty === true },
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
    signal: options.signal,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Starts `src/cli/bin.ts` with `args` in a child process (empty environment but PATH). */
export function spawnCli(args: string[]): {
  child: ReturnType<typeof spawn>;
  done: Promise<CliRun>;
} {
  const child = spawn(process.execPath, [...runtimeArgs("src/cli/bin.ts"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => (stdout += String(chunk)));
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { child, done };
}
