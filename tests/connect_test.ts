import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { ProjectsAPI } from "../src/clearml/projects.ts";
import {
  AuthenticationError,
  ConnectionError,
  StorageError,
  ValidationError,
} from "../src/errors.ts";
import { type OpenedRegistry, openRegistry } from "../src/registry/connect.ts";
import type { ConnectOptions } from "../src/registry/connect_options.ts";
import { dropProject, freshUsername, stackClient } from "./_platform.ts";
import { stackValue } from "./_stack.ts";
import { platformStorage, removeDir, tempDir } from "./_storage.ts";

/** Bun ignores a describe() timeout and defaults to 5 s a test: each test states its own. */
const SLOW = { timeout: 120_000 };
const QUICK_RETRY = { retries: 0 };

function tokenOptions(): ConnectOptions {
  return {
    userToken: stackValue("USER_TOKEN"),
    userManagementApi: stackValue("USER_MANAGEMENT_API"),
    clearmlApiHost: stackValue("CLEARML_API_HOST"),
    cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
    env: {},
  };
}

function directOptions(username: string): ConnectOptions {
  return {
    clearmlApiHost: stackValue("CLEARML_API_HOST"),
    clearmlAccessKey: stackValue("CLEARML_ACCESS_KEY"),
    clearmlSecretKey: stackValue("CLEARML_SECRET_KEY"),
    clearmlUsername: username,
    cephEndpointUrl: stackValue("CEPH_ENDPOINT_URL"),
    cephAccessKey: stackValue("CEPH_ACCESS_KEY"),
    cephSecretKey: stackValue("CEPH_SECRET_KEY"),
    cephBucket: stackValue("CEPH_BUCKET"),
    env: {},
  };
}

/** The secrets of the stack, none of which may appear in a message or a log line. */
function secrets(): string[] {
  return [
    "USER_TOKEN",
    "CLEARML_SECRET_KEY",
    "CLEARML_ACCESS_KEY",
    "CEPH_SECRET_KEY",
    "CEPH_ACCESS_KEY",
  ].map(stackValue);
}

function assertNoSecret(text: string, extra: readonly string[] = []): void {
  for (const secret of [...secrets(), ...extra]) {
    assert.ok(!text.includes(secret), `a secret leaked into: ${text}`);
  }
}

