/**
 * Starts and stops the stack's one-machine Ceph cluster (1 mon, 1 OSD, radosgw) in a throwaway
 * folder, and creates its S3 users with fixed keys.
 *
 * @module
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cephConf, MON_ID, monAddrs, type ObjectStore, OSD_ID, RGW_NAME } from "./conf.ts";
import {
  isAlive,
  readPidFile,
  removePidFile,
  runCommand,
  spawnDetached,
  stopProcess,
  waitUntil,
} from "./process.ts";

/** Options of {@link startCephCluster}. */
export interface CephClusterOptions {
  /** The cluster folder; wiped and recreated. */
  dir: string;
  /** The folder of the daemons' own logs; wiped and recreated. */
  logDir: string;
  /** The monitor's msgr2 port (v1 is the next one). */
  monPort: number;
  /** radosgw's S3 port. */
  rgwPort: number;
  /** The OSD's object store. */
  objectStore: ObjectStore;
  /** The pid file of each daemon. */
  pidFiles: { mon: string; osd: string; rgw: string };
  /** The stdout/stderr log of each daemon. */
  logFiles: { mon: string; osd: string; rgw: string };
  /** Receives a line per step. */
  log?: (line: string) => void;
}

/** The `ceph.conf` path of a cluster folder. */
export function confPath(dir: string): string {
  return `${dir}/ceph.conf`;
}

/**
 * Creates a fresh cluster in `options.dir` and starts mon, OSD and radosgw, detached; resolves
 * once radosgw answers HTTP on its port. On failure the daemons already started keep running:
 * the caller stops them with {@link stopCephCluster}.
 */
export async function startCephCluster(options: CephClusterOptions): Promise<void> {
  const { dir, logDir } = options;
  const log = options.log ?? (() => {});
  const conf = confPath(dir);
  rmSync(dir, { recursive: true, force: true });
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  for (const sub of ["run", `mon.${MON_ID}`, `osd.${OSD_ID}`, "rgw"]) {
    mkdirSync(`${dir}/${sub}`, { recursive: true });
  }
  const fsid = crypto.randomUUID();
  writeFileSync(
    conf,
    cephConf({
      dir,
      logDir,
      fsid,
      monPort: options.monPort,
      rgwPort: options.rgwPort,
      objectStore: options.objectStore,
    }),
  );
  const c = ["-c", conf];

  // The keys exist even with auth off: the mon's mkfs wants a keyring.
  const keyring = `${dir}/keyring`;
  await runCommand("ceph-authtool", [
    "--create-keyring",
    keyring,
    "--gen-key",
    "-n",
    "mon.",
    "--cap",
    "mon",
    "allow *",
  ]);
  await runCommand("ceph-authtool", [
    keyring,
    "--gen-key",
    "-n",
    "client.admin",
    "--cap",
    "mon",
    "allow *",
    "--cap",
    "osd",
    "allow *",
    "--cap",
    "mgr",
    "allow *",
  ]);
  const monmap = `${dir}/monmap`;
  await runCommand("monmaptool", [
    "--create",
    "--fsid",
    fsid,
    "--addv",
    MON_ID,
    monAddrs(options.monPort),
    monmap,
  ]);
  await runCommand("ceph-mon", [
    ...c,
    "--mkfs",
    "-i",
    MON_ID,
    "--monmap",
    monmap,
    "--keyring",
    keyring,
  ]);
  await spawnDetached("ceph-mon", [...c, "-f", "-i", MON_ID], {
    log: options.logFiles.mon,
    pidFile: options.pidFiles.mon,
  });
  log("ceph-mon started");

  // Both wait for the monitor; the mkfs does not need the id to be registered yet.
  const osdUuid = crypto.randomUUID();
  const [created] = await Promise.all([
    runCommand("ceph", [...c, "--connect-timeout", "20", "osd", "new", osdUuid], {
      timeoutMs: 30_000,
    }),
    runCommand("ceph-osd", [...c, "-i", String(OSD_ID), "--mkfs", "--osd-uuid", osdUuid], {
      timeoutMs: 60_000,
    }),
  ]);
  if (created.stdout.trim() !== String(OSD_ID)) {
    throw new Error(`\`ceph osd new\` gave id ${created.stdout.trim()}, expected ${OSD_ID}`);
  }
  const osdPid = await spawnDetached("ceph-osd", [...c, "-f", "-i", String(OSD_ID)], {
    log: options.logFiles.osd,
    pidFile: options.pidFiles.osd,
  });
  log("ceph-osd started");
  const osdUp = await waitUntil(
    async () => {
      if (!isAlive(osdPid)) {
        throw new Error(`ceph-osd exited during start${logTail(logDir, "osd.0")}`);
      }
      const dump = await runCommand("ceph", [...c, "--connect-timeout", "10", "osd", "dump"]);
      return new RegExp(`^osd\\.${OSD_ID} up `, "m").test(dump.stdout);
    },
    30_000,
    100,
  );
  if (!osdUp) {
    throw new Error(`osd.${OSD_ID} did not come up within 30 s${logTail(logDir, "osd.0")}`);
  }
  log("osd.0 up");

  const rgwPid = await spawnDetached("radosgw", [...c, "-f", "-n", RGW_NAME], {
    log: options.logFiles.rgw,
    pidFile: options.pidFiles.rgw,
  });
  const rgwUp = await waitUntil(
    async () => {
      if (!isAlive(rgwPid)) {
        throw new Error(`radosgw exited during start${logTail(logDir, RGW_NAME)}`);
      }
      return await httpAnswers(`http://127.0.0.1:${options.rgwPort}/`);
    },
    30_000,
    100,
  );
  if (!rgwUp) throw new Error(`radosgw did not answer within 30 s${logTail(logDir, RGW_NAME)}`);
  log(`radosgw answers on 127.0.0.1:${options.rgwPort}`);
}

