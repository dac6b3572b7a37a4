/**
 * List-field filters of `get_all` (reference §5.3): a string is a one-item list, values are
 * OR-ed, `-x` excludes, `__$not` negates the next value, `__$all`/`__$and` switch to AND and
 * `__$any`/`__$or` back to OR, `null` matches missing or empty, and an empty list matches all.
 *
 * @module
 */

import { fieldsValueError, pyStr } from "./errors.ts";
import type { Doc, Json } from "./types.ts";

/** A compiled filter. */
export type Predicate = (doc: Doc) => boolean;

/** The filter that matches everything. */
export const ALWAYS: Predicate = (): boolean => true;

/** Reads a dotted field path of a document. */
export type Resolver = (doc: Doc, path: string) => Json | undefined;

/** A field value as MongoDB compares it: a scalar like a one-item array, missing/null as empty. */
export function asArray(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

type Action = "in" | "nin" | "all" | "not_all";
const OPERATORS: Record<string, "and" | "or"> = {
  "__$all": "and",
  "__$and": "and",
  "__$any": "or",
  "__$or": "or",
};

/** Compiles the list filter `data` on `field`, as the server's `get_list_field_query` does. */
export function listFieldPredicate(field: string, data: Json, resolve: Resolver): Predicate {
  const terms = Array.isArray(data) ? data : [data];
  let context: "and" | "or" = "or";
  let globalOperator: "and" | "or" | undefined;
  let unary: string | undefined;
  let allowEmpty = false;
  const actions = new Map<Action, Set<string>>();
  const add = (value: string, include: boolean) => {
    globalOperator ??= "or";
    const action: Action = context === "or"
      ? (include ? "in" : "nin")
      : include
      ? "all"
      : "not_all";
    const values = actions.get(action) ?? new Set<string>();
    values.add(value);
    actions.set(action, values);
  };
  for (const term of terms) {
    if (term === null) {
      unary = undefined;
      globalOperator ??= "or";
      allowEmpty = true;
      continue;
    }
    if (typeof term !== "string") {
      throw fieldsValueError("invalid value type, string expected", { field, value: pyStr(term) });
    }
    if (term.startsWith("__$")) {
      if (unary) throw fieldsValueError("Value is expected after", { field, operator: unary });
      if (term === "__$not" || term === "__$nop") {
        unary = term;
        continue;
      }
      const operator = OPERATORS[term];
      if (!operator) throw fieldsValueError("Unsupported operator", { field, operator: term });
      context = operator;
      globalOperator ??= operator;
      continue;
    }
    if (term.startsWith("-")) {
      const value = term.slice(1);
      if (!value) {
        throw fieldsValueError("Missing value after the exclude prefix -", { field, value });
      }
      unary = undefined;
      add(value, false);
      continue;
    }
    add(term, unary !== "__$not");
    unary = undefined;
  }
  if (unary) throw fieldsValueError("Value is expected after", { operator: unary });
  const checks = [...actions].map(([action, values]) => (doc: Doc) => {
    const present = asArray(resolve(doc, field));
    const hasAny = present.some((item) => typeof item === "string" && values.has(item));
    const hasAll = [...values].every((value) => present.includes(value));
    return action === "in"
      ? hasAny
      : action === "nin"
      ? !hasAny
      : action === "all"
      ? hasAll
      : !hasAll;
  });
  const combined: Predicate | undefined = checks.length === 0
    ? undefined
    : globalOperator === "and"
    ? (doc) => checks.every((check) => check(doc))
    : (doc) => checks.some((check) => check(doc));
  if (!allowEmpty) return combined ?? ALWAYS;
  const empty = (doc: Doc) => {
    const value = resolve(doc, field);
    return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
  };
  return combined ? (doc) => combined(doc) || empty(doc) : empty;
}
