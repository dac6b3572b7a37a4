/**
 * `addModel({ sourceType: "s3" })` and `transferFromS3` against the stack's radosgw, on the
 * platform (token mode): a prefix of the external account's bucket is streamed (its keys cannot
 * be read with the user's), a prefix of the user's own bucket is copied server-side (no byte
 * through the client), a single object is `<basename>`; the layout is `<last segment>/...` with
 * `.git/` dropped and `.gitattributes` kept; the source bucket is never modified.
 */

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { AuthenticationError, NotFoundError, ValidationError } from "../src/errors.ts";
import type { ObjectStore, RegistryBackend } from "../src/registry/backend.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { S3Storage } from "../src/storage/storage.ts";
import { removeDir, tempDir } from "./_registry.ts";
import { stackValue } from "./_stack.ts";

const T = { timeout: 180_000 };
const RUN = `s3src_${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** The seeded tree under `{RUN}/models/bert/` (relative path → bytes). */
function seedFiles(): Record<string, Uint8Array> {
  return {
    "config.json": new TextEncoder().encode('{"hidden": 768}\n'),
    ".gitattributes": new TextEncoder().encode("*.bin filter=lfs\n"),
    ".git/config": new TextEncoder().encode("[core]\n"),
    ".DS_Store": new Uint8Array([0, 1, 2]),
    "sub/dir/vocab.txt": new TextEncoder().encode("a\nb\nc\n"),
    "large/model.safetensors": new Uint8Array(randomBytes(20 * 2 ** 20)),
  };
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** What a copy of the seeded folder holds under `bert/` (path → sha256), `.git/` and `.DS_Store` dropped. */
function expected(files: Record<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, bytes] of Object.entries(files)) {
    if (path.startsWith(".git/") || path === ".DS_Store") continue;
    out[`bert/${path}`] = sha(bytes);
  }
  return out;
}

async function hashesUnder(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(root, path).split("\\").join("/")] = sha(await readFile(path));
  }
  return out;
}

async function listing(storage: S3Storage, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of storage.list(prefix)) out.push(`${o.key} ${o.size} ${o.etag}`);
  return out;
}

/** Counts the streamed uploads and the server-side copies the registry makes. */
interface Counts {
  streams: number;
  copies: number;
}

function counting(backend: RegistryBackend, counts: Counts): RegistryBackend {
  const objects = new Proxy(backend.objects, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "putStream" || property === "putFile") counts.streams++;
        if (property === "copyFromBucket") counts.copies++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ObjectStore;
  return { metadata: backend.metadata, objects, close: () => backend.close() };
}

describe("addModel from S3 and transferFromS3 on the platform (token mode)", T, () => {
  let connected: MLOpsManager;
  let manager: MLOpsManager;
  let external: S3Storage;
  let own: S3Storage;
  let dir: string;
  const counts: Counts = { streams: 0, copies: 0 };
  const files = seedFiles();
  const ids: string[] = [];
  const ext = () => ({
    externalCephEndpointUrl: stackValue("EXT_S3_ENDPOINT_URL"),
    externalCephBucketName: stackValue("EXT_S3_BUCKET"),
    externalCephAccessKey: stackValue("EXT_S3_ACCESS_KEY"),
    externalCephSecretKey: stackValue("EXT_S3_SECRET_KEY"),
  });
  let externalBefore: string[];

  before(async () => {
    dir = await tempDir();
    external = new S3Storage({
      endpoint: stackValue("EXT_S3_ENDPOINT_URL"),
      bucket: stackValue("EXT_S3_BUCKET"),
      accessKey: stackValue("EXT_S3_ACCESS_KEY"),
      secretKey: stackValue("EXT_S3_SECRET_KEY"),
    });
    own = new S3Storage({
      endpoint: stackValue("CEPH_ENDPOINT_URL"),
      bucket: stackValue("CEPH_BUCKET"),
      accessKey: stackValue("CEPH_ACCESS_KEY"),
      secretKey: stackValue("CEPH_SECRET_KEY"),
    });
    for (const [path, bytes] of Object.entries(files)) {
      await external.putBytes(`${RUN}/models/bert/${path}`, bytes);
      await own.putBytes(`${RUN}/models/bert/${path}`, bytes);
    }
    externalBefore = await listing(external, `${RUN}/`);
    connected = await MLOpsManager.connect({
      userToken: stackValue("USER_TOKEN"),
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      clearmlApiHost: stackValue("CLEARML_API_HOST"),
      cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
      env: {},
    });
    manager = new MLOpsManager({
      backend: counting(connected.backend, counts),
      logger: { warn: () => {} },
    });
  });

  after(async () => {
    if (connected !== undefined) {
      for (const id of ids) await connected.deleteModel({ modelId: id }).catch(() => {});
      await connected.close();
    }
    await external?.deletePrefix(RUN).catch(() => {});
    await own?.deletePrefix(RUN).catch(() => {});
    external?.close();
    own?.close();
    await removeDir(dir);
  });

  it("streams a prefix of the external account: <last segment>/..., .git/ dropped", T, async () => {
    const before = { ...counts };
    const modelName = `${RUN}_ext`;
    const id = await manager.addModel({
      sourceType: "s3",
      modelName,
      version: "v1",
      sourcePath: `${RUN}/models/bert`,
      ...ext(),
    });
    ids.push(id);
    assert.equal(counts.copies - before.copies, 0);
    assert.equal(counts.streams - before.streams, Object.keys(expected(files)).length);
    const got = await manager.getModel({ modelName, localDest: join(dir, "ext") });
    assert.deepEqual(await hashesUnder(got.path), expected(files));
    assert.equal((await manager.getModelInfo(id)).modelFolderName, "bert");
  });

  it("copies from the user's own bucket server-side when the keys are omitted", T, async () => {
    const before = { ...counts };
    const modelName = `${RUN}_own`;
    const id = await manager.addModel({
      sourceType: "s3",
      modelName,
      sourcePath: `${RUN}/models/bert/`,
    });
    ids.push(id);
    assert.equal(counts.streams - before.streams, 0, "no byte went through the client");
    assert.equal(counts.copies - before.copies, Object.keys(expected(files)).length);
    const got = await manager.getModel({ modelName, localDest: join(dir, "own") });
    assert.deepEqual(await hashesUnder(got.path), expected(files));
  });

  it("a single object is stored as <basename>", T, async () => {
    const modelName = `${RUN}_one`;
    const id = await manager.addModel({
      sourceType: "s3",
      modelName,
      version: "v1",
      sourcePath: `${RUN}/models/bert/config.json`,
      ...ext(),
    });
    ids.push(id);
    const got = await manager.getModel({ modelName, localDest: join(dir, "one") });
    assert.deepEqual(await hashesUnder(got.path), {
      "config.json": sha(files["config.json"] as Uint8Array),
    });
  });

  it("a missing prefix is a NotFoundError and creates nothing", T, async () => {
    const modelName = `${RUN}_missing`;
    const error = await manager.addModel({
      sourceType: "s3",
      modelName,
      sourcePath: `${RUN}/no/such/prefix`,
      ...ext(),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, `got ${String(error)}`);
    assert.equal((await manager.listModels()).some((m) => m.name === modelName), false);
  });

  it("refused keys are an AuthenticationError naming s3, never showing the secret", T, async () => {
    const secret = "wrong-secret-0123456789";
    const error = await manager.addModel({
      sourceType: "s3",
      modelName: `${RUN}_badkeys`,
      sourcePath: `${RUN}/models/bert`,
      ...ext(),
      externalCephSecretKey: secret,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, `got ${String(error)}`);
    assert.equal(error.service, "s3");
    assert.ok(!error.message.includes(secret));
  });

  it("transferFromS3 copies under destPrefix and refuses existing keys", T, async () => {
    const destPrefix = `${RUN}/transfer`;
    const options = {
      sourceEndpointUrl: stackValue("EXT_S3_ENDPOINT_URL"),
      sourceBucket: stackValue("EXT_S3_BUCKET"),
      sourceAccessKey: stackValue("EXT_S3_ACCESS_KEY"),
      sourceSecretKey: stackValue("EXT_S3_SECRET_KEY"),
      sourcePath: `${RUN}/models/bert`,
      destPrefix,
    };
    const want = expected(files);
    const result = await manager.transferFromS3(options);
    assert.equal(result.objects, Object.keys(want).length);
    const totalBytes = Object.entries(files)
      .filter(([path]) => want[`bert/${path}`] !== undefined)
      .reduce((sum, [, bytes]) => sum + bytes.length, 0);
    assert.equal(result.bytes, totalBytes);
    const stored: Record<string, string> = {};
    for await (const object of own.list(`${destPrefix}/`)) {
      const bytes = await own.getBytes(object.key);
      stored[object.key.slice(destPrefix.length + 1)] = sha(bytes);
    }
    assert.deepEqual(stored, want);
    const before = await listing(own, `${destPrefix}/`);
    const error = await manager.transferFromS3(options).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, `got ${String(error)}`);
    assert.equal(error.field, "overwrite");
    assert.deepEqual(await listing(own, `${destPrefix}/`), before);
    const again = await manager.transferFromS3({ ...options, overwrite: true });
    assert.equal(again.objects, result.objects);
  });

  it("left the external bucket unchanged", T, async () => {
    assert.deepEqual(await listing(external, `${RUN}/`), externalBefore);
  });
});
