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

/** Whether `value` looks like a model id (32 hex characters). */
export function isModelId(value: string): boolean {
  return /^[0-9a-fA-F]{32}$/.test(value);
}
