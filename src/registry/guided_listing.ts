/**
 * Listing a version's objects with its manifest as a guide. S3 pages a listing by 1,000 keys and
 * each page needs the previous one's continuation token, so 2,000 files cost two to three
 * requests one after another before the first download can start. The manifest says which keys
 * to expect: the key space is cut at every 999th of them and the pieces are listed at once, each
 * from the key before it (`start-after`) until it passes its last expected key. A piece that
 * holds keys the manifest does not list simply takes more pages; the merged result is exactly the
 * sequential listing, whatever the bucket holds.
 *
 * @module
 */

import type { ObjectEntry, ObjectStore } from "./backend.ts";
import type { Manifest } from "./manifest.ts";
import { BoundedGroup } from "../storage/pool.ts";

/** The most keys S3 returns in one page. */
const PAGE = 1000;
/** Pieces listed at once, at most. */
const PIECES_AT_ONCE = 4;

/** Options of {@link listGuided}. */
export interface GuidedListingOptions {
  /** Stops the listing. */
  signal?: AbortSignal | undefined;
  /**
   * The most entries a page holds (S3's is 1,000); smaller in tests.
   * @default 1000
   */
  pageSize?: number | undefined;
}

/** A store that lists from a key on (see {@link ObjectStore.listFrom}). */
type ListingStore = Pick<ObjectStore, "list" | "listFrom">;

/** One piece of the key space: the keys after `after` up to and including `last`. */
interface Piece {
  after: string | undefined;
  last: string | undefined;
  expected: number;
}

/**
 * Every object under `prefix`, in key order, the same as `store.list(prefix)`; with a manifest of
 * more than one page of files and a store that can list from a key, in pieces at once (see the
 * module documentation). `manifest` is awaited only after the first page was asked for.
 */
export async function listGuided(
  store: ListingStore,
  prefix: string,
  manifest: Promise<Manifest | undefined>,
  options: GuidedListingOptions = {},
): Promise<ObjectEntry[]> {
  const { signal } = options;
  const page = options.pageSize ?? PAGE;
  const listFrom = store.listFrom?.bind(store);
  if (listFrom === undefined) {
    const [entries] = await Promise.all([collect(store.list(prefix, { signal })), manifest]);
    return entries;
  }
  const group = new BoundedGroup(PIECES_AT_ONCE, signal);
  // The first page goes out now, beside the manifest's request.
  const first = listFrom(prefix, undefined, { pageSize: page, signal: group.signal })[
    Symbol.asyncIterator
  ]();
  const pending = first.next();
  // Read (or given up) below; a failure before that is the group's.
  pending.catch(() => {});
  const results: ObjectEntry[][] = [];
  try {
    const [head, ...rest] = piecesOf(prefix, await manifest, page);
    await group.add(async () => {
      results[0] = await collectFrom(first, pending, head?.last).finally(() => first.return?.());
    });
    for (const [index, piece] of rest.entries()) {
      await group.add(async (inner) => {
        const listing = listFrom(prefix, piece.after, {
          pageSize: Math.min(page, piece.expected + 1),
          signal: inner,
        });
        results[index + 1] = await collect(listing, piece.last);
      });
    }
  } catch (error) {
    group.fail(error);
    await first.return?.();
  }
  await group.done();
  return results.flat();
}

/** The pieces of the key space, cut after every `page - 1`th expected key (see the module docs). */
function piecesOf(prefix: string, manifest: Manifest | undefined, page: number): Piece[] {
  const keys = (manifest?.files ?? []).map((file) => prefix + file.path).sort(compareKeys);
  // One page or less: one piece, with no last key (the bucket may hold keys after the expected).
  if (keys.length <= page) return [{ after: undefined, last: undefined, expected: keys.length }];
  // The first piece is the first page as S3 gives it; the next ones ask for their keys and one
  // more, so that a piece that holds what was expected ends with its first page.
  const pieces: Piece[] = [{ after: undefined, last: keys[page - 1], expected: page }];
  for (let start = page; start < keys.length; start += page - 1) {
    const end = Math.min(start + page - 1, keys.length);
    pieces.push({
      after: keys[start - 1],
      last: end === keys.length ? undefined : keys[end - 1],
      expected: end - start,
    });
  }
  return pieces;
}

/** The entries of `listing` up to and including `last` (all of them without one). */
function collect(listing: AsyncIterable<ObjectEntry>, last?: string): Promise<ObjectEntry[]> {
  const iterator = listing[Symbol.asyncIterator]();
  return collectFrom(iterator, iterator.next(), last).finally(() => iterator.return?.());
}

async function collectFrom(
  iterator: AsyncIterator<ObjectEntry>,
  pending: Promise<IteratorResult<ObjectEntry>>,
  last: string | undefined,
): Promise<ObjectEntry[]> {
  const entries: ObjectEntry[] = [];
  for (let step = await pending; step.done !== true; step = await iterator.next()) {
    const entry = step.value;
    if (last !== undefined && compareKeys(entry.key, last) > 0) break;
    entries.push(entry);
    if (entry.key === last) break;
  }
  return entries;
}

/**
 * S3's key order: by Unicode code point (the order of the UTF-8 bytes), which differs from
 * JavaScript's `<` (UTF-16 code units) when a key holds characters above U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    // A surrogate (an astral character) sorts after every other unit in code point order.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
