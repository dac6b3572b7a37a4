// deno-lint-ignore-file no-console
/**
 * Builds the npm package in `npm/` from the same source that JSR publishes, with the TypeScript
 * compiler API (typescript 6.0.3 from node_modules; `rewriteRelativeImportExtensions` turns the
 * source's `./x.ts` imports into `./x.js`):
 *
 * - `npm/esm/` ES modules and `npm/cjs/` CommonJS, each with its own `.d.ts`;
 * - `npm/bin/aipmodel.js`, the CLI as one ES module bundled by esbuild from the ESM build (the
 *   npm dependencies stay imports): Node loads one file instead of some 120 modules, which took
 *   it 0.1 s of every command (`aipmodel --help`: 0.31 s -> 0.21 s, `ls`: 0.38 s -> 0.27 s);
 * - `npm/package.json` generated from `deno.json`: name `aipmodel`, the version, the dependencies
 *   from the `npm:` entries of `imports`, `exports` with per-condition types, the `aipmodel` bin;
 * - README.md and LICENSE.
 *
 * The build type-checks the library without Deno's types, so library code that uses `Deno.*`
 * fails it: the npm build is the guard that keeps the core runtime-agnostic.
 *
 * Usage: `./node_modules/.bin/deno run -A scripts/build_npm.ts` (or `npm run build:npm`).
 * `GITHUB_REPOSITORY` (set in GitHub Actions) adds the `repository` field that npm provenance
 * checks.
 */

import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "npm");
const NPM_NAME = "aipmodel";
const DESCRIPTION = "The model registry SDK and CLI for a ClearML + Ceph platform: register, " +
  "upload, version, download, list and delete machine-learning models (the TypeScript port of " +
  "the Python aipmodel SDK), for Node 20+, Bun and Deno.";
/** The CLI's executable entry; it is built into the ESM tree only, then bundled into BIN_OUT. */
const BIN_SOURCE = "src/cli/bin.ts";
/** The package's `bin`: the CLI bundled into one file (see the module documentation). */
const BIN_OUT = "bin/aipmodel.js";

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  exports: string | Record<string, string>;
  imports?: Record<string, string>;
}

/** A failure of the build, reported as one message without a stack. */
class BuildError extends Error {}

/** `"npm:@scope/name@1.2.3/sub"` -> `["@scope/name", "1.2.3"]`; other specifiers give null. */
export function npmDependency(specifier: string): [string, string] | null {
  const match = /^npm:(@[^/@]+\/[^/@]+|[^/@]+)@([^/]+)/.exec(specifier);
  if (!match) return null;
  return [match[1]!, match[2]!];
}

/**
 * The module `exports` of deno.json as `[subpath, source file]` pairs, e.g. `[".", "mod.ts"]`.
 * The CLI's executable (JSR's `./bin`) is left out: on npm it is the package's `bin`, an ES module
 * with top-level await that has no CommonJS form.
 */
function entryPoints(denoJson: DenoJson): [string, string][] {
  const exports = typeof denoJson.exports === "string"
    ? { ".": denoJson.exports }
    : denoJson.exports;
  return Object.entries(exports)
    .map(([subpath, file]): [string, string] => [subpath, file.replace(/^\.\//, "")])
    .filter(([, file]) => file !== BIN_SOURCE);
}

/** `./x.ts` -> `./x.js` in the module specifiers of a declaration file (tsc rewrites only JS). */
export function rewriteDeclarationImports(text: string): string {
  return text
    .replace(/(\bfrom\s+["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3")
    .replace(/(\bimport\s*\(\s*["'])(\.{1,2}\/[^"']+)\.ts(["']\s*\))/g, "$1$2.js$3")
    .replace(/(\bimport\s+["'])(\.{1,2}\/[^"']+)\.ts(["'])/g, "$1$2.js$3");
}

/** The compiler options shared by both builds: deno.json's strictness, no Deno types. */
function baseOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: ["lib.es2023.d.ts"],
    types: ["node"],
    typeRoots: [join(ROOT, "node_modules/@types")],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    skipLibCheck: true,
    rootDir: ROOT,
    newLine: ts.NewLineKind.LineFeed,
    removeComments: false,
  };
}

function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
  });
}

