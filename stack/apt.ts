/**
 * Makes sure programs from Debian's packages are installed: installs the packages when one is
 * missing and this is a root shell on Debian or Ubuntu, otherwise stops with the exact command to
 * run. The stack uses it for Ceph, the benchmark for its peers (awscli, rclone).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { delimiter, isAbsolute } from "node:path";

/** Programs and the Debian packages that provide them. */
export interface PackageSet {
  /** What the packages are, for messages ("Ceph", "the benchmark's peers"). */
  what: string;
  /** Program names looked up on PATH (and in /usr/bin, /usr/sbin), or absolute paths. */
  programs: readonly string[];
  /** The packages that provide them. */
  packages: readonly string[];
}

/** The programs of `set` that are not found. */
function missingPrograms(
  set: PackageSet,
  path: string = process.env.PATH ?? "",
): string[] {
  const dirs = [...path.split(delimiter).filter((dir) => dir !== ""), "/usr/bin", "/usr/sbin"];
  return set.programs.filter((program) =>
    isAbsolute(program)
      ? !executable(program)
      : !dirs.some((dir) => executable(`${dir}/${program}`))
  );
}

/** The command a user runs as root to install `set`. */
function installCommand(set: PackageSet): string {
  return `apt-get install -y --no-install-recommends ${set.packages.join(" ")}`;
}

/**
 * Installs `set`'s packages when one of its programs is missing, if this is root on Debian or
 * Ubuntu (`apt-get update` only when the package lists are missing or the install failed for
 * lack of them). Otherwise throws a message naming what to install. `log` receives progress lines.
 */
export function ensurePackages(set: PackageSet, log: (line: string) => void): void {
  const missing = missingPrograms(set);
  if (missing.length === 0) return;
  const command = installCommand(set);
  const canInstall = process.getuid?.() === 0 && isDebianLike();
  if (!canInstall) {
    throw new Error(
      `${set.what}: not installed (missing: ${missing.join(", ")}). Install Debian's packages ` +
        `as root with:\n  apt-get update && ${command}`,
    );
  }
  log(`Installing ${set.what} (missing: ${missing.join(", ")}): ${command}`);
  const args = ["install", "-y", "--no-install-recommends", ...set.packages];
  if (packageListsEmpty()) aptGet(["update"]);
  if (!aptGet(args)) {
    log("apt-get install failed; refreshing the package lists with apt-get update and retrying");
    if (!aptGet(["update"]) || !aptGet(args)) {
      throw new Error(`Installing ${set.what} failed: \`${command}\` did not succeed (see above).`);
    }
  }
  const still = missingPrograms(set);
  if (still.length > 0) {
    throw new Error(
      `${set.what}: packages installed, but these programs are missing: ${still.join(", ")}`,
    );
  }
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function aptGet(args: string[]): boolean {
  const result = spawnSync("apt-get", args, {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
}

function isDebianLike(): boolean {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const ids = [...text.matchAll(/^(?:ID|ID_LIKE)=["']?([^"'\n]*)/gm)]
      .flatMap((match) => (match[1] ?? "").split(/\s+/));
    return ids.includes("debian") || ids.includes("ubuntu");
  } catch {
    return false;
  }
}

function packageListsEmpty(): boolean {
  try {
    return !readdirSync("/var/lib/apt/lists").some((name) =>
      name.endsWith("_Packages") || name.includes("_Packages.")
    );
  } catch {
    return true;
  }
}
