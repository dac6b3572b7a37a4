/**
 * Makes sure Debian's Ceph packages are installed (see `../apt.ts`): installs them when this is a
 * root shell on Debian or Ubuntu, otherwise stops with the exact command to run.
 *
 * @module
 */

import { ensurePackages, type PackageSet } from "../apt.ts";

/** The programs the stack runs and the Debian packages that provide them. */
const CEPH: PackageSet = {
  what: "Ceph (the local stack runs Ceph 16+ from Debian/Ubuntu packages)",
  programs: [
    "ceph-authtool",
    "monmaptool",
    "ceph-mon",
    "ceph-osd",
    "ceph",
    "radosgw",
    "radosgw-admin",
  ],
  packages: ["ceph-mon", "ceph-osd", "radosgw", "ceph-common"],
};

/** Installs the Ceph packages when a program is missing (see `ensurePackages`). */
export function ensureCephInstalled(log: (line: string) => void): void {
  ensurePackages(CEPH, log);
}
