/**
 * The local platform stack itself: the user-management API, the two S3 accounts on the real
 * radosgw and the ClearML server's login, as `scripts/stack.ts up` left them running. The first
 * block needs no stack: it checks the user-management handler in-process.
 */

import {
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createUserManagementHandler, type UserRecord } from "../stack/usermgmt/handler.ts";
import { stackEnv, stackValue } from "./_stack.ts";

const RECORD: UserRecord = {
  username: "someone",
  metadata: {
    s3_access_key: "AK",
    s3_secret_key: "SK",
    s3_bucket: "someone-bucket",
    clearml_access_key: "CAK",
    clearml_secret_key: "CSK",
  },
};

describe("user-management handler (in-process)", () => {
  const handler = createUserManagementHandler({ users: { "token-1": RECORD } });
  const call = (path: string, init?: RequestInit) =>
    handler(new Request(`http://localhost${path}`, init));

  it("returns the record of a configured token on GET /metadata", async () => {
    const response = await call("/metadata", { headers: { authorization: "Bearer token-1" } });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), RECORD);
  });

  it("answers 401 with a JSON detail for an unknown, missing or non-bearer token", async () => {
    for (const headers of [{ authorization: "Bearer nope" }, {}, { authorization: "Basic x" }]) {
      const response = await call("/metadata", { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      assert.equal(typeof (await response.json()).detail, "string");
    }
  });

  it("answers 404 JSON for an unknown path and 405 for another method", async () => {
    const missing = await call("/nowhere");
    assert.equal(missing.status, 404);
    assert.equal(typeof (await missing.json()).detail, "string");
    const post = await call("/metadata", { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  });
});

describe("local stack: .stack/env", () => {
  it("has the design's keys and well-formed ClearML credentials", () => {
    const env = stackEnv();
    for (
      const key of [
        "USER_TOKEN",
        "CLEARML_API_HOST",
        "CEPH_ENDPOINT_URL",
        "USER_MANAGEMENT_API",
        "EXT_S3_ENDPOINT_URL",
        "EXT_S3_BUCKET",
        "EXT_S3_ACCESS_KEY",
        "EXT_S3_SECRET_KEY",
        "CEPH_BUCKET",
        "CEPH_ACCESS_KEY",
        "CEPH_SECRET_KEY",
        "CLEARML_ACCESS_KEY",
        "CLEARML_SECRET_KEY",
        "CLEARML_USERNAME",
      ]
    ) {
      assert.ok(env[key], `.stack/env has ${key}`);
    }
    assert.match(stackValue("CLEARML_ACCESS_KEY"), /^[A-Z0-9]{30}$/);
    assert.match(stackValue("CLEARML_SECRET_KEY"), /^[A-Za-z0-9_-]+$/);
  });
});

describe("local stack: user-management API", () => {
  const api = () => stackValue("USER_MANAGEMENT_API");

  it("returns the platform user's credentials for USER_TOKEN", async () => {
    const response = await fetch(`${api()}/metadata`, {
      headers: { authorization: `Bearer ${stackValue("USER_TOKEN")}` },
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      username: stackValue("CLEARML_USERNAME"),
      metadata: {
        s3_access_key: stackValue("CEPH_ACCESS_KEY"),
        s3_secret_key: stackValue("CEPH_SECRET_KEY"),
        s3_bucket: stackValue("CEPH_BUCKET"),
        clearml_access_key: stackValue("CLEARML_ACCESS_KEY"),
        clearml_secret_key: stackValue("CLEARML_SECRET_KEY"),
      },
    });
  });

  it("refuses a wrong token and a missing one with 401 and a JSON detail", async () => {
    for (const headers of [{ authorization: "Bearer wrong-token" }, {}]) {
      const response = await fetch(`${api()}/metadata`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("content-type") ?? "", /application\/json/);
      const body = await response.json();
      assert.equal(typeof body.detail, "string");
    }
  });

  it("answers GET /health with 200 and status ok", async () => {
    const response = await fetch(`${api()}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok" });
  });
});

describe("local stack: S3 accounts on radosgw", () => {
  const clients: S3Client[] = [];
  const client = (endpoint: string, accessKeyId: string, secretAccessKey: string) => {
    const created = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId, secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    clients.push(created);
    return created;
  };
  const platform = () =>
    client(
      stackValue("CEPH_ENDPOINT_URL"),
      stackValue("CEPH_ACCESS_KEY"),
      stackValue("CEPH_SECRET_KEY"),
    );
  const external = () =>
    client(
      stackValue("EXT_S3_ENDPOINT_URL"),
      stackValue("EXT_S3_ACCESS_KEY"),
      stackValue("EXT_S3_SECRET_KEY"),
    );
  after(() => {
    for (const created of clients) created.destroy();
  });

  it("lets the platform keys use the platform bucket", async () => {
    const s3 = platform();
    const bucket = stackValue("CEPH_BUCKET");
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 10 }));
    assert.equal(listed.$metadata.httpStatusCode, 200);
  });

  it("lets the external keys use the external bucket", async () => {
    const s3 = external();
    const bucket = stackValue("EXT_S3_BUCKET");
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 10 }));
    assert.equal(listed.$metadata.httpStatusCode, 200);
  });

  it("refuses the platform keys on the external bucket, and the reverse (two accounts)", async () => {
    await assert.rejects(
      platform().send(new ListObjectsV2Command({ Bucket: stackValue("EXT_S3_BUCKET") })),
      (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.name, "AccessDenied");
        assert.equal(error.$metadata?.httpStatusCode, 403);
        return true;
      },
    );
    await assert.rejects(
      external().send(
        new PutObjectCommand({ Bucket: stackValue("CEPH_BUCKET"), Key: "x", Body: "x" }),
      ),
      (error: { name?: string }) => {
        assert.equal(error.name, "AccessDenied");
        return true;
      },
    );
  });
});

describe("local stack: ClearML server", () => {
  const host = () => stackValue("CLEARML_API_HOST");
  const basic = (key: string, secret: string) => `Basic ${btoa(`${key}:${secret}`)}`;

  it("answers auth.login with a token for CLEARML_ACCESS_KEY:CLEARML_SECRET_KEY", async () => {
    const response = await fetch(`${host()}/auth.login`, {
      headers: {
        authorization: basic(stackValue("CLEARML_ACCESS_KEY"), stackValue("CLEARML_SECRET_KEY")),
      },
    });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(typeof body.data?.token, "string");
    assert.ok(body.data.token.length > 0);
  });

  it("refuses auth.login with a wrong secret", async () => {
    const response = await fetch(`${host()}/auth.login`, {
      headers: { authorization: basic(stackValue("CLEARML_ACCESS_KEY"), "wrong-secret") },
    });
    assert.equal(response.status, 401);
    await response.body?.cancel();
  });
});
