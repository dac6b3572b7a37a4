/**
 * Version manifests: the relative path, size and SHA-256 of every file of a version, computed
 * while the bytes streamed during `addModel` (no second read), checked by `getModel` while it
 * downloads and by `verifyModel`.
 *
 * Where a manifest lives, and why there: the Python SDK must neither read nor trip over it.
 * - Not under the version's prefix `_models/{id}/{version}/`: the Python SDK's `get_model`
 *   downloads everything under it, and `upload` sizes count it.
 * - Not inside `versions_map` itself: every publish rewrites the whole map in ClearML, and a
 *   version of 10,000 files would make it megabytes.
 * - So the manifest is an object `_models/{id}/_manifests/{version}/{sha256 of the manifest}.json`
 *   (outside every version prefix; no version can be named `_manifests`: explicit names may not
 *   start with `_` and automatic ones are `_v<N>`; deleting the whole model, in either SDK,
 *   deletes it with the rest of `_models/{id}/`), and the version's `versions_map` entry refers to
 *   it with two extra fields, `manifest` (the key) and `manifestSha256` (the hash of the manifest's
 *   bytes). The Python SDK keeps unknown entry fields when it rewrites the map and replaces a whole
 *   entry when it re-adds a version, so a version the Python SDK overwrote simply has no manifest
 *   any more (it downloads with size checks only) instead of a stale one that would fail it.
 *   Naming the object by its own hash means an overwrite never changes the bytes a published
 *   entry refers to.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { IntegrityError } from "../errors.ts";
import type { ObjectStore } from "./backend.ts";
import { modelPrefix, type VersionInfo } from "./format.ts";

/** The folder of a model's manifests, beside its versions. */
export const MANIFESTS_FOLDER = "_manifests";

/** The `format` field of every manifest. */
export const MANIFEST_FORMAT = "aipmodel-manifest";

/** The version of the manifest format this SDK writes and reads. */
export const MANIFEST_FORMAT_VERSION = 1;

/** One file of a version. */
export interface ManifestFile {
  /** The path under the version's root, `/`-separated. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** Its SHA-256, lowercase hex. */
  sha256: string;
}

/** The manifest of one version. */
export interface Manifest {
  /** Always {@link MANIFEST_FORMAT}. */
  format: string;
  /** {@link MANIFEST_FORMAT_VERSION} when written by this SDK. */
  formatVersion: number;
  /** The model id. */
  modelId: string;
  /** The version name. */
  version: string;
  /** When it was written, ISO 8601 UTC. */
  created: string;
  /** Every file, sorted by path. */
  files: ManifestFile[];
}

/** The `versions_map` entry fields that refer to a manifest. */
export interface ManifestReference {
  /** The manifest's key. */
  manifest: string;
  /** The SHA-256 of the manifest's bytes. */
  manifestSha256: string;
}

/** The folder of one version's manifests. */
export function manifestFolder(modelId: string, version: string): string {
  return `${modelPrefix(modelId)}${MANIFESTS_FOLDER}/${version}/`;
}

/**
 * Stores the manifest of a version about to be published; returns the entry fields that refer
 * to it, or `undefined` for an object store that keeps no documents.
 *
 * @example
 * ```ts ignore
 * const reference = await writeManifest(objects, modelId, "v1", [
 *   { path: "weights.bin", size: 4, sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" },
 * ]);
 * ```
 */
export async function writeManifest(
  objects: ObjectStore,
  modelId: string,
  version: string,
  files: readonly ManifestFile[],
  signal?: AbortSignal,
): Promise<ManifestReference | undefined> {
  if (objects.putBytes === undefined) return undefined;
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    modelId,
    version,
    created: new Date().toISOString(),
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
  const digest = createHash("sha256").update(bytes).digest("hex");
  const key = `${manifestFolder(modelId, version)}${digest}.json`;
  await objects.putBytes(key, bytes, { signal });
  return { manifest: key, manifestSha256: digest };
}

/**
 * The manifest a `versions_map` entry refers to; `undefined` when it refers to none (a version
 * written by the Python SDK). A manifest that is referred to but missing, changed or unreadable
 * is an {@link IntegrityError}: the version cannot be checked.
 */
export async function readManifest(
  objects: ObjectStore,
  info: VersionInfo | undefined,
  signal?: AbortSignal,
): Promise<Manifest | undefined> {
  const key = info?.manifest;
  const expected = info?.manifestSha256;
  if (typeof key !== "string" || typeof expected !== "string" || objects.getBytes === undefined) {
    return undefined;
  }
  const bytes = await objects.getBytes(key, { signal });
  if (bytes === null) {
    throw new IntegrityError(
      `The manifest ${key} of this version is missing, so its files cannot be checked. ` +
        "Re-add the version to write a new one.",
      { subject: key, expected, actual: "missing" },
    );
  }
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== expected) {
    throw new IntegrityError(
      `The manifest ${key} was changed (SHA-256 ${actual}, the version's entry says ${expected}).`,
      { subject: key, expected, actual },
    );
  }
  const manifest = parseManifest(new TextDecoder().decode(bytes));
  if (manifest === undefined) {
    throw new IntegrityError(`The manifest ${key} is not a manifest this SDK can read.`, {
      subject: key,
      expected: `${MANIFEST_FORMAT} version ${MANIFEST_FORMAT_VERSION}`,
      actual: "unreadable",
    });
  }
  return manifest;
}

/** Parses a manifest's text; `undefined` when it is not one. */
export function parseManifest(text: string): Manifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const manifest = value as Partial<Manifest>;
  if (
    manifest.format !== MANIFEST_FORMAT || manifest.formatVersion !== MANIFEST_FORMAT_VERSION ||
    !Array.isArray(manifest.files)
  ) {
    return undefined;
  }
  for (const file of manifest.files as unknown[]) {
    const entry = file as Partial<ManifestFile> | null;
    if (
      typeof entry?.path !== "string" || typeof entry.size !== "number" ||
      typeof entry.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(entry.sha256)
    ) {
      return undefined;
    }
  }
  return manifest as Manifest;
}

/** The manifest's files by path. */
export function filesByPath(manifest: Manifest | undefined): Map<string, ManifestFile> {
  return new Map((manifest?.files ?? []).map((file) => [file.path, file]));
}
