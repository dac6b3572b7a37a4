/**
 * Safe local paths for downloads: a stored key is data from the registry, not a trusted path, so
 * its relative part is checked before anything is written (the Python SDK joined keys onto the
 * destination as they came).
 *
 * @module
 */

import { resolve, sep } from "node:path";
import { AipModelError } from "../errors.ts";

/** Path segments that are never downloaded, compared as whole segments (`.gitignore` stays). */
export const EXCLUDED_SEGMENTS: ReadonlySet<string> = new Set([".git", ".DS_Store"]);

/**
 * The segments of a relative key, or an error when it could escape the destination: empty,
 * `.`/`..` segments, a leading `/`, a `\`, a drive letter (`C:`), a NUL or a control character.
 */
export function safeSegments(relative: string): string[] {
  const refuse = (why: string) =>
    new AipModelError(`Refusing to download the key part ${JSON.stringify(relative)}: ${why}`);
  if (relative === "") throw refuse("empty");
  if (relative.startsWith("/")) throw refuse("absolute path");
  if (relative.includes("\\")) throw refuse("contains '\\'");
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f]/.test(relative)) throw refuse("contains a control character");
  if (/^[a-zA-Z]:/.test(relative)) throw refuse("drive letter");
  const segments = relative.split("/");
  for (const segment of segments) {
    if (segment === "" || segment === "." || segment === "..") throw refuse("'.', '..' or '//'");
    if (segment.includes(":")) throw refuse("contains ':'");
  }
  return segments;
}

/** Whether any segment is excluded from downloads. */
export function isExcluded(segments: readonly string[]): boolean {
  return segments.some((segment) => EXCLUDED_SEGMENTS.has(segment));
}

/** Joins safe segments under `root`, checking once more that the result stays inside it. */
export function insideRoot(root: string, segments: readonly string[]): string {
  return insideResolved(resolve(root), segments);
}

/**
 * {@link insideRoot} for a root already resolved (an absolute, normalised path): the segments are
 * joined as they are, without normalising the whole path again (thousands of files per version).
 */
export function insideResolved(base: string, segments: readonly string[]): string {
  if (segments.length === 0) {
    throw new AipModelError(`Refusing to write ${base} itself: no path under it was given`);
  }
  for (const segment of segments) {
    if (
      segment === "" || segment === "." || segment === ".." || segment.includes("/") ||
      segment.includes(sep)
    ) {
      throw new AipModelError(`Refusing to write outside ${base}: ${JSON.stringify(segments)}`);
    }
  }
  return base.endsWith(sep) ? base + segments.join(sep) : base + sep + segments.join(sep);
}
