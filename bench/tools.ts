/**
 * The clients measured and the exact commands they run: the SDK through its CLI (`aipmodel add`
 * / `aipmodel get`, start-up included), awscli (`aws s3 cp`), rclone with its defaults, and rclone
 * with one tuned line. The peers write to a bucket of their own, each upload to a fresh prefix.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PackageSet } from "../stack/apt.ts";
import type { CaseSpec } from "./data.ts";

/** The names of the clients, in the order they run within a round. */
export const TOOL_NAMES = ["sdk", "awscli", "rclone", "rclone-tuned"] as const;

/** One of {@link TOOL_NAMES}. */
export type ToolName = typeof TOOL_NAMES[number];

/** The runtimes the SDK's CLI can run on. */
export type Runtime = "node" | "deno" | "bun";

/**
 * The tuned rclone line, for a 2-core machine whose radosgw needs most of the CPU: more files in
 * flight (16 instead of 4), 8 parts of a large file uploaded at once (instead of 4) and 8 ranged
 * streams per large download (instead of 4); chunk size left at 5 MiB, which bounds the upload
 * buffers to transfers x concurrency x chunk. The same line as the peer timings in
 * ceph-rgw.md.
 */
export const RCLONE_TUNED = [
  "--transfers",
  "16",
  "--checkers",
  "16",
  "--s3-upload-concurrency",
  "8",
  "--multi-thread-streams",
  "8",
];

/**
 * The Debian packages the chosen clients need, installed when missing (`stack/apt.ts`): the peers,
 * and GNU time, which measures every client's peak RSS and CPU.
 */
export function peerPackages(names: readonly ToolName[]): PackageSet {
  const programs = ["/usr/bin/time"];
  const packages = ["time"];
  if (names.includes("awscli")) {
    programs.push(AWS);
    packages.push("awscli");
  }
  if (names.includes("rclone") || names.includes("rclone-tuned")) {
    programs.push("rclone");
    packages.push("rclone");
  }
  return { what: "the benchmark's peers (Debian's awscli, rclone and time)", programs, packages };
}

/** A command to run: argv and the variables added to the benchmark's environment. */
export interface Step {
  argv: string[];
  env: Record<string, string>;
}

/** What a tool needs to know about the run. */
export interface ToolContext {
  repo: string;
  /** `.stack/env` as a record. */
  stackEnv: Record<string, string>;
  /** Its path (`--env-file` of the CLI). */
  envFile: string;
  runtime: Runtime;
  /** The bucket the peers write to (same S3 account, not the SDK's bucket). */
  peerBucket: string;
}

/** A client: the commands of one upload, one download and the (untimed) clean-up. */
export interface Tool {
  name: ToolName;
  upload(spec: CaseSpec, caseDir: string, round: number): Step;
  download(spec: CaseSpec, dest: string, round: number): Step;
  /** Removes what the round stored (the peers share one clean-up: {@link peerCleanup}). */
  cleanup?(spec: CaseSpec, round: number): Step;
}

/** The SDK model name of a case. */
export function modelName(spec: CaseSpec): string {
  return `bench-${spec.id}`;
}

/**
 * How the SDK's CLI is started on `runtime`: Node runs the built npm package when `npm/` holds
 * one, else the source through tsx; Deno and Bun run the source.
 */
export function sdkCommand(repo: string, runtime: Runtime): string[] {
  const bin = "src/cli/bin.ts";
  const bins = join(repo, "node_modules/.bin");
  switch (runtime) {
    case "deno":
      return [join(bins, "deno"), "run", "-A", bin];
    case "bun":
      return [join(bins, "bun"), bin];
    case "node": {
      const built = builtNpmBin(repo);
      return built ? ["node", built] : ["node", "--import", "tsx", bin];
    }
  }
}

function builtNpmBin(repo: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(repo, "npm/package.json"), "utf8"));
    const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.aipmodel;
    if (typeof bin === "string" && existsSync(join(repo, "npm", bin))) return join("npm", bin);
  } catch {
    // No build: run the source.
  }
  return undefined;
}

/** The environment of awscli (also used for the peers' clean-up). */
function awsEnv(context: ToolContext): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: context.stackEnv.CEPH_ACCESS_KEY!,
    AWS_SECRET_ACCESS_KEY: context.stackEnv.CEPH_SECRET_KEY!,
    AWS_DEFAULT_REGION: "us-east-1",
    // awscli releases from 2025 on send CRC checksums that radosgw 16 refuses (ceph-rgw.md);
    // 2.9 ignores these, newer ones need them.
    AWS_REQUEST_CHECKSUM_CALCULATION: "when_required",
    AWS_RESPONSE_CHECKSUM_VALIDATION: "when_required",
    // Nothing from a user's ~/.aws changes the measured defaults.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
}

// Debian's awscli; another `aws` (e.g. a pyenv shim) may come first on PATH.
const AWS = "/usr/bin/aws";
// No per-file "upload: ..." lines (2,000 of them in case C) and no progress bar: what a script
// would pass; it does not change how awscli transfers.
const ONLY_ERRORS = "--only-show-errors";

