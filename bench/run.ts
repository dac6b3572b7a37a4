// deno-lint-ignore-file no-console
/**
 * The transfer benchmark (issue 6): the SDK's CLI against awscli and rclone on the same radosgw.
 *
 * ```sh
 * deno run -A bench/run.ts [--quick] [--rounds N] [--cases a,b,c] [--runtime node|deno|bun]
 *                          [--out bench/results.json] [--use-running-stack] [--keep-data]
 * ```
 *
 * It starts the local stack with a bluestore OSD (or reuses one that runs with bluestore; it
 * stops only what it started), generates each case's data from a seed, and runs, per round, each
 * client's upload then download (sdk, awscli, rclone, rclone-tuned; each round starts one client
 * later, and there are as many rounds as clients, so each client takes each place once: the
 * first client of a round, after the previous round's clean-up or case, ran 0.15 to 0.25 s
 * slower on 2,000 small files, whichever client it was). Every
 * upload goes to a fresh key prefix (SDK: version `r<N>` of a model removed after the round;
 * peers: `<bucket>/<tool>/<case>/r<N>/` in a bucket of their own); every download goes to an
 * empty folder; the downloaded bytes are checked (count, sizes, SHA-256) outside the timing.
 * `sync` runs before each timed command so one client's dirty pages do not slow the next. A
 * downloaded tree is removed once checked, except a tree of many files, removed at the end of its
 * case: on an ext4 without a journal (this machine's), creating a file skips every inode deleted
 * in the last 60 to 300 s and reads it to know (`recently_deleted`), so removing 2,000 files
 * charged the next client's 2,000 creations with up to 3 s of kernel time, whoever ran next. For
 * the same reason the data and download folders are marked as top folders (`chattr +T`, where the
 * file system has the flag): ext4 then places each case's and each download's folder, and so its
 * files, in a block group of its own instead of the parent's, where an earlier run, case or
 * clean-up deleted thousands of files (measured: 2,000 x 64 KiB into a folder whose group had
 * just lost 6,000 files, 2.0 to 3.0 s and 0.7 to 1.7 s of system time; into a top folder's new
 * folder 1.5 to 1.9 s and 0.3 to 0.6 s). The group follows from a hash of the folder's name, so
 * the names carry a tag of the run: a run started soon after another gets other groups.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ensurePackages } from "../stack/apt.ts";
import { caseSpecs, type DataFile, generateCase, sizeText, verifyTree } from "./data.ts";
import { cpuSeconds, measure, rssMethod } from "./measure.ts";
import {
  machine,
  markdown,
  ratios,
  type RoundResult,
  type Series,
  type SeriesInput,
  summarize,
} from "./report.ts";
import { type BenchStack, closeStack, openStack, serverPids } from "./stack.ts";
import {
  peerBucketSteps,
  peerCleanup,
  peerPackages,
  RCLONE_TUNED,
  type Runtime,
  sdkCommand,
  type Step,
  TOOL_NAMES,
  type ToolContext,
  type ToolName,
  tools,
} from "./tools.ts";

/** A downloaded tree of more files than this is removed at the end of its case (see above). */
const MANY_FILES = 100;

const REPO = resolve(dirname(new URL(import.meta.url).pathname), "..");
const SEED = 20261127;

const USAGE = `Usage: deno run -A bench/run.ts [options]

  --quick               64 MiB, 8 x 8 MiB, 200 x 64 KiB, 1 round (CI)
  --rounds N            rounds per case (default: one per client, at least 3; 1 with --quick)
  --cases a,b,c         which cases (a: one 1 GiB file, b: 8 x 128 MiB, c: 2,000 x 64 KiB)
  --tools LIST          which clients (default sdk,awscli,rclone,rclone-tuned)
  --runtime R           the SDK CLI's runtime: node (default), deno or bun
  --out PATH            the JSON results (default bench/results.json)
  --work-dir PATH       data and downloads (default .bench/ in the repository)
  --use-running-stack   use the stack that runs (any object store); never start or stop one
  --keep-data           keep the work folder
  --verify full|size    check downloads by SHA-256 and size (default) or size only

Ports: STACK_RGW_PORT, STACK_MON_PORT, STACK_CLEARML_PORT, STACK_USERMGMT_PORT, STACK_HF_PORT.`;

