/**
 * Helpers of the registry tests on the embedded local registry.
 */

import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { openLocalBackend } from "../src/local/backend.ts";
import type { RegistryBackend } from "../src/registry/backend.ts";
import { MLOpsManager } from "../src/registry/manager.ts";

/** A fresh temporary folder. */
export function tempDir(name = "aipmodel-registry-"): Promise<string> {
  return mkdtemp(join(tmpdir(), name));
}

/** Removes a folder and everything in it. */
export function removeDir(path: string): Promise<void> {
  return rm(path, { recursive: true, force: true });
}

/** Writes files (relative path → content) under `root`. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const path = join(root, relative);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

/** The sha256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

/** A manager on a fresh local registry, with its folder and backend. */
export async function localManager(
  dir: string,
  wrap: (backend: RegistryBackend) => RegistryBackend = (backend) => backend,
): Promise<{ manager: MLOpsManager; backend: RegistryBackend; lines: string[] }> {
  const backend = wrap(await openLocalBackend(join(dir, "registry")));
  const lines: string[] = [];
  const logger = {
    info: (line: string) => lines.push(line),
    warn: (line: string) => lines.push(line),
  };
  return { manager: new MLOpsManager({ backend, logger, verbose: true }), backend, lines };
}

/** Whether a key is one of the version manifests kept beside the versions (`_manifests/`). */
export function notManifest(key: string): boolean {
  return !key.includes("/_manifests/");
}

/** Every object key of a backend under `prefix`. */
export async function keysUnder(backend: RegistryBackend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of backend.objects.list(prefix)) keys.push(entry.key);
  return keys;
}
