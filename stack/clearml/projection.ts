/**
 * The `only_fields` projection of `get_all` (reference §5.3): plain or dotted field names, `-x`
 * to exclude, `id` not added automatically, unknown names `400/14`; and the fields each kind
 * leaves out by default.
 *
 * @module
 */

import { apiError } from "./errors.ts";
import { type Doc, isObject, type Json, type JsonObject } from "./types.ts";

/** What projection needs to know about an entity kind. */
export interface ProjectionOptions {
  /** Top-level field names; any other name is `400/14`. */
  knownFields: ReadonlySet<string>;
  /** Fields left out unless `only_fields` names them. */
  defaultExcludes: readonly string[];
  /** Splits a dotted path into the keys to walk in a stored document. */
  pathKeys: (path: string) => string[];
}

/** The include list and exclude set that `params` ask for. */
export function projection(
  params: JsonObject,
  options: ProjectionOptions,
): [string[], Set<string>] {
  const value = params.projection || params.only_fields;
  // A plain string is iterated character by character, as Python does (and then fails lookup).
  const fields = Array.isArray(value)
    ? value.filter((item) => typeof item === "string")
    : typeof value === "string"
    ? [...value]
    : [];
  const include = fields.filter((field) => !field.startsWith("-"));
  const exclude = new Set(options.defaultExcludes);
  for (const field of fields) if (field.startsWith("-")) exclude.add(field.replace(/^-+/, ""));
  for (const field of include) exclude.delete(field);
  for (const field of [...include, ...exclude]) checkKnown(field, options);
  return [include, exclude];
}

/** Fails with `400/14` for a field name the entity does not have. */
export function checkKnown(path: string, options: Pick<ProjectionOptions, "knownFields">): void {
  const name = path.split(".")[0] ?? "";
  if (!options.knownFields.has(name)) {
    throw apiError(400, 14, {
      replacement: "Lookup error",
      extra: "probably an invalid field name or unsupported nested field",
      kwargs: { err: `Cannot resolve field "${name}"` },
    });
  }
}

/** Applies an `only_fields` projection and exclusions to a stored document (a deep copy). */
export function project(
  doc: Doc,
  include: readonly string[],
  exclude: ReadonlySet<string>,
  options: Pick<ProjectionOptions, "pathKeys">,
): JsonObject {
  let result: JsonObject;
  if (include.length === 0) {
    result = structuredClone(doc);
  } else {
    result = {};
    for (const path of include) {
      const keys = options.pathKeys(path);
      let source: Json | undefined = doc;
      for (const key of keys) source = isObject(source) ? source[key] : undefined;
      if (source !== undefined) setPath(result, keys, structuredClone(source));
    }
  }
  for (const path of exclude) {
    const keys = options.pathKeys(path);
    let node: Json | undefined = result;
    for (const key of keys.slice(0, -1)) node = isObject(node) ? node[key] : undefined;
    if (isObject(node)) delete node[keys[keys.length - 1] ?? ""];
  }
  return result;
}

function setPath(target: JsonObject, keys: string[], value: Json): void {
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (isObject(next)) node = next;
    else node = node[key] = {};
  }
  node[keys[keys.length - 1] ?? ""] = value;
}
