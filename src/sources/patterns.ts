/**
 * The `include`/`exclude` patterns of a Hugging Face source, matched as `huggingface_hub`'s
 * `allow_patterns`/`ignore_patterns` are (Python's `fnmatch`): `*` matches any run of characters,
 * `/` included, `?` one character, `[abc]` one of a set; a pattern ending with `/` matches
 * everything under that folder.
 *
 * @module
 */

/** A pattern as a regular expression over the whole path. */
function toRegExp(pattern: string): RegExp {
  const source = pattern.endsWith("/") ? `${pattern}*` : pattern;
  let out = "";
  for (let index = 0; index < source.length; index++) {
    const char = source[index] as string;
    if (char === "*") out += ".*";
    else if (char === "?") out += ".";
    else if (char === "[") {
      const close = source.indexOf("]", index + 2);
      if (close < 0) {
        out += "\\[";
        continue;
      }
      let set = source.slice(index + 1, close).replace(/\\/g, "\\\\");
      if (set.startsWith("!")) set = `^${set.slice(1)}`;
      out += `[${set}]`;
      index = close;
    } else out += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${out}$`, "s");
}

/**
 * A filter keeping the paths that match one of `include` (all when it is absent) and none of
 * `exclude`.
 *
 * @example
 * ```ts
 * import { pathFilter } from "./patterns.ts";
 * const keep = pathFilter(["*.json", "weights/"], ["*.md"]);
 * console.assert(keep("config.json") && keep("weights/a/b.bin") && !keep("README.md"));
 * ```
 */
export function pathFilter(
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): (path: string) => boolean {
  const included = include?.map(toRegExp);
  const excluded = (exclude ?? []).map(toRegExp);
  return (path) =>
    (included === undefined || included.some((pattern) => pattern.test(path))) &&
    !excluded.some((pattern) => pattern.test(path));
}
