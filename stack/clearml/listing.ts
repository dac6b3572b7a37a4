/**
 * What `get_all` does after filtering (reference §5.3): `order_by` (nulls last for the first
 * ascending field, `id` appended), paging (`page`/`page_size`, capped at 500) or scrolling
 * (`scroll_id`/`size`), and the `only_fields` projection (no automatic `id`).
 *
 * @module
 */

import { ApiError, apiError, fieldsValueError, validationError } from "./errors.ts";
import { checkKnown, project, projection, type ProjectionOptions } from "./projection.ts";
import { compareScalars } from "./query.ts";
import { type EntityKind, formatDates, type Store } from "./store.ts";
import { newId } from "./time.ts";
import { type Doc, isObject, type Json, type JsonObject } from "./types.ts";

/** `services._mongo.max_page_size`. */
export const MAX_PAGE_SIZE = 500;
const SCROLL_TTL_MS = 600_000;

/** How the documents of one kind are listed. */
export interface ListingOptions extends ProjectionOptions {
  kind: EntityKind;
  /** String fields, for which `""` counts as empty when ordering. */
  stringFields: ReadonlySet<string>;
  /** Fields whose strings sort with numeric collation, by prefix. */
  numericCollationPrefixes: readonly string[];
}

/** The page of documents to return and, when scrolling, the scroll id. */
export interface Listing {
  items: JsonObject[];
  scrollId?: string;
}

/** Orders, pages (or scrolls) and projects `docs` as `params` ask. */
export function listDocuments(
  docs: Doc[],
  params: JsonObject,
  store: Store,
  options: ListingOptions,
): Listing {
  let start: number | undefined;
  let size: number | undefined;
  let scroll: { id: string; position: number } | undefined;
  if ("scroll_id" in params) {
    const requested = scrollSize(params);
    scroll = scrollState(params.scroll_id ?? null, store);
    size = requested;
    if (params.refresh_scroll) {
      size = Math.max(scroll.position, requested);
      scroll.position = 0;
    }
    start = scroll.position;
  } else {
    [start, size] = paging(params);
  }
  const orderBy = orderFields(params, options);
  const [include, exclude] = projection(params, options);
  let sets = [docs];
  if (orderBy.length > 0) {
    const first = orderBy.find((field) => !field.startsWith("$"));
    if (first && !first.startsWith("-") && !first.includes("[")) {
      const empty = (doc: Doc) => isEmpty(read(doc, first, options), first, options);
      sets = [docs.filter((doc) => !empty(doc)), docs.filter(empty)];
    }
    const collate = Object.keys(params).concat(first ?? []).some((key) =>
      options.numericCollationPrefixes.some((prefix) => key.replace(/^-/, "").startsWith(prefix))
    );
    sets = sets.map((set) => [...set].sort(comparator(orderBy, options, collate)));
  }
  const all = sets.flat();
  const page = start === undefined || !size ? all : all.slice(start, start + size);
  const items = page.map((doc) =>
    formatDates(project(doc, include, exclude, options), options.kind)
  );
  if (!scroll) return { items };
  const position = (start ?? 0) + items.length;
  store.scrolls.set(scroll.id, { position, expiresAt: store.now() + SCROLL_TTL_MS });
  return { items, scrollId: scroll.id };
}

function scrollSize(params: JsonObject): number {
  const size = params.size;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
    throw validationError(
      "Integer size parameter greater than 1 should be provided when working with scroll",
    );
  }
  return size;
}

// An unknown or expired scroll id silently starts a new scroll.
function scrollState(id: Json, store: Store): { id: string; position: number } {
  const state = typeof id === "string" ? store.scrolls.get(id) : undefined;
  if (typeof id === "string" && state && state.expiresAt > store.now()) {
    return { id, position: state.position };
  }
  return { id: newId(), position: 0 };
}

function paging(params: JsonObject): [number | undefined, number | undefined] {
  if (params.start !== undefined && params.start !== null) {
    return [pythonNumber(params.start, "start"), scrollSize(params)];
  }
  const page = "page" in params ? params.page ?? null : 0;
  if (page !== null && pythonNumber(page, "page") < 0) {
    throw validationError("page must be >=0", { field: "page" });
  }
  const pageSize = "page_size" in params ? params.page_size ?? null : MAX_PAGE_SIZE;
  if (pageSize !== null && pythonNumber(pageSize, "page_size") < 1) {
    throw validationError("page_size must be >0", { field: "page_size" });
  }
  if (pageSize !== null) {
    const size = Math.min(pythonNumber(pageSize, "page_size"), MAX_PAGE_SIZE);
    return [(page === null ? 0 : pythonNumber(page, "page")) * size, size];
  }
  if (page !== null) {
    throw apiError(400, 11, {
      extra: "page_size is required when page is requested",
      kwargs: { field: "page_size" },
    });
  }
  return [undefined, undefined];
}

// Python compares bools as ints and fails on anything else that is not a number.
function pythonNumber(value: Json, name: string): number {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "number") return value;
  throw new ApiError(
    500,
    0,
    `'<' not supported between instances of '${typeof value}' and 'int' (${name})`,
  );
}

function orderFields(params: JsonObject, options: ListingOptions): string[] {
  const value = params.order_by;
  if (!value || (Array.isArray(value) && value.length === 0)) return [];
  const fields = (Array.isArray(value) ? value : [value]).map((field) =>
    field === "@text_score" ? "$text_score" : String(field)
  );
  if (!params.search_text && fields.includes("$text_score")) {
    throw fieldsValueError("text score cannot be used in order_by when search text is not used");
  }
  for (const field of fields) {
    if (!field.startsWith("$")) checkKnown(field.replace(/^-/, ""), options);
  }
  if (!fields.includes("id") && !fields.includes("-id")) fields.push("id");
  return fields;
}

function read(doc: Doc, path: string, options: ListingOptions): Json | undefined {
  let node: Json | undefined = doc;
  for (const key of options.pathKeys(path)) node = isObject(node) ? node[key] : undefined;
  return node;
}

function isEmpty(value: Json | undefined, field: string, options: ListingOptions): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return value === "" && options.stringFields.has(field);
}

// MongoDB's sort: missing/null < numbers < strings < objects < booleans; arrays sort by their
// smallest element ascending and their largest descending.
function comparator(orderBy: string[], options: ListingOptions, collate: boolean) {
  const collator = new Intl.Collator("en-US", { numeric: true });
  const rank = (value: Json | undefined) =>
    value === undefined || value === null
      ? 0
      : typeof value === "number"
      ? 1
      : typeof value === "string"
      ? 2
      : typeof value === "boolean"
      ? 4
      : 3;
  const compare = (a: Json | undefined, b: Json | undefined): number => {
    const byRank = rank(a) - rank(b);
    if (byRank !== 0) return byRank;
    if (typeof a === "string" && typeof b === "string" && collate) return collator.compare(a, b);
    if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
    const order = compareScalars(a ?? null, b ?? null);
    return Number.isNaN(order) ? 0 : order;
  };
  const reduce = (value: Json | undefined, descending: boolean): Json | undefined => {
    if (!Array.isArray(value)) return value;
    const sorted = [...value].sort(compare);
    return descending ? sorted[sorted.length - 1] : sorted[0];
  };
  return (a: Doc, b: Doc): number => {
    for (const key of orderBy) {
      if (key.startsWith("$")) continue;
      const descending = key.startsWith("-");
      const field = descending ? key.slice(1) : key;
      const order = compare(
        reduce(read(a, field, options), descending),
        reduce(read(b, field, options), descending),
      );
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  };
}
