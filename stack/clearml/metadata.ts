/**
 * Model metadata (reference §5.4): a map keyed by (whitespace-stripped) key of
 * `{key, type, value}` string items; the dict form for create/edit/update, the list form for
 * `models.add_or_update_metadata`, and `[]` for clients of API 2.16 or older.
 *
 * @module
 */

import { ApiError, dataValidationError, pyStr, pyTypeName, validationError } from "./errors.ts";
import { versionAtMost } from "./request.ts";
import type { ApiVersion, Doc, Json, JsonObject } from "./types.ts";
import { isObject } from "./types.ts";

const ITEM_FIELDS = ["key", "type", "value"] as const;

/**
 * A key as the server stores it after its escape/unescape round trip: stripped, with the
 * `%2E`/`%24`/`%_%_`/`%%` escapes of a query path decoded.
 */
export function unescapeKey(part: string): string {
  let value = part.split("%%").map((piece) =>
    piece.replaceAll("%2E", ".").replaceAll("%24", "$").replaceAll("%_%_", "__")
  ).join("%");
  if (value.startsWith("%_")) value = "_" + value.slice(2);
  return value.trim();
}

/**
 * Checks the dict form of `create`/`edit`/`update`. The request validation of `create` fails
 * with `400/12`; `edit`/`update` only meet the database's checks, `400/800`; a list there
 * fails as the server does, with a 500.
 */
export function metadataFromDict(value: Json, stage: "request" | "database"): JsonObject {
  if (!isObject(value)) {
    if (stage === "database" && Array.isArray(value)) {
      throw new ApiError(500, 0, "'list' object has no attribute 'items'");
    }
    throw validationError(`value is wrong, expected type "dict" ${pyStr(value).toLowerCase()}`);
  }
  const result: JsonObject = {};
  for (const [rawKey, item] of Object.entries(value)) {
    const key = rawKey.trim();
    if (!key) throw validationError("Empty key is not allowed");
    result[key] = checkItem(item, stage);
  }
  return result;
}

/** Checks the list form of `add_or_update_metadata` (at least one item), keyed by stripped key. */
export function metadataFromList(value: Json | undefined): JsonObject {
  const items = checkNonEmptyList("metadata", value);
  const result: JsonObject = {};
  for (const item of items) {
    if (!isObject(item)) {
      throw validationError(
        `all items must be instances of "MetadataItem", and not "${pyTypeName(item)}".`,
      );
    }
    const checked = checkItem(item, "request");
    const key = String(checked.key).trim();
    if (!key) throw validationError("Empty key is not allowed");
    result[key] = { ...checked, key };
  }
  return result;
}

/**
 * A jsonmodels `ListField` with `Length(minimum_value=1)`: a missing list fails the same check
 * as an empty one, reported for the field.
 */
export function checkNonEmptyList(field: string, value: Json | undefined): Json[] {
  if (value === undefined || value === null) {
    throw validationError(
      `error for field '${field}'. value '[]' length is lower than allowed minimum '1'.`,
    );
  }
  if (!Array.isArray(value)) {
    throw validationError(`value is wrong, expected type "list" ${pyStr(value).toLowerCase()}`);
  }
  if (value.length === 0) {
    throw validationError("value '[]' length is lower than allowed minimum '1'.");
  }
  return value;
}

function checkItem(item: Json, stage: "request" | "database"): JsonObject {
  if (!isObject(item)) {
    if (stage === "database") {
      throw dataValidationError("metadata", "Invalid embedded document instance provided");
    }
    throw validationError(
      `value is wrong, expected type "MetadataItem" ${pyStr(item).toLowerCase()}`,
    );
  }
  for (const field of ITEM_FIELDS) {
    const value = item[field];
    if (value === undefined || value === null) {
      if (stage === "database") throw dataValidationError(field, "Field is required");
      throw validationError(`error for field '${field}'. field is required!`);
    }
    if (typeof value !== "string") {
      if (stage === "database") {
        throw dataValidationError(field, "StringField only accepts string values");
      }
      throw validationError(`value is wrong, expected type "str" ${pyStr(value).toLowerCase()}`);
    }
  }
  return { key: item.key ?? "", type: item.type ?? "", value: item.value ?? "" };
}

/** Replaces every `metadata` with `[]` for clients of API 2.16 or older, as the server does. */
export function conformMetadata(doc: JsonObject, version: ApiVersion): JsonObject {
  if ("metadata" in doc && versionAtMost(version, 2, 16)) doc.metadata = [];
  return doc;
}

/** Adds or replaces metadata items of a stored model. */
export function addOrUpdateMetadata(model: Doc, items: JsonObject, replace: boolean): void {
  const current = isObject(model.metadata) && !replace ? model.metadata : {};
  model.metadata = { ...current, ...items };
}

/** Removes metadata keys of a stored model; absent keys are not an error. */
export function deleteMetadata(model: Doc, keys: Json[]): void {
  if (!isObject(model.metadata)) return;
  for (const key of keys) if (typeof key === "string") delete model.metadata[key.trim()];
}

/** Checks the `keys` of `models.delete_metadata`. */
export function metadataKeys(value: Json | undefined): Json[] {
  const keys = checkNonEmptyList("keys", value);
  for (const key of keys) {
    if (typeof key !== "string") {
      throw validationError(`all items must be instances of "str", and not "${pyTypeName(key)}".`);
    }
  }
  return keys;
}
