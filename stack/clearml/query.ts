/**
 * `get_all` filters (reference §5.3), evaluated in memory the way the server's MongoDB query
 * matches: regex pattern fields, list fields (`-x`, `__$not`, `__$all`/`__$any`, `null`), plain
 * equality fields, `[min, max]` ranges, datetime conditions, `_any_`/`_all_` and `search_text`.
 *
 * @module
 */

import { apiError, fieldsValueError, validationError } from "./errors.ts";
import { ALWAYS, asArray, listFieldPredicate, type Predicate } from "./list_filter.ts";
import { compilePythonRegex } from "./pyregex.ts";
import { parseDate } from "./time.ts";
import { type Doc, isObject, type Json, type JsonObject } from "./types.ts";

export type { Predicate };

/** Which request keys filter which way, per entity kind (`get_all_query_options`). */
export interface QueryOptions {
  /** Matched as case-sensitive, unanchored regexes. */
  patternFields: readonly string[];
  /** List filters; a trailing `*` matches every key with that prefix (`metadata.*`). */
  listFields: readonly string[];
  /** Plain equality. */
  equalityFields: readonly string[];
  /** `[min, max]`, both ends included. */
  rangeFields: readonly string[];
  /** Conditions such as `[">=2025-01-01", "<2025-02-01"]`. */
  datetimeFields: readonly string[];
  /** The fields MongoDB's text index covers, for `search_text`. */
  textFields: readonly string[];
  /** Fields whose range bounds are datetimes. */
  dateFields: readonly string[];
  /** Reads a dotted field path of a document. */
  resolve: (doc: Doc, path: string) => Json | undefined;
}

/** Compiles the filter keys of `params`; unknown keys are ignored, as the server does. */
export function buildQuery(params: JsonObject, options: QueryOptions): Predicate {
  const parts: Predicate[] = [];
  for (const field of options.patternFields) {
    const pattern = params[field];
    if (pattern) parts.push(patternPredicate(field, pattern, options, ""));
  }
  for (const [field, data] of matchingParams(options.listFields, params)) {
    parts.push(listFieldPredicate(field, data, options.resolve));
  }
  for (const [field, data] of matchingParams(options.rangeFields, params)) {
    parts.push(rangePredicate(field, data, options));
  }
  for (const [field, data] of matchingParams(options.equalityFields, params)) {
    parts.push((doc) => mongoEquals(options.resolve(doc, field), data));
  }
  for (const field of options.datetimeFields) {
    const data = params[field];
    if (data !== undefined && data !== null) parts.push(datetimePredicate(field, data, options));
  }
  for (const key of ["_any_", "_or_", "_all_", "_and_"]) {
    if (key in params) parts.push(multiFieldPredicate(key, params[key] ?? null, options));
  }
  const text = params.search_text;
  if (typeof text === "string" && text.trim()) parts.push(textPredicate(text, options));
  return parts.length === 0 ? ALWAYS : (doc) => parts.every((part) => part(doc));
}

function matchingParams(patterns: readonly string[], params: JsonObject): [string, Json][] {
  const fields = new Set<string>();
  for (const pattern of patterns) {
    if (pattern.endsWith("*")) {
      const prefix = pattern.slice(0, -1);
      for (const key of Object.keys(params)) if (key.startsWith(prefix)) fields.add(key);
    } else if (pattern in params) {
      fields.add(pattern);
    }
  }
  // null filters are dropped: they are not real queries.
  return [...fields].flatMap((field) => {
    const value = params[field];
    return value === undefined || value === null ? [] : [[field, value] as [string, Json]];
  });
}

/** Compiles a Python pattern, reporting failures as `400/21`. */
export function compilePattern(pattern: Json, flags = ""): RegExp {
  if (typeof pattern !== "string") {
    throw fieldsValueError("failed parsing query field", {
      error: "first argument must be string or compiled pattern",
    });
  }
  try {
    return compilePythonRegex(pattern, flags);
  } catch (error) {
    throw apiError(400, 21, { kwargs: { err: (error as Error).message, extra_info: null } });
  }
}

