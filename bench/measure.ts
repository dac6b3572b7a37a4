/**
 * Runs one client process and measures it: wall time from spawn to exit (start-up included) and
 * peak RSS. The RSS comes from GNU time (`/usr/bin/time -f %M`: the largest resident set of the
 * process or of any child it waited for); without it, from polling `/proc/<pid>/status` (VmHWM)
 * of the process and its descendants every 20 ms. The client's CPU time (user + system) comes from
 * GNU time too; {@link cpuSeconds} reads a running process's, e.g. radosgw's around a command.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";

/** What one measured run gave. */
export interface Measured {
  /** Wall seconds, spawn to exit. */
  seconds: number;
  /** Peak resident set in MiB. */
  rssMiB: number;
  /** User + system CPU seconds of the process and the children it waited for (null: unknown). */
  cpuSeconds: number | null;
  /** The exit code (null: killed by a signal). */
  code: number | null;
}

const TIME = "/usr/bin/time";

/** How peak RSS is measured on this machine. */
export function rssMethod(): string {
  return existsSync(TIME) ? "GNU time %M" : "/proc VmHWM polling";
}

/**
 * Runs `argv` with `env` (the whole environment), its stdout and stderr appended to `logPath`.
 * Never throws for a failing command: the caller reads `code` (and the log).
 */
export async function measure(
  argv: string[],
  options: { env: Record<string, string>; cwd: string; logPath: string; timeoutMs?: number },
): Promise<Measured> {
  const useTime = existsSync(TIME);
  const timeFile = `${options.logPath}.time`;
  const command = useTime ? [TIME, "-f", "%e %M %U %S", "-o", timeFile, ...argv] : argv;
  const log = openSync(options.logPath, "a");
  const started = performance.now();
  let peakKiB = 0;
  let cpu: number | null = null;
  try {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", log, log],
    });
    const poll = useTime ? undefined : setInterval(() => {
      if (child.pid !== undefined) peakKiB = Math.max(peakKiB, treeHwmKiB(child.pid));
    }, 20);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30 * 60_000);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (exitCode) => resolve(exitCode));
    });
    const seconds = (performance.now() - started) / 1000;
    clearTimeout(timer);
    if (poll !== undefined) clearInterval(poll);
    if (useTime) {
      // time's own line is last; a killed child makes time print "Command terminated ..." first.
      const lines = readFileSync(timeFile, "utf8").trim().split("\n");
      const [, kib, user, system] = (lines.at(-1) ?? "").split(" ").map(Number);
      if (Number.isFinite(kib)) peakKiB = kib!;
      if (Number.isFinite(user) && Number.isFinite(system)) cpu = user! + system!;
      rmSync(timeFile, { force: true });
    }
    return { seconds, rssMiB: peakKiB / 1024, cpuSeconds: cpu, code };
  } finally {
    closeSync(log);
  }
}

/** The largest VmHWM (KiB) of `pid` and its descendants, read now. */
function treeHwmKiB(pid: number): number {
  let peak = 0;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.pop()!;
    try {
      const status = readFileSync(`/proc/${current}/status`, "utf8");
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // Gone already.
    }
    queue.push(...(children.get(current) ?? []));
  }
  return peak;
}

/** The CPU seconds (user + system) a running process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
