import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ModelsAPI } from "../src/clearml/models.ts";
import { ProjectsAPI } from "../src/clearml/projects.ts";
import type { Project } from "../src/clearml/types.ts";
import { ConnectionError } from "../src/errors.ts";
import { openPlatformBackend, type PlatformBackend } from "../src/platform/backend.ts";
import { ClearMLLocks } from "../src/platform/lock.ts";
import { runBounded } from "../src/storage/pool.ts";
import {
  directOptions,
  dropProject,
  freshUsername,
  pendingAfter,
  stackClient,
} from "./_platform.ts";
import { removeDir, tempDir } from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };

describe("the platform backend on the local stack", SLOW, () => {
  let backend: PlatformBackend;
  let username: string;

  before(async () => {
    username = freshUsername("backend");
    backend = await openPlatformBackend(directOptions(username));
  });

  after(async () => {
    if (backend === undefined) return; // the stack was not up: before() failed and said so
    await dropProject(backend.client, username);
    await backend.close();
  });

  it(
    "metadata: create, findByName, setMetadata, setUri, list and delete round trip",
    SLOW,
    async () => {
      const store = backend.metadata;
      const id = await store.create("round_trip", "s3://placeholder");
      assert.match(id, /^[0-9a-f]{32}$/);
      await store.setMetadata(id, {
        latest_version: { type: "str", value: "v1" },
        version_count: { type: "int", value: "1" },
      });
      await store.setMetadata(id, { modelSize: { type: "float", value: "1.50" } });
      const uri = `s3://${backend.objects.bucket}/_models/${id}/v1/`;
      await store.setUri(id, uri);

      const [found, ...others] = await store.findByName("round_trip");
      assert.equal(others.length, 0);
      assert.equal(found?.id, id);
      assert.equal(found?.uri, uri);
      assert.deepEqual(found?.metadata, {
        latest_version: "v1",
        version_count: "1",
        modelSize: "1.50",
      });
      // The wire form: typed items, published, in the user's project.
      const raw = await new ModelsAPI(backend.client).getById(id);
      assert.equal(raw?.ready, true);
      assert.equal(raw?.project, backend.metadata.projectId);
      assert.deepEqual(
        (raw?.metadata as Record<string, { type: string }>).version_count?.type,
        "int",
      );
      assert.deepEqual((await store.getById(id))?.metadata.latest_version, "v1");

      const listed = [];
      for await (const model of store.list()) listed.push(model.id);
      assert.ok(listed.includes(id));
      assert.equal(await store.delete(id), true);
      assert.equal(await store.delete(id), false);
      assert.equal(await store.getById(id), null);
      assert.deepEqual(await store.findByName("round_trip"), []);
    },
  );

  it(
    "findByName() matches exactly, oldest first, and only in the user's project",
    SLOW,
    async () => {
      const store = backend.metadata;
      const first = await store.create("name.with+regex", "s3://placeholder");
      // `created` has millisecond precision, and ClearML breaks a tie by the (random) id: two
      // models made within one millisecond have no "oldest".
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store.create("name.with+regex", "s3://placeholder");
      await store.create("nameXwith+regex", "s3://placeholder");
      const found = await store.findByName("name.with+regex");
      assert.deepEqual(found.map((model) => model.id), [first, second]);

      const otherUser = freshUsername("other");
      const projects = new ProjectsAPI(backend.client);
      const otherProject = await projects.create({ name: `project_${otherUser}` });
      try {
        const foreign = await new ModelsAPI(backend.client).create({
          name: "name.with+regex",
          uri: "s3://placeholder",
          projectId: otherProject,
        });
        assert.equal((await store.findByName("name.with+regex")).length, 2);
        assert.equal(await store.getById(foreign), null);
      } finally {
        await projects.delete(otherProject, { force: true, deleteContents: true });
      }
    },
  );

  it("list() pages past 500 models", SLOW, async () => {
    const names = Array.from({ length: 505 }, (_, i) => `paged_${String(i).padStart(3, "0")}`);
    const ids = new Set<string>();
    await runBounded(names, 16, undefined, async (name) => {
      ids.add(await backend.metadata.create(name, "s3://placeholder"));
    });
    const seen = new Set<string>();
    for await (const model of backend.metadata.list()) seen.add(model.id);
    for (const id of ids) assert.ok(seen.has(id), `model ${id} missing from list()`);
    assert.ok(seen.size >= 505);
  });

  it(
    "objects: putFile, exists, list, copy, getFile and deletePrefix on the user's bucket",
    SLOW,
    async () => {
      const objects = backend.objects;
      const prefix = `tests/platform/${username}/`;
      const dir = await tempDir();
      try {
        await writeFile(join(dir, "in.bin"), "hello platform");
        const hello = "1044da19e738b3051587445fdd7e054b6d2358a0a59fc4e7ea4a8933ac94e2c8";
        assert.deepEqual(await objects.putFile(join(dir, "in.bin"), `${prefix}a/in.bin`), {
          bytes: 14,
          sha256: hello,
        });
        assert.equal(await objects.exists(`${prefix}a/in.bin`), true);
        assert.equal(await objects.exists(`${prefix}a/in.bi`), false);
        await objects.copy(`${prefix}a/in.bin`, `${prefix}b/copy.bin`);
        const listed = [];
        for await (const entry of objects.list(prefix)) {
          assert.ok(entry.modified instanceof Date, "S3 dates its objects");
          assert.match(entry.etag ?? "", /^[0-9a-f]{32}$/);
          listed.push({ key: entry.key, size: entry.size });
        }
        assert.deepEqual(listed, [
          { key: `${prefix}a/in.bin`, size: 14 },
          { key: `${prefix}b/copy.bin`, size: 14 },
        ]);
        assert.deepEqual(await objects.getFile(`${prefix}b/copy.bin`, join(dir, "out.bin")), {
          bytes: 14,
          sha256: hello,
          resumedBytes: 0,
        });
        assert.equal(await readFile(join(dir, "out.bin"), "utf8"), "hello platform");
        assert.equal(await objects.deletePrefix(prefix), 2);
        assert.equal(await objects.exists(`${prefix}a/in.bin`), false);
      } finally {
        await removeDir(dir);
        await objects.deletePrefix(prefix).catch(() => {});
      }
    },
  );
});

