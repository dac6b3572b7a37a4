/**
 * `addModel({ sourceType: "hf" })` against the stack's Hugging Face Hub stand-in, on the local
 * registry and on the platform (token mode): the bytes stored are the generator's bytes, in the
 * Python SDK's layout `hf_{modelName}/...`; private and gated repos need the token; failures are
 * typed and leave nothing behind.
 */

import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { AipModelError, AuthenticationError, NotFoundError } from "../src/errors.ts";
import { S3Storage } from "../src/storage/storage.ts";
import type { RegistryBackend } from "../src/registry/backend.ts";
import { parseVersionsMap } from "../src/registry/format.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { createHubHandler } from "../stack/hf/handler.ts";
import {
  fileChunks,
  fileDigests,
  type HubRepo,
  privateRepo,
  publicRepo,
} from "../stack/hf/repos.ts";
import { type ServedHandler, serveHandler } from "../stack/serve.ts";
import { keysUnder, localManager, notManifest, removeDir, tempDir } from "./_registry.ts";
import { stackValue } from "./_stack.ts";

const T = { timeout: 180_000 };

/** Every file under `root` (relative path → sha256 hex). */
async function hashesUnder(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
    out[relative(root, path).split("\\").join("/")] = hash.digest("hex");
  }
  return out;
}

/** What the stand-in serves for `repo` under `hf_{modelName}/` (path → sha256 hex). */
async function expectedHashes(repo: HubRepo, modelName: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of repo.files) {
    out[`hf_${modelName}/${file.path}`] = (await fileDigests(file)).sha256;
  }
  return out;
}

/** Runs `body` with HF_TOKEN and HF_ENDPOINT absent from the environment. */
async function withoutHfEnv<T>(body: () => Promise<T>): Promise<T> {
  const saved = { token: process.env.HF_TOKEN, endpoint: process.env.HF_ENDPOINT };
  delete process.env.HF_TOKEN;
  delete process.env.HF_ENDPOINT;
  try {
    return await body();
  } finally {
    if (saved.token !== undefined) process.env.HF_TOKEN = saved.token;
    if (saved.endpoint !== undefined) process.env.HF_ENDPOINT = saved.endpoint;
  }
}

