// deno-lint-ignore-file no-console
/**
 * The release version bump of the team's convention (the Python SDK's "Admin Instructions"): a
 * push to `main` whose commit message contains `pipy commit -push`, optionally followed by
 * `major`, `minor` or `patch` (default `patch`), releases the next version.
 *
 * As a program (run by the release workflow):
 *
 *   deno run scripts/bump_version.ts --current 0.1.3 --message "fix: x (pipy commit -push minor)"
 *     prints the next version (0.2.0); exits 3 when the message asks for no release
 *   deno run --allow-read --allow-write scripts/bump_version.ts --write 0.2.0
 *     writes the version where it lives: deno.json and src/version.ts (the CLI's --version).
 *     package.json is the private development workspace and has none; the npm package.json is
 *     generated from deno.json.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ValidationError } from "../src/errors.ts";

/** The parts of a version a release can increment. */
export type ReleaseKind = "major" | "minor" | "patch";

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const TRIGGER = /pipy commit -push(?![\w-])(?:[ \t]+(major|minor|patch)(?![\w-]))?/;
const KINDS: readonly ReleaseKind[] = ["major", "minor", "patch"];

/** The `[major, minor, patch]` of a plain `x.y.z` version; throws a ValidationError otherwise. */
export function parseVersion(version: string): [number, number, number] {
  const match = SEMVER.exec(typeof version === "string" ? version.trim() : "");
  if (!match) {
    throw new ValidationError(
      "version",
      `expected a release version MAJOR.MINOR.PATCH such as 1.4.2 (no leading zeros, no ` +
        `pre-release or build suffix), got ${JSON.stringify(version)}`,
    );
  }
  const parts = [Number(match[1]), Number(match[2]), Number(match[3])] as const;
  if (!parts.every(Number.isSafeInteger)) {
    throw new ValidationError("version", `each part must be a safe integer, got ${version}`);
  }
  return [...parts];
}

/**
 * The version after `current` for a release of `kind`: major resets minor and patch, minor resets
 * patch. Throws a ValidationError for a version that is not `x.y.z` or an unknown kind.
 */
export function bumpVersion(current: string, kind: ReleaseKind): string {
  if (!KINDS.includes(kind)) {
    throw new ValidationError("release kind", `one of major, minor, patch, got ${String(kind)}`);
  }
  const [major, minor, patch] = parseVersion(current);
  if (kind === "major") return `${major + 1}.0.0`;
  if (kind === "minor") return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/**
 * The release a commit message asks for: `pipy commit -push major|minor|patch`, `patch` when the
 * phrase has no kind after it, null when the message does not contain `pipy commit -push`.
 */
export function releaseKindFromMessage(message: string): ReleaseKind | null {
  const match = TRIGGER.exec(message);
  if (!match) return null;
  return (match[1] as ReleaseKind | undefined) ?? "patch";
}

/** `text` (deno.json's) with its top-level `"version"` set to `version`, formatting kept. */
export function withVersion(text: string, version: string): string {
  parseVersion(version);
  const field = /^(\s*"version"\s*:\s*)"[^"]*"/m;
  if (!field.test(text)) throw new ValidationError("deno.json", 'a top-level "version" field');
  const updated = text.replace(field, `$1"${version}"`);
  if ((JSON.parse(updated) as { version?: unknown }).version !== version) {
    throw new ValidationError("deno.json", 'its first "version" field to be the top-level one');
  }
  return updated;
}

/** `text` (src/version.ts's) with its `VERSION` constant set to `version`. */
export function withVersionConstant(text: string, version: string): string {
  parseVersion(version);
  const constant = /(export const VERSION = )"[^"]*"/;
  if (!constant.test(text)) {
    throw new ValidationError("src/version.ts", 'a line export const VERSION = "x.y.z"');
  }
  return text.replace(constant, `$1"${version}"`);
}

/** The files that hold the version, each with the function that sets it. */
const VERSION_FILES: [string, (text: string, version: string) => string][] = [
  ["../deno.json", withVersion],
  ["../src/version.ts", withVersionConstant],
];

const USAGE = `Usage:
  bump_version.ts --current X.Y.Z --message MESSAGE   print the next version (exit 3: no release)
  bump_version.ts --write X.Y.Z                       write the version into deno.json and src/version.ts`;

/** The program; returns its exit code. */
function cli(args: string[]): number {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (!["--current", "--message", "--write"].includes(flag) || value === undefined) {
      console.error(`bump_version: unexpected argument ${flag}\n${USAGE}`);
      return 2;
    }
    options.set(flag, value);
  }
  try {
    const write = options.get("--write");
    if (write !== undefined) {
      // Every file is changed in memory first: a file that cannot take the version leaves all as
      // they were.
      const updates = VERSION_FILES.map(([file, set]) => {
        const path = fileURLToPath(new URL(file, import.meta.url));
        return [path, set(readFileSync(path, "utf8"), write)] as const;
      });
      for (const [path, text] of updates) writeFileSync(path, text);
      console.error(`version ${write} written into deno.json and src/version.ts`);
      return 0;
    }
    const current = options.get("--current");
    const message = options.get("--message");
    if (current === undefined || message === undefined) {
      console.error(`bump_version: --current and --message go together\n${USAGE}`);
      return 2;
    }
    const kind = releaseKindFromMessage(message);
    if (kind === null) {
      console.error("bump_version: the message does not contain 'pipy commit -push': no release");
      return 3;
    }
    console.log(bumpVersion(current, kind));
    return 0;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.error(`bump_version: ${error.message}`);
    return 2;
  }
}

/** Run as a program (Node 20 has no `import.meta.main`, hence the comparison with argv). */
const isMain = (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url));
if (isMain) process.exitCode = cli(process.argv.slice(2));