describe("locks held as hidden ClearML projects", SLOW, () => {
  let backend: PlatformBackend;
  let username: string;

  before(async () => {
    username = freshUsername("locks");
    backend = await openPlatformBackend(directOptions(username));
  });

  after(async () => {
    if (backend === undefined) return;
    await dropProject(backend.client, username);
    await backend.close();
  });

  it("serializes concurrent holders of one lock", SLOW, async () => {
    const modelId = "a".repeat(32);
    const first = await backend.metadata.lock(modelId, { ttlMs: 30_000 });
    const second = backend.metadata.lock(modelId, { ttlMs: 30_000 });
    assert.equal(await pendingAfter(second, 300), true, "the second holder got in while held");
    await first.release();
    await (await second).release();

    let inside = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 5 }, async () => {
      const held = await backend.metadata.lock(modelId, { ttlMs: 30_000 });
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inside--;
      await held.release();
    }));
    assert.equal(most, 1);
  });

  it(
    "keeps locks out of the user's listing and of the exact-name project lookup",
    SLOW,
    async () => {
      const modelId = "b".repeat(32);
      const held = await backend.metadata.lock(modelId, { ttlMs: 30_000 });
      try {
        // The Python SDK lists projects with no body and matches `project_{username}` exactly.
        const data = await backend.client.call<{ projects: Project[] }>("projects.get_all", {});
        const mine = data.projects.filter((project) =>
          project.name?.startsWith(`project_${username}`)
        );
        assert.deepEqual(mine.map((project) => project.name), [`project_${username}`]);
        const hidden = await new ProjectsAPI(backend.client).getAll({
          filters: { search_hidden: true },
        });
        const lockName = `project_${username}/.aipmodel-lock-${modelId}`;
        const lock = hidden.find((project) => project.name === lockName);
        assert.deepEqual(lock?.system_tags, ["hidden"]);
        assert.equal(lock?.parent, backend.metadata.projectId);
        // A model listing of the user's project is not disturbed either.
        const models = [];
        for await (const model of backend.metadata.list()) models.push(model);
        assert.deepEqual(models, []);
      } finally {
        await held.release();
      }
      const after = await new ProjectsAPI(backend.client).getAll({
        filters: { search_hidden: true },
      });
      assert.equal(after.some((project) => project.name?.endsWith(modelId)), false);
    },
  );

  it(
    "takes over a lock whose holder let it expire; the late release does not throw",
    SLOW,
    async () => {
      const modelId = "c".repeat(32);
      const stale = await backend.metadata.lock(modelId, { ttlMs: 200 });
      const started = Date.now();
      const fresh = await backend.metadata.lock(modelId, { ttlMs: 30_000 });
      assert.ok(Date.now() - started >= 150, "the lock was taken before it expired");
      await stale.release();
      // The stale holder's release must not have freed the new holder's lock.
      const third = backend.metadata.lock(modelId, { ttlMs: 30_000 });
      assert.equal(await pendingAfter(third, 300), true);
      await fresh.release();
      await (await third).release();
    },
  );

  it("stops waiting when the signal aborts", SLOW, async () => {
    const modelId = "d".repeat(32);
    const held = await backend.metadata.lock(modelId, { ttlMs: 30_000 });
    try {
      const controller = new AbortController();
      const reason = new Error("given up");
      setTimeout(() => controller.abort(reason), 200);
      const started = Date.now();
      await assert.rejects(
        backend.metadata.lock(modelId, { ttlMs: 30_000, signal: controller.signal }),
        (error) => error === reason,
      );
      assert.ok(Date.now() - started < 5_000);
      await assert.rejects(
        backend.metadata.lock(modelId, { ttlMs: 1000, signal: AbortSignal.abort(reason) }),
        (error) => error === reason,
      );
    } finally {
      await held.release();
    }
  });

  it("settles a create whose answer was lost by finding its own token", SLOW, async () => {
    const client = stackClient();
    const name = "e".repeat(32);
    let dropped = 0;
    const lossy = {
      call: async <T>(endpoint: string, body?: Record<string, unknown>): Promise<T> => {
        const answer = await client.call<T>(endpoint, body);
        if (endpoint === "projects.create" && String(body?.name).endsWith(name) && dropped === 0) {
          dropped++;
          throw new ConnectionError("clearml", "connection reset after the server acted");
        }
        return answer;
      },
    };
    const locks = new ClearMLLocks(lossy, { parent: `project_${username}` });
    const started = Date.now();
    const held = await locks.acquire(name, { ttlMs: 30_000 });
    assert.equal(dropped, 1);
    assert.ok(Date.now() - started < 10_000, "it waited for its own lock to expire");
    const projects = new ProjectsAPI(client);
    const hidden = { name: locks.lockName(name), filters: { search_hidden: true } };
    assert.equal((await projects.getAll(hidden)).length, 1);
    await held.release();
    assert.equal((await projects.getAll(hidden)).length, 0);
  });
});