/** Compiles `roots` into `outDir` (the `label` build); throws a BuildError naming every problem. */
function compile(
  label: string,
  roots: string[],
  outDir: string,
  options: ts.CompilerOptions,
): void {
  const compilerOptions = { ...baseOptions(), ...options, outDir };
  const host = ts.createCompilerHost(compilerOptions);
  host.writeFile = (fileName, text) => {
    mkdirSync(dirname(fileName), { recursive: true });
    const isDeclaration = fileName.endsWith(".d.ts");
    let output = isDeclaration ? rewriteDeclarationImports(text) : text;
    const isBin = relative(outDir, fileName) === BIN_SOURCE.replace(/\.ts$/, ".js");
    if (isBin) output = `#!/usr/bin/env node\n${output.replace(/^#!.*\n/, "")}`;
    writeFileSync(fileName, output);
    if (isBin) chmodSync(fileName, 0o755);
  };
  const program = ts.createProgram(roots.map((file) => join(ROOT, file)), compilerOptions, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const denoUses = diagnostics.filter((d) =>
    d.code === 2304 && ts.flattenDiagnosticMessageText(d.messageText, "\n").includes("'Deno'")
  );
  if (denoUses.length > 0) {
    throw new BuildError(
      "library code uses Deno.* and would not run on Node or Bun; use a node: built-in or a Web " +
        `API instead:\n${formatDiagnostics(denoUses)}`,
    );
  }
  if (diagnostics.length > 0) {
    throw new BuildError(
      `the TypeScript compiler reported, for the ${label} build:\n${
        formatDiagnostics(diagnostics)
      }`,
    );
  }
  const emitted = program.emit();
  if (emitted.emitSkipped || emitted.diagnostics.length > 0) {
    throw new BuildError(`the ${label} emit failed:\n${formatDiagnostics(emitted.diagnostics)}`);
  }
}

/** `mod.ts` -> `./esm/mod.js` (or `.d.ts` with `declaration`). */
function built(format: "esm" | "cjs", file: string, declaration = false): string {
  return `./${format}/${file.replace(/\.ts$/, declaration ? ".d.ts" : ".js")}`;
}

/** The npm package.json, from deno.json. */
export function packageJson(denoJson: DenoJson, hasBin: boolean): Record<string, unknown> {
  const dependencies: Record<string, string> = {};
  for (const specifier of Object.values(denoJson.imports ?? {})) {
    const dependency = npmDependency(specifier);
    if (dependency) dependencies[dependency[0]] = dependency[1];
  }
  const exports: Record<string, unknown> = {};
  for (const [subpath, file] of entryPoints(denoJson)) {
    exports[subpath] = {
      import: { types: built("esm", file, true), default: built("esm", file) },
      require: { types: built("cjs", file, true), default: built("cjs", file) },
    };
  }
  exports["./package.json"] = "./package.json";
  const main = entryPoints(denoJson).find(([subpath]) => subpath === ".")?.[1];
  const repository = process.env.GITHUB_REPOSITORY;
  return {
    name: NPM_NAME,
    version: denoJson.version,
    description: DESCRIPTION,
    license: denoJson.license,
    keywords: ["mlops", "model-registry", "clearml", "ceph", "s3", "huggingface"],
    ...(repository
      ? { repository: { type: "git", url: `git+https://github.com/${repository}.git` } }
      : {}),
    type: "module",
    engines: { node: ">=20" },
    ...(main
      ? { main: built("cjs", main), module: built("esm", main), types: built("esm", main, true) }
      : {}),
    exports,
    ...(hasBin ? { bin: { [NPM_NAME]: `./${BIN_OUT}` } } : {}),
    files: ["esm/", "cjs/", ...(hasBin ? ["bin/"] : []), "README.md", "LICENSE"],
    dependencies,
  };
}

/**
 * Bundles the built CLI entry `entry` and the SDK modules it imports into `outfile` (esbuild, a
 * pinned devDependency); packages stay imports, resolved from the installed package's
 * dependencies. The entry's `#!/usr/bin/env node` line is kept.
 */
function bundleBin(entry: string, outfile: string): void {
  const esbuild = join(ROOT, "node_modules/.bin/esbuild");
  const result = spawnSync(esbuild, [
    entry,
    "--bundle",
    "--platform=node",
    "--format=esm",
    "--target=node20",
    "--packages=external",
    "--log-level=warning",
    `--outfile=${outfile}`,
  ], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    throw new BuildError(
      `esbuild could not bundle the CLI (${esbuild}; run npm ci):\n${
        result.stderr || result.error?.message || `exit ${result.status}`
      }`,
    );
  }
  if (!readFileSync(outfile, "utf8").startsWith("#!/usr/bin/env node\n")) {
    throw new BuildError(`${outfile} lost its #!/usr/bin/env node line`);
  }
  chmodSync(outfile, 0o755);
}

function build(): void {
  const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as DenoJson;
  const entries = entryPoints(denoJson).map(([, file]) => file);
  const hasBin = existsSync(join(ROOT, BIN_SOURCE));
  rmSync(OUT, { recursive: true, force: true });

  compile("ES module", hasBin ? [...entries, BIN_SOURCE] : entries, join(OUT, "esm"), {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  compile("CommonJS", entries, join(OUT, "cjs"), {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  });
  writeFileSync(join(OUT, "cjs/package.json"), '{ "type": "commonjs" }\n');
  if (hasBin) bundleBin(join(OUT, "esm", BIN_SOURCE.replace(/\.ts$/, ".js")), join(OUT, BIN_OUT));
  const manifest = packageJson(denoJson, hasBin);
  writeFileSync(join(OUT, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ["README.md", "LICENSE"]) copyFileSync(join(ROOT, file), join(OUT, file));
  console.log(`npm/: ${NPM_NAME}@${denoJson.version} (ESM, CJS, .d.ts${hasBin ? ", bin" : ""})`);
}

if (import.meta.main) {
  const started = performance.now();
  try {
    build();
    console.log(`build:npm done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    console.error(`build:npm failed: ${error.message}`);
    process.exit(1);
  }
}
