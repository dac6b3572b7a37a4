/**
 * Runs a TypeScript file in a child process of the runtime running the tests (Deno, Bun, or Node
 * through tsx), for the tests that need two real processes.
 */

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The arguments that make this runtime's own executable run the TypeScript file `script`. */
export function runtimeArgs(script: string): string[] {
  if ("Deno" in globalThis) return ["run", "-A", script];
  if ("Bun" in globalThis) return [script];
  return ["--import", "tsx", script];
}

/** Runs `script` with `args` from the repository root; resolves with its output, rejects on a non-zero exit. */
export function runChild(script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...runtimeArgs(script), ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += String(chunk)));
    child.stderr.on("data", (chunk) => (output += String(chunk)));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${script} exited with ${code}: ${output}`));
    });
  });
}