function awsArgs(context: ToolContext, ...args: string[]): string[] {
  return [AWS, "--endpoint-url", context.stackEnv.CEPH_ENDPOINT_URL!, ...args];
}

// <bucket>/<case>/r<N>/<tool>: one command removes what all peers stored in a round.
function peerPrefix(context: ToolContext, tool: ToolName, spec: CaseSpec, round: number): string {
  return `${context.peerBucket}/${spec.id}/r${round}/${tool}`;
}

/** Removes what the peers stored in one round of a case, or (no `only`) everything they stored. */
export function peerCleanup(
  context: ToolContext,
  only?: { spec: CaseSpec; round: number },
): Step {
  const prefix = only === undefined
    ? context.peerBucket
    : `${context.peerBucket}/${only.spec.id}/r${only.round}`;
  return {
    argv: awsArgs(context, "s3", "rm", "--recursive", ONLY_ERRORS, `s3://${prefix}/`),
    env: awsEnv(context),
  };
}

/** The commands that create and remove the peers' bucket. */
export function peerBucketSteps(context: ToolContext): { create: Step; remove: Step } {
  return {
    create: {
      argv: awsArgs(context, "s3api", "create-bucket", "--bucket", context.peerBucket),
      env: awsEnv(context),
    },
    remove: {
      argv: awsArgs(context, "s3", "rb", "--force", `s3://${context.peerBucket}`),
      env: awsEnv(context),
    },
  };
}

/** The four clients. */
export function tools(context: ToolContext): Tool[] {
  const sdk = sdkCommand(context.repo, context.runtime);
  // No progress output: awscli runs with --only-show-errors and rclone prints none by default.
  const envFile = ["--env-file", context.envFile, "--no-progress"];
  const sdkEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", NO_COLOR: "1" };
  const sdkTool: Tool = {
    name: "sdk",
    upload: (spec, caseDir, round) => ({
      argv: [
        ...sdk,
        "add",
        spec.single ? join(caseDir, spec.files[0]!.path) : caseDir,
        "--name",
        modelName(spec),
        "--version",
        `r${round}`,
        ...envFile,
      ],
      env: sdkEnv,
    }),
    download: (spec, dest, round) => ({
      argv: [...sdk, "get", modelName(spec), "--version", `r${round}`, "--dest", dest, ...envFile],
      env: sdkEnv,
    }),
    // The whole model: every round adds to a new model, as the first one did.
    cleanup: (spec) => ({ argv: [...sdk, "rm", modelName(spec), ...envFile], env: sdkEnv }),
  };

  const awsTool: Tool = {
    name: "awscli",
    upload: (spec, caseDir, round) => {
      const target = `s3://${peerPrefix(context, "awscli", spec, round)}/`;
      const args = spec.single
        ? [
          "s3",
          "cp",
          ONLY_ERRORS,
          join(caseDir, spec.files[0]!.path),
          target + spec.files[0]!.path,
        ]
        : ["s3", "cp", ONLY_ERRORS, "--recursive", caseDir, target];
      return { argv: awsArgs(context, ...args), env: awsEnv(context) };
    },
    download: (spec, dest, round) => {
      const source = `s3://${peerPrefix(context, "awscli", spec, round)}/`;
      const args = spec.single
        ? ["s3", "cp", ONLY_ERRORS, source + spec.files[0]!.path, join(dest, spec.files[0]!.path)]
        : ["s3", "cp", ONLY_ERRORS, "--recursive", source, dest];
      return { argv: awsArgs(context, ...args), env: awsEnv(context) };
    },
  };

  const rcloneEnv = {
    // The remote "bench" from variables alone; no config file is read.
    RCLONE_CONFIG: "/dev/null",
    RCLONE_CONFIG_BENCH_TYPE: "s3",
    RCLONE_CONFIG_BENCH_PROVIDER: "Ceph",
    RCLONE_CONFIG_BENCH_ENDPOINT: context.stackEnv.CEPH_ENDPOINT_URL!,
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: context.stackEnv.CEPH_ACCESS_KEY!,
    RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: context.stackEnv.CEPH_SECRET_KEY!,
  };
  const rclone = (name: "rclone" | "rclone-tuned", extra: string[]): Tool => ({
    name,
    upload: (spec, caseDir, round) => ({
      argv: [
        "rclone",
        "copy",
        spec.single ? join(caseDir, spec.files[0]!.path) : caseDir,
        `bench:${peerPrefix(context, name, spec, round)}`,
        ...extra,
      ],
      env: rcloneEnv,
    }),
    download: (spec, dest, round) => {
      const prefix = `bench:${peerPrefix(context, name, spec, round)}`;
      return {
        argv: [
          "rclone",
          "copy",
          spec.single ? `${prefix}/${spec.files[0]!.path}` : prefix,
          dest,
          ...extra,
        ],
        env: rcloneEnv,
      };
    },
  });

  return [sdkTool, awsTool, rclone("rclone", []), rclone("rclone-tuned", RCLONE_TUNED)];
}
