/**
 * The embedded registry: a {@link RegistryBackend} in a local folder, with no server. Metadata and
 * objects keep the platform's shapes (the same `versions_map`, the same `_models/{id}/{version}/`
 * keys), and processes sharing the folder keep the same safety rules through lock files and atomic
 * renames.
 *
 * Layout: `{dir}/metadata/index.json`, `{dir}/metadata/models/{id}.json`,
 * `{dir}/objects/{bucket}/{key}`, `{dir}/locks/*.lock`.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RegistryBackend } from "../registry/backend.ts";
import { ValidationError } from "../errors.ts";
import { LocalMetadataStore } from "./metadata.ts";
import { LocalObjectStore } from "./objects.ts";

/** Options of {@link openLocalBackend}. */
export interface LocalBackendOptions {
  /** The bucket name shown in uris (`s3://{bucket}/...`). @default "local" */
  bucket?: string;
}

/**
 * Opens (creating it when needed) the registry kept in the folder `dir`.
 *
 * @example
 * ```ts ignore
 * import { openLocalBackend } from "./backend.ts";
 * const backend = await openLocalBackend(".aipmodel");
 * console.log(backend.objects.bucket); // "local"
 * ```
 */
export async function openLocalBackend(
  dir: string,
  options: LocalBackendOptions = {},
): Promise<RegistryBackend> {
  const bucket = options.bucket ?? "local";
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new ValidationError("bucket", "3 to 63 characters from a-z, 0-9, '.', '-'");
  }
  const root = resolve(dir);
  await mkdir(join(root, "objects", bucket), { recursive: true });
  await mkdir(join(root, "metadata", "models"), { recursive: true });
  await mkdir(join(root, "locks"), { recursive: true });
  return {
    metadata: new LocalMetadataStore(root),
    objects: new LocalObjectStore(join(root, "objects"), bucket),
    close: () => Promise.resolve(),
  };
}
