import assert from "node:assert/strict";
import { readFile, utimes, writeFile } from "node:fs/promises";
import { join, parse, resolve, sep } from "node:path";
import { describe, it } from "node:test";
import { AipModelError } from "../src/errors.ts";
import { acquireFileLock } from "../src/local/lock.ts";
import { insideResolved, insideRoot, isExcluded, safeSegments } from "../src/registry/paths.ts";
import { removeDir, tempDir } from "./_registry.ts";

describe("safeSegments() on stored keys", () => {
  const refused = [
    "",
    "../evil",
    "a/../../evil",
    "/etc/passwd",
    "a\\..\\evil",
    "C:/Windows/evil",
    "C:evil",
    "a/C:/b",
    "a//b",
    "./a",
    "a\u0000b",
    "a\nb",
  ];
  for (const key of refused) {
    it(`refuses ${JSON.stringify(key)}`, () => {
      assert.throws(() => safeSegments(key), AipModelError);
    });
  }

  it("accepts nested keys and names holding dots", () => {
    assert.deepEqual(safeSegments("weights/model..bin"), ["weights", "model..bin"]);
    assert.deepEqual(safeSegments(".gitignore"), [".gitignore"]);
  });

  it("excludes .git and .DS_Store by whole segment only", () => {
    assert.equal(isExcluded([".git", "HEAD"]), true);
    assert.equal(isExcluded(["a", ".DS_Store"]), true);
    assert.equal(isExcluded([".gitignore"]), false);
    assert.equal(isExcluded([".gitattributes"]), false);
  });

  it("insideRoot() keeps paths under the root", () => {
    assert.equal(insideRoot("/tmp/out", ["v1", "a.txt"]), join("/tmp/out", "v1", "a.txt"));
    assert.throws(() => insideRoot("/tmp/out", [".."]), AipModelError);
  });

  it("insideResolved() joins under a resolved root and refuses segments that could leave it", () => {
    const root = resolve("/tmp/out");
    assert.equal(insideResolved(root, ["v1", "a.b", "c"]), join(root, "v1", "a.b", "c"));
    assert.equal(insideResolved(parse(root).root, ["a"]), join(parse(root).root, "a"));
    for (const bad of [[], [".."], ["."], [""], ["a/b"], [`a${sep}b`], ["v1", ".."]]) {
      assert.throws(() => insideResolved(root, bad), AipModelError, JSON.stringify(bad));
    }
  });
});

describe("the local registry's lock files", { timeout: 30_000 }, () => {
  it("a second holder waits until the first releases", { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, "model.lock");
      const first = await acquireFileLock(path, { ttlMs: 10_000 });
      let secondHeld = false;
      const second = acquireFileLock(path, { ttlMs: 10_000 }).then((held) => {
        secondHeld = true;
        return held;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(secondHeld, false);
      await first.release();
      await (await second).release();
      assert.equal(secondHeld, true);
    } finally {
      await removeDir(dir);
    }
  });

  it(
    "a lock left by a crashed holder is taken over after its TTL",
    { timeout: 30_000 },
    async () => {
      const dir = await tempDir();
      try {
        const path = join(dir, "model.lock");
        await writeFile(path, JSON.stringify({ token: "crashed", expires: Date.now() - 1 }));
        const held = await acquireFileLock(path, { ttlMs: 10_000, waitMs: 5_000 });
        assert.notEqual(JSON.parse(await readFile(path, "utf8")).token, "crashed");
        await held.release();
      } finally {
        await removeDir(dir);
      }
    },
  );

  it("an empty lock file left by a crash is taken over once older than the TTL", {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, "model.lock");
      await writeFile(path, "");
      const old = new Date(Date.now() - 60_000);
      await utimes(path, old, old);
      const held = await acquireFileLock(path, { ttlMs: 10_000, waitMs: 5_000 });
      await held.release();
    } finally {
      await removeDir(dir);
    }
  });

  it("waiting for a lock stops when the signal aborts", { timeout: 30_000 }, async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, "model.lock");
      const held = await acquireFileLock(path, { ttlMs: 10_000 });
      const reason = new Error("give up");
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 50);
      await assert.rejects(
        acquireFileLock(path, { ttlMs: 10_000, signal: controller.signal }),
        (error) => error === reason,
      );
      await held.release();
    } finally {
      await removeDir(dir);
    }
  });
});
