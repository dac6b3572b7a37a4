// deno-lint-ignore-file no-console
/**
 * Smoke tests of the npm package as a user gets it: builds `npm/`, packs it with `npm pack`,
 * installs the tarball in a fresh folder (its dependencies from the npm registry), and checks it
 * from Node ESM, Node `require`, Bun, Deno, `npx aipmodel`, and a TypeScript consumer (nodenext,
 * ESM and CJS). The CLI runs the scenario on Node and on Bun: add a folder to a local registry,
 * list it as JSON lines, get it back byte for byte; a wrong flag exits 2 with one line, a missing
 * model exits 1.
 *
 * Usage: `./node_modules/.bin/deno run -A scripts/smoke_npm.ts [--no-build] [--keep]`.
 * Prints one PASS or FAIL line per check and a summary; exits 1 when any check failed.
 */

import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "node_modules/.bin");
const args = new Set(process.argv.slice(2));

/** Runs a command; never throws (a spawn failure shows as a non-zero status and its message). */
function run(
  command: string,
  commandArgs: string[],
  cwd: string,
  timeoutMs = 120_000,
): SpawnSyncReturns<string> {
  return spawnSync(command, commandArgs, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
    // npm_config_yes=false: `npx aipmodel` runs the installed tarball's bin or fails; it never
    // downloads a package of that name from the registry.
    env: {
      ...process.env,
      PATH: `${BIN}:${process.env.PATH ?? ""}`,
      NO_COLOR: "1",
      npm_config_yes: "false",
    },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** What a failed command said, for a FAIL line: its status and the end of its output. */
function describe(result: SpawnSyncReturns<string>): string {
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error?.message ?? ""}`;
  const tail = output.trim().split("\n").slice(-15).join("\n    ");
  return `exit ${result.status ?? result.signal}\n    ${tail}`;
}

let passed = 0;
let failed = 0;

/** Runs one check; `check` returns null when it passed, or what went wrong. */
function step(name: string, check: () => string | null): boolean {
  const started = performance.now();
  let problem: string | null;
  try {
    problem = check();
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (problem === null) {
    passed++;
    console.log(`PASS ${name} (${seconds} s)`);
    return true;
  }
  failed++;
  console.log(`FAIL ${name} (${seconds} s): ${problem}`);
  return false;
}

/** A check that a command exits 0 (and, optionally, that its stdout satisfies `expect`). */
function succeeds(
  command: string,
  commandArgs: string[],
  cwd: string,
  expect?: (stdout: string) => string | null,
): () => string | null {
  return () => {
    const result = run(command, commandArgs, cwd);
    if (result.status !== 0) return describe(result);
    return expect ? expect(result.stdout) : null;
  };
}

/** sha256 of every file under `dir`, by path relative to `dir`. */
function hashes(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), createHash("sha256").update(readFileSync(path)).digest("hex"));
  }
  return out;
}

/** The model folder of the scenario: nested files, one of 3 MiB of varied bytes. */
function writeModelFolder(dir: string): void {
  mkdirSync(join(dir, "weights/shards"), { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify({ hidden_size: 8, layers: 2 }));
  writeFileSync(join(dir, "weights/shards/part-0.bin"), varied(3 * 1024 * 1024, 7));
  writeFileSync(join(dir, "weights/tokenizer.txt"), "hello\nworld\n");
}

function varied(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** Every line of `stdout` is JSON, and one of them names `model` with `version`. */
function listsModel(stdout: string, model: string, version: string): string | null {
  const lines = stdout.split("\n").filter((line) => line.trim() !== "");
  if (lines.length === 0) return "ls --json printed nothing";
  const records: unknown[] = [];
  for (const line of lines) {
    try {
      records.push(JSON.parse(line));
    } catch {
      return `a line of ls --json is not JSON: ${line.slice(0, 200)}`;
    }
  }
  const found = records.some((record) => {
    const text = JSON.stringify(record);
    return text.includes(`"${model}"`) && text.includes(`"${version}"`);
  });
  return found ? null : `no line lists ${model} with ${version}: ${stdout.slice(0, 400)}`;
}

/** Every file of `source` is under `dest` (possibly below a version folder) with the same bytes. */
function sameBytes(source: string, dest: string): string | null {
  const want = hashes(source);
  const got = [...hashes(dest)];
  for (const [path, hash] of want) {
    const match = got.find(([p]) => p === path || p.endsWith(`/${path}`));
    if (!match) return `${path} is missing under ${dest} (has: ${got.map(([p]) => p).join(", ")})`;
    if (match[1] !== hash) return `${match[0]} differs from ${path} (sha256)`;
  }
  return null;
}

/** The CLI scenario of the issue, run through `cli` (a command and its leading arguments). */
function cliScenario(runtime: string, cli: string[], consumer: string, work: string): void {
  const [command, ...prefix] = cli as [string, ...string[]];
  const registry = join(work, `${runtime}-registry`);
  const out = join(work, `${runtime}-out`);
  const folder = join(consumer, "folder");
  const aip = (...rest: string[]) => run(command, [...prefix, ...rest], consumer);

  step(`${runtime}: aipmodel add ./folder --name demo --version v1 --local-dir`, () => {
    const result = aip(
      "add",
      "./folder",
      "--name",
      "demo",
      "--version",
      "v1",
      "--local-dir",
      registry,
    );
    return result.status === 0 ? null : describe(result);
  });
  step(`${runtime}: aipmodel ls --json lists demo v1, one JSON object per line`, () => {
    const result = aip("ls", "--local-dir", registry, "--json");
    return result.status === 0 ? listsModel(result.stdout, "demo", "v1") : describe(result);
  });
  step(`${runtime}: aipmodel get demo --version v1 gives back the same bytes`, () => {
    const result = aip("get", "demo", "--version", "v1", "--dest", out, "--local-dir", registry);
    return result.status === 0 ? sameBytes(folder, out) : describe(result);
  });
  step(`${runtime}: a wrong flag exits 2 with a one-line message naming it`, () => {
    const result = aip("ls", "--local-dir", registry, "--no-such-flag");
    const lines = result.stderr.trim().split("\n").filter((line) => line.trim() !== "");
    if (result.status !== 2) return `expected exit 2, got ${describe(result)}`;
    if (lines.length !== 1) {
      return `expected one line on stderr, got ${lines.length}:\n${result.stderr}`;
    }
    return lines[0]!.includes("--no-such-flag")
      ? null
      : `the line does not name the flag: ${lines[0]}`;
  });
  step(`${runtime}: a missing model exits 1, naming it`, () => {
    const result = aip("get", "no_such_model", "--dest", out, "--local-dir", registry);
    if (result.status !== 1) return `expected exit 1, got ${describe(result)}`;
    return result.stderr.includes("no_such_model")
      ? null
      : `the message does not name the model: ${result.stderr}`;
  });
}

const ESM_CHECK = `
import { AipModelError, MLOpsManager, NotFoundError, ValidationError } from "aipmodel";
if (typeof MLOpsManager.connect !== "function") throw new Error("MLOpsManager.connect missing");
if (!(new ValidationError("x", "y") instanceof AipModelError)) throw new Error("error classes");
const manager = await MLOpsManager.connect({ localDir: process.argv[2] });
const models = await manager.listModels();
await manager.close();
if (!Array.isArray(models) || models.length !== 0) throw new Error("listModels: " + models);
try {
  const again = await MLOpsManager.connect({ localDir: process.argv[2] });
  await again.getModelInfo("missing");
  throw new Error("getModelInfo of a missing model did not throw");
} catch (error) {
  if (!(error instanceof NotFoundError)) throw error;
}
console.log("ok");
`;

const CJS_CHECK = `
const { AipModelError, MLOpsManager, ValidationError } = require("aipmodel");
if (typeof MLOpsManager.connect !== "function") throw new Error("MLOpsManager.connect missing");
if (!(new ValidationError("x", "y") instanceof AipModelError)) throw new Error("error classes");
MLOpsManager.connect({ localDir: process.argv[2] })
  .then(async (manager) => { await manager.listModels(); await manager.close(); console.log("ok"); })
  .catch((error) => { console.error(error); process.exitCode = 1; });
`;

const CLI_ESM_CHECK = `
import { main } from "aipmodel/cli";
if (typeof main !== "function") throw new Error("aipmodel/cli exports no main");
console.log("ok");
`;

const CLI_CJS_CHECK = `
const { main } = require("aipmodel/cli");
if (typeof main !== "function") throw new Error("aipmodel/cli exports no main");
console.log("ok");
`;

const TS_ESM = `
import { AipModelError, MLOpsManager, ValidationError, type AddModelOptions } from "aipmodel";
import { main } from "aipmodel/cli";
const options: AddModelOptions = { sourceType: "local", modelName: "m", sourcePath: "./folder" };
const error: AipModelError = new ValidationError("field", "expected");
async function use(): Promise<string> {
  const manager: MLOpsManager = await MLOpsManager.connect({ localDir: ".aipmodel" });
  const id: string = await manager.addModel(options);
  await manager.close();
  return id + error.message;
}
export const results: [Promise<string>, typeof main] = [use(), main];
`;

const TS_CJS = `
import { MLOpsManager, NotFoundError } from "aipmodel";
import cli = require("aipmodel/cli");
export async function names(): Promise<string[]> {
  const manager = await MLOpsManager.connect({ localDir: ".aipmodel" });
  try {
    return (await manager.listModels()).map((model) => model.name);
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  } finally {
    await manager.close();
  }
}
export const entry: typeof cli.main = cli.main;
`;

function smoke(): void {
  const work = mkdtempSync(join(tmpdir(), "aipmodel-smoke-"));
  const consumer = join(work, "consumer");
  mkdirSync(consumer);
  console.log(`== npm smoke tests in ${work}`);
  try {
    if (!args.has("--no-build")) {
      const built = step("build npm/ (scripts/build_npm.ts)", () => {
        const result = run(join(BIN, "deno"), ["run", "-A", "scripts/build_npm.ts"], ROOT);
        return result.status === 0 ? null : describe(result);
      });
      if (!built) return;
    }
    let tarball = "";
    const packed = step("npm pack", () => {
      if (!existsSync(join(ROOT, "npm/package.json"))) return "npm/ is not built (drop --no-build)";
      const result = run("npm", ["pack", "--json", "--pack-destination", work], join(ROOT, "npm"));
      if (result.status !== 0) return describe(result);
      const [info] = JSON.parse(result.stdout) as { filename: string; size: number }[];
      if (!info) return "npm pack printed no file";
      tarball = join(work, info.filename);
      console.log(`     ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB`);
      return null;
    });
    if (!packed) return;
    writeFileSync(join(consumer, "package.json"), '{ "name": "consumer", "private": true }\n');
    const installed = step("npm install of the tarball in a fresh folder", () => {
      const result = run(
        "npm",
        ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball],
        consumer,
        300_000,
      );
      return result.status === 0 ? null : describe(result);
    });
    if (!installed) return;

    step("the installed bin is one bundled file: no import of the package's own modules", () => {
      const bin = join(consumer, "node_modules/aipmodel/bin/aipmodel.js");
      if (!existsSync(bin)) return `${bin} is missing`;
      const own = /(?:from|import)\s*\(?\s*["']\.{1,2}\//.exec(readFileSync(bin, "utf8"));
      return own === null ? null : `it imports a relative module: ${own[0]}`;
    });
    writeFileSync(join(consumer, "esm_check.mjs"), ESM_CHECK);
    writeFileSync(join(consumer, "cjs_check.cjs"), CJS_CHECK);
    const ok = (stdout: string) => stdout.trim() === "ok" ? null : `printed: ${stdout}`;
    step(
      "node: import from 'aipmodel' (ESM), on a local registry",
      succeeds("node", ["esm_check.mjs", join(work, "esm-registry")], consumer, ok),
    );
    step(
      "node: require('aipmodel') (CJS), on a local registry",
      succeeds("node", ["cjs_check.cjs", join(work, "cjs-registry")], consumer, ok),
    );
    step(
      "bun: import from 'aipmodel', on a local registry",
      succeeds(join(BIN, "bun"), ["esm_check.mjs", join(work, "bun-registry")], consumer, ok),
    );
    step(
      "bun: require('aipmodel')",
      succeeds(join(BIN, "bun"), ["cjs_check.cjs", join(work, "bun-cjs-registry")], consumer, ok),
    );
    step(
      "deno: import from 'aipmodel' (the installed npm package)",
      succeeds(
        join(BIN, "deno"),
        ["run", "-A", "esm_check.mjs", join(work, "deno-registry")],
        consumer,
        ok,
      ),
    );

    writeFileSync(join(consumer, "cli_esm_check.mjs"), CLI_ESM_CHECK);
    writeFileSync(join(consumer, "cli_cjs_check.cjs"), CLI_CJS_CHECK);
    step("node: import from 'aipmodel/cli'", succeeds("node", ["cli_esm_check.mjs"], consumer, ok));
    step("node: require('aipmodel/cli')", succeeds("node", ["cli_cjs_check.cjs"], consumer, ok));
    step(
      "bun: import from 'aipmodel/cli'",
      succeeds(join(BIN, "bun"), ["cli_esm_check.mjs"], consumer, ok),
    );

    writeFileSync(join(consumer, "esm.mts"), TS_ESM);
    writeFileSync(join(consumer, "cjs.cts"), TS_CJS);
    step(
      "tsc: a consumer type-checks against the package (nodenext, ESM and CJS)",
      succeeds(join(BIN, "tsc"), [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--moduleResolution",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "--typeRoots",
        join(ROOT, "node_modules/@types"),
        "esm.mts",
        "cjs.cts",
      ], consumer),
    );

    step("npx aipmodel --help exits 0 and shows the commands", () => {
      const result = run("npx", ["aipmodel", "--help"], consumer);
      if (result.status !== 0) return describe(result);
      return /\badd\b/.test(result.stdout) ? null : `--help does not list add:\n${result.stdout}`;
    });
    step("npx aipmodel --version prints the package's version", () => {
      const result = run("npx", ["aipmodel", "--version"], consumer);
      const { version } = JSON.parse(readFileSync(join(ROOT, "npm/package.json"), "utf8"));
      if (result.status !== 0) return describe(result);
      return result.stdout.includes(version) ? null : `printed ${result.stdout}, not ${version}`;
    });

    writeModelFolder(join(consumer, "folder"));
    cliScenario("node", ["npx", "aipmodel"], consumer, work);
    cliScenario("bun", [join(BIN, "bun"), "node_modules/.bin/aipmodel"], consumer, work);
  } finally {
    if (args.has("--keep")) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

const started = performance.now();
smoke();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`npm smoke tests: ${passed} PASS, ${failed} FAIL (${seconds} s)`);
if (failed > 0 || passed === 0) process.exit(1);
