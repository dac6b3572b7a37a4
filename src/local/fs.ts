/**
 * File helpers of the embedded registry: writes that are atomic for readers in other processes
 * (a temporary file in the same folder, renamed over the target), and JSON reads that tell "absent"
 * from "broken".
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fittedName } from "../file_names.ts";

/** The marker in the names of temporary files; listings skip them. */
export const TEMP_MARKER = ".aipmodel-tmp-";

/**
 * A unique temporary path beside `path`, so that the final rename stays on one file system. Its
 * name keeps as much of the target's name as fits in one file name.
 */
export function tempPathFor(path: string): string {
  const prefix = `${TEMP_MARKER}${randomBytes(6).toString("hex")}-`;
  return join(dirname(path), fittedName(prefix, basename(path), ""));
}

/** Whether a file name is one of our temporary files. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_MARKER);
}

/** Writes `text` to `path` so that a reader sees either the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = tempPathFor(path);
  try {
    await writeFile(temp, text, { encoding: "utf8", flag: "wx" });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Reads and parses a JSON file; `undefined` when the file does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrorCode(error, "ENOENT")) return undefined;
    throw error;
  }
  return JSON.parse(text);
}

/** Whether `error` is a Node system error with this `code`. */
export function isErrorCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null &&
    (error as { code?: unknown }).code === code;
}
