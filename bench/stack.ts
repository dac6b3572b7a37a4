/**
 * The benchmark's stack: the project's local platform stack (scripts/stack.ts) with a bluestore
 * OSD, started here unless one already runs with bluestore, and stopped at the end only when
 * started here. `--use-running-stack` (CI) takes whatever stack runs, memstore included.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The stack the benchmark talks to. */
export interface BenchStack {
  /** `.stack/env` as a record. */
  env: Record<string, string>;
  /** The path of `.stack/env`, handed to the SDK's CLI as `--env-file`. */
  envFile: string;
  /** "bluestore" or "memstore". */
  objectStore: string;
  /** Whether the benchmark started it (and so stops it). */
  startedHere: boolean;
}

function stackCommand(repo: string, args: string[], quiet = false): number {
  const deno = join(repo, "node_modules/.bin/deno");
  const result = spawnSync(deno, ["run", "-A", join(repo, "scripts/stack.ts"), ...args], {
    cwd: repo,
    stdio: quiet ? "ignore" : "inherit",
    env: process.env,
  });
  return result.status ?? 1;
}

function readState(repo: string): { objectStore?: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(repo, ".stack/state.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/** Parses a `KEY=value` file. */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0 && !line.startsWith("#")) env[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return env;
}

/** Makes sure a stack runs (see the module doc) and returns its settings. */
export function openStack(
  repo: string,
  useRunning: boolean,
  log: (line: string) => void,
): BenchStack {
  const envFile = join(repo, ".stack/env");
  const up = stackCommand(repo, ["status"], true) === 0;
  const state = readState(repo);
  let startedHere = false;
  if (useRunning) {
    if (!up || !existsSync(envFile)) {
      throw new Error(
        "--use-running-stack: no stack runs in this checkout; start it first " +
          "(deno run -A scripts/stack.ts up [--bluestore], with the same STACK_*_PORT variables).",
      );
    }
  } else if (!up || state?.objectStore !== "bluestore") {
    if (up) log(`The running stack uses ${state?.objectStore}: restarting it with bluestore.`);
    log("Starting the stack with bluestore (scripts/stack.ts up --bluestore)");
    if (stackCommand(repo, ["up", "--bluestore"]) !== 0) {
      throw new Error("scripts/stack.ts up --bluestore failed; see .stack/logs/.");
    }
    startedHere = true;
  } else {
    log("Reusing the running bluestore stack.");
  }
  return {
    env: readEnvFile(envFile),
    envFile,
    objectStore: readState(repo)?.objectStore ?? "unknown",
    startedHere,
  };
}

/** Stops the stack if the benchmark started it. */
export function closeStack(repo: string, stack: BenchStack | undefined): void {
  if (stack?.startedHere) stackCommand(repo, ["down"]);
}

/** The pids of the stack's radosgw and OSD (from `.stack/rgw.pid` and `.stack/osd.pid`). */
export function serverPids(repo: string): { rgw?: number; osd?: number } {
  const read = (name: string) => {
    try {
      const pid = Number(readFileSync(join(repo, `.stack/${name}.pid`), "utf8").trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const pids: { rgw?: number; osd?: number } = {};
  const rgw = read("rgw");
  const osd = read("osd");
  if (rgw !== undefined) pids.rgw = rgw;
  if (osd !== undefined) pids.osd = osd;
  return pids;
}
