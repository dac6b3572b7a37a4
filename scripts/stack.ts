// deno-lint-ignore-file no-console
/**
 * The local platform stack: a real Ceph radosgw with two S3 accounts, the ClearML-compatible
 * server, the user-management API and the Hugging Face Hub stand-in, all on 127.0.0.1, for tests, examples and benchmarks.
 *
 * ```sh
 * deno run -A scripts/stack.ts up [--bluestore]   # start; returns once everything answers
 * deno run -A scripts/stack.ts status             # what runs; exit 1 when not fully up
 * deno run -A scripts/stack.ts down               # stop everything started, by pid files
 * ```
 *
 * `up` writes `.stack/env`. When the stack already runs and answers, with the same object
 * store, `up` says so and succeeds; any other leftover (dead pids, a half-started stack, another
 * object store) is stopped and the stack started afresh. Ports: see `stack/config.ts`
 * (`STACK_RGW_PORT`, `STACK_MON_PORT`, `STACK_CLEARML_PORT`, `STACK_USERMGMT_PORT`,
 * `STACK_HF_PORT`).
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import {
  confPath,
  createS3User,
  removeCephData,
  runs,
  startCephCluster,
  stopCephCluster,
} from "../stack/ceph/cluster.ts";
import type { ObjectStore } from "../stack/ceph/conf.ts";
import { ensureCephInstalled } from "../stack/ceph/install.ts";
import {
  commandLine,
  findProcesses,
  isAlive,
  portFree,
  portOpen,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopProcess,
  waitReaped,
  waitUntil,
} from "../stack/ceph/process.ts";
import {
  CEPH_DIR,
  CEPH_LOG_DIR,
  type Component,
  COMPONENTS,
  ENV_FILE,
  EXTERNAL_S3,
  HF_PUBLIC_REPO,
  HOST,
  LOG_DIR,
  logFilePath,
  pidFilePath,
  PLATFORM_S3,
  PORT_ENV_VARS,
  REPO_DIR,
  resolvePorts,
  type S3Account,
  STACK_DIR,
  stackEnvValues,
  type StackPorts,
  STATE_FILE,
} from "../stack/config.ts";

const SERVICES_FILE = `${REPO_DIR}/stack/services.ts`;
const CLEARML_SERVER_FILE = `${REPO_DIR}/stack/clearml/server.ts`;

/** What `up` records in `.stack/state.json`. */
interface StackState {
  ports: StackPorts;
  objectStore: ObjectStore;
  startedAt: string;
}

const USAGE = `Usage: deno run -A scripts/stack.ts <command>

Commands:
  up [--bluestore]  start the local stack (memstore OSD by default; --bluestore: a sparse file)
  status            show what runs; exit code 1 when the stack is not fully up
  down              stop everything the stack started

Ports (env var overrides): ${
  Object.entries(PORT_ENV_VARS).map(([name, variable]) => `${variable} (${name})`).join(", ")
}`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "up": {
      const unknown = rest.filter((arg) => arg !== "--bluestore" && arg !== "--memstore");
      if (unknown.length > 0) return usage(`unknown option ${unknown.join(" ")}`);
      return await up(rest.includes("--bluestore") ? "bluestore" : "memstore");
    }
    case "down":
      if (rest.length > 0) return usage(`down takes no options`);
      await down();
      return 0;
    case "status":
      return await status();
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return 0;
    default:
      return usage(command === undefined ? "no command given" : `unknown command ${command}`);
  }
}

function usage(problem: string): number {
  console.error(`${problem}\n\n${USAGE}`);
  return 2;
}

// ---- up ----

