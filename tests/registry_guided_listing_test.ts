import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { S3ObjectStore } from "../src/platform/object_store.ts";
import type { ObjectEntry } from "../src/registry/backend.ts";
import { compareKeys, listGuided } from "../src/registry/guided_listing.ts";
import type { Manifest } from "../src/registry/manifest.ts";
import { runBounded } from "../src/storage/pool.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { cleanPrefix, platformStorage, uniquePrefix } from "./_storage.ts";

const SLOW = { timeout: 120_000 };

/** A manifest that lists `paths` (sizes and hashes do not matter to the listing). */
function manifestOf(paths: readonly string[]): Manifest {
  return {
    format: "aipmodel-manifest",
    formatVersion: 1,
    modelId: "0".repeat(32),
    version: "v1",
    created: new Date().toISOString(),
    files: paths.map((path) => ({ path, size: 1, sha256: "0".repeat(64) })),
  };
}

/** The store, recording the keys each of its `listFrom` calls started after. */
function recording(store: S3ObjectStore): {
  store: Pick<S3ObjectStore, "list" | "listFrom">;
  starts: Array<string | undefined>;
} {
  const starts: Array<string | undefined> = [];
  return {
    starts,
    store: {
      list: (prefix, options) => store.list(prefix, options),
      listFrom: (prefix, startAfter, options) => {
        starts.push(startAfter);
        return store.listFrom(prefix, startAfter, options);
      },
    },
  };
}

async function plainListing(store: S3ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(prefix)) keys.push(entry.key);
  return keys;
}

const keysOf = (entries: readonly ObjectEntry[]) => entries.map((entry) => entry.key);

describe("listGuided(): a version's listing in pieces cut by its manifest", SLOW, () => {
  let storage: S3Storage;
  let store: S3ObjectStore;
  let prefix: string;
  // 35 names, two of them ordered differently by UTF-16 and by S3 (UTF-8 bytes).
  const names = [
    ...Array.from({ length: 33 }, (_, i) => `f${String(i).padStart(2, "0")}`),
    "z\u{FFFD}",
    "z\u{1F600}",
  ];

  before(async () => {
    storage = platformStorage();
    store = new S3ObjectStore(storage);
    prefix = uniquePrefix("guided");
    await runBounded(names, 16, undefined, async (name) => {
      await storage.putBytes(prefix + name, name);
    });
  });

  after(async () => {
    if (storage === undefined) return;
    await cleanPrefix(storage, prefix);
    storage.close();
  });

  it("compareKeys() orders keys as S3 does (by code point)", SLOW, async () => {
    assert.ok(compareKeys("z\u{FFFD}", "z\u{1F600}") < 0);
    assert.ok("z\u{FFFD}" > "z\u{1F600}", "UTF-16 order differs");
    assert.ok(compareKeys("a", "ab") < 0);
    assert.equal(compareKeys("ab", "ab"), 0);
    const listed = await plainListing(store, prefix);
    assert.deepEqual(listed, [...listed].sort(compareKeys));
    assert.deepEqual(listed.slice(-2), [prefix + "z\u{FFFD}", prefix + "z\u{1F600}"]);
  });

  it(
    "gives the plain listing, in pieces starting after every 9th key, when the manifest matches",
    SLOW,
    async () => {
      const { store: guided, starts } = recording(store);
      const shuffled = [...names].reverse();
      const entries = await listGuided(guided, prefix, Promise.resolve(manifestOf(shuffled)), {
        pageSize: 10,
      });
      assert.deepEqual(keysOf(entries), await plainListing(store, prefix));
      // 10 keys, then pieces of 9: after the 10th, the 19th and the 28th key.
      assert.equal(starts.length, 4);
      assert.equal(starts[0], undefined);
      assert.deepEqual(starts.slice(1), [prefix + "f09", prefix + "f18", prefix + "f27"]);
      assert.ok(entries.every((entry) => entry.size > 0 && entry.etag !== undefined));
    },
  );

  it("gives the plain listing when the bucket holds keys the manifest does not", SLOW, async () => {
    // The manifest misses 8 keys spread over every piece and lists 3 that are not stored.
    const listedInManifest = names.filter((_, i) => i % 4 !== 1).concat(["f05a", "f20a", "zz"]);
    const entries = await listGuided(store, prefix, Promise.resolve(manifestOf(listedInManifest)), {
      pageSize: 10,
    });
    assert.deepEqual(keysOf(entries), await plainListing(store, prefix));
  });

  it("gives the plain listing when the manifest lists exactly one page of keys", SLOW, async () => {
    const firstPage = [...names].sort(compareKeys).slice(0, 10);
    const entries = await listGuided(store, prefix, Promise.resolve(manifestOf(firstPage)), {
      pageSize: 10,
    });
    assert.equal(entries.length, names.length);
    assert.deepEqual(keysOf(entries), await plainListing(store, prefix));
  });

  it(
    "lists plainly without a manifest, or with a store that cannot list from a key",
    SLOW,
    async () => {
      const plain = await plainListing(store, prefix);
      const { store: guided, starts } = recording(store);
      const without = await listGuided(guided, prefix, Promise.resolve(undefined), {
        pageSize: 10,
      });
      assert.deepEqual(keysOf(without), plain);
      assert.deepEqual(starts, [undefined]);
      const listOnly = { list: store.list.bind(store) };
      const fallback = await listGuided(listOnly, prefix, Promise.resolve(manifestOf(names)), {
        pageSize: 10,
      });
      assert.deepEqual(keysOf(fallback), plain);
    },
  );

  it("fails with the manifest's failure, and with the caller's abort", SLOW, async () => {
    const broken = new Error("the manifest could not be read");
    await assert.rejects(
      listGuided(store, prefix, Promise.reject(broken), { pageSize: 10 }),
      (error) => error === broken,
    );
    const abort = new AbortController();
    const reason = new Error("stopped by the caller");
    abort.abort(reason);
    await assert.rejects(
      listGuided(store, prefix, Promise.resolve(manifestOf(names)), {
        pageSize: 10,
        signal: abort.signal,
      }),
      (error) => error === reason,
    );
  });
});
