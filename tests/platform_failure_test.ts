/**
 * addModel() on the platform (ClearML-compatible server + radosgw) when a service is cut in the
 * middle: what is left in ClearML and S3 afterwards, read back through a second, healthy client.
 *
 * ClearML is cut through the `fetch` option (every ClearML call goes through it); S3 through a
 * loopback TCP proxy in front of radosgw that resets the connections of big uploads.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  AipModelError,
  ConnectionError,
  OperationAbortedError,
  ServiceError,
} from "../src/errors.ts";
import type { FetchLike } from "../src/http/fetch.ts";
import type { Logger } from "../src/logger.ts";
import { parseVersionsMap, PLACEHOLDER_URI } from "../src/registry/format.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import type { S3Storage } from "../src/storage/storage.ts";
import { stackValue } from "./_stack.ts";
import {
  keysUnder,
  MiB,
  platformStorage,
  removeDir,
  tempDir,
  unfinishedUploads,
  writeRandomFile,
} from "./_storage.ts";
import { startTcpProxy, type TcpProxy } from "./_tcp_proxy.ts";
import { tokenConnect } from "./_faults.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };

/** A model name no other run uses. */
function uniqueName(label: string): string {
  return `pf_${label}_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Token mode on the local stack, with short retries. */
const tokenOptions = tokenConnect;

/** What a call to the ClearML API is: its endpoint (`models.create`) and its JSON body. */
interface Call {
  endpoint: string;
  body: string;
}

/**
 * A fetch that can take ClearML down: `failWhen` decides, before a call, to go down for good;
 * `downAfter`, after a call answered, to go down for every later call; `failOnly` fails the
 * matching calls alone. Down means every call throws `TypeError("fetch failed")`, as a dead
 * server does (or, with `answer503`, answers 503 as a proxy in front of a stopped one). It also records the ids of the models created through it.
 */
class ClearMLSwitch {
  down = false;
  /** Down answers 503 (a proxy in front of a stopped server) instead of throwing. */
  answer503 = false;
  failWhen: ((call: Call) => boolean) | undefined;
  downAfter: ((call: Call) => boolean) | undefined;
  failOnly: ((call: Call) => boolean) | undefined;
  readonly failures: TypeError[] = [];
  readonly createdIds: string[] = [];

  readonly fetch: FetchLike = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const call = {
      endpoint: new URL(url).pathname.split("/").at(-1) ?? "",
      body: typeof init?.body === "string" ? init.body : "",
    };
    if (!this.down && this.failWhen?.(call)) this.down = true;
    if (this.down || this.failOnly?.(call)) {
      if (this.answer503) {
        return new Response("503 Service Unavailable", {
          status: 503,
          headers: { "content-type": "text/plain" },
        });
      }
      const failure = new TypeError("fetch failed");
      this.failures.push(failure);
      throw failure;
    }
    const response = await globalThis.fetch(input, init);
    if (call.endpoint === "models.create" && response.ok) {
      const data = await response.clone().json() as { data?: { id?: string } };
      if (data.data?.id !== undefined) this.createdIds.push(data.data.id);
    }
    if (this.downAfter?.(call)) this.down = true;
    return response;
  };

  /** ClearML answers again. */
  restore(): void {
    this.down = false;
    this.failWhen = this.downAfter = this.failOnly = undefined;
  }
}

/** A logger that keeps the warnings and drops the rest. */
function quietLogger(warnings: string[]): Logger {
  return { warn: (message) => warnings.push(message) };
}

/** Whether `error` is an AipModelError caused by a failure of `service`. */
function causedBy(error: unknown, service: "clearml" | "s3"): error is AipModelError {
  return error instanceof AipModelError && error.cause instanceof ServiceError &&
    error.cause.service === service;
}

describe("addModel() on the platform when ClearML or S3 is cut mid-operation", SLOW, () => {
  let dir: string;
  let clean: MLOpsManager;
  let storage: S3Storage;
  const ids = new Set<string>();
  const smallFiles = ["config.json", "a.bin", "b.bin"];

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir, "small"));
    await mkdir(join(dir, "big"));
    for (const name of smallFiles) await writeRandomFile(join(dir, "small", name), 200_000);
    await writeRandomFile(join(dir, "big", "config.json"), 1000);
    await writeRandomFile(join(dir, "big", "tokenizer.bin"), 300_000);
    await writeRandomFile(join(dir, "big", "weights.bin"), 20 * MiB); // > 16 MiB: multipart
    clean = await MLOpsManager.connect(tokenOptions());
    storage = platformStorage();
  });

  after(async () => {
    if (clean !== undefined) {
      for (const id of ids) {
        await clean.models.delete(id).catch(() => {});
        await storage.deletePrefix(`_models/${id}/`).catch(() => {});
      }
      await clean.close();
      storage.close();
    }
    await removeDir(dir);
  });

  /** Every model named `name`, as a healthy client sees them. */
  async function modelsNamed(name: string) {
    const found = await clean.backend.metadata.findByName(name);
    for (const entity of found) ids.add(entity.id);
    return found;
  }

  /** What is left under a model's folder in S3: keys and unfinished multipart uploads. */
  async function leftInS3(id: string): Promise<{ keys: string[]; uploads: string[] }> {
    return {
      keys: (await keysUnder(storage, `_models/${id}/`)).sort(),
      uploads: await unfinishedUploads(storage, `_models/${id}/`),
    };
  }

  /** Adds `v1` of `source` to a new model through the healthy client. */
  async function addV1(name: string, source: string): Promise<string> {
    const id = await clean.addModel({
      sourceType: "local",
      modelName: name,
      version: "v1",
      sourcePath: source,
    });
    ids.add(id);
    return id;
  }

  it(
    "ClearML down right after models.create: the empty placeholder model is left, no objects, " +
      "and the next addModel reuses it",
    SLOW,
    async () => {
      const name = uniqueName("cut_create");
      const clearml = new ClearMLSwitch();
      const warnings: string[] = [];
      const manager = await MLOpsManager.connect(
        tokenOptions({ fetch: clearml.fetch, logger: quietLogger(warnings) }),
      );
      try {
        clearml.downAfter = (call) => call.endpoint === "models.create";
        const error = await manager.addModel({
          sourceType: "local",
          modelName: name,
          version: "v1",
          sourcePath: join(dir, "small"),
        }).catch((error: unknown) => error);
        assert.ok(causedBy(error, "clearml"), `typed error: ${error}`);
        assert.ok(error.cause instanceof ConnectionError);
        assert.ok(clearml.failures.includes(error.cause.cause as TypeError));
        assert.match(error.message, /nothing was published/);
        const [id] = clearml.createdIds;
        assert.ok(id);
        ids.add(id);

        // The rollback's delete could not reach ClearML: the entity stays, with nothing in it.
        const found = await modelsNamed(name);
        assert.deepEqual(found.map((entity) => entity.id), [id]);
        assert.equal(found[0]!.uri, PLACEHOLDER_URI);
        assert.deepEqual(found[0]!.metadata, {});
        assert.deepEqual(await leftInS3(id), { keys: [], uploads: [] });

        // Harmless: once ClearML answers, the same call adopts it (one model, v1 complete).
        clearml.restore();
        assert.equal(
          await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "small"),
          }),
          id,
        );
        const info = await clean.getModelInfo(name);
        assert.equal(info.id, id);
        assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
        assert.deepEqual(
          (await leftInS3(id)).keys,
          smallFiles.map((file) => `_models/${id}/v1/${file}`).sort(),
        );
      } finally {
        await manager.close();
      }
    },
  );

  for (const answer503 of [false, true]) {
    it(
      `ClearML ${answer503 ? "answering 503" : "unreachable"} from the publish's lock on: the ` +
        "upload is removed, the new entity stays empty (its delete needs ClearML)",
      SLOW,
      async () => {
        const name = uniqueName("cut_lock");
        const clearml = new ClearMLSwitch();
        clearml.answer503 = answer503;
        const warnings: string[] = [];
        const manager = await MLOpsManager.connect(
          tokenOptions({ fetch: clearml.fetch, logger: quietLogger(warnings) }),
        );
        try {
          clearml.failWhen = (call) =>
            call.endpoint === "projects.create" && call.body.includes(".aipmodel-lock-");
          const error = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "small"),
          }).catch((error: unknown) => error);
          assert.ok(causedBy(error, "clearml"), `typed error: ${error}`);
          assert.equal(
            error.cause instanceof ServiceError && error.cause.status,
            answer503 ? 503 : undefined,
          );
          assert.match(error.message, /nothing was published/);
          const [id] = clearml.createdIds;
          assert.ok(id);
          ids.add(id);
          assert.ok(
            warnings.some((line) => line.includes(`Could not remove the new model ${id}`)),
            warnings.join("\n"),
          );

          const found = await modelsNamed(name);
          assert.deepEqual(found.map((entity) => entity.id), [id]);
          assert.equal(found[0]!.uri, PLACEHOLDER_URI);
          assert.deepEqual(found[0]!.metadata, {});
          // S3 was up: everything uploaded was removed.
          assert.deepEqual(await leftInS3(id), { keys: [], uploads: [] });
        } finally {
          await manager.close();
        }
      },
    );
  }

  it(
    "ClearML refusing the metadata write: no version visible, the version's files kept complete " +
      "(the write may have landed), and a retry publishes it",
    SLOW,
    async () => {
      const name = uniqueName("cut_meta");
      const clearml = new ClearMLSwitch();
      const manager = await MLOpsManager.connect(
        tokenOptions({ fetch: clearml.fetch, logger: quietLogger([]) }),
      );
      try {
        clearml.failOnly = (call) => call.endpoint === "models.add_or_update_metadata";
        const error = await manager.addModel({
          sourceType: "local",
          modelName: name,
          version: "v1",
          sourcePath: join(dir, "small"),
        }).catch((error: unknown) => error);
        assert.ok(causedBy(error, "clearml"), `typed error: ${error}`);
        assert.match(error.message, /while publishing/);
        const [id] = clearml.createdIds;
        assert.ok(id);
        ids.add(id);

        const found = await modelsNamed(name);
        assert.deepEqual(found.map((entity) => entity.id), [id]);
        assert.equal(found[0]!.uri, PLACEHOLDER_URI);
        assert.equal(found[0]!.metadata.versions_map, undefined);
        assert.equal(found[0]!.metadata.latest_version, undefined);
        const expected = smallFiles.map((file) => `_models/${id}/v1/${file}`).sort();
        assert.deepEqual(await leftInS3(id), { keys: expected, uploads: [] });

        clearml.restore();
        await manager.addModel({
          sourceType: "local",
          modelName: name,
          version: "v1",
          sourcePath: join(dir, "small"),
        });
        const again = await modelsNamed(name);
        assert.equal(again.length, 1);
        assert.deepEqual(Object.keys(parseVersionsMap(again[0]!.metadata.versions_map)), ["v1"]);
        assert.deepEqual((await leftInS3(id)).keys, expected);
      } finally {
        await manager.close();
      }
    },
  );

  describe("S3 reset mid-upload by a TCP proxy in front of radosgw", SLOW, () => {
    let proxy: TcpProxy;

    before(async () => {
      proxy = await startTcpProxy(stackValue("CEPH_ENDPOINT_URL"));
    });
    after(async () => {
      await proxy?.close();
    });

    /** A manager whose S3 goes through the proxy; it records the models it creates. */
    async function proxied(): Promise<{ manager: MLOpsManager; clearml: ClearMLSwitch }> {
      const clearml = new ClearMLSwitch();
      proxy.limitBytes(undefined);
      const manager = await MLOpsManager.connect(
        tokenOptions({ cephEndpointUrl: proxy.url, fetch: clearml.fetch, logger: quietLogger([]) }),
      );
      return { manager, clearml };
    }

    it(
      "a new model: typed error, no objects, no unfinished upload, no model entity",
      SLOW,
      async () => {
        const name = uniqueName("s3_new");
        const { manager, clearml } = await proxied();
        try {
          // Small requests pass; any connection carrying more than 4 MiB is reset.
          proxy.limitBytes(4 * MiB);
          const error = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "big"),
          }).catch((error: unknown) => error);
          assert.ok(causedBy(error, "s3"), `typed error: ${error}`);
          assert.match(error.message, /nothing was published/);
          assert.ok(proxy.cuts > 0);
          const [id] = clearml.createdIds;
          assert.ok(id);
          ids.add(id);
          assert.deepEqual(await modelsNamed(name), []);
          assert.equal(await clean.models.getById(id), null);
          assert.deepEqual(await leftInS3(id), { keys: [], uploads: [] });
        } finally {
          proxy.limitBytes(undefined);
          await manager.close();
        }
      },
    );

    it(
      "v2 of a model with v1: typed error, v1 untouched and byte-identical, nothing of v2",
      SLOW,
      async () => {
        const name = uniqueName("s3_v2");
        const id = await addV1(name, join(dir, "small"));
        const { manager } = await proxied();
        try {
          proxy.limitBytes(4 * MiB);
          const error = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v2",
            sourcePath: join(dir, "big"),
          }).catch((error: unknown) => error);
          assert.ok(causedBy(error, "s3"), `typed error: ${error}`);
          proxy.limitBytes(undefined);

          const [entity, ...others] = await modelsNamed(name);
          assert.equal(others.length, 0);
          assert.equal(entity?.id, id);
          const map = parseVersionsMap(entity.metadata.versions_map);
          assert.deepEqual(Object.keys(map), ["v1"]);
          assert.equal(entity.metadata.latest_version, "v1");
          assert.equal(entity.uri, `s3://${storage.bucket}/_models/${id}/v1/`);
          assert.deepEqual(await leftInS3(id), {
            keys: smallFiles.map((file) => `_models/${id}/v1/${file}`).sort(),
            uploads: [],
          });
          const out = join(dir, "out_s3_v2");
          const got = await clean.getModel({ modelName: name, localDest: out });
          assert.equal(got.version, "v1");
          for (const file of smallFiles) {
            assert.deepEqual(
              await readFile(join(out, "v1", file)),
              await readFile(join(dir, "small", file)),
            );
          }
        } finally {
          proxy.limitBytes(undefined);
          await manager.close();
        }
      },
    );

    it(
      "an overwrite of v1: typed error, the old v1 still visible and byte-identical, no staging " +
        "left",
      SLOW,
      async () => {
        const name = uniqueName("s3_over");
        const id = await addV1(name, join(dir, "small"));
        const before = (await modelsNamed(name))[0]!.metadata.versions_map;
        const { manager } = await proxied();
        try {
          proxy.limitBytes(4 * MiB);
          const error = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "big"),
          }).catch((error: unknown) => error);
          assert.ok(causedBy(error, "s3"), `typed error: ${error}`);
          proxy.limitBytes(undefined);

          const [entity, ...others] = await modelsNamed(name);
          assert.equal(others.length, 0);
          assert.equal(entity?.metadata.versions_map, before);
          assert.deepEqual(await leftInS3(id), {
            keys: smallFiles.map((file) => `_models/${id}/v1/${file}`).sort(),
            uploads: [],
          });
          const out = join(dir, "out_s3_over");
          await clean.getModel({ modelName: name, version: "v1", localDest: out });
          for (const file of smallFiles) {
            assert.deepEqual(
              await readFile(join(out, "v1", file)),
              await readFile(join(dir, "small", file)),
            );
          }
        } finally {
          proxy.limitBytes(undefined);
          await manager.close();
        }
      },
    );

    it(
      "one reset of every connection mid-upload is retried: the model ends complete",
      SLOW,
      async () => {
        const name = uniqueName("s3_blip");
        const { manager } = await proxied();
        const start = proxy.upstreamBytes;
        const cutsBefore = proxy.cuts;
        let done = false;
        proxy.onUpstreamBytes = (total) => {
          if (!done && total - start > 8 * MiB) {
            done = true;
            proxy.cut();
          }
        };
        try {
          const id = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "big"),
          });
          ids.add(id);
          assert.ok(proxy.cuts > cutsBefore, "the proxy cut a connection");
          assert.deepEqual(await leftInS3(id), {
            keys: ["config.json", "tokenizer.bin", "weights.bin"]
              .map((file) => `_models/${id}/v1/${file}`),
            uploads: [],
          });
          const out = join(dir, "out_s3_blip");
          await clean.getModel({ modelName: name, localDest: out });
          for (const file of ["config.json", "tokenizer.bin", "weights.bin"]) {
            assert.deepEqual(
              await readFile(join(out, "v1", file)),
              await readFile(join(dir, "big", file)),
            );
          }
        } finally {
          proxy.onUpstreamBytes = undefined;
          await manager.close();
        }
      },
    );
  });

  it(
    "an abort by signal mid-upload throws OperationAbortedError (cause: the reason) and leaves no objects, no unfinished " +
      "upload, no model entity, and an existing v1 untouched",
    SLOW,
    async () => {
      for (const existing of [false, true]) {
        const name = uniqueName(existing ? "abort_v2" : "abort_new");
        const id = existing ? await addV1(name, join(dir, "small")) : undefined;
        const clearml = new ClearMLSwitch();
        const manager = await MLOpsManager.connect(
          tokenOptions({ fetch: clearml.fetch, logger: quietLogger([]) }),
        );
        try {
          const controller = new AbortController();
          const reason = new Error("stopped by the test");
          const error = await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: existing ? "v2" : "v1",
            sourcePath: join(dir, "big"),
            signal: controller.signal,
            onProgress: (event) => {
              if (event.bytesDone > 6 * MiB) controller.abort(reason);
            },
          }).catch((error: unknown) => error);
          assert.ok(error instanceof OperationAbortedError);
          assert.equal(error.cause, reason);
          const modelId = id ?? clearml.createdIds[0];
          assert.ok(modelId);
          ids.add(modelId);
          const found = await modelsNamed(name);
          if (!existing) {
            assert.deepEqual(found, []);
            assert.deepEqual(await leftInS3(modelId), { keys: [], uploads: [] });
          } else {
            assert.deepEqual(found.map((entity) => entity.id), [modelId]);
            const map = parseVersionsMap(found[0]!.metadata.versions_map);
            assert.deepEqual(Object.keys(map), ["v1"]);
            assert.deepEqual(await leftInS3(modelId), {
              keys: smallFiles.map((file) => `_models/${modelId}/v1/${file}`).sort(),
              uploads: [],
            });
          }
        } finally {
          await manager.close();
        }
      }
    },
  );
});