async function up(objectStore: ObjectStore): Promise<number> {
  const started = performance.now();
  const since = () => `${((performance.now() - started) / 1000).toFixed(2)} s`;
  const step = (line: string) => console.log(`[${since()}] ${line}`);

  const ports = resolvePorts();
  const previous = readState();
  if (previous !== undefined && await healthy(previous)) {
    const samePorts = JSON.stringify(previous.ports) === JSON.stringify(ports);
    if (previous.objectStore === objectStore && samePorts) {
      console.log(`The stack is already up (${objectStore}); its settings are in ${ENV_FILE}.`);
      return 0;
    }
    step(
      `The stack runs with ${previous.objectStore} on ports ${JSON.stringify(previous.ports)}; ` +
        `restarting it with ${objectStore} on ${JSON.stringify(ports)}`,
    );
  }
  // Nothing waits for init to reap the old processes: their ports are closed already.
  if (await stopAll(step, false)) step("Stopped the previous stack");

  ensureCephInstalled(step);
  if (!existsSync(CLEARML_SERVER_FILE)) {
    throw new Error(`${CLEARML_SERVER_FILE} is missing: the ClearML-compatible server is needed.`);
  }
  await assertPortsFree(ports);

  mkdirSync(LOG_DIR, { recursive: true });
  for (const component of COMPONENTS) rmSync(logFilePath(component), { force: true });
  // Loading the AWS SDK takes a while: let it load while the daemons start.
  const sdk = import("@aws-sdk/client-s3");
  sdk.catch(() => {});
  try {
    // The services process starts while the cluster does: neither needs the other.
    const services = startServicesProcess(ports).then(() => step("services answer"));
    const ceph = startCephCluster({
      dir: CEPH_DIR,
      logDir: CEPH_LOG_DIR,
      monPort: ports.mon,
      rgwPort: ports.rgw,
      objectStore,
      pidFiles: { mon: pidFilePath("mon"), osd: pidFilePath("osd"), rgw: pidFilePath("rgw") },
      logFiles: { mon: logFilePath("mon"), osd: logFilePath("osd"), rgw: logFilePath("rgw") },
      log: step,
    });
    // Both must have finished before a failure is handled, or a daemon could start after the
    // clean-up.
    const outcomes = await Promise.allSettled([services, ceph]);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    await Promise.all([PLATFORM_S3, EXTERNAL_S3].map((account) => createS3User(CEPH_DIR, account)));
    step("S3 users created");
    await createBuckets(await sdk, ports, [PLATFORM_S3, EXTERNAL_S3]);
    step("buckets created");
  } catch (error) {
    console.error(`up failed after ${since()}: ${errorText(error)}`);
    console.error(`Logs: ${LOG_DIR}/ (Ceph's own: ${CEPH_LOG_DIR}/). Stopping what was started.`);
    await stopAll(() => {}, false);
    return 1;
  }

  const state: StackState = { ports, objectStore, startedAt: new Date().toISOString() };
  writeAtomically(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  const env = stackEnvValues(ports);
  writeAtomically(ENV_FILE, env.map(([key, value]) => `${key}=${value}\n`).join(""));
  console.log(`The stack is up (${objectStore}) in ${since()}; ${ENV_FILE}:`);
  for (const [key, value] of env) console.log(`  ${key}=${value}`);
  return 0;
}

async function assertPortsFree(ports: StackPorts): Promise<void> {
  const wanted: [string, number, string][] = [
    ["radosgw", ports.rgw, PORT_ENV_VARS.rgw],
    ["ceph-mon (msgr2)", ports.mon, PORT_ENV_VARS.mon],
    ["ceph-mon (msgr1, mon port + 1)", ports.mon + 1, PORT_ENV_VARS.mon],
    ["the ClearML server", ports.clearml, PORT_ENV_VARS.clearml],
    ["the user-management API", ports.usermgmt, PORT_ENV_VARS.usermgmt],
    ["the Hugging Face Hub stand-in", ports.hf, PORT_ENV_VARS.hf],
  ];
  const seen = new Map<number, string>();
  for (const [, port, variable] of wanted) {
    const first = seen.get(port);
    if (first !== undefined) {
      throw new Error(`Port ${port} is configured twice: check ${first} and ${variable}.`);
    }
    seen.set(port, variable);
  }
  const taken = [];
  for (const [what, port, variable] of wanted) {
    if (!await portFree(port, HOST)) taken.push(`${HOST}:${port} for ${what} (${variable})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `Port${taken.length > 1 ? "s" : ""} already in use by another program: ` +
        `${taken.join(", ")}. Stop that program or choose other ports with the variables named.`,
    );
  }
}

async function startServicesProcess(ports: StackPorts): Promise<void> {
  const deno = (globalThis as { Deno?: { execPath(): string } }).Deno;
  const isBun = "Bun" in globalThis;
  const [runtime, ...runtimeArgs] = deno
    ? [deno.execPath(), "run", "-A"]
    : isBun
    ? [process.execPath]
    : [process.execPath, "--import", "tsx"];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  for (const [key, variable] of Object.entries(PORT_ENV_VARS)) {
    env[variable] = String(ports[key as keyof StackPorts]);
  }
  const pid = await spawnDetached(runtime as string, [...runtimeArgs, SERVICES_FILE], {
    log: logFilePath("services"),
    pidFile: pidFilePath("services"),
    cwd: REPO_DIR,
    env,
  });
  const ready = await waitUntil(
    async () => {
      if (!isAlive(pid)) {
        throw new Error(
          `the services process exited during start${fileTail(logFilePath("services"))}`,
        );
      }
      return await servicesAnswer(ports);
    },
    30_000,
    50,
  );
  if (!ready) {
    throw new Error(`the services did not answer within 30 s${fileTail(logFilePath("services"))}`);
  }
}

async function servicesAnswer(ports: StackPorts): Promise<boolean> {
  const health = await get(`http://${HOST}:${ports.usermgmt}/health`);
  return health === 200 && await get(`http://${HOST}:${ports.clearml}/debug.ping`) === 200 &&
    await get(`http://${HOST}:${ports.hf}/api/models/${HF_PUBLIC_REPO}`) === 200;
}

async function createBuckets(
  { S3Client, CreateBucketCommand }: typeof import("@aws-sdk/client-s3"),
  ports: StackPorts,
  accounts: S3Account[],
): Promise<void> {
  await Promise.all(accounts.map(async (account) => {
    const client = new S3Client({
      endpoint: `http://${HOST}:${ports.rgw}`,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: account.accessKey, secretAccessKey: account.secretKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: account.bucket }));
    } catch (error) {
      if ((error as { name?: string }).name !== "BucketAlreadyOwnedByYou") {
        throw new Error(`creating bucket ${account.bucket} failed: ${errorText(error)}`);
      }
    } finally {
      client.destroy();
    }
  }));
}

// ---- down ----

/**
 * Stops everything: by pid files in the order services, rgw, osd, mon; then any leftover
 * process of this checkout's stack (its `ceph.conf` or `services.ts` on the command line); then
 * waits for the ports to close (and, with `waitForReaping`, for init to reap the processes) and
 * removes the state files. Returns whether anything ran.
 */
async function stopAll(log: (line: string) => void, waitForReaping = true): Promise<boolean> {
  const state = readState();
  const stopped: number[] = [];
  const servicesPid = readPidFile(pidFilePath("services"));
  if (servicesPid !== undefined && isServices(servicesPid)) {
    log(`services (pid ${servicesPid}) ${await stopProcess(servicesPid, 5_000)}`);
    stopped.push(servicesPid);
  }
  removePidFile(pidFilePath("services"));
  stopped.push(
    ...await stopCephCluster(
      { mon: pidFilePath("mon"), osd: pidFilePath("osd"), rgw: pidFilePath("rgw") },
      { log },
    ),
  );
  // Leftovers: a killed `up` may have started a process without recording it.
  const leftovers = [
    ...findProcesses(SERVICES_FILE).filter(isServices),
    ...findProcesses(confPath(CEPH_DIR)),
  ];
  for (const pid of leftovers) {
    const what = commandLine(pid)?.join(" ");
    log(`leftover ${what} (pid ${pid}) ${await stopProcess(pid, 5_000)}`);
    stopped.push(pid);
  }
  const ports = state?.ports ?? resolvePorts();
  // A state written before the stand-in existed has no hf port.
  const all = [ports.rgw, ports.mon, ports.mon + 1, ports.clearml, ports.usermgmt, ports.hf]
    .filter((port) => port !== undefined);
  if (stopped.length > 0) {
    if (waitForReaping && !await waitReaped(stopped)) {
      log("warning: some stopped processes were not reaped yet");
    }
    const closed = await waitUntil(
      async () => {
        const open = await Promise.all(all.map((port) => portOpen(port, HOST)));
        return !open.includes(true);
      },
      10_000,
      100,
    );
    if (!closed) log(`warning: some of the ports ${all.join(", ")} are still open`);
  }
  rmSync(ENV_FILE, { force: true });
  rmSync(STATE_FILE, { force: true });
  // The data is throwaway (memstore's is gone already); a bluestore file can hold gigabytes.
  if (findProcesses(confPath(CEPH_DIR)).length === 0) removeCephData(CEPH_DIR);
  return stopped.length > 0;
}

/** `down`: silent when nothing ran. */
async function down(): Promise<void> {
  const started = performance.now();
  const lines: string[] = [];
  const stopped = await stopAll((line) => lines.push(line));
  if (!stopped) return;
  for (const line of lines) console.log(line);
  console.log(`The stack is down (${((performance.now() - started) / 1000).toFixed(2)} s).`);
}

function isServices(pid: number): boolean {
  return (commandLine(pid) ?? []).some((arg) => arg === SERVICES_FILE);
}

// ---- status ----

async function status(): Promise<number> {
  const state = readState();
  const programs: Record<Component, string> = {
    services: "",
    rgw: "radosgw",
    osd: "ceph-osd",
    mon: "ceph-mon",
  };
  let allRunning = true;
  for (const component of COMPONENTS) {
    const pid = readPidFile(pidFilePath(component));
    const running = pid !== undefined &&
      (component === "services" ? isServices(pid) : runs(pid, programs[component]));
    allRunning &&= running;
    console.log(`${component.padEnd(8)} ${running ? `running (pid ${pid})` : "not running"}`);
  }
  const ok = state !== undefined && allRunning && await healthy(state);
  console.log(
    ok
      ? `The stack is up (${state.objectStore}, since ${state.startedAt}); settings in ${ENV_FILE}.`
      : "The stack is not (fully) up: run `deno run -A scripts/stack.ts up`.",
  );
  return ok ? 0 : 1;
}

/** Whether every process of `state` runs and every service answers. */
async function healthy(state: StackState): Promise<boolean> {
  const programs = { rgw: "radosgw", osd: "ceph-osd", mon: "ceph-mon" } as const;
  for (const [component, program] of Object.entries(programs)) {
    const pid = readPidFile(pidFilePath(component as Component));
    if (pid === undefined || !runs(pid, program)) return false;
  }
  const services = readPidFile(pidFilePath("services"));
  if (services === undefined || !isServices(services) || !existsSync(ENV_FILE)) return false;
  return await servicesAnswer(state.ports) &&
    await get(`http://${HOST}:${state.ports.rgw}/`) !== undefined;
}

// ---- helpers ----

function readState(): StackState | undefined {
  try {
    return JSON.parse(readFileSync(STATE_FILE, "utf8")) as StackState;
  } catch {
    return undefined;
  }
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** The status of a GET, or undefined when nothing answered. */
async function get(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

function fileTail(path: string, lines = 20): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
    return text === "" ? "" : `; last lines of ${path}:\n${text}`;
  } catch {
    return "";
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(errorText(error));
    process.exit(1);
  },
);
