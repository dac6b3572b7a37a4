/**
 * The model entity (reference §5.1): its fields, how `get_all` filters, orders and projects
 * it, and how one is looked up and returned.
 *
 * @module
 */

import { dataValidationError, invalidModelId, validationError } from "./errors.ts";
import type { ListingOptions } from "./listing.ts";
import { project } from "./projection.ts";
import { conformMetadata, unescapeKey } from "./metadata.ts";
import type { QueryOptions } from "./query.ts";
import { formatDates, type Store, visibleTo } from "./store.ts";
import { type ApiVersion, type Doc, isObject, type Json, type JsonObject } from "./types.ts";

/** Every field a stored model may have. */
export const MODEL_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "parent",
  "user",
  "company",
  "project",
  "created",
  "task",
  "comment",
  "tags",
  "system_tags",
  "uri",
  "framework",
  "design",
  "labels",
  "ready",
  "ui_cache",
  "company_origin",
  "metadata",
  "last_update",
  "last_change",
  "last_changed_by",
  "last_iteration",
  "last_metrics",
  "unique_metrics",
]);

/** Splits a model field path; a metadata key part is unescaped as the server does. */
export function modelPathKeys(path: string): string[] {
  const parts = path.split(".");
  if (parts[0] === "metadata" && parts.length > 1) {
    return ["metadata", unescapeKey(parts[1] ?? ""), ...parts.slice(2)];
  }
  return parts;
}

function resolve(doc: Doc, path: string): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of modelPathKeys(path)) node = isObject(node) ? node[key] : undefined;
  return node;
}

/** `Model.get_all_query_options`. */
export const MODEL_QUERY: QueryOptions = {
  patternFields: ["name", "comment"],
  listFields: [
    "tags",
    "system_tags",
    "framework",
    "uri",
    "id",
    "user",
    "project",
    "task",
    "parent",
    "metadata.*",
  ],
  equalityFields: ["ready"],
  rangeFields: ["created", "last_iteration"],
  datetimeFields: ["last_update", "last_change"],
  textFields: ["name", "id", "comment", "parent", "task", "project"],
  dateFields: ["created", "last_update", "last_change"],
  resolve,
};

/** How `models.get_all` orders and projects. */
export const MODEL_LISTING: ListingOptions = {
  kind: "model",
  knownFields: MODEL_FIELDS,
  defaultExcludes: ["ui_cache", "company_origin", "unique_metrics"],
  stringFields: new Set([
    "name",
    "parent",
    "user",
    "company",
    "project",
    "task",
    "comment",
    "uri",
    "framework",
  ]),
  numericCollationPrefixes: ["metadata."],
  pathKeys: modelPathKeys,
};

/**
 * Checks the metadata paths of a query (keys, `only_fields`, `order_by`) as the server's
 * escaping does: `metadata.<key>[.<sub>]`, two or three parts.
 */
export function checkMetadataPaths(data: JsonObject): void {
  const paths = [...Object.keys(data)];
  for (const name of ["only_fields", "projection", "order_by"]) {
    const value = data[name];
    if (Array.isArray(value)) paths.push(...value.filter((item) => typeof item === "string"));
  }
  for (const path of paths) {
    if (!path.startsWith("metadata.") && !path.startsWith("-metadata.")) continue;
    const parts = path.split(".").length;
    if (parts < 2 || parts > 3) throw validationError("invalid field", { path });
  }
}

/** A model of the caller's own company (public models are not writable), else `400/201`. */
export function ownModel(store: Store, company: string, id: Json | undefined): Doc {
  const model = typeof id === "string" ? store.models.get(id) : undefined;
  if (!model || model.company !== company) throw invalidModelId(company, String(id));
  return model;
}

/** A model visible to the caller (own or public), or undefined. */
export function visibleModel(store: Store, company: string, id: string): Doc | undefined {
  const model = store.models.get(id);
  return model && visibleTo(model, company) ? model : undefined;
}

/** A stored model as the API returns it in full. */
export function modelOutput(model: Doc, version: ApiVersion): JsonObject {
  const output = project(model, [], new Set(MODEL_LISTING.defaultExcludes), MODEL_LISTING);
  return conformMetadata(formatDates(output, "model"), version);
}

/** Strips a model name and enforces the database's minimum length of 3 (`400/800`). */
export function checkedName(name: string): string {
  const stripped = name.trim();
  if (stripped.length < 3) throw dataValidationError("name", "String value is too short");
  return stripped;
}

/** Labels must map to ints (or null), the non-null ones unique (`400/800`). */
export function checkLabels(labels: JsonObject): void {
  const seen = new Set<number>();
  for (const value of Object.values(labels)) {
    if (value === null) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || seen.has(value)) {
      throw dataValidationError("labels", "Labels values must be unique integers or null");
    }
    seen.add(value);
  }
}

/** Sorted copies of tag lists, as the database's sorted list fields store them. */
export function sortedTags(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((tag) => typeof tag === "string").sort() : [];
}
