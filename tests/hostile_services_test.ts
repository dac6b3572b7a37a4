/**
 * Services that misbehave in ways other than going down: a ClearML token that expires in the
 * middle of an addModel (the SDK logs in again and the version is published whole), a ClearML
 * that answers HTML or other non-JSON (a clear ServiceError), and a destination disk that fills up
 * during getModel or a local-registry addModel (a typed error, no partial file, the space given
 * back).
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdir, rmdir, statfs, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AipModelError, ServiceError } from "../src/errors.ts";
import type { FetchLike } from "../src/http/fetch.ts";
import { MLOpsManager } from "../src/registry/manager.ts";
import { createClearMLServer } from "../stack/clearml/server.ts";
import { type FaultProxy, startFaultProxy } from "./_fault_proxy.ts";
import { directConnect, filesUnder, findCause, rejectionOf, SLOW, uniqueName } from "./_faults.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { removeDir, sha256File, tempDir, writeTree } from "./_registry.ts";
import { stackValue } from "./_stack.ts";

const MiB = 1024 * 1024;

describe("a ClearML token that expires in the middle of addModel()", SLOW, () => {
  let dir: string;

  before(async () => {
    dir = await tempDir("aipmodel-expiry-");
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src", "weights.bin"), new Uint8Array(20 * MiB).fill(3));
    await writeFile(join(dir, "src", "config.json"), "{}");
  });
  after(() => removeDir(dir));

  it(
    "is refreshed: the server's clock jumps past the token's life mid-upload, the SDK logs in " +
      "again once, and the version is published complete",
    SLOW,
    async () => {
      const clock = { offsetMs: 0 };
      const user = {
        userId: "u-expiry",
        userName: "expiry",
        companyId: "c-expiry",
        accessKey: "EXPIRYACCESSKEY0123456789ABCD",
        secretKey: "expiry-secret-0123456789abcdefghijklmn",
      };
      // An in-process ClearML server with a clock of its own and one-hour tokens.
      const server = createClearMLServer({
        users: [user],
        now: () => Date.now() + clock.offsetMs,
        defaultTokenExpirationSec: 3600,
      });
      const calls: string[] = [];
      const rejected: number[] = [];
      const fetch: FetchLike = async (input, init) => {
        const request = new Request(input, init);
        calls.push(new URL(request.url).pathname.split("/").at(-1) ?? "");
        const response = await server.handler(request);
        if (response.status === 401) rejected.push(calls.length - 1);
        return response;
      };
      const manager = await MLOpsManager.connect({
        ...directConnect(uniqueName("expiry")),
        clearmlApiHost: "http://clearml.test",
        clearmlAccessKey: user.accessKey,
        clearmlSecretKey: user.secretKey,
        fetch,
      });
      try {
        const id = await manager.addModel({
          sourceType: "local",
          modelName: "expiring",
          version: "v1",
          sourcePath: join(dir, "src"),
          onProgress: (event) => {
            if (event.bytesDone > 4 * MiB) clock.offsetMs = 2 * 3600_000;
          },
        });
        assert.equal(calls.filter((name) => name === "auth.login").length, 2, calls.join());
        assert.ok(rejected.length >= 1, "the server refused the expired token");
        const info = await manager.getModelInfo("expiring");
        assert.deepEqual(info.versions.map((version) => version.name), ["v1"]);
        const got = await manager.getModel({
          modelName: "expiring",
          version: "v1",
          localDest: join(dir, "out"),
        });
        assert.equal(
          await sha256File(join(got.path, "weights.bin")),
          await sha256File(join(dir, "src", "weights.bin")),
        );
        await manager.deleteModel({ modelId: id });
      } finally {
        await manager.close();
      }
    },
  );
});

describe("a ClearML that answers HTML or other non-JSON", SLOW, () => {
  let html: Server;
  let htmlUrl: string;
  let proxy: FaultProxy;
  const username = uniqueName("t_html");
  let dir: string;

  before(async () => {
    dir = await tempDir("aipmodel-html-");
    html = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<html><body><h1>Welcome to nginx!</h1></body></html>");
    });
    await new Promise<void>((resolve) => html.listen(0, "127.0.0.1", resolve));
    const address = html.address();
    htmlUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    proxy = await startFaultProxy(stackValue("CLEARML_API_HOST"));
  });
  after(async () => {
    await new Promise<void>((resolve) => html?.close(() => resolve()));
    await proxy?.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "connect() to a web server answering 200 HTML: a ServiceError of clearml saying so",
    SLOW,
    async () => {
      const error = await rejectionOf(
        MLOpsManager.connect(directConnect(uniqueName("t_html"), { clearml: htmlUrl })),
      );
      const cause = findCause(error, ServiceError);
      assert.equal(cause?.service, "clearml", String(error));
      assert.match(String((error as Error).message), /html/i);
    },
  );

  for (
    const [label, status, body, type] of [
      ["a 502 HTML page from a gateway", 502, "<html><h1>502 Bad Gateway</h1></html>", "text/html"],
      ["a 200 HTML page", 200, "<!doctype html><title>Login</title>", "text/html"],
      ["200 JSON of another shape", 200, '{"hello":"world"}', "application/json"],
      ["an empty 200", 200, "", "application/json"],
    ] as const
  ) {
    it(`getModel() when ClearML answers ${label}: a ServiceError of clearml`, SLOW, async () => {
      const manager = await MLOpsManager.connect(directConnect(username, { clearml: proxy.url }));
      try {
        await writeTree(join(dir, "src"), { "a.txt": "a" });
        await manager.addModel({
          sourceType: "local",
          modelName: "html_model",
          version: "v1",
          sourcePath: join(dir, "src"),
        });
        proxy.fail({ status, body, contentType: type });
        const out = join(dir, uniqueName("out"));
        const error = await rejectionOf(
          manager.getModel({ modelName: "html_model", version: "v1", localDest: out }),
        );
        const cause = findCause(error, ServiceError);
        assert.equal(cause?.service, "clearml", String(error));
        assert.deepEqual(await filesUnder(out), []);
      } finally {
        proxy.clear();
        await manager.close();
      }
    });
  }
});

describe("a destination disk that fills up (a 4 MiB tmpfs)", SLOW, () => {
  const username = uniqueName("t_full");
  let dir: string;
  let mountPoint: string;
  let manager: MLOpsManager;

  before(async () => {
    dir = await tempDir("aipmodel-full-");
    mountPoint = join(dir, "small-disk");
    await mkdir(mountPoint);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint]);
    } catch (error) {
      throw new Error(
        `The full-disk tests mount a 4 MiB tmpfs and need root (mount -t tmpfs): ${error}`,
      );
    }
    await writeFile(join(dir, "big.bin"), new Uint8Array(6 * MiB).fill(9));
    await writeFile(join(dir, "small.txt"), "small");
    manager = await MLOpsManager.connect(directConnect(username));
    await manager.addModel({
      sourceType: "local",
      modelName: "too_big",
      version: "v1",
      sourcePath: join(dir, "big.bin"),
    });
  });
  after(async () => {
    await manager?.close();
    try {
      execFileSync("umount", [mountPoint]);
      await rmdir(mountPoint);
    } catch {
      // the before() failed to mount: its error is the one to see
    }
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "getModel() of a 6 MiB file into it: a typed error naming ENOSPC, no partial file, the space free again",
    SLOW,
    async () => {
      const free = (await statfs(mountPoint)).bfree;
      const error = await rejectionOf(
        manager.getModel({ modelName: "too_big", version: "v1", localDest: mountPoint }),
      );
      assert.ok(error instanceof AipModelError, String(error));
      assert.match(
        [error, ...[error.cause]].map(String).join(" "),
        /ENOSPC/,
      );
      assert.deepEqual(await filesUnder(mountPoint), []);
      assert.equal((await statfs(mountPoint)).bfree, free);
    },
  );

  it(
    "addModel() into an embedded registry on it: a typed error, no model, no partial object",
    SLOW,
    async () => {
      const local = await MLOpsManager.connect({ localDir: join(mountPoint, "registry") });
      const error = await rejectionOf(
        local.addModel({
          sourceType: "local",
          modelName: "too_big_local",
          version: "v1",
          sourcePath: join(dir, "big.bin"),
        }),
      );
      assert.ok(error instanceof AipModelError, String(error));
      assert.match(String(error), /ENOSPC|nothing was published/);
      assert.deepEqual(await local.listModels(), []);
      const objects = await filesUnder(join(mountPoint, "registry", "objects"));
      assert.deepEqual(objects, []);
      // The disk still works for small things.
      await local.addModel({
        sourceType: "local",
        modelName: "fits_local",
        version: "v1",
        sourcePath: join(dir, "small.txt"),
      });
      await local.close();
    },
  );
});
