/**
 * The project entity (reference §4): its fields, how `projects.get_all` filters, orders and
 * projects it, and the sub-project hierarchy kept in each project's `path` of ancestor ids.
 *
 * @module
 */

import type { ListingOptions } from "./listing.ts";
import { project } from "./projection.ts";
import type { QueryOptions } from "./query.ts";
import { formatDates, type Store } from "./store.ts";
import { type Doc, isObject, type Json, type JsonObject } from "./types.ts";

/** Every field a stored project may have. */
export const PROJECT_FIELDS: ReadonlySet<string> = new Set([
  "id",
  "name",
  "basename",
  "description",
  "user",
  "company",
  "created",
  "tags",
  "system_tags",
  "default_output_destination",
  "last_update",
  "featured",
  "logo_url",
  "logo_blob",
  "company_origin",
  "parent",
  "path",
]);

const pathKeys = (path: string): string[] => path.split(".");

function resolve(doc: Doc, path: string): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of pathKeys(path)) node = isObject(node) ? node[key] : undefined;
  return node;
}

/** `Project.get_all_query_options`. */
export const PROJECT_QUERY: QueryOptions = {
  patternFields: ["name", "basename", "description"],
  listFields: ["tags", "system_tags", "id", "parent", "path"],
  equalityFields: [],
  rangeFields: ["last_update"],
  datetimeFields: [],
  textFields: ["name", "id", "description"],
  dateFields: ["created", "last_update"],
  resolve,
};

/** How `projects.get_all` orders and projects. */
export const PROJECT_LISTING: ListingOptions = {
  kind: "project",
  knownFields: PROJECT_FIELDS,
  defaultExcludes: ["path", "company_origin", "logo_blob"],
  stringFields: new Set([
    "name",
    "basename",
    "description",
    "user",
    "company",
    "default_output_destination",
    "logo_url",
    "parent",
  ]),
  numericCollationPrefixes: [],
  pathKeys,
};

/** The ids of every project below the given ones, at any depth. */
export function descendantIds(store: Store, ids: readonly Json[]): string[] {
  const wanted = new Set(ids.filter((id) => typeof id === "string"));
  return [...store.projects.values()]
    .filter((doc) => Array.isArray(doc.path) && doc.path.some((id) => wanted.has(id as string)))
    .map((doc) => String(doc.id));
}

/** A stored project as the API returns it in full. */
export function projectOutput(doc: Doc): JsonObject {
  return formatDates(
    project(doc, [], new Set(PROJECT_LISTING.defaultExcludes), PROJECT_LISTING),
    "project",
  );
}
