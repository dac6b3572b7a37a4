/**
 * Paging through a ClearML `get_all`: the server returns at most 500 rows per call and no total,
 * so pages are requested until one comes back shorter than the page size.
 *
 * @module
 */

import { ServiceError, ValidationError } from "../errors.ts";
import type { ClearMLCaller } from "./client.ts";
import type { ListOptions } from "./types.ts";

/** The server's cap on `page_size` (`max_page_size`). */
export const MAX_PAGE_SIZE = 500;

/** One paged listing. */
export interface PagedQuery<T> {
  /** E.g. `models.get_all`. */
  endpoint: string;
  /** The key of the rows in `data`, e.g. `models`. */
  key: string;
  /** The filters of the query (without paging and projection). */
  filters: Record<string, unknown>;
  /** Fields the client itself needs in every row (besides `id`), e.g. `name`. */
  requiredFields?: readonly string[];
  /** A client-side check on every row; rows for which it is false are skipped. */
  accept?: (row: T) => boolean;
}

/**
 * Yields every row of a `get_all` query, page by page. `id` is always part of `only_fields`
 * (the plain `get_all` does not add it), the order defaults to `created` (the server appends `id`,
 * which keeps pages stable), and a row seen on an earlier page (shifted there by a concurrent
 * insert) is not yielded twice.
 *
 * @example
 * ```ts ignore
 * import { pageThrough } from "./paging.ts";
 * for await (const model of pageThrough(client, { endpoint: "models.get_all", key: "models", filters: {} })) {
 *   console.log(model.id);
 * }
 * ```
 */
export async function* pageThrough<T extends { id: string }>(
  client: ClearMLCaller,
  query: PagedQuery<T>,
  options: ListOptions = {},
): AsyncGenerator<T, void, undefined> {
  const pageSize = resolvePageSize(options.pageSize);
  const body: Record<string, unknown> = { ...options.filters, ...query.filters };
  if (options.onlyFields !== undefined) {
    body.only_fields = [...new Set(["id", ...(query.requiredFields ?? []), ...options.onlyFields])];
  }
  body.order_by = [...(options.orderBy ?? ["created"])];
  const seen = new Set<string>();
  for (let page = 0;; page++) {
    options.signal?.throwIfAborted();
    const data = await client.call<Record<string, unknown>>(
      query.endpoint,
      { ...body, page, page_size: pageSize },
      { signal: options.signal },
    );
    const rows = data[query.key];
    if (!Array.isArray(rows)) {
      throw new ServiceError(
        "clearml",
        `ClearML answered ${query.endpoint} without a "${query.key}" list`,
      );
    }
    for (const row of rows as T[]) {
      if (typeof row !== "object" || row === null || typeof row.id !== "string") {
        throw new ServiceError(
          "clearml",
          `ClearML answered ${query.endpoint} with a row without id`,
        );
      }
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (query.accept === undefined || query.accept(row)) yield row;
    }
    if (rows.length < pageSize) return;
  }
}

/**
 * Collects a paged listing into an array.
 *
 * @example
 * ```ts
 * import { collect } from "./paging.ts";
 * async function* two() { yield 1; yield 2; }
 * console.assert((await collect(two())).length === 2);
 * ```
 */
export async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const result: T[] = [];
  for await (const row of rows) result.push(row);
  return result;
}

function resolvePageSize(value: number | undefined): number {
  if (value === undefined) return MAX_PAGE_SIZE;
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError("pageSize", "expected an integer >= 1");
  }
  // A larger page is silently cut to 500 by the server, which would end the loop after one page.
  return Math.min(value, MAX_PAGE_SIZE);
}
