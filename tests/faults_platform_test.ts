/**
 * addModel, getModel and deleteModel on the platform with faults injected between the SDK and
 * the services by the project's fault proxy (tests/_fault_proxy.ts), one in front of radosgw and
 * one in front of the ClearML server. Transient faults (a reset, a 503 burst of 2, a short stall,
 * a truncated body) are retried and the operation ends with the right bytes (sha256 compared);
 * persistent faults and a service stopped mid-way end in a typed error, with no version visible
 * without its files, no partial file at the destination, and whatever could not be cleaned up
 * found and removed by `gc`.
 */

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AipModelError,
  ConnectionError,
  ServiceError,
  StorageError,
  TimeoutError,
} from "../src/errors.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { type FaultProxy, type SeenRequest, startFaultProxy } from "./_fault_proxy.ts";
import { directConnect, filesUnder, findCause, rejectionOf, SLOW, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { stackValue } from "./_stack.ts";
import {
  keysUnder,
  MiB,
  platformStorage,
  removeDir,
  sha256File,
  tempDir,
  unfinishedUploads,
  writeRandomFile,
} from "./_storage.ts";

const PUTS = (request: SeenRequest) => request.method === "PUT";
const GETS = (request: SeenRequest) =>
  request.method === "GET" && request.path.includes("/_models/");

describe("the SDK through a fault proxy in front of radosgw and ClearML", SLOW, () => {
  const username = uniqueName("t_faults");
  let dir: string;
  let s3: FaultProxy;
  let clearml: FaultProxy;
  let manager: MLOpsManager;
  let clean: MLOpsManager;
  let storage: S3Storage;
  const hashes: Record<string, Record<string, string>> = { small: {}, big: {} };

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir, "small"));
    await mkdir(join(dir, "big"));
    for (const name of ["config.json", "a.bin", "b.bin"]) {
      hashes.small![name] = await writeRandomFile(join(dir, "small", name), 300_000);
    }
    hashes.big!["config.json"] = await writeRandomFile(join(dir, "big", "config.json"), 1000);
    hashes.big!["weights.bin"] = await writeRandomFile(join(dir, "big", "weights.bin"), 20 * MiB);
    s3 = await startFaultProxy(stackValue("CEPH_ENDPOINT_URL"));
    clearml = await startFaultProxy(stackValue("CLEARML_API_HOST"));
    manager = await MLOpsManager.connect(
      directConnect(username, { s3: s3.url, clearml: clearml.url }),
    );
    clean = await MLOpsManager.connect(directConnect(username));
    storage = platformStorage();
  });

  after(async () => {
    await s3?.close();
    await clearml?.close();
    if (clean !== undefined) {
      for (const model of await clean.listModels().catch(() => [])) {
        await clean.deleteModel({ modelId: model.id }).catch(() => {});
      }
      await clean.close();
    }
    await manager?.close();
    storage?.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  /** Back to a healthy network before and after each case. */
  async function healthy(): Promise<void> {
    s3.clear();
    clearml.clear();
    await s3.start();
    await clearml.start();
  }

  /** Downloads a version with the healthy client and compares every file's sha256. */
  async function assertBytes(name: string, version: string, source: "small" | "big") {
    const out = join(dir, uniqueName("check"));
    const got = await clean.getModel({ modelName: name, version, localDest: out });
    const expected = hashes[source]!;
    assert.deepEqual(await filesUnder(got.path), Object.keys(expected).sort());
    for (const [file, hash] of Object.entries(expected)) {
      assert.equal(await sha256File(join(got.path, file)), hash, file);
    }
    await removeDir(out);
  }

  /** The versions a healthy client sees, `undefined` for no such model. */
  async function versionsOf(name: string): Promise<string[] | undefined> {
    const model = (await clean.listModels()).find((summary) => summary.name === name);
    return model?.versions;
  }

  /** The model ids the S3 proxy saw in request paths. */
  function idsSeen(): string[] {
    const ids = s3.requests.map((line) => /\/_models\/([0-9a-f]{32})\//.exec(line)?.[1]);
    return [...new Set(ids.filter((id): id is string => id !== undefined))];
  }

  /** Nothing that looks like a partial download under `out`. */
  async function assertNoPartial(out: string): Promise<string[]> {
    const files = await filesUnder(out);
    assert.deepEqual(files.filter((file) => /incomplete|aipmodel-tmp/.test(file)), []);
    // A kept prefix for the next getModel to resume is allowed, under its own name with its
    // sidecar; never under the file's real name.
    const partials = files.filter((file) => file.endsWith(".aipmodel-partial"));
    for (const partial of partials) assert.ok(files.includes(`${partial}.json`), partial);
    return files.filter((file) => !file.includes(".aipmodel-partial"));
  }

  /** Nothing under the model's folder: no object, no unfinished multipart upload. */
  async function assertNothingStored(id: string | undefined): Promise<void> {
    assert.ok(id);
    assert.deepEqual(await keysUnder(storage, `_models/${id}/`), []);
    assert.deepEqual(await unfinishedUploads(storage, `_models/${id}/`), []);
  }

  /** addModel of the big folder, stopping `proxy`'s service 6 MiB into the upload. */
  async function addStoppingMidway(name: string, proxy: FaultProxy): Promise<unknown> {
    await healthy();
    s3.requests.length = 0;
    let stopping: Promise<void> | undefined;
    const error = await rejectionOf(manager.addModel({
      sourceType: "local",
      modelName: name,
      version: "v1",
      sourcePath: join(dir, "big"),
      onProgress: (event) => {
        if (stopping === undefined && event.bytesDone > 6 * MiB) stopping = proxy.stop();
      },
    }));
    await stopping;
    return error;
  }

  async function add(name: string, source: "small" | "big", version = "v1", via = manager) {
    return await via.addModel({
      sourceType: "local",
      modelName: name,
      version,
      sourcePath: join(dir, source),
    });
  }

  // ---- transient faults: retried, the operation succeeds with the right bytes ----

  for (
    const [label, arm] of [
      [
        "S3 resets one upload connection after 1 MiB",
        () => s3.reset({ afterBytes: MiB, direction: "up", times: 1, match: PUTS }),
      ],
      [
        "S3 answers 503 to two uploads in a row",
        () => s3.fail({ status: 503, times: 2, match: PUTS }),
      ],
      ["S3 holds two requests for 300 ms", () => s3.stall({ ms: 300, times: 2, match: PUTS })],
      ["ClearML answers 503 twice", () => clearml.fail({ status: 503, times: 2 })],
      ["ClearML resets a models.get_all answer after 10 bytes", () =>
        clearml.reset({
          afterBytes: 10,
          direction: "down",
          times: 1,
          match: (request) => request.path.includes("models.get_all"),
        })],
    ] as const
  ) {
    it(`addModel() when ${label}: retried, v1 complete and byte-identical`, SLOW, async () => {
      await healthy();
      const name = uniqueName("fa_add");
      const count = [...Object.values(s3.injected), ...Object.values(clearml.injected)]
        .reduce((sum, value) => sum + value, 0);
      arm();
      await add(name, "big");
      const injected = [...Object.values(s3.injected), ...Object.values(clearml.injected)];
      assert.ok(
        injected.reduce((sum, count) => sum + count, 0) > count,
        `a fault was injected: ${JSON.stringify([s3.injected, clearml.injected])}`,
      );
      await healthy();
      assert.deepEqual(await versionsOf(name), ["v1"]);
      await assertBytes(name, "v1", "big");
    });
  }

  it(
    "getModel() when S3 truncates one body, resets one download after 100 kB and answers 503 twice: " +
      "retried, every file byte-identical, no temporary file left",
    SLOW,
    async () => {
      await healthy();
      const name = uniqueName("fa_get");
      await add(name, "small");
      const before = { ...s3.injected };
      s3.truncate({ times: 1, match: GETS });
      s3.reset({ afterBytes: 100_000, direction: "down", times: 1, match: GETS });
      s3.fail({ status: 503, times: 2, match: GETS });
      const out = join(dir, uniqueName("get"));
      const got = await manager.getModel({ modelName: name, version: "v1", localDest: out });
      assert.equal(s3.injected.truncate, before.truncate + 1);
      assert.equal(s3.injected.reset, before.reset + 1);
      assert.equal(s3.injected.fail, before.fail + 2);
      assert.deepEqual(await assertNoPartial(out), ["v1/a.bin", "v1/b.bin", "v1/config.json"]);
      for (const [file, hash] of Object.entries(hashes.small!)) {
        assert.equal(await sha256File(join(got.path, file)), hash);
      }
    },
  );

  it(
    "deleteModel() when S3 and ClearML each answer 503 twice: retried, nothing left",
    SLOW,
    async () => {
      await healthy();
      const name = uniqueName("fa_del");
      const id = await add(name, "small");
      s3.fail({ status: 503, times: 2, match: (request) => request.method !== "GET" });
      clearml.fail({ status: 503, times: 2 });
      await manager.deleteModel({ modelName: name });
      await healthy();
      assert.equal(await versionsOf(name), undefined);
      assert.deepEqual(await keysUnder(storage, `_models/${id}/`), []);
    },
  );

  // ---- persistent faults: a typed error, nothing visible without its files ----

  it(
    "addModel() when S3 answers 503 to every upload: a StorageError (503) in the cause, no " +
      "model, no objects, no unfinished upload",
    SLOW,
    async () => {
      await healthy();
      s3.requests.length = 0;
      const name = uniqueName("fa_s3_503");
      s3.fail({ status: 503, match: PUTS });
      const error = await rejectionOf(add(name, "big"));
      assert.ok(error instanceof AipModelError);
      assert.match(error.message, /nothing was published/);
      assert.equal(findCause(error, StorageError)?.status, 503, String(error));
      await healthy();
      assert.equal(await versionsOf(name), undefined);
      await assertNothingStored(idsSeen()[0]);
    },
  );

  it(
    "addModel() when radosgw stops mid-upload: a ConnectionError in the cause, no model visible, " +
      "and gc removes the objects and the multipart upload the rollback could not reach",
    SLOW,
    async () => {
      const name = uniqueName("fa_s3_stop");
      const error = await addStoppingMidway(name, s3);
      assert.ok(findCause(error, ConnectionError), String(error));
      assert.equal(findCause(error, ServiceError)?.service, "s3");
      await healthy();
      assert.equal(await versionsOf(name), undefined);
      const [id] = idsSeen();
      assert.ok(id);
      // The rollback ran while S3 was down: what it left is garbage nobody refers to.
      const report = await clean.gc({ olderThanMs: 0, modelIds: [id] });
      assert.ok(report.orphans.every((orphan) => orphan.removed), JSON.stringify(report));
      await assertNothingStored(id);
    },
  );

  it(
    "addModel() when ClearML stops mid-upload: a ConnectionError (clearml) in the cause; once " +
      "back, the model shows no version and S3 holds nothing of it",
    SLOW,
    async () => {
      const name = uniqueName("fa_cm_stop");
      const error = await addStoppingMidway(name, clearml);
      const cause = findCause(error, ConnectionError);
      assert.equal(cause?.service, "clearml", String(error));
      await healthy();
      // The new entity could not be deleted while ClearML was down: it is there, empty.
      assert.deepEqual(await versionsOf(name) ?? [], []);
      const [id] = idsSeen();
      await assertNothingStored(id);
      // The same call, once ClearML is back, publishes into that entity.
      assert.equal(await add(name, "small"), id);
      await assertBytes(name, "v1", "small");
    },
  );

  it(
    "addModel() when ClearML answers 500 to everything: a ServiceError (500), nothing created",
    SLOW,
    async () => {
      await healthy();
      s3.requests.length = 0;
      const name = uniqueName("fa_cm_500");
      clearml.fail({ status: 500 });
      const error = await rejectionOf(add(name, "small"));
      const cause = findCause(error, ServiceError);
      assert.equal(cause?.service, "clearml", String(error));
      assert.equal(cause?.status, 500);
      await healthy();
      assert.equal(await versionsOf(name), undefined);
      assert.deepEqual(idsSeen(), []);
    },
  );

  it("getModel() when ClearML stalls every call past timeoutMs: a TimeoutError", SLOW, async () => {
    await healthy();
    const name = uniqueName("fa_cm_stall");
    await add(name, "small", "v1", clean);
    const impatient = await MLOpsManager.connect(
      directConnect(username, {
        s3: s3.url,
        clearml: clearml.url,
        timeoutMs: 300,
        retry: { retries: 1, baseDelayMs: 10 },
      }),
    );
    try {
      clearml.stall({ ms: Infinity });
      const out = join(dir, uniqueName("stall"));
      const error = await rejectionOf(
        impatient.getModel({ modelName: name, version: "v1", localDest: out }),
      );
      const cause = findCause(error, TimeoutError);
      assert.equal(cause?.service, "clearml", String(error));
      assert.deepEqual(await filesUnder(out), []);
    } finally {
      await healthy();
      await impatient.close();
    }
  });

  for (
    const [label, arm] of [
      ["S3 truncates every body", () => s3.truncate({ match: GETS })],
      [
        "S3 resets every download after 1000 bytes",
        () => s3.reset({ afterBytes: 1000, direction: "down", match: GETS }),
      ],
    ] as const
  ) {
    it(
      `getModel() when ${label}: a ConnectionError in the cause and no file at the destination`,
      SLOW,
      async () => {
        await healthy();
        const name = uniqueName("fa_get_bad");
        await add(name, "small", "v1", clean);
        arm();
        const out = join(dir, uniqueName("bad"));
        const error = await rejectionOf(
          manager.getModel({ modelName: name, version: "v1", localDest: out }),
        );
        assert.equal(findCause(error, ConnectionError)?.service, "s3", String(error));
        assert.deepEqual(await assertNoPartial(out), []);
      },
    );
  }

  it(
    "getModel() when radosgw stops after the first file: a ConnectionError; the files present " +
      "are whole and byte-identical, no temporary file",
    SLOW,
    async () => {
      await healthy();
      const name = uniqueName("fa_get_stop");
      await add(name, "big", "v1", clean);
      const out = join(dir, uniqueName("stop"));
      let stopping: Promise<void> | undefined;
      const error = await rejectionOf(manager.getModel({
        modelName: name,
        version: "v1",
        localDest: out,
        // One request at a time: the second file has not started when the first one ends.
        concurrency: 1,
        onProgress: (event) => {
          if (stopping === undefined && event.type === "file-end") stopping = s3.stop();
        },
      }));
      await stopping;
      assert.equal(findCause(error, ConnectionError)?.service, "s3", String(error));
      const files = await assertNoPartial(out);
      assert.ok(files.length < 2, files.join());
      for (const file of files) {
        const base = file.replace(/^v1\//, "");
        assert.equal(await sha256File(join(out, file)), hashes.big![base], file);
      }
      await healthy();
    },
  );

  for (const version of [undefined, "v1"]) {
    it(
      `deleteModel(${version ? "one version" : "the whole model"}) when radosgw is down: the ` +
        `${
          version ? "version" : "model"
        } is gone from the registry, the error says data is left, ` +
        "and gc removes it",
      SLOW,
      async () => {
        await healthy();
        const name = uniqueName("fa_del_stop");
        const id = await add(name, "small", "v1", clean);
        await add(name, "small", "v2", clean);
        await s3.stop();
        const error = await rejectionOf(
          manager.deleteModel({ modelName: name, ...(version ? { version } : {}) }),
        );
        assert.ok(error instanceof AipModelError);
        assert.match(error.message, /no version refers to them/);
        assert.equal(findCause(error, ConnectionError)?.service, "s3", String(error));
        await healthy();
        assert.deepEqual(await versionsOf(name), version ? ["v2"] : undefined);
        const report = await clean.gc({ olderThanMs: 0, modelIds: [id] });
        assert.deepEqual(
          report.orphans.map((orphan) =>
            `${orphan.kind} ${orphan.prefix.replace(/[0-9a-f]{64}/, "<sha>")} ${orphan.removed}`
          ),
          version
            ? [
              `manifest _models/${id}/_manifests/v1/<sha>.json true`,
              `version _models/${id}/v1/ true`,
            ]
            : [`model _models/${id}/ true`],
        );
        assert.deepEqual(
          (await keysUnder(storage, `_models/${id}/`)).map((key) => key.split("/")[2]),
          version ? ["_manifests", "v2", "v2", "v2"] : [],
        );
        if (version) await assertBytes(name, "v2", "small");
      },
    );
  }
});
