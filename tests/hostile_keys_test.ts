/**
 * Hostile and odd data in the registry: object keys under a version's folder that would escape
 * the download folder (`../`, an absolute path, `\`, NUL and control characters, drive letters),
 * a `localDest` that is a file, and model and version names full of regex metacharacters
 * (ClearML's name filter is a regex: `a.b` must not find `axb`).
 */

import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError, NotFoundError, ValidationError } from "../src/errors.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { directConnect, filesUnder, rejectionOf, SLOW, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { keysUnder, localManager, removeDir, tempDir, writeTree } from "./_registry.ts";
import { platformStorage } from "./_storage.ts";

describe("getModel() of a version holding hostile object keys on the platform", SLOW, () => {
  const username = uniqueName("t_hostile");
  let manager: MLOpsManager;
  let storage: S3Storage;
  let dir: string;
  let id: string;

  before(async () => {
    dir = await tempDir("aipmodel-hostile-");
    await writeTree(join(dir, "src"), { "config.json": "{}" });
    manager = await MLOpsManager.connect(directConnect(username));
    storage = platformStorage();
    id = await manager.addModel({
      sourceType: "local",
      modelName: "hostile_keys",
      version: "v1",
      sourcePath: join(dir, "src"),
    });
  });

  after(async () => {
    await storage?.deletePrefix(`_models/${id}/`).catch(() => {});
    storage?.close();
    await manager?.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  const hostile: [string, string][] = [
    ["a ../ escaping the folder", "../../escaped.txt"],
    ["a ../ in the middle", "sub/../../escaped.txt"],
    ["an absolute path", "/etc/escaped.txt"],
    ["a backslash path", "..\\..\\escaped.txt"],
    ["a control character (SOH)", "soh\u0001escaped.txt"],
    ["a control character", "tab\tescaped.txt"],
    ["a drive letter", "C:/escaped.txt"],
    ["a drive-relative name", "C:escaped.txt"],
    ["a '.' segment", "./escaped.txt"],
  ];
  for (const [label, relative] of hostile) {
    it(`refuses a key with ${label}, writing nothing at all`, SLOW, async () => {
      const key = `_models/${id}/v1/${relative}`;
      await storage.putBytes(key, "evil");
      try {
        // radosgw keeps the key as sent: the listing really holds it.
        assert.ok((await keysUnder(manager.backend, `_models/${id}/v1/`)).includes(key));
        const root = join(dir, uniqueName("dl"));
        const out = join(root, "a", "b");
        await mkdir(out, { recursive: true });
        const error = await rejectionOf(
          manager.getModel({ modelName: "hostile_keys", version: "v1", localDest: out }),
        );
        assert.ok(error instanceof AipModelError, String(error));
        assert.match(error.message, /Refusing to download/);
        // Nothing at all was written: the keys are all checked before the first byte.
        assert.deepEqual(await filesUnder(root), []);
      } finally {
        // Also a check of deleteKeys: a key XML cannot carry is deleted on its own.
        await storage.deleteKeys([key]);
        assert.equal(await storage.exists(key), false);
      }
    });
  }

  it("a key with a NUL byte cannot exist: radosgw refuses it (400)", SLOW, async () => {
    const error = await rejectionOf(storage.putBytes(`_models/${id}/v1/nul\u0000x.txt`, "evil"));
    assert.equal((error as { status?: number }).status, 400, String(error));
  });

  it("a localDest that is a file is a ValidationError naming localDest", SLOW, async () => {
    const file = join(dir, "not-a-folder");
    await writeFile(file, "x");
    const error = await rejectionOf(
      manager.getModel({ modelName: "hostile_keys", version: "v1", localDest: file }),
    );
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.field, "localDest");
  });

  it(
    "a localDest whose version folder is a file is a ValidationError naming localDest",
    SLOW,
    async () => {
      const out = join(dir, "dest-with-file");
      await mkdir(out);
      await writeFile(join(out, "v1"), "in the way");
      const error = await rejectionOf(
        manager.getModel({ modelName: "hostile_keys", version: "v1", localDest: out }),
      );
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.field, "localDest");
    },
  );
});

