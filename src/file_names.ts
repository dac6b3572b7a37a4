/**
 * Names of temporary files beside their target: they must fit the file system's limit on one
 * name (255 bytes on ext4, XFS, APFS, NTFS) even when the target's own name is that long.
 *
 * @module
 */

import { Buffer } from "node:buffer";

/** The longest file name most file systems take, in bytes. */
export const NAME_MAX = 255;

/**
 * `prefix + name + suffix`, with `name` shortened (whole characters) until the result fits in
 * {@link NAME_MAX} bytes.
 *
 * @example
 * ```ts
 * import { fittedName } from "./file_names.ts";
 * console.assert(fittedName("", "a".repeat(300), ".tmp").length === 255);
 * ```
 */
export function fittedName(prefix: string, name: string, suffix: string): string {
  const room = NAME_MAX - Buffer.byteLength(prefix + suffix);
  let kept = "";
  let bytes = 0;
  for (const char of name) {
    const size = Buffer.byteLength(char);
    if (bytes + size > room) break;
    kept += char;
    bytes += size;
  }
  return prefix + kept + suffix;
}
