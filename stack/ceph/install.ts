/**
 * Makes sure Debian's Ceph packages are installed: installs them when this is a root shell on
 * Debian or Ubuntu, otherwise stops with the exact command to run.
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import { accessSync, constants, readdirSync, readFileSync } from "node:fs";
import { delimiter } from "node:path";

/** The programs the stack runs. */
export const CEPH_PROGRAMS: readonly string[] = [
  "ceph-authtool",
  "monmaptool",
  "ceph-mon",
  "ceph-osd",
  "ceph",
  "radosgw",
  "radosgw-admin",
];

/** The Debian packages that provide {@link CEPH_PROGRAMS}. */
export const CEPH_PACKAGES: readonly string[] = ["ceph-mon", "ceph-osd", "radosgw", "ceph-common"];

const INSTALL_COMMAND = `apt-get install -y --no-install-recommends ${CEPH_PACKAGES.join(" ")}`;

/** The programs of {@link CEPH_PROGRAMS} not found on PATH. */
export function missingCephPrograms(path: string = process.env.PATH ?? ""): string[] {
  const dirs = [...path.split(delimiter).filter((dir) => dir !== ""), "/usr/bin", "/usr/sbin"];
  return CEPH_PROGRAMS.filter((program) => !dirs.some((dir) => executable(`${dir}/${program}`)));
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Installs the Ceph packages when a program is missing, if this is root on Debian/Ubuntu (`apt-get
 * update` only when the package lists are missing or the install failed for lack of them).
 * Otherwise throws a message naming what to install. `log` receives progress lines.
 */
export function ensureCephInstalled(log: (line: string) => void): void {
  const missing = missingCephPrograms();
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && isDebianLike();
  if (!canInstall) {
    throw new Error(
      `Ceph is not installed (missing: ${missing.join(", ")}). The local stack runs Ceph 16+ ` +
        `from Debian/Ubuntu packages; install them as root with:\n` +
        `  apt-get update && ${INSTALL_COMMAND}`,
    );
  }
  log(`Installing Ceph (missing: ${missing.join(", ")}): ${INSTALL_COMMAND}`);
  if (packageListsEmpty()) aptGet(["update"]);
  if (!aptGet(installArgs())) {
    log("apt-get install failed; refreshing the package lists with apt-get update and retrying");
    if (!aptGet(["update"]) || !aptGet(installArgs())) {
      throw new Error(
        `Installing Ceph failed: \`${INSTALL_COMMAND}\` did not succeed (see above).`,
      );
    }
  }
  const still = missingCephPrograms();
  if (still.length > 0) {
    throw new Error(`Ceph packages installed, but these programs are missing: ${still.join(", ")}`);
  }
}

function installArgs(): string[] {
  return ["install", "-y", "--no-install-recommends", ...CEPH_PACKAGES];
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
      name.endsWith("_Packages") ||
      name.includes("_Packages.")
    );
  } catch {
    return true;
  }
}
