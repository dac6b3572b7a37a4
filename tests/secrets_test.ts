/**
 * No secret ever reaches a log line or an error: every operation runs with `verbose: true` and a
 * logger that keeps every line (debug included), the console is captured too, and every error
 * of the failing variants is taken apart (message, stack, `String()`, `JSON.stringify`, every
 * own property to some depth, every `cause` and `AggregateError` member). None of it may hold
 * an S3 access or secret key, a ClearML key or secret, a ClearML session token, the user token
 * or a Hugging Face token.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { AuthenticationError, ConnectionError } from "../src/errors.ts";
import type { FetchLike } from "../src/http/fetch.ts";
import type { Logger } from "../src/logger.ts";
import type { ConnectOptions } from "../src/registry/connect_options.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { startFaultProxy } from "./_fault_proxy.ts";
import { directConnect, rejectionOf, SLOW, tokenConnect, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { removeDir, tempDir, writeTree } from "./_registry.ts";
import { stackValue } from "./_stack.ts";
import { S3Storage } from "../src/storage/storage.ts";

/** Every string reachable from `value`: own properties (enumerable or not), causes, members. */
function textsOf(value: unknown, out: string[] = [], seen = new WeakSet<object>(), depth = 0) {
  if (typeof value === "string") {
    out.push(value);
    return out;
  }
  if (value === null || typeof value !== "object" || depth > 8) {
    if (value !== undefined && value !== null) out.push(String(value));
    return out;
  }
  if (seen.has(value)) return out;
  seen.add(value);
  if (value instanceof Error) {
    out.push(String(value), value.stack ?? "");
    try {
      out.push(JSON.stringify(value));
    } catch {
      // a circular error: its properties are walked below anyway
    }
  }
  for (const key of Object.getOwnPropertyNames(value)) {
    let inner: unknown;
    try {
      inner = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    if (typeof inner === "function") continue;
    out.push(key);
    textsOf(inner, out, seen, depth + 1);
  }
  return out;
}

describe("secrets in logs and errors", SLOW, () => {
  const username = uniqueName("t_secrets");
  const lines: string[] = [];
  const errors: unknown[] = [];
  const sessionTokens = new Set<string>();
  let dir: string;
  const consoleMethods = ["log", "info", "warn", "error", "debug"] as const;
  // The console is patched on purpose: anything the library printed would be captured.
  const output = globalThis.console;
  const savedConsole = consoleMethods.map((name) => output[name]);

  const logger: Logger = {
    debug: (line) => lines.push(line),
    info: (line) => lines.push(line),
    warn: (line) => lines.push(line),
    error: (line) => lines.push(line),
  };
  /** Records the ClearML session tokens the server hands out. */
  const fetch: FetchLike = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    if (String(input instanceof Request ? input.url : input).endsWith("auth.login")) {
      const body = await response.clone().json().catch(() => undefined) as
        | { data?: { token?: string } }
        | undefined;
      if (body?.data?.token) sessionTokens.add(body.data.token);
    }
    return response;
  };
  const verbose = { verbose: true, logger, fetch };

  /** Runs a call expected to fail and keeps its error. */
  async function failing(call: () => Promise<unknown>): Promise<void> {
    errors.push(await rejectionOf(call()));
  }

  const tokenOptions = (overrides: Partial<ConnectOptions> = {}) =>
    tokenConnect({ ...verbose, ...overrides });

  before(async () => {
    dir = await tempDir("aipmodel-secrets-");
    await writeTree(join(dir, "src"), { "config.json": "{}", "weights.bin": "w".repeat(10_000) });
    // Anything printed to the console is captured as well: the library must print nothing.
    for (const name of consoleMethods) {
      output[name] = (...args: unknown[]) => lines.push(args.map(String).join(" "));
    }
  });

  after(async () => {
    consoleMethods.forEach((name, index) => (output[name] = savedConsole[index]!));
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "every operation, verbose, in direct and token mode, and on the local registry",
    SLOW,
    async () => {
      const direct = await MLOpsManager.connect(directConnect(username, verbose));
      const token = await MLOpsManager.connect(tokenOptions());
      const local = await MLOpsManager.connect({ localDir: join(dir, "local"), ...verbose });
      const ext = {
        externalCephEndpointUrl: stackValue("EXT_S3_ENDPOINT_URL"),
        externalCephBucketName: stackValue("EXT_S3_BUCKET"),
        externalCephAccessKey: stackValue("EXT_S3_ACCESS_KEY"),
        externalCephSecretKey: stackValue("EXT_S3_SECRET_KEY"),
      };
      const external = new S3Storage({
        endpoint: ext.externalCephEndpointUrl,
        bucket: ext.externalCephBucketName,
        accessKey: ext.externalCephAccessKey,
        secretKey: ext.externalCephSecretKey,
      });
      const extPrefix = `secrets-${randomBytes(4).toString("hex")}/model`;
      await external.putBytes(`${extPrefix}/w.bin`, "external");
      try {
        for (const manager of [direct, token, local]) {
          const name = uniqueName("sec");
          await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v1",
            sourcePath: join(dir, "src"),
          });
          await manager.addModel({
            sourceType: "local",
            modelName: name,
            version: "v2",
            sourcePath: join(dir, "src"),
          });
          await manager.getModel({
            modelName: name,
            version: "v1",
            localDest: join(dir, uniqueName("out")),
          });
          await manager.listModels();
          await manager.getModelInfo(name);
          await manager.setLatestVersion(name, "v1");
          await manager.deleteModel({ modelName: name, version: "v2" });
          await manager.deleteModel({ modelName: name });
          await manager.gc({ dryRun: true, olderThanMs: 0, modelIds: [] });
        }
        for (const manager of [direct, token]) {
          const name = uniqueName("sec_remote");
          await manager.addModel({
            sourceType: "hf",
            modelName: name,
            version: "v1",
            sourcePath: stackValue("HF_PRIVATE_REPO"),
            hfToken: stackValue("HF_TOKEN"),
            hfEndpoint: stackValue("HF_ENDPOINT"),
          });
          await manager.addModel({
            sourceType: "s3",
            modelName: name,
            version: "v2",
            sourcePath: extPrefix,
            ...ext,
          });
          await manager.transferFromS3({
            sourceEndpointUrl: ext.externalCephEndpointUrl,
            sourceBucket: ext.externalCephBucketName,
            sourceAccessKey: ext.externalCephAccessKey,
            sourceSecretKey: ext.externalCephSecretKey,
            sourcePath: extPrefix,
            destPrefix: `secrets-transfer/${randomBytes(4).toString("hex")}`,
          });
          await manager.deleteModel({ modelName: name });
        }
      } finally {
        await external.deletePrefix(extPrefix.split("/")[0]!).catch(() => {});
        external.close();
        await direct.close();
        await token.close();
        await local.close();
      }
      assert.ok(lines.some((line) => line.startsWith("[OK]")), "verbose lines were logged");
      assert.ok(sessionTokens.size > 0, "a ClearML session token was seen");
    },
  );

  it(
    "the failing variants: wrong keys and tokens, unreachable services, refused sources",
    SLOW,
    async () => {
      const closed = await startFaultProxy("http://127.0.0.1:9");
      const unreachable = closed.url;
      await closed.stop();
      await failing(() =>
        MLOpsManager.connect(tokenOptions({ userToken: `${stackValue("USER_TOKEN")}x` }))
      );
      await failing(() =>
        MLOpsManager.connect(
          directConnect(username, {
            ...verbose,
            clearmlSecretKey: `${stackValue("CLEARML_SECRET_KEY")}x`,
          }),
        )
      );
      await failing(() =>
        MLOpsManager.connect(
          directConnect(username, {
            ...verbose,
            cephSecretKey: `${stackValue("CEPH_SECRET_KEY")}x`,
          }),
        )
      );
      await failing(() =>
        MLOpsManager.connect(
          directConnect(username, {
            ...verbose,
            cephAccessKey: `${stackValue("CEPH_ACCESS_KEY")}X`,
          }),
        )
      );
      await failing(() =>
        MLOpsManager.connect(directConnect(username, { ...verbose, clearml: unreachable }))
      );
      await failing(() =>
        MLOpsManager.connect(directConnect(username, { ...verbose, s3: unreachable }))
      );
      await failing(() => MLOpsManager.connect(tokenOptions({ userManagementApi: unreachable })));
      const manager = await MLOpsManager.connect(directConnect(username, verbose));
      try {
        await failing(() =>
          manager.addModel({
            sourceType: "hf",
            modelName: uniqueName("sec_hf"),
            version: "v1",
            sourcePath: stackValue("HF_PRIVATE_REPO"),
            hfToken: stackValue("HF_TOKEN_NO_ACCESS"),
            hfEndpoint: stackValue("HF_ENDPOINT"),
          })
        );
        await failing(() =>
          manager.addModel({
            sourceType: "s3",
            modelName: uniqueName("sec_s3"),
            version: "v1",
            sourcePath: "nothing/here",
            externalCephEndpointUrl: stackValue("EXT_S3_ENDPOINT_URL"),
            externalCephBucketName: stackValue("EXT_S3_BUCKET"),
            externalCephAccessKey: stackValue("EXT_S3_ACCESS_KEY"),
            externalCephSecretKey: `${stackValue("EXT_S3_SECRET_KEY")}x`,
          })
        );
        await failing(() =>
          manager.getModel({ modelName: uniqueName("missing"), localDest: join(dir, "none") })
        );
      } finally {
        await manager.close();
      }
      assert.equal(errors.length, 10);
      // The refused credentials are typed and name their service.
      assert.deepEqual(
        errors.slice(0, 4).map((error) =>
          error instanceof AuthenticationError ? error.service : String(error)
        ),
        ["user-management", "clearml", "s3", "s3"],
      );
      assert.deepEqual(
        errors.slice(4, 7).map((error) =>
          error instanceof ConnectionError ? error.service : String(error)
        ),
        ["clearml", "s3", "user-management"],
      );
    },
  );

  it("no secret appears in any log line, console output or error", SLOW, () => {
    const secrets: Record<string, string> = {
      USER_TOKEN: stackValue("USER_TOKEN"),
      CEPH_ACCESS_KEY: stackValue("CEPH_ACCESS_KEY"),
      CEPH_SECRET_KEY: stackValue("CEPH_SECRET_KEY"),
      CLEARML_ACCESS_KEY: stackValue("CLEARML_ACCESS_KEY"),
      CLEARML_SECRET_KEY: stackValue("CLEARML_SECRET_KEY"),
      EXT_S3_ACCESS_KEY: stackValue("EXT_S3_ACCESS_KEY"),
      EXT_S3_SECRET_KEY: stackValue("EXT_S3_SECRET_KEY"),
      HF_TOKEN: stackValue("HF_TOKEN"),
      HF_TOKEN_NO_ACCESS: stackValue("HF_TOKEN_NO_ACCESS"),
    };
    [...sessionTokens].forEach((
      token,
      index,
    ) => (secrets[`clearml session token ${index}`] = token));
    const texts = [...lines, ...errors.flatMap((error) => textsOf(error))];
    assert.ok(texts.length > 50, `enough text was captured (${texts.length})`);
    const leaks: string[] = [];
    for (const [label, secret] of Object.entries(secrets)) {
      const hit = texts.find((text) => text.includes(secret));
      if (hit !== undefined) leaks.push(`${label} in: ${hit.slice(0, 300)}`);
    }
    assert.deepEqual(leaks, []);
    // The captured text must also not be empty of what matters: errors name their services.
    assert.ok(texts.some((text) => /clearml/i.test(text)));
    assert.equal(process.exitCode ?? 0, 0);
  });
});