describe("names and versions with regex metacharacters on the platform", SLOW, () => {
  const username = uniqueName("t_regex");
  let manager: MLOpsManager;
  let dir: string;
  const stamp = uniqueName("rx");
  const names = {
    dot: `${stamp}_a.b`,
    dotTarget: `${stamp}_axb`,
    plus: `${stamp}_a+b`,
    plusTarget: `${stamp}_aab`,
    group: `${stamp}_(x)`,
    groupTarget: `${stamp}_x`,
    klass: `${stamp}_[ab]c`,
    klassTarget: `${stamp}_ac`,
  };

  before(async () => {
    dir = await tempDir("aipmodel-regex-");
    await writeTree(join(dir, "src"), { "config.json": "{}" });
    manager = await MLOpsManager.connect(directConnect(username));
    for (const name of Object.values(names)) {
      await manager.addModel({
        sourceType: "local",
        modelName: name,
        version: "v1",
        sourcePath: join(dir, "src"),
      });
    }
  });

  after(async () => {
    await manager?.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "each name finds exactly its own model: 'a.b' not 'axb', 'a+b' not 'aab', '(x)' not 'x', '[ab]c' not 'ac'",
    SLOW,
    async () => {
      const listed = (await manager.listModels()).map((model) => model.name).sort();
      assert.deepEqual(listed, Object.values(names).sort());
      const ids = new Set<string>();
      for (const name of Object.values(names)) {
        const info = await manager.getModelInfo(name);
        assert.equal(info.name, name);
        ids.add(info.id);
      }
      assert.equal(ids.size, Object.values(names).length);
    },
  );

  it("deleting 'a.b' leaves 'axb', and 'a.b' is then not found", SLOW, async () => {
    await manager.deleteModel({ modelName: names.dot });
    await assert.rejects(manager.getModelInfo(names.dot), NotFoundError);
    assert.equal((await manager.getModelInfo(names.dotTarget)).name, names.dotTarget);
  });

  it(
    "versions 'v1.0' and 'v1x0', '(x)' and 'x' are distinct and each downloads",
    SLOW,
    async () => {
      const name = names.plus;
      for (const version of ["v1.0", "v1x0", "(x)", "x", "a+b"]) {
        await writeTree(join(dir, version), { "which.txt": version });
        await manager.addModel({
          sourceType: "local",
          modelName: name,
          version,
          sourcePath: join(dir, version),
        });
      }
      await manager.deleteModel({ modelName: name, version: "v1.0" });
      const info = await manager.getModelInfo(name);
      assert.deepEqual(
        info.versions.map((version) => version.name).sort(),
        ["(x)", "a+b", "v1", "v1x0", "x"],
      );
      for (const version of ["v1x0", "(x)", "x", "a+b"]) {
        const got = await manager.getModel({
          modelName: name,
          version,
          localDest: join(dir, "out"),
        });
        assert.deepEqual(await filesUnder(got.path), ["which.txt"]);
      }
    },
  );
});

describe("getModel() of a local registry holding a key with a backslash", SLOW, () => {
  let dir: string;

  before(async () => {
    dir = await tempDir("aipmodel-hostile-local-");
  });
  after(() => removeDir(dir));

  it("refuses it and writes nothing", SLOW, async () => {
    const { manager } = await localManager(dir);
    await writeTree(join(dir, "src"), { "config.json": "{}" });
    const id = await manager.addModel({
      sourceType: "local",
      modelName: "hostile_local",
      version: "v1",
      sourcePath: join(dir, "src"),
    });
    // A file name with a backslash is legal on Linux; on Windows it would be a path.
    await writeFile(
      join(dir, "registry", "objects", "local", "_models", id, "v1", "..\\escaped.txt"),
      "evil",
    );
    const out = join(dir, "out");
    const error = await rejectionOf(
      manager.getModel({ modelName: "hostile_local", version: "v1", localDest: out }),
    );
    assert.ok(error instanceof AipModelError);
    assert.match(error.message, /Refusing to download/);
    assert.deepEqual(await filesUnder(out), []);
  });
});
