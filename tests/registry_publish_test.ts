import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError } from "../src/errors.ts";
import type {
  MetadataStore,
  ObjectStore,
  RegistryBackend,
  TypedValue,
} from "../src/registry/backend.ts";
import type { MLOpsManager } from "../src/registry/manager.ts";
import { keysUnder, localManager, removeDir, tempDir, writeTree } from "./_registry.ts";

const T = { timeout: 30_000 };

/** Hooks on the wrapped backend. */
interface Hooks {
  /** Runs after each setMetadata of the metadata store. */
  afterSetMetadata?: (id: string, values: Readonly<Record<string, TypedValue>>) => Promise<void>;
  /** Runs before each server-side copy of the object store. */
  beforeCopy?: (source: string, destination: string) => void;
  /** Replaces the object store's deletePrefix when set. */
  deletePrefix?: (prefix: string) => Promise<number>;
}

function hooked(backend: RegistryBackend, hooks: Hooks): RegistryBackend {
  const inner = backend.metadata;
  const metadata: MetadataStore = {
    findByName: (name, options) => inner.findByName(name, options),
    getById: (id, options) => inner.getById(id, options),
    create: (name, uri, options) => inner.create(name, uri, options),
    setMetadata: async (id, values, options) => {
      await inner.setMetadata(id, values, options);
      await hooks.afterSetMetadata?.(id, values);
    },
    deleteMetadata: (id, keys, options) => inner.deleteMetadata(id, keys, options),
    setUri: (id, uri, options) => inner.setUri(id, uri, options),
    setTags: (id, tags, options) => inner.setTags(id, tags, options),
    delete: (id, options) => inner.delete(id, options),
    list: (options) => inner.list(options),
    lock: (id, options) => inner.lock(id, options),
  };
  const store = backend.objects;
  const objects: ObjectStore = {
    bucket: store.bucket,
    putFile: (path, key, options) => store.putFile(path, key, options),
    putStream: (key, stream, size, options) => store.putStream(key, stream, size, options),
    getFile: (key, destination, options) => store.getFile(key, destination, options),
    list: (prefix, options) => store.list(prefix, options),
    deletePrefix: (prefix, options) =>
      hooks.deletePrefix ? hooks.deletePrefix(prefix) : store.deletePrefix(prefix, options),
    copy: (source, destination, options) => {
      hooks.beforeCopy?.(source, destination);
      return store.copy(source, destination, options);
    },
    exists: (key, options) => store.exists(key, options),
  };
  return { metadata, objects, close: () => backend.close() };
}

describe("publishing and deleting against other writers and failures", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  const hooks: Hooks = {};

  before(async () => {
    dir = await tempDir();
    ({ manager, backend } = await localManager(dir, (inner) => hooked(inner, hooks)));
    await writeTree(join(dir, "model"), { "config.json": "{}" });
  });
  after(() => removeDir(dir));

  it(
    "an automatic _v<N> is reserved, uploaded straight into its folder, never copied",
    T,
    async () => {
      const copies: string[] = [];
      const written: string[] = [];
      hooks.beforeCopy = (source) => copies.push(source);
      hooks.afterSetMetadata = (_id, values) => {
        written.push(...Object.keys(values));
        return Promise.resolve();
      };
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "automatic_model",
        sourcePath: join(dir, "model"),
      });
      await manager.addModel({
        sourceType: "local",
        modelName: "automatic_model",
        sourcePath: join(dir, "model"),
      });
      delete hooks.beforeCopy;
      delete hooks.afterSetMetadata;
      assert.deepEqual(copies, []);
      assert.ok(written.includes("aipmodel_pending_versions"));
      const entity = (await backend.metadata.getById(id))!;
      // Once published, the reservation key is gone: only the Python SDK's keys stay.
      assert.equal(entity.metadata.aipmodel_pending_versions, undefined);
      const info = await manager.getModelInfo(id);
      assert.deepEqual(
        info.versions.map((version) => [version.name, version.versionNumber, version.path]),
        [
          ["_v1", 1, `_models/${id}/_v1/`],
          ["_v2", 2, `_models/${id}/_v2/`],
        ],
      );
      assert.deepEqual(await keysUnder(backend, `_models/${id}/`), [
        `_models/${id}/_v1/config.json`,
        `_models/${id}/_v2/config.json`,
      ]);
    },
  );

  it(
    "addModel() re-applies its version when a writer without the lock clobbers the map",
    T,
    async () => {
      const id = await manager.addModel({
        sourceType: "local",
        modelName: "clobbered_model",
        version: "v1",
        sourcePath: join(dir, "model"),
      });
      const stale = (await backend.metadata.getById(id))!.metadata.versions_map!;
      let clobbered = 0;
      hooks.afterSetMetadata = async (modelId, values) => {
        // Like the Python SDK writing the map it read before our publish, once.
        if (clobbered === 0 && values.versions_map?.value.includes('"v2"')) {
          clobbered++;
          await backend.metadata.setMetadata(modelId, {
            versions_map: { type: "str", value: stale },
          });
        }
      };
      await manager.addModel({
        sourceType: "local",
        modelName: "clobbered_model",
        version: "v2",
        sourcePath: join(dir, "model"),
      });
      delete hooks.afterSetMetadata;
      assert.equal(clobbered, 1);
      const info = await manager.getModelInfo(id);
      assert.deepEqual(info.versions.map((version) => version.name), ["v1", "v2"]);
      assert.equal(info.latest, "v2");
    },
  );

  it("addModel() keeps the objects of a version whose publish failed half-way", T, async () => {
    const failure = new Error("metadata server went away");
    hooks.afterSetMetadata = () => {
      delete hooks.afterSetMetadata;
      return Promise.reject(failure);
    };
    const error = await manager.addModel({
      sourceType: "local",
      modelName: "half_published",
      version: "v1",
      sourcePath: join(dir, "model"),
    }).catch((error: unknown) => error);
    assert.ok(error instanceof AipModelError);
    assert.equal(error.cause, failure);
    // The map was written before the failure: it must still find its files.
    const info = await manager.getModelInfo("half_published");
    assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
    assert.deepEqual(await keysUnder(backend, info.versions[0]!.path), [
      `${info.versions[0]!.path}config.json`,
    ]);
    await manager.deleteModel({ modelId: info.id });
  });

  it("deleteModel() removes the version from metadata before its objects", T, async () => {
    const [entity] = await backend.metadata.findByName("clobbered_model");
    const failure = new Error("object store down");
    hooks.deletePrefix = async () => {
      // The metadata no longer lists v2 by the time its objects are deleted.
      const info = await manager.getModelInfo("clobbered_model");
      assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
      assert.equal(info.uri, `s3://local/_models/${entity!.id}/v1/`);
      throw failure;
    };
    const error = await manager.deleteModel({ modelName: "clobbered_model", version: "v2" })
      .catch((error: unknown) => error);
    delete hooks.deletePrefix;
    assert.ok(error instanceof AipModelError);
    assert.equal(error.cause, failure);
    assert.ok((await keysUnder(backend, `_models/${entity!.id}/v2/`)).length > 0);
    assert.equal((await manager.getModelInfo("clobbered_model")).latest, "v1");
  });

  it("deleteModel() of a whole model deletes the entity before the objects", T, async () => {
    hooks.deletePrefix = async () => {
      assert.deepEqual(await backend.metadata.findByName("clobbered_model"), []);
      delete hooks.deletePrefix;
      return 0;
    };
    await manager.deleteModel({ modelName: "clobbered_model" });
    assert.equal(hooks.deletePrefix, undefined);
  });
});
