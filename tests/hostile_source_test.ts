/**
 * Odd and hostile source folders for addModel: symbolic links (followed, to files and folders;
 * loops and dangling links refused, never hanging), a file that changes while it is uploaded
 * (detected, nothing published), zero-byte files, unicode and 255-byte names, and 10,000 files;
 * on the embedded registry and on the platform.
 */

import assert from "node:assert/strict";
import { appendFile, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError, ValidationError } from "../src/errors.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { AddModelOptions } from "../src/registry/add_model.ts";
import { directConnect, filesUnder, rejectionOf, SLOW, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { localManager, removeDir, tempDir, writeTree } from "./_registry.ts";

const MiB = 1024 * 1024;

/** `promise`, or a failure after `ms`: a hang must fail the test, not stall the suite. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Names no file system of ours refuses: zero bytes, unicode, a 255-byte segment. */
const ODD_FILES: Record<string, string> = {
  "empty.bin": "",
  "deep/er/empty-too.txt": "",
  "模型/权重.bin": "weights",
  "émoji 😀 space.txt": "smile",
  // 255 bytes in UTF-8: 'é' is two bytes.
  [`${"é".repeat(100)}${"n".repeat(51)}.bin`]: "long",
  [`${"l".repeat(251)}.bin`]: "long ascii",
};

/** Adds `files` as v1 and checks that getModel gives the same names and bytes back. */
async function roundTrip(manager: MLOpsManager, dir: string, name: string): Promise<void> {
  const source = join(dir, `src_${name}`);
  await writeTree(source, ODD_FILES);
  await manager.addModel({
    sourceType: "local",
    modelName: name,
    version: "v1",
    sourcePath: source,
  });
  const got = await manager.getModel({
    modelName: name,
    version: "v1",
    localDest: join(dir, `out_${name}`),
  });
  assert.deepEqual(await filesUnder(got.path), Object.keys(ODD_FILES).sort());
  for (const [file, content] of Object.entries(ODD_FILES)) {
    assert.equal(await readFile(join(got.path, file), "utf8"), content, file);
  }
  assert.equal(got.files, Object.keys(ODD_FILES).length);
}

describe("odd source folders on the local registry", SLOW, () => {
  let dir: string;
  let manager: MLOpsManager;

  before(async () => {
    dir = await tempDir("aipmodel-source-");
    ({ manager } = await localManager(dir));
  });
  after(() => removeDir(dir));

  it(
    "zero-byte files, unicode names and 255-byte names go and come back unchanged",
    SLOW,
    async () => {
      await roundTrip(manager, dir, "odd_local");
    },
  );

  it(
    "symbolic links are followed: a link to a file stores the file, a link to a folder its files",
    SLOW,
    async () => {
      const source = join(dir, "links");
      await writeTree(source, { "real.txt": "real" });
      await writeTree(join(dir, "elsewhere"), { "inner/o.txt": "other" });
      await symlink(join(source, "real.txt"), join(source, "link.txt"));
      await symlink(join(dir, "elsewhere"), join(source, "linked-folder"));
      await manager.addModel({
        sourceType: "local",
        modelName: "links_local",
        version: "v1",
        sourcePath: source,
      });
      const got = await manager.getModel({
        modelName: "links_local",
        version: "v1",
        localDest: join(dir, "out_links"),
      });
      assert.deepEqual(await filesUnder(got.path), [
        "link.txt",
        "linked-folder/inner/o.txt",
        "real.txt",
      ]);
      assert.equal(await readFile(join(got.path, "link.txt"), "utf8"), "real");
      assert.equal(await readFile(join(got.path, "linked-folder/inner/o.txt"), "utf8"), "other");
    },
  );

  for (
    const [label, make] of [
      ["a link to its own folder", (source: string) => symlink(source, join(source, "self"))],
      ["a link to a parent folder", async (source: string) => {
        await mkdir(join(source, "a", "b"), { recursive: true });
        await symlink(join(source, "a"), join(source, "a", "b", "up"));
      }],
      ["a link to itself (ELOOP)", (source: string) => symlink("me", join(source, "me"))],
      [
        "a dangling link",
        (source: string) => symlink(join(source, "gone"), join(source, "dangling")),
      ],
    ] as const
  ) {
    it(
      `${label} is a ValidationError of sourcePath within seconds; no model is left`,
      SLOW,
      async () => {
        const source = join(dir, uniqueName("loop"));
        await writeTree(source, { "config.json": "{}" });
        await make(source);
        const name = uniqueName("loop_local");
        const error = await rejectionOf(
          within(
            manager.addModel({
              sourceType: "local",
              modelName: name,
              version: "v1",
              sourcePath: source,
            }),
            10_000,
          ),
        );
        assert.ok(error instanceof ValidationError, String(error));
        assert.equal(error.field, "sourcePath");
        assert.ok(!(await manager.listModels()).some((model) => model.name === name));
      },
    );
  }

  it(
    "a file that grows while it is uploaded is detected: an error, nothing published",
    SLOW,
    async () => {
      const source = join(dir, "growing");
      await mkdir(source);
      await writeFile(join(source, "g.bin"), new Uint8Array(24 * MiB));
      await assertGrowingRefused(manager, source, "grow_local");
    },
  );

  it(
    "10,000 files go and come back (names, sizes, bytes) in bounded time",
    { timeout: 300_000 },
    async () => {
      const source = join(dir, "many");
      const files: Record<string, string> = {};
      for (let index = 0; index < 10_000; index++) {
        files[`d${index % 50}/f${index}.txt`] = `file ${index}`;
      }
      await writeTree(source, files);
      const started = Date.now();
      await manager.addModel({
        sourceType: "local",
        modelName: "many_local",
        version: "v1",
        sourcePath: source,
      });
      const added = Date.now();
      const got = await manager.getModel({
        modelName: "many_local",
        version: "v1",
        localDest: join(dir, "out_many"),
      });
      const done = Date.now();
      assert.equal(got.files, 10_000);
      const listed = await filesUnder(got.path);
      assert.equal(listed.length, 10_000);
      assert.deepEqual(listed, Object.keys(files).sort());
      for (const index of [0, 4999, 9999]) {
        const file = `d${index % 50}/f${index}.txt`;
        assert.equal(await readFile(join(got.path, file), "utf8"), `file ${index}`);
      }
      const info = await manager.getModelInfo("many_local");
      assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
      // Generous: the machine running the suite may be shared (about 10 s each when idle).
      assert.ok(done - started < 200_000, `add ${added - started} ms, get ${done - added} ms`);
    },
  );
});

/** addModel of `source` (holding g.bin), appending to g.bin once 1 MiB is sent: refused. */
async function assertGrowingRefused(manager: MLOpsManager, source: string, name: string) {
  let grown: Promise<void> | undefined;
  const options: AddModelOptions = {
    sourceType: "local",
    modelName: name,
    version: "v1",
    sourcePath: source,
    onProgress: (event) => {
      if (grown === undefined && event.bytesDone > MiB) {
        grown = appendFile(join(source, "g.bin"), "more");
      }
    },
  };
  const error = await rejectionOf(manager.addModel(options));
  await grown;
  assert.ok(error instanceof AipModelError, String(error));
  assert.match(error.message, /changed during its upload/);
  assert.ok(!(await manager.listModels()).some((model) => model.name === name));
}

describe("odd source folders on the platform", SLOW, () => {
  const username = uniqueName("t_source");
  let dir: string;
  let manager: MLOpsManager;

  before(async () => {
    dir = await tempDir("aipmodel-source-");
    manager = await MLOpsManager.connect(directConnect(username));
  });
  after(async () => {
    await manager?.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "zero-byte files, unicode names and 255-byte names go and come back unchanged",
    SLOW,
    async () => {
      await roundTrip(manager, dir, "odd_platform");
    },
  );

  it(
    "a file that grows while it is uploaded is detected: an error, nothing published",
    SLOW,
    async () => {
      const source = join(dir, "growing");
      await mkdir(source);
      await writeFile(join(source, "g.bin"), new Uint8Array(24 * MiB));
      await assertGrowingRefused(manager, source, "grow_platform");
    },
  );
});