describe("addModel from Hugging Face on the local registry", T, () => {
  let dir: string;
  let manager: MLOpsManager;
  let backend: RegistryBackend;
  const hfEndpoint = stackValue("HF_ENDPOINT");

  before(async () => {
    dir = await tempDir();
    ({ manager, backend } = await localManager(dir));
  });
  after(() => removeDir(dir));

  it("stores HF_REPO byte-identical under hf_{modelName}/ and records the commit", T, async () => {
    const id = await manager.addModel({
      sourceType: "hf",
      modelName: "hf_test_model",
      version: "v1",
      sourcePath: stackValue("HF_REPO"),
      hfEndpoint,
    });
    const repo = publicRepo();
    const got = await manager.getModel({ modelName: "hf_test_model", localDest: join(dir, "out") });
    assert.deepEqual(await hashesUnder(got.path), await expectedHashes(repo, "hf_test_model"));
    const info = await manager.getModelInfo(id);
    assert.equal(info.modelFolderName, "hf_hf_test_model");
    const entry = parseVersionsMap(info.metadata.versions_map).v1;
    assert.equal(entry?.folderName, "hf_hf_test_model");
    assert.equal(entry?.hfCommit, repo.sha);
    assert.equal(entry?.hfRepo, repo.id);
    assert.equal(entry?.size, repo.files.reduce((sum, file) => sum + file.size, 0) / 2 ** 20);
  });

  it("include/exclude select the files", T, async () => {
    const id = await manager.addModel({
      sourceType: "hf",
      modelName: "hf_filtered",
      sourcePath: stackValue("HF_REPO"),
      hfEndpoint,
      include: ["*.json", "*.md"],
      exclude: ["README.md"],
    });
    const keys = (await keysUnder(backend, `_models/${id}/`)).filter(notManifest).map((key) =>
      key.split("/").slice(3).join("/")
    );
    const expected = publicRepo().files.map((file) => `hf_hf_filtered/${file.path}`)
      .filter((path) => path.endsWith(".json"));
    assert.ok(expected.length > 0);
    assert.deepEqual(keys.sort(), expected.sort());
  });

  it("a private repo is refused without a token and added with HF_TOKEN", T, async () => {
    const options = {
      sourceType: "hf" as const,
      modelName: "hf_private_model",
      sourcePath: stackValue("HF_PRIVATE_REPO"),
      hfEndpoint,
    };
    const token = stackValue("HF_TOKEN");
    const error = await withoutHfEnv(() => manager.addModel(options)).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, `got ${String(error)}`);
    assert.equal(error.service, "huggingface");
    assert.match(error.message, /hfToken|HF_TOKEN/);
    assert.equal((await manager.listModels()).some((m) => m.name === options.modelName), false);
    const id = await manager.addModel({ ...options, hfToken: token });
    const got = await manager.getModel({ modelName: options.modelName, localDest: join(dir, "p") });
    assert.deepEqual(
      await hashesUnder(got.path),
      await expectedHashes(privateRepo(), options.modelName),
    );
    assert.ok(id.length === 32);
  });

  it("a gated repo refuses a token without access, never showing it", T, async () => {
    const token = stackValue("HF_TOKEN_NO_ACCESS");
    const error = await manager.addModel({
      sourceType: "hf",
      modelName: "hf_gated_model",
      sourcePath: stackValue("HF_GATED_REPO"),
      hfEndpoint,
      hfToken: token,
    }).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, `got ${String(error)}`);
    assert.equal(error.service, "huggingface");
    assert.ok(!error.message.includes(token));
  });

  it("an unknown repo or revision is a NotFoundError; nothing is left behind", T, async () => {
    const before = await keysUnder(backend, "");
    const repoError = await manager.addModel({
      sourceType: "hf",
      modelName: "hf_missing",
      sourcePath: "aipmodel-test/no-such-model",
      hfEndpoint,
    }).catch((e: unknown) => e);
    assert.ok(repoError instanceof NotFoundError, `got ${String(repoError)}`);
    assert.equal(repoError.kind, "repository");
    const revisionError = await manager.addModel({
      sourceType: "hf",
      modelName: "hf_missing",
      sourcePath: stackValue("HF_REPO"),
      hfEndpoint,
      revision: "no-such-branch",
    }).catch((e: unknown) => e);
    assert.ok(revisionError instanceof NotFoundError, `got ${String(revisionError)}`);
    assert.equal(revisionError.kind, "revision");
    assert.equal((await manager.listModels()).some((m) => m.name === "hf_missing"), false);
    assert.deepEqual(await keysUnder(backend, ""), before);
  });

  describe("a Hub that ends the large file early", T, () => {
    let hub: ServedHandler;
    before(async () => {
      const repo = publicRepo();
      const big = repo.files.reduce((a, b) => (b.size > a.size ? b : a));
      const handler = createHubHandler({ repos: [repo], tokens: [] });
      hub = await serveHandler(async (request) => {
        const response = await handler(request);
        const path = new URL(request.url).pathname;
        if (!path.endsWith(`/${big.path}`) || request.headers.has("range")) return response;
        await response.body?.cancel();
        // Half the file, then a clean end: only the size check can tell.
        return new Response(fileChunks(big, 0, Math.floor(big.size / 2)), {
          headers: { "content-type": "application/octet-stream" },
        });
      });
    });
    after(() => hub.close());

    it("publishes nothing and leaves no object", T, async () => {
      const before = await keysUnder(backend, "");
      const error = await manager.addModel({
        sourceType: "hf",
        modelName: "hf_truncated",
        sourcePath: stackValue("HF_REPO"),
        hfEndpoint: hub.url,
      }).catch((e: unknown) => e);
      assert.ok(error instanceof AipModelError, `got ${String(error)}`);
      assert.match(error.message, /nothing was published.*gave \d+ bytes where \d+ were expected/);
      assert.equal((await manager.listModels()).some((m) => m.name === "hf_truncated"), false);
      assert.deepEqual(await keysUnder(backend, ""), before);
    });
  });
});

