/**
 * Listing under a prefix as async generators that hide S3's paging (ListObjectsV2, at most 1000
 * entries a page, continued with the continuation token). Pages are fetched one at a time as the
 * caller consumes them, so a listing of millions of keys holds one page in memory.
 *
 * @module
 */

import { ListObjectsV2Command, type ListObjectsV2CommandOutput } from "@aws-sdk/client-s3";
import type { StorageContext } from "./client.ts";
import { call } from "./call.ts";
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

async function* pages(
  context: StorageContext,
  prefix: string,
  options: ListOptions,
): AsyncGenerator<ListObjectsV2CommandOutput> {
  const pageSize = checkInteger("pageSize", options.pageSize ?? 1000, 1);
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await call(
      context,
      { operation: "ListObjectsV2", key: prefix },
      options.signal,
      (send) =>
        context.client.send(
          new ListObjectsV2Command({
            Bucket: context.bucket,
            Prefix: prefix,
            MaxKeys: Math.min(pageSize, 1000),
            ...(options.delimiter === undefined ? {} : { Delimiter: options.delimiter }),
            ...(token === undefined && options.startAfter !== undefined
              ? { StartAfter: options.startAfter }
              : {}),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
          send,
        ),
    );
    yield page;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined && token !== "");
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
    for (const entry of page.Contents ?? []) {
      if (entry.Key === undefined) continue;
      yield {
        key: entry.Key,
        size: entry.Size ?? 0,
        etag: cleanEtag(entry.ETag),
        lastModified: entry.LastModified,
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
    for (const entry of page.CommonPrefixes ?? []) {
      if (entry.Prefix !== undefined) yield entry.Prefix;
    }
  }
}