interface Options {
  quick: boolean;
  rounds: number;
  cases: string[];
  tools: ToolName[];
  runtime: Runtime;
  out: string;
  workDir: string;
  useRunningStack: boolean;
  keepData: boolean;
  hash: boolean;
}

function options(args: string[]): Options {
  const { values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean", default: false },
      rounds: { type: "string" },
      cases: { type: "string", default: "a,b,c" },
      tools: { type: "string", default: TOOL_NAMES.join(",") },
      runtime: { type: "string", default: "node" },
      out: { type: "string", default: join(REPO, "bench/results.json") },
      "work-dir": { type: "string", default: join(REPO, ".bench") },
      "use-running-stack": { type: "boolean", default: false },
      "keep-data": { type: "boolean", default: false },
      verify: { type: "string", default: "full" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const fail = (problem: string): never => {
    console.error(`${problem}\n\n${USAGE}`);
    Deno.exit(2);
  };
  const cases = values.cases.split(",").map((id) => id.trim().toLowerCase());
  for (const id of cases) if (!["a", "b", "c"].includes(id)) fail(`--cases: unknown case ${id}`);
  const toolList = values.tools.split(",").map((name) => name.trim());
  for (const name of toolList) {
    if (!(TOOL_NAMES as readonly string[]).includes(name)) fail(`--tools: unknown client ${name}`);
  }
  // As many rounds as clients (at least 3): each client takes each place in the order once.
  const balanced = Math.max(3, toolList.length);
  const rounds = Number(values.rounds ?? (values.quick ? 1 : balanced));
  if (!Number.isInteger(rounds) || rounds < 1) {
    fail(`--rounds ${values.rounds}: a whole number >= 1`);
  }
  if (!["node", "deno", "bun"].includes(values.runtime)) fail(`--runtime ${values.runtime}`);
  if (!["full", "size"].includes(values.verify)) fail(`--verify ${values.verify}`);
  return {
    quick: values.quick,
    rounds,
    cases,
    tools: toolList as ToolName[],
    runtime: values.runtime as Runtime,
    out: resolve(values.out),
    workDir: resolve(values["work-dir"]),
    useRunningStack: values["use-running-stack"],
    keepData: values["keep-data"],
    hash: values.verify === "full",
  };
}

/** Environment of every client: ours, minus what would change a client's settings. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    // AWS_CA_BUNDLE makes rclone 1.60 fail on http:// endpoints (ceph-rgw.md); AWS_PROFILE and
    // friends, and RCLONE_* settings, would change the clients' defaults.
    if (key.startsWith("AWS_") || key.startsWith("RCLONE_")) continue;
    // A machine's HTTPS-proxy bundle: Node reads and parses it before any code runs (0.03 s of
    // each start of the SDK's CLI here) although every endpoint is http://; the peers read theirs
    // only for TLS. NODE_OPTIONS would change the SDK's runtime.
    if (key === "NODE_EXTRA_CA_CERTS" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return env;
}

/**
 * Asks ext4 to place each new folder under `dir` in a block group of its own (the top-folder flag,
 * `chattr +T`; see the module documentation). Elsewhere (another file system, no chattr) nothing
 * changes.
 */
function spreadSubfolders(dir: string): void {
  spawnSync("chattr", ["+T", dir], { stdio: "ignore" });
}

/** `list` starting at its `shift`-th item (modulo its length), wrapping around. */
function rotated<T>(list: readonly T[], shift: number): T[] {
  const start = list.length === 0 ? 0 : shift % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** The checked-out commit, with "+changes" when the tree differs from it. */
function gitCommit(): string {
  const git = (...args: string[]) =>
    spawnSync("git", ["-C", REPO, ...args], { encoding: "utf8" }).stdout?.trim() ?? "";
  const head = git("rev-parse", "--short", "HEAD") || "unknown";
  return git("status", "--porcelain", "--untracked-files=no") === "" ? head : `${head}+changes`;
}

const cpuText = (value: number | null) => value === null ? "-" : value.toFixed(1).padStart(5);

const elapsed = (from: number) => `${((performance.now() - from) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const opts = options(Deno.args);
  const started = performance.now();
  const date = new Date().toISOString();
  // The CPU is shared on the machines this runs on: the load average tells how much.
  const load = () => loadavg().map((value) => Math.round(value * 100) / 100);
  const loadAtStart = load();
  const env = baseEnv();
  const logDir = join(opts.workDir, "logs");
  const dataDir = join(opts.workDir, "data");
  const downloadDir = join(opts.workDir, "downloads");
  // Names the run's folders apart from an earlier run's (see spreadSubfolders).
  const runTag = Date.now().toString(36);
  rmSync(opts.workDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  for (const dir of [dataDir, downloadDir]) {
    mkdirSync(dir, { recursive: true });
    spreadSubfolders(dir);
  }
  let logCount = 0;
  const logPath = (label: string) =>
    join(logDir, `${String(++logCount).padStart(4, "0")}-${label}.log`);
  // Untimed commands (clean-up, bucket): their failures are reported, not measured.
  const run = async (step: Step, label: string, mayFail = false) => {
    const path = logPath(label);
    const result = await measure(step.argv, {
      env: { ...env, ...step.env },
      cwd: REPO,
      logPath: path,
    });
    if (result.code !== 0 && !mayFail) {
      console.log(`  warning: ${label} failed (exit ${result.code}): ${tail(path, 5)}`);
    }
    return result.code === 0;
  };

  let stack: BenchStack | undefined;
  const all: Series[] = [];
  let failures = 0;
  try {
    ensurePackages(peerPackages(opts.tools), (line) => console.log(line));
    stack = openStack(REPO, opts.useRunningStack, (line) => console.log(line));
    const context: ToolContext = {
      repo: REPO,
      stackEnv: stack.env,
      envFile: stack.envFile,
      runtime: opts.runtime,
      peerBucket: "bench-peers",
    };
    if (opts.runtime === "node" && sdkCommand(REPO, "node").includes("tsx")) {
      console.log(
        "Note: no npm build in npm/, so the SDK runs from source through tsx (its start-up " +
          "includes transpiling); `npm run build:npm` first measures the published package.",
      );
    }
    const clients = tools(context).filter((tool) => opts.tools.includes(tool.name));
    const bucket = peerBucketSteps(context);
    await run(bucket.create, "peer-bucket", true);
    // Objects left by an interrupted run.
    await run(peerCleanup(context), "peer-bucket-empty", true);
    console.log(
      `Stack: ${stack.objectStore} at ${stack.env.CEPH_ENDPOINT_URL}; SDK: ${
        sdkCommand(REPO, opts.runtime).join(" ")
      }; rounds: ${opts.rounds}; RSS: ${rssMethod()}`,
    );

    for (const spec of caseSpecs(opts.quick).filter((spec) => opts.cases.includes(spec.id))) {
      const caseDir = join(dataDir, `${spec.id}-${runTag}`);
      const bytes = spec.files.reduce((sum, file) => sum + file.size, 0);
      const generating = performance.now();
      const files: DataFile[] = generateCase(caseDir, spec, SEED);
      console.log(
        `\nCase ${spec.id.toUpperCase()}: ${spec.title} (${sizeText(bytes)}), data generated in ${
          elapsed(generating)
        }`,
      );
      // A model left by an interrupted run would turn the first add into a new version.
      const sdkClient = clients.find((tool) => tool.cleanup !== undefined);
      const peers = clients.some((tool) => tool.cleanup === undefined);
      if (sdkClient) await run(sdkClient.cleanup!(spec, 0), `${spec.id}-sdk-preclean`, true);
      const series = new Map<string, SeriesInput>();
      for (const tool of clients) {
        for (const op of ["upload", "download"] as const) {
          series.set(`${tool.name}/${op}`, {
            case: spec.id,
            title: spec.title,
            op,
            tool: tool.name,
            bytes,
            files: spec.files.length,
            rounds: [],
          });
        }
      }
      const downloaded: string[] = [];
      for (let round = 1; round <= opts.rounds; round++) {
        for (const tool of rotated(clients, round - 1)) {
          const timed = async (op: "upload" | "download", step: Step): Promise<RoundResult> => {
            spawnSync("sync");
            const path = logPath(`${spec.id}-r${round}-${tool.name}-${op}`);
            const servers = Object.values(serverPids(REPO));
            const serverCpu = () => servers.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
            const serverBefore = serverCpu();
            const result = await measure(step.argv, {
              env: { ...env, ...step.env },
              cwd: REPO,
              logPath: path,
            });
            const entry: RoundResult = {
              round,
              seconds: result.seconds,
              rssMiB: result.rssMiB,
              clientCpuSeconds: result.cpuSeconds,
              serverCpuSeconds: servers.length === 0 ? null : serverCpu() - serverBefore,
            };
            if (result.code !== 0) entry.error = `exit ${result.code}: ${tail(path, 3)}`;
            series.get(`${tool.name}/${op}`)!.rounds.push(entry);
            return entry;
          };
          const report = (op: string, entry: RoundResult) => {
            const rate = bytes / 1024 ** 2 / entry.seconds;
            console.log(
              `  r${round} ${tool.name.padEnd(12)} ${op.padEnd(8)} ${
                entry.seconds.toFixed(2).padStart(7)
              } s ` +
                `${rate.toFixed(1).padStart(7)} MiB/s ${entry.rssMiB.toFixed(0).padStart(5)} MiB` +
                `  cpu ${cpuText(entry.clientCpuSeconds)} s, rgw+osd ${
                  cpuText(entry.serverCpuSeconds)
                } s` +
                (entry.error ? `  FAILED ${entry.error}` : ""),
            );
            if (entry.error) failures++;
          };
          const up = await timed("upload", tool.upload(spec, caseDir, round));
          report("upload", up);
          if (up.error === undefined) {
            const dest = join(downloadDir, `${spec.id}-${tool.name}-r${round}-${runTag}`);
            rmSync(dest, { recursive: true, force: true });
            const down = await timed("download", tool.download(spec, dest, round));
            if (down.error === undefined) {
              const problem = await verifyTree(dest, files, opts.hash);
              if (problem) down.error = `download check: ${problem}`;
            }
            report("download", down);
            if (files.length > MANY_FILES) downloaded.push(dest);
            else rmSync(dest, { recursive: true, force: true });
          }
          if (tool.cleanup) {
            await run(tool.cleanup(spec, round), `${spec.id}-r${round}-${tool.name}-cleanup`);
          }
        }
        if (peers) {
          await run(peerCleanup(context, { spec, round }), `${spec.id}-r${round}-peers-cleanup`);
        }
      }
      for (const dest of downloaded) rmSync(dest, { recursive: true, force: true });
      rmSync(caseDir, { recursive: true, force: true });
      all.push(...[...series.values()].map(summarize));
    }
    await run(bucket.remove, "peer-bucket-remove");
  } finally {
    closeStack(REPO, stack);
    if (!opts.keepData) rmSync(opts.workDir, { recursive: true, force: true });
  }

  const ratioRows = ratios(all);
  const table = markdown(all, ratioRows);
  const seconds = (performance.now() - started) / 1000;
  const results = {
    date,
    commit: gitCommit(),
    durationSeconds: Math.round(seconds),
    mode: opts.quick ? "quick" : "full",
    rounds: opts.rounds,
    objectStore: stack?.objectStore,
    sdk: { runtime: opts.runtime, command: sdkCommand(REPO, opts.runtime).join(" ") },
    peers: {
      awscli: "aws s3 cp [--recursive] --only-show-errors",
      rclone: "rclone copy (defaults)",
      "rclone-tuned": `rclone copy ${RCLONE_TUNED.join(" ")}`,
    },
    rssMethod: rssMethod(),
    machine: {
      ...machine(REPO),
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: load(),
    },
    series: all,
    ratios: ratioRows,
    table,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(opts.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${table}\n`);
  console.log(
    `Total ${seconds.toFixed(0)} s; results in ${opts.out}${
      failures ? `; ${failures} FAILED run(s)` : ""
    }`,
  );
  return failures > 0 ? 1 : 0;
}

Deno.exit(await main());
