/**
 * Listing under a prefix as async generators that hide S3's paging (ListObjectsV2, at most 1000
 * entries a page, continued with the continuation token). Pages are fetched one at a time as the
 * caller consumes them, so a listing of millions of keys holds one page in memory.
 *
 * @module
 */

import { StorageError } from "../errors.ts";
import type { StorageContext } from "./client.ts";
import { answerText, sendDirect } from "./direct_call.ts";
import { toStorageError } from "./errors.ts";
import { type ListPage, parseListPage } from "./list_xml.ts";
import { cleanEtag, type StoredObject } from "./objects.ts";
import { checkInteger } from "./options.ts";

/** Options of {@link listObjects} and {@link listPrefixes}. */
export interface ListOptions {
  /**
   * Groups keys at this separator: {@link listObjects} then yields only the objects directly
   * under the prefix, and {@link listPrefixes} the "sub-folders".
   * @default undefined for listObjects (every key under the prefix), "/" for listPrefixes
   */
  delimiter?: string;
  /** Starts after this key (exclusive), e.g. to resume a listing. */
  startAfter?: string;
  /**
   * Entries asked for per request, 1 to 1000.
   * @default 1000
   */
  pageSize?: number;
  /** Stops the listing between or during requests. */
  signal?: AbortSignal;
}

/** A page of 1,000 keys is about 300 KB; an answer far beyond that is not a listing. */
const PAGE_LIMIT = 64 * 1024 * 1024;

/**
 * The pages of a listing, each one GET on the data path's connections (`direct.ts`): the AWS
 * SDK is not loaded for it, which a download, whose only other S3 requests are GETs, then
 * never pays for.
 */
async function* pages(
  context: StorageContext,
  prefix: string,
  options: ListOptions,
): AsyncGenerator<ListPage> {
  const pageSize = checkInteger("pageSize", options.pageSize ?? 1000, 1);
  const site = { operation: "ListObjectsV2", key: prefix };
  let token: string | undefined;
  do {
    const query: Record<string, string> = {
      "list-type": "2",
      prefix,
      "max-keys": String(Math.min(pageSize, 1000)),
    };
    if (options.delimiter !== undefined) query.delimiter = options.delimiter;
    if (token === undefined && options.startAfter !== undefined) {
      query["start-after"] = options.startAfter;
    }
    if (token !== undefined) query["continuation-token"] = token;
    const answer = await sendDirect(context, site, {
      method: "GET",
      bucket: context.bucket,
      query,
      signal: options.signal,
      // A page is awaited before anything else can start (see `WireRequest.fresh`).
      fresh: true,
    });
    let text: string;
    try {
      const read = await answerText(answer, PAGE_LIMIT);
      if (!read.complete) throw new Error("the listing page is too large");
      text = read.text;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw toStorageError(error, context, site);
    }
    let page: ListPage;
    try {
      page = parseListPage(text);
    } catch (error) {
      throw new StorageError(
        `S3 at ${context.endpoint} answered a listing of s3://${context.bucket}/${prefix} with ` +
          `something that is not one (${(error as Error).message}).`,
        { operation: "ListObjectsV2", bucket: context.bucket, key: prefix, cause: error },
      );
    }
    yield page;
    token = page.nextToken;
  } while (token !== undefined);
}

/**
 * Every object whose key starts with `prefix` (a plain string prefix: `a/b` also matches
 * `a/bc`; end it with `/` for a folder), in key order.
 *
 * @example
 * ```ts ignore
 * for await (const object of listObjects(context, "_models/abc/v1/")) {
 *   console.log(object.key, object.size);
 * }
 * ```
 */
export async function* listObjects(
  context: StorageContext,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<StoredObject> {
  for await (const page of pages(context, prefix, options)) {
    for (const entry of page.contents) {
      yield {
        key: entry.key,
        size: entry.size,
        etag: cleanEtag(entry.etag),
        lastModified: entry.lastModified,
      };
    }
  }
}

/**
 * The common prefixes ("sub-folders") directly under `prefix`, each ending with the delimiter.
 *
 * @example
 * ```ts ignore
 * for await (const folder of listPrefixes(context, "_models/abc/")) console.log(folder);
 * ```
 */
export async function* listPrefixes(
  context: StorageContext,
  prefix: string,
  options: ListOptions = {},
): AsyncGenerator<string> {
  const delimited = { ...options, delimiter: options.delimiter ?? "/" };
  for await (const page of pages(context, prefix, delimited)) {
    yield* page.prefixes;
  }
}
