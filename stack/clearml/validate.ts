/**
 * Request validation as the server's jsonmodels request classes do it: fields are visited in
 * alphabetical order, types are checked (and int/bool coerced) while the request object is
 * built, required fields are checked afterwards. Failures are `400/12`; a missing field of an
 * endpoint declared with `required_fields` is `400/11` instead.
 *
 * @module
 */

import { apiError, pyRepr, pyStr, pyTypeName, validationError } from "./errors.ts";
import { isObject, type Json, type JsonObject } from "./types.ts";

/**
 * The field kinds of the request classes this server imitates, or a custom check that returns
 * the (converted) value.
 */
export type FieldKind =
  | "str"
  | "int"
  | "bool"
  | "dict"
  | "list"
  | "str[]"
  | ((value: Json) => Json);

/**
 * Checks (and coerces) the fields of `spec` that are present and not null, in alphabetical
 * order, then the `required` ones; returns a copy of `data` with coerced values.
 */
export function validateRequest(
  data: JsonObject,
  spec: Record<string, FieldKind>,
  required: readonly string[] = [],
): JsonObject {
  const result = checkTypes(data, spec);
  for (const name of [...required].sort()) {
    if (result[name] === undefined || result[name] === null) {
      throw validationError(`error for field '${name}'. field is required!`);
    }
  }
  return result;
}

/** The type-checking half of {@link validateRequest}. */
export function checkTypes(data: JsonObject, spec: Record<string, FieldKind>): JsonObject {
  const result: JsonObject = { ...data };
  for (const name of Object.keys(spec).sort()) {
    const value = data[name];
    const kind = spec[name];
    if (value === undefined || value === null || kind === undefined) continue;
    result[name] = coerce(value, kind);
  }
  return result;
}

/**
 * For endpoints registered with `required_fields`: a key that is absent (null counts as
 * present) gives `400/11 Missing required fields: missing=(a, b)`.
 */
export function checkRequiredFields(data: JsonObject, names: readonly string[]): void {
  const missing = names.filter((name) => !(name in data));
  if (missing.length > 0) throw apiError(400, 11, { kwargs: { missing } });
}

function coerce(value: Json, kind: FieldKind): Json {
  if (typeof kind === "function") return kind(value);
  switch (kind) {
    case "bool":
      // jsonmodels' BoolField converts with Python truthiness instead of rejecting.
      return Array.isArray(value)
        ? value.length > 0
        : isObject(value)
        ? Object.keys(value).length > 0
        : Boolean(value);
    case "int":
      return toPythonInt(value);
    case "str":
      if (typeof value !== "string") throw wrongType("str", value);
      return value;
    case "dict":
      if (!isObject(value)) throw wrongType("dict", value);
      return value;
    case "list":
      if (!Array.isArray(value)) throw wrongType("list", value);
      return value;
    case "str[]":
      if (!Array.isArray(value)) throw wrongType("list", value);
      for (const item of value) {
        if (typeof item !== "string") {
          throw validationError(
            `all items must be instances of "str", and not "${pyTypeName(item)}".`,
          );
        }
      }
      return value;
  }
}

function wrongType(expected: string, value: Json) {
  return validationError(
    `value is wrong, expected type "${expected}" ${pyStr(value).toLowerCase()}`,
  );
}

// Python's int(): truncates numbers, parses decimal strings, rejects containers.
function toPythonInt(value: Json): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return Math.trunc(value);
  if (typeof value === "string") {
    const text = value.trim().replaceAll("_", "");
    if (/^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
    throw validationError(`invalid literal for int() with base 10: ${pyRepr(value)}`);
  }
  throw validationError(
    `int() argument must be a string, a bytes-like object or a real number, not '${
      pyTypeName(value)
    }'`,
  );
}

/** The `400/16` the server gives for tags starting with its operator prefix `__$`. */
export function checkTags(fields: JsonObject): void {
  if (!("tags" in fields)) return;
  for (const name of ["tags", "system_tags"]) {
    const values = fields[name];
    if (!Array.isArray(values)) continue;
    const unsupported = values.filter((tag) => typeof tag === "string" && tag.startsWith("__$"));
    if (unsupported.length > 0) {
      throw apiError(400, 16, { extra: "unsupported tag prefix", kwargs: { values: unsupported } });
    }
  }
}
