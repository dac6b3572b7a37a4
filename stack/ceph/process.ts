/**
 * Process and port helpers of the local stack: detached daemons with pid files, commands with a
 * timeout, waiting for ports. Linux only (it reads `/proc`), like the stack itself.
 *
 * @module
 */

import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect, createServer } from "node:net";

/** Options of {@link spawnDetached}. */
export interface SpawnDetachedOptions {
  /** The file that receives stdout and stderr (appended). */
  log: string;
  /** The pid file to write. */
  pidFile: string;
  /** The environment; default: this process's. */
  env?: Record<string, string | undefined>;
  /** The working directory; default: this process's. */
  cwd?: string;
}

/**
 * Starts `command` in its own session, detached from this process (it survives the exit of the
 * caller), writes its pid file and returns the pid.
 */
export async function spawnDetached(
  command: string,
  args: string[],
  options: SpawnDetachedOptions,
): Promise<number> {
  const fd = openSync(options.log, "a");
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      ...(options.env ? { env: options.env as NodeJS.ProcessEnv } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    // A failed exec (ENOENT...) is reported asynchronously, as an "error" event.
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => {
        if (child.pid === undefined) reject(new Error(`${command} did not start`));
        else resolve(child.pid);
      });
    });
    child.unref();
    writeFileSync(options.pidFile, `${pid}\n`);
    return pid;
  } finally {
    closeSync(fd);
  }
}

/** The result of {@link runCommand}. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and returns its output; throws with its stderr when it fails or
 * outlives `timeoutMs` (it is then killed).
 */
export function runCommand(
  command: string,
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string | undefined> } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, {
      timeout: options.timeoutMs ?? 30_000,
      killSignal: "SIGKILL",
      maxBuffer: 16 * 1024 * 1024,
      ...(options.env ? { env: options.env as NodeJS.ProcessEnv } : {}),
    }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed
          ? `timed out after ${options.timeoutMs ?? 30_000} ms`
          : typeof error.code === "number"
          ? `exit code ${error.code}`
          : error.message;
        reject(new Error(`\`${command} ${args.join(" ")}\` failed: ${why}\n${stderr}`.trim()));
      } else {
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      }
    });
  });
}

/** The pid in a pid file, or undefined when the file is missing or unreadable. */
export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, "utf8").trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Removes a pid file; no error when it is already gone. */
export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/** Whether `pid` is a live process (a zombie counts as dead). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code !== "EPERM") return false;
  }
  try {
    // "<pid> (<comm>) <state> ...": the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The command line of a live process (its arguments), or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
  } catch {
    return undefined;
  }
}

/** The pids of the live processes whose command line contains `needle` (this process excluded). */
export function findProcesses(needle: string): number[] {
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return found;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const args = commandLine(pid);
    if (args !== undefined && args.join(" ").includes(needle) && isAlive(pid)) found.push(pid);
  }
  return found;
}

/**
 * Stops a process: SIGTERM, then SIGKILL when it still lives after `graceMs`. Resolves once it
 * is gone; returns how it ended ("gone" when it was not running).
 */
export async function stopProcess(
  pid: number,
  graceMs = 10_000,
): Promise<"gone" | "terminated" | "killed"> {
  if (!isAlive(pid)) return "gone";
  signal(pid, "SIGTERM");
  let how: "terminated" | "killed" = "terminated";
  if (!await waitUntil(() => !isAlive(pid), graceMs)) {
    how = "killed";
    signal(pid, "SIGKILL");
    await waitUntil(() => !isAlive(pid), 5_000);
  }
  return how;
}

/**
 * Waits until the given (dead) processes have been reaped, at most `timeoutMs`. A detached
 * daemon's parent is init, which may reap it only later (some container inits poll every 2 s);
 * until then `pgrep` still lists it as `<defunct>`.
 */
export async function waitReaped(pids: number[], timeoutMs = 3_000): Promise<boolean> {
  return await waitUntil(() => pids.every((pid) => !existsSync(`/proc/${pid}`)), timeoutMs);
}

function signal(pid: number, name: "SIGTERM" | "SIGKILL"): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Polls `check` every `intervalMs` until it is true (resolves true) or `timeoutMs` passed (false). */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resume) => setTimeout(resume, intervalMs));
  }
}

/** Whether something accepts TCP connections on `host:port`. */
export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Whether `host:port` can be bound now (nothing listens on it). */
export function portFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
