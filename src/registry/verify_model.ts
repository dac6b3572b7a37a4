/**
 * `verifyModel`: re-checks a version against its manifest, either in the object store (every
 * object is read as a stream and hashed; nothing is written to disk) or in a local download
 * folder (every file is hashed). The report lists every file with what was expected and found.
 *
 * @module
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ValidationError } from "../errors.ts";
import { PARTIAL_SUFFIX } from "../storage/temporary_file.ts";
import { runBounded } from "../storage/pool.ts";
import type { RegistryContext } from "./context.ts";
import { hashLocalFile, hashStream } from "./file_hash.ts";
import { resolveVersion } from "./get_model.ts";
import { filesByPath, readManifest } from "./manifest.ts";
import { isExcluded, safeSegments } from "./paths.ts";
import { validateModelName } from "./validate.ts";

/** Options of `verifyModel`. */
export interface VerifyModelOptions {
  /** The model's name. */
  modelName: string;
  /** The version. @default the latest version */
  version?: string | undefined;
  /**
   * A local download of the version to check (the folder `getModel` returned as `path`, i.e.
   * `{localDest}/{version}`). Omitted: the version's objects in the store are checked.
   */
  localPath?: string | undefined;
  /** Stops the check. */
  signal?: AbortSignal | undefined;
}

/**
 * The state of one file: `ok` (size and SHA-256 as the manifest says; without a manifest, the
 * size of the stored object), `mismatch`, `missing` (in the manifest, not found) or `unexpected`
 * (found, not in the manifest).
 */
export type VerifyStatus = "ok" | "mismatch" | "missing" | "unexpected";

/** One file of a {@link VerifyModelReport}. */
export interface VerifyFileReport {
  /** The path under the version's root. */
  path: string;
  /** See {@link VerifyStatus}. */
  status: VerifyStatus;
  /** The size the manifest (or, without one, the stored object) gives. */
  expectedSize?: number | undefined;
  /** The SHA-256 the manifest gives. */
  expectedSha256?: string | undefined;
  /** The size found. */
  size?: number | undefined;
  /** The SHA-256 found. */
  sha256?: string | undefined;
}

/** What `verifyModel` found. */
export interface VerifyModelReport {
  /** The version checked. */
  version: string;
  /** `"store"` (the objects) or `"local"` (a download folder). */
  checked: "store" | "local";
  /**
   * Whether the version has a manifest. Without one (a version written by the Python SDK), only
   * sizes can be compared, with the stored objects.
   */
  manifest: boolean;
  /** Whether every file is `ok`. */
  ok: boolean;
  /** Every file, sorted by path. */
  files: VerifyFileReport[];
}

/** How many files are hashed at once. */
const HASH_CONCURRENCY = 4;

/** Re-checks a version; see the module documentation. */
export async function verifyModel(
  context: RegistryContext,
  options: VerifyModelOptions,
): Promise<VerifyModelReport> {
  const modelName = validateModelName(options.modelName);
  if (options.localPath !== undefined && typeof options.localPath !== "string") {
    throw new ValidationError("localPath", "the folder of a downloaded version");
  }
  const { signal } = options;
  const { objects } = context.backend;
  const resolved = await resolveVersion(context, modelName, options.version, signal);
  const manifest = await readManifest(objects, resolved.info, signal);
  // What the files should be: the manifest, else the stored objects' sizes.
  const expected = new Map<string, { size: number; sha256?: string }>();
  const stored = new Map<string, string>();
  for await (const entry of objects.list(resolved.prefix, { signal })) {
    const path = safeSegments(entry.key.slice(resolved.prefix.length)).join("/");
    if (isExcluded(path.split("/"))) continue;
    stored.set(path, entry.key);
    if (manifest === undefined) expected.set(path, { size: entry.size });
  }
  for (const [path, file] of filesByPath(manifest)) {
    if (!isExcluded(path.split("/"))) expected.set(path, file);
  }
  const found = new Map<string, { size: number; sha256: string }>();
  if (options.localPath === undefined) {
    await runBounded(stored.entries(), HASH_CONCURRENCY, signal, async ([path, key]) => {
      if (objects.readStream === undefined) return;
      found.set(path, await hashStream(await objects.readStream(key, { signal })));
    });
  } else {
    const root = options.localPath;
    const paths = await localFiles(root);
    await runBounded(paths, HASH_CONCURRENCY, signal, async (path) => {
      const hashed = await hashLocalFile(join(root, ...path.split("/")), signal);
      if (hashed !== undefined) found.set(path, hashed);
    });
  }
  const files: VerifyFileReport[] = [];
  for (const path of new Set([...expected.keys(), ...found.keys()])) {
    const want = expected.get(path);
    const got = found.get(path);
    const status: VerifyStatus = want === undefined
      ? "unexpected"
      : got === undefined
      ? "missing"
      : got.size === want.size && (want.sha256 === undefined || want.sha256 === got.sha256)
      ? "ok"
      : "mismatch";
    files.push({
      path,
      status,
      expectedSize: want?.size,
      expectedSha256: want?.sha256,
      size: got?.size,
      sha256: got?.sha256,
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    version: resolved.version,
    checked: options.localPath === undefined ? "store" : "local",
    manifest: manifest !== undefined,
    ok: files.every((file) => file.status === "ok"),
    files,
  };
}

/** The files under `root` as `/`-separated relative paths, partial downloads left out. */
async function localFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = `${prefix}${entry.name}`;
      if (entry.isDirectory()) await walk(join(dir, entry.name), `${path}/`);
      else if (!entry.name.includes(PARTIAL_SUFFIX) && !entry.name.endsWith(".incomplete")) {
        out.push(path);
      }
    }
  };
  await walk(root, "");
  return out;
}