/** An S3 user to create with {@link createS3User}. */
export interface S3UserSpec {
  uid: string;
  displayName: string;
  accessKey: string;
  secretKey: string;
}

/** Creates an S3 user with fixed keys (`radosgw-admin user create`). */
export async function createS3User(dir: string, user: S3UserSpec): Promise<void> {
  await runCommand("radosgw-admin", [
    "-c",
    confPath(dir),
    "user",
    "create",
    `--uid=${user.uid}`,
    `--display-name=${user.displayName}`,
    `--access-key=${user.accessKey}`,
    `--secret-key=${user.secretKey}`,
  ], { timeoutMs: 30_000 });
}

/** Deletes the cluster folder (its data); the logs stay. */
export function removeCephData(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Stops the daemons by their pid files, in the order rgw, osd, mon, one at a time (SIGTERM,
 * SIGKILL after `graceMs`), and removes the pid files; returns the pids stopped. A pid is only
 * signalled when it runs the expected program, so a stale pid file never kills an unrelated
 * process.
 */
export async function stopCephCluster(
  pidFiles: { mon: string; osd: string; rgw: string },
  options: { graceMs?: number; log?: (line: string) => void } = {},
): Promise<number[]> {
  const order = [["rgw", "radosgw"], ["osd", "ceph-osd"], ["mon", "ceph-mon"]] as const;
  const stopped: number[] = [];
  for (const [name, program] of order) {
    const file = pidFiles[name];
    const pid = readPidFile(file);
    if (pid !== undefined && runs(pid, program)) {
      const how = await stopProcess(pid, options.graceMs ?? 10_000);
      options.log?.(`${program} (pid ${pid}) ${how}`);
      stopped.push(pid);
    }
    removePidFile(file);
  }
  return stopped;
}

/** Whether `pid` is alive and runs `program`. */
export function runs(pid: number, program: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0] ?? "";
    return argv0 === program || argv0.endsWith(`/${program}`);
  } catch {
    return false;
  }
}

async function httpAnswers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

function logTail(logDir: string, name: string, lines = 15): string {
  const file = `${logDir}/${name}.log`;
  try {
    const text = readFileSync(file, "utf8").trimEnd().split("\n");
    return `; last lines of ${file}:\n${text.slice(-lines).join("\n")}`;
  } catch {
    return "";
  }
}
