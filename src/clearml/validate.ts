/**
 * Argument checks shared by the ClearML wrappers.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

/**
 * `value` when it is a string with something other than blanks in it; a
 * {@link ValidationError} naming `field` otherwise. Ids and names are checked before a call
 * because the server takes an empty id as "no filter" in listings.
 *
 * @example
 * ```ts
 * import { requireText } from "./validate.ts";
 * console.assert(requireText("modelId", "abc") === "abc");
 * ```
 */
export function requireText(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(field, "expected a non-empty string");
  }
  return value;
}