describe("connecting to the platform on the local stack", SLOW, () => {
  const opened: OpenedRegistry[] = [];
  const usernames: string[] = [];

  after(async () => {
    for (const registry of opened) await registry.backend.close();
    if (usernames.length === 0) return;
    const client = stackClient();
    for (const username of usernames) await dropProject(client, username);
  });

  it("token mode gets the keys from the user API and finds project_{username}", SLOW, async () => {
    const lines: string[] = [];
    const registry = await openRegistry({
      ...tokenOptions(),
      verbose: true,
      logger: { info: (line) => lines.push(line), debug: (line) => lines.push(line) },
    });
    opened.push(registry);
    assert.equal(registry.mode, "token");
    assert.equal(registry.username, stackValue("CLEARML_USERNAME"));
    assert.equal(registry.backend.objects.bucket, stackValue("CEPH_BUCKET"));
    const project = await registry.projects?.getByName(`project_${registry.username}`);
    assert.ok(project);
    assert.ok(lines.some((line) => line.startsWith("[OK] ClearML project")), lines.join("\n"));
    assertNoSecret(lines.join("\n"));
  });

  it("direct mode creates the project of a new user", SLOW, async () => {
    const username = freshUsername("direct");
    usernames.push(username);
    const registry = await openRegistry(directOptions(username));
    opened.push(registry);
    assert.equal(registry.mode, "direct");
    assert.equal(registry.username, username);
    const found = await new ProjectsAPI(stackClient()).getAll({ name: `project_${username}` });
    assert.equal(found.length, 1);
  });

  it(
    "reads the environment when options are absent, and an option wins over it",
    SLOW,
    async () => {
      const env = {
        USER_TOKEN: "a-wrong-token-from-the-environment",
        USER_MANAGEMENT_API: stackValue("USER_MANAGEMENT_API"),
        CLEARML_API_HOST: stackValue("CLEARML_API_HOST"),
        CEPH_ENDPOINT_URL: stackValue("CEPH_ENDPOINT_URL"),
        // Direct variables beside USER_TOKEN: token mode wins, as in the Python SDK 0.2.48+.
        CEPH_BUCKET: "not-used-in-token-mode",
      };
      const registry = await openRegistry({ env, userToken: stackValue("USER_TOKEN") });
      opened.push(registry);
      assert.equal(registry.mode, "token");
      assert.equal(registry.backend.objects.bucket, stackValue("CEPH_BUCKET"));
      await assert.rejects(openRegistry({ env, retry: QUICK_RETRY }), AuthenticationError);
    },
  );

  it("takes direct mode from the environment's direct variables", SLOW, async () => {
    const username = freshUsername("envdirect");
    usernames.push(username);
    const env: Record<string, string> = { CLEARML_USERNAME: username };
    for (
      const name of [
        "CLEARML_API_HOST",
        "CLEARML_ACCESS_KEY",
        "CLEARML_SECRET_KEY",
        "CEPH_ENDPOINT_URL",
        "CEPH_ACCESS_KEY",
        "CEPH_SECRET_KEY",
        "CEPH_BUCKET",
      ]
    ) env[name] = stackValue(name);
    const registry = await openRegistry({ env });
    opened.push(registry);
    assert.equal(registry.mode, "direct");
    assert.equal(registry.username, username);
  });

  it("two connects at once for a new user end with one project", SLOW, async () => {
    const username = freshUsername("race");
    usernames.push(username);
    const registries = await Promise.all(
      Array.from({ length: 4 }, () => openRegistry(directOptions(username))),
    );
    opened.push(...registries);
    const ids = new Set(
      registries.map((registry) => (registry.backend.metadata as { projectId?: string }).projectId),
    );
    assert.equal(ids.size, 1);
    const all = await new ProjectsAPI(stackClient()).getAll({ onlyFields: ["name"] });
    assert.equal(all.filter((project) => project.name === `project_${username}`).length, 1);
  });

  it(
    "a wrong user token is an AuthenticationError that does not show the token",
    SLOW,
    async () => {
      const token = "wrong-token-0123456789abcdef";
      await assert.rejects(
        openRegistry({ ...tokenOptions(), userToken: token, retry: QUICK_RETRY }),
        (error) => {
          assert.ok(error instanceof AuthenticationError);
          assert.equal(error.service, "user-management");
          assertNoSecret(error.message, [token]);
          return true;
        },
      );
    },
  );

  it("wrong ClearML keys are an AuthenticationError of clearml", SLOW, async () => {
    const secret = "wrong-clearml-secret-0123456789";
    await assert.rejects(
      openRegistry({
        ...directOptions(freshUsername("badkeys")),
        clearmlSecretKey: secret,
        retry: QUICK_RETRY,
      }),
      (error) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.equal(error.service, "clearml");
        assertNoSecret(error.message, [secret]);
        return true;
      },
    );
  });

  it("wrong S3 keys are an AuthenticationError of s3", SLOW, async () => {
    const secret = "wrong-s3-secret-0123456789abcdef";
    await assert.rejects(
      openRegistry({
        ...directOptions(freshUsername("bads3")),
        cephSecretKey: secret,
        retry: QUICK_RETRY,
      }),
      (error) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.equal(error.service, "s3");
        assertNoSecret(error.message, [secret]);
        return true;
      },
    );
  });

  it("a bucket that does not exist is a StorageError, and is not created", SLOW, async () => {
    const bucket = `no-such-bucket-${Date.now().toString(36)}`;
    await assert.rejects(
      openRegistry({ ...directOptions(freshUsername("nobucket")), cephBucket: bucket }),
      (error) => {
        assert.ok(error instanceof StorageError, String(error));
        assert.equal(error.bucket, bucket);
        assert.equal(error.code, "NoSuchBucket");
        assert.match(error.message, /CEPH_BUCKET/);
        return true;
      },
    );
    const storage = platformStorage();
    try {
      await assert.rejects(
        storage.awsClient().then((client) =>
          client.send(new HeadBucketCommand({ Bucket: bucket }))
        ),
        (error: { $metadata?: { httpStatusCode?: number } }) =>
          error.$metadata?.httpStatusCode === 404,
      );
    } finally {
      storage.close();
    }
  });

  it("an unreachable ClearML host is a ConnectionError", SLOW, async () => {
    await assert.rejects(
      openRegistry({
        ...directOptions(freshUsername("down")),
        clearmlApiHost: "http://127.0.0.1:9",
        retry: QUICK_RETRY,
      }),
      (error) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.equal(error.service, "clearml");
        return true;
      },
    );
  });

  it("an unreachable user API is a ConnectionError of user-management", SLOW, async () => {
    await assert.rejects(
      openRegistry({
        ...tokenOptions(),
        userManagementApi: "http://127.0.0.1:9",
        retry: QUICK_RETRY,
      }),
      (error) => error instanceof ConnectionError && error.service === "user-management",
    );
  });
});

describe("connect options", () => {
  it("name every missing setting and its variable, never a value", async () => {
    const secret = "a-direct-secret-value-42";
    await assert.rejects(
      openRegistry({ clearmlSecretKey: secret, env: {} }),
      (error) => {
        assert.ok(error instanceof ValidationError);
        for (const name of ["CLEARML_API_HOST", "CLEARML_ACCESS_KEY", "CEPH_BUCKET"]) {
          assert.match(error.message, new RegExp(name));
        }
        assert.doesNotMatch(error.message, /CLEARML_SECRET_KEY/);
        assert.ok(!error.message.includes(secret));
        return true;
      },
    );
    await assert.rejects(
      openRegistry({ userToken: "t0ken-value", env: {} }),
      (error) => {
        assert.ok(error instanceof ValidationError);
        assert.match(error.message, /USER_MANAGEMENT_API/);
        assert.match(error.message, /CLEARML_API_HOST/);
        assert.match(error.message, /CEPH_ENDPOINT_URL/);
        assert.ok(!error.message.includes("t0ken-value"));
        return true;
      },
    );
  });

  it("refuse nothing at all, and mixed modes", async () => {
    await assert.rejects(openRegistry({ env: {} }), /localDir.*USER_TOKEN/);
    await assert.rejects(
      openRegistry({ userToken: "t", cephBucket: "b", env: {} }),
      (error) => error instanceof ValidationError && /not both/.test(error.message),
    );
    await assert.rejects(
      openRegistry({ localDir: "x", userToken: "t", env: {} }),
      (error) => error instanceof ValidationError && /not both/.test(error.message),
    );
    await assert.rejects(
      openRegistry({ ...directOptions("a/b"), env: {} }),
      (error) => error instanceof ValidationError && error.field.startsWith("clearmlUsername"),
    );
  });

  it("open the embedded registry from localDir, ignoring platform variables", async () => {
    const dir = await tempDir();
    try {
      const registry = await openRegistry({ localDir: dir, env: { USER_TOKEN: "x" } });
      assert.equal(registry.mode, "local");
      assert.equal(registry.projects, undefined);
      await registry.backend.close();
    } finally {
      await removeDir(dir);
    }
  });
});
