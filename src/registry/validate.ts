/**
 * Validation of model names and version names. ClearML refuses model names shorter than 3
 * characters, and a name becomes a key segment (`_models/{id}/{version}/`) and a local folder, so separators,
 * `..` and control characters are refused up front with an error naming the field.
 *
 * @module
 */

import { ValidationError } from "../errors.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

function checkCommon(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(field, "a non-empty string");
  }
  if (value.includes("/") || value.includes("\\")) {
    throw new ValidationError(field, "no '/' or '\\' (it becomes a folder name)");
  }
  if (value.includes("..")) throw new ValidationError(field, "no '..'");
  if (CONTROL.test(value)) throw new ValidationError(field, "no control characters");
  if (value !== value.trim()) throw new ValidationError(field, "no leading or trailing spaces");
  return value;
}

/** Checks a model name; returns it. */
export function validateModelName(value: unknown, field = "modelName"): string {
  const name = checkCommon(field, value);
  // ClearML's minimum applies to the entity name; versions live only in versions_map ("v1").
  if (name.length < 3) {
    throw new ValidationError(field, "at least 3 characters (ClearML's minimum)");
  }
  for (const prefix of ["tmp_", "_tmp_", "#"]) {
    if (name.startsWith(prefix)) {
      throw new ValidationError(field, `a name not starting with '${prefix}' (reserved)`);
    }
  }
  return name;
}

/**
 * Checks a version name given by a caller; returns it. Names starting with `_` are reserved for
 * automatic versions (`_v<N>`).
 */
export function validateVersion(value: unknown, field = "version"): string {
  const version = checkCommon(field, value);
  if (version.startsWith("_")) {
    throw new ValidationError(field, "a name not starting with '_' (reserved for automatic _v<N>)");
  }
  if (version.includes("_tmp_")) {
    throw new ValidationError(field, "no '_tmp_' (reserved for staging folders)");
  }
  return version;
}

/** Checks the name of a version to read or delete (automatic `_v<N>` names included). */
export function validateExistingVersion(value: unknown, field = "version"): string {
  return checkCommon(field, value);
}

/** The categories the Python SDK 0.2.58+ accepts (its `category` metadata). */
export const CATEGORIES: readonly string[] = ["Text Generation", "Image Classification"];

/** Checks a category; returns it. */
export function validateCategory(value: unknown): string {
  if (typeof value !== "string" || !CATEGORIES.includes(value)) {
    throw new ValidationError("category", `one of ${CATEGORIES.map((c) => `"${c}"`).join(", ")}`);
  }
  return value;
}

/**
 * Checks tags: non-empty strings without control characters, not starting with `__$` (ClearML's
 * filter operators) and not `-`-prefixed (an exclusion in ClearML's tag filters).
 */
export function validateTags(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ValidationError("tags", "an array of strings");
  return value.map((tag: unknown) => {
    if (typeof tag !== "string" || tag.trim() === "" || tag !== tag.trim()) {
      throw new ValidationError("tags", "non-empty strings without leading or trailing spaces");
    }
    if (CONTROL.test(tag)) throw new ValidationError("tags", "no control characters");
    if (tag.startsWith("__$") || tag.startsWith("-")) {
      throw new ValidationError("tags", `no tag starting with '__$' or '-' (got '${tag}')`);
    }
    return tag;
  });
}

/** Whether `value` looks like a model id (32 hex characters). */
export function isModelId(value: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(value);
}