describe("addModel from Hugging Face on the platform (token mode)", T, () => {
  let manager: MLOpsManager;
  let dir: string;
  const ids: string[] = [];
  const modelName = `hf_e2e_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

  before(async () => {
    dir = await tempDir();
    manager = await MLOpsManager.connect({
      userToken: stackValue("USER_TOKEN"),
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      clearmlApiHost: stackValue("CLEARML_API_HOST"),
      cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
      env: {},
    });
  });
  after(async () => {
    if (manager === undefined) return;
    for (const id of ids) await manager.deleteModel({ modelId: id }).catch(() => {});
    await manager.close();
    await removeDir(dir);
  });

  it("stores HF_REPO byte-identical in the bucket under hf_{modelName}/", T, async () => {
    const id = await manager.addModel({
      sourceType: "hf",
      modelName,
      version: "v1",
      sourcePath: stackValue("HF_REPO"),
      hfEndpoint: stackValue("HF_ENDPOINT"),
    });
    ids.push(id);
    const got = await manager.getModel({ modelName, localDest: dir });
    assert.equal(got.path, join(dir, "v1"));
    assert.deepEqual(await hashesUnder(got.path), await expectedHashes(publicRepo(), modelName));
    const entry = parseVersionsMap((await manager.getModelInfo(id)).metadata.versions_map).v1;
    assert.equal(entry?.hfCommit, publicRepo().sha);
  });

  it("a private repo: AuthenticationError without a token, stored with HF_TOKEN", T, async () => {
    const options = {
      sourceType: "hf" as const,
      modelName: `${modelName}_private`,
      sourcePath: stackValue("HF_PRIVATE_REPO"),
      hfEndpoint: stackValue("HF_ENDPOINT"),
    };
    const error = await withoutHfEnv(() => manager.addModel(options)).catch((e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, `got ${String(error)}`);
    assert.equal(error.service, "huggingface");
    const id = await manager.addModel({ ...options, hfToken: stackValue("HF_TOKEN") });
    ids.push(id);
    const got = await manager.getModel({ modelName: options.modelName, localDest: join(dir, "p") });
    assert.deepEqual(
      await hashesUnder(got.path),
      await expectedHashes(privateRepo(), options.modelName),
    );
  });
  it(
    "a Hub that drops the connection in the middle of the large file: no model, no objects, " +
      "no unfinished multipart upload",
    T,
    async () => {
      const repo = publicRepo();
      const big = repo.files.reduce((a, b) => (b.size > a.size ? b : a));
      const handler = createHubHandler({ repos: [repo], tokens: [] });
      const hub = await serveHandler(async (request) => {
        const response = await handler(request);
        const path = new URL(request.url).pathname;
        if (!path.endsWith(`/${big.path}`) || request.headers.has("range")) return response;
        await response.body?.cancel();
        // 40 MiB of the file (several multipart parts), then the server resets the connection.
        const cut = 40 * 1024 * 1024;
        const chunks = fileChunks(big, 0, cut).getReader();
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await chunks.read();
            if (next.done) controller.error(new Error("connection dropped by the test"));
            else controller.enqueue(next.value);
          },
        });
        return new Response(body, {
          headers: {
            "content-type": "application/octet-stream",
            "content-length": String(big.size),
          },
        });
      });
      const name = `${modelName}_dropped`;
      try {
        const error = await manager.addModel({
          sourceType: "hf",
          modelName: name,
          sourcePath: stackValue("HF_REPO"),
          hfEndpoint: hub.url,
        }).catch((e: unknown) => e);
        assert.ok(error instanceof AipModelError, `got ${String(error)}`);
        assert.match(error.message, /nothing was published/);
        assert.equal((await manager.listModels()).some((m) => m.name === name), false);
        const storage = new S3Storage({
          endpoint: stackValue("CEPH_ENDPOINT_URL"),
          accessKey: stackValue("CEPH_ACCESS_KEY"),
          secretKey: stackValue("CEPH_SECRET_KEY"),
          bucket: stackValue("CEPH_BUCKET"),
        });
        try {
          const keys: string[] = [];
          for await (const object of storage.list("_models/")) {
            if (object.key.includes(`/hf_${name}/`)) keys.push(object.key);
          }
          assert.deepEqual(keys, []);
          const uploads = await (await storage.awsClient()).send(
            new ListMultipartUploadsCommand({ Bucket: stackValue("CEPH_BUCKET") }),
          );
          const ours = (uploads.Uploads ?? []).filter((u) => u.Key?.includes(`/hf_${name}/`));
          assert.deepEqual(ours, []);
        } finally {
          storage.close();
        }
      } finally {
        await hub.close();
      }
    },
  );
});
