/**
 * Where a download writes before its file is complete, and how that file is opened: a kept
 * partial file (`<name>.aipmodel-partial`, for downloads that resume) or a new random name next
 * to the destination. Shared by the streaming path (`download.ts`) and the small-file path
 * (`small_download.ts`).
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { mkdirSync, openSync } from "node:fs";
import { type FileHandle, mkdir, open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fittedName } from "../file_names.ts";
import { localFileError } from "./errors.ts";

/** The suffix of a kept partial download (see `download.ts`). */
export const PARTIAL_SUFFIX = ".aipmodel-partial";

/**
 * Where a download to `destination` keeps its partial file: `<name>.aipmodel-partial`, the name
 * shortened so that the sidecar (`.json` more) still fits a file system's 255 bytes.
 */
export function partialPath(destination: string): string {
  return join(dirname(destination), fittedName("", basename(destination), `${PARTIAL_SUFFIX}.json`))
    .slice(0, -".json".length);
}

/** A new name next to `destination` for a download that does not resume. */
export function randomTemporaryPath(destination: string): string {
  return join(
    dirname(destination),
    fittedName("", basename(destination), `.${randomBytes(6).toString("hex")}.incomplete`),
  );
}

/**
 * Opens the temporary file, creating its folder first when missing (tried after the open fails:
 * downloads into an existing folder make no extra system call).
 */
export async function openTemporary(path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") {
      throw localFileError("create", path, error);
    }
  }
  const directory = dirname(path);
  await mkdir(directory, { recursive: true }).catch((error) => {
    throw localFileError("create the folder", directory, error);
  });
  return await open(path, flags).catch((error) => {
    throw localFileError("create", path, error);
  });
}

/** {@link openTemporary} with synchronous calls; returns a file descriptor. */
export function openTemporarySync(path: string, flags: string): number {
  try {
    return openSync(path, flags);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "ENOENT") {
      throw localFileError("create", path, error);
    }
  }
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw localFileError("create the folder", directory, error);
  }
  try {
    return openSync(path, flags);
  } catch (error) {
    throw localFileError("create", path, error);
  }
}
