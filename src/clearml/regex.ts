/**
 * Exact-name patterns for ClearML's `name` filters, which are unanchored, case-sensitive regular
 * expressions compiled by Python's `re` and matched by MongoDB (PCRE).
 *
 * @module
 */

const ASCII_ALPHANUMERIC = /^[A-Za-z0-9]$/;

/**
 * The pattern that matches exactly `name`: `^` + the name with every character that is not an
 * ASCII letter or digit backslash-escaped + `$`.
 *
 * Escaping every other character (not only the special ones) is valid in both Python `re` and
 * PCRE; escaping a letter or digit is not (Python rejects `\e`, and `\d` would change meaning),
 * so those are never escaped. Characters are walked by code point so that a character outside
 * the BMP is escaped as a whole, not as two halves of a surrogate pair.
 *
 * @example
 * ```ts
 * import { exactNameRegex } from "./regex.ts";
 * console.assert(exactNameRegex("a.b") === "^a\\.b$");
 * console.assert(exactNameRegex("my model_v2") === "^my\\ model\\_v2$");
 * ```
 */
export function exactNameRegex(name: string): string {
  let escaped = "";
  for (const character of name) {
    escaped += ASCII_ALPHANUMERIC.test(character) ? character : `\\${character}`;
  }
  return `^${escaped}$`;
}