function patternPredicate(field: string, pattern: Json, options: QueryOptions, flags: string) {
  const regex = compilePattern(pattern, flags);
  return (doc: Doc) =>
    asArray(options.resolve(doc, field)).some((value) => testString(regex, value));
}

function testString(regex: RegExp, value: Json): boolean {
  regex.lastIndex = 0;
  return typeof value === "string" && regex.test(value);
}

function rangePredicate(field: string, data: Json, options: QueryOptions): Predicate {
  if (!Array.isArray(data) || data.length !== 2) {
    throw validationError(`Min and max values should be specified for range field ${field}`);
  }
  const [min = null, max = null] = data;
  if (min === null && max === null) {
    throw validationError(
      `At least one of min or max values should be provided for field ${field}`,
    );
  }
  const isDate = options.dateFields.includes(field);
  const bound = (value: Json) => value === null ? null : isDate ? parseDate(value) ?? NaN : value;
  const low = bound(min);
  const high = bound(max);
  return (doc) => {
    const value = options.resolve(doc, field);
    if (value === undefined || value === null) return low === null;
    return (low === null || compareScalars(value, low) >= 0) &&
      (high === null || compareScalars(value, high) <= 0);
  };
}

const MODIFIERS: Record<string, (order: number) => boolean> = {
  ">=": (order) => order >= 0,
  ">": (order) => order > 0,
  "<=": (order) => order <= 0,
  "<": (order) => order < 0,
};

function datetimePredicate(field: string, data: Json, options: QueryOptions): Predicate {
  const items = Array.isArray(data) ? data : [data];
  const hasModifier = items.some((item) =>
    typeof item === "string" && Object.keys(MODIFIERS).some((mod) => item.startsWith(mod))
  );
  if (items.length === 2 && !hasModifier) return rangePredicate(field, items, options);
  // Later conditions with the same modifier replace earlier ones, as keys of one query dict.
  const conditions = new Map<string, number>();
  for (const item of items) {
    if (typeof item !== "string") continue;
    const match = /^(>=|>|<=|<)?(.*)$/s.exec(item);
    const value = parseDate(match?.[2]);
    if (value !== undefined) conditions.set(match?.[1] ?? "=", value);
  }
  return (doc) => {
    const value = options.resolve(doc, field);
    if (typeof value !== "number") return conditions.size === 0;
    return [...conditions].every(([modifier, bound]) =>
      modifier === "=" ? value === bound : (MODIFIERS[modifier] ?? (() => false))(value - bound)
    );
  };
}

function multiFieldPredicate(key: string, value: Json, options: QueryOptions): Predicate {
  const keys = isObject(value) ? Object.keys(value).sort().join(",") : "";
  if (!isObject(value) || keys !== "fields,pattern") {
    throw validationError("incorrect field format", { field: key });
  }
  const fields = Array.isArray(value.fields)
    ? value.fields.filter((f) => typeof f === "string")
    : [];
  if (fields.length === 0) return ALWAYS;
  const checks = fields.map((field) =>
    patternPredicate(field, value.pattern ?? null, options, "i")
  );
  return key === "_any_" || key === "_or_"
    ? (doc) => checks.some((check) => check(doc))
    : (doc) => checks.every((check) => check(doc));
}

// An approximation of MongoDB's text search: a term matches a word that starts with it, ignoring
// case, so that "model" finds "models" as stemming would.
function textPredicate(text: string, options: QueryOptions): Predicate {
  const terms = text.toLowerCase().split(/\s+/).filter((term) => term && !term.startsWith("-"));
  return (doc) =>
    options.textFields.some((field) =>
      asArray(options.resolve(doc, field)).some((value) =>
        typeof value === "string" &&
        value.toLowerCase().split(/[^\p{L}\p{N}]+/u).some((word) =>
          terms.some((term) => word.startsWith(term))
        )
      )
    );
}

/** MongoDB equality: a field equals a value, or an array field contains it. */
export function mongoEquals(value: Json | undefined, expected: Json): boolean {
  if (deepEqual(value ?? null, expected)) return true;
  return Array.isArray(value) && value.some((item) => deepEqual(item, expected));
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Orders two scalars of a field; numbers with numbers, strings with strings. */
export function compareScalars(a: Json, b: Json): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  return Number.NaN;
}
