import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  ConnectionError,
  ServiceError,
  ValidationError,
} from "../src/errors.ts";
import type { FetchLike } from "../src/http/fetch.ts";
import { fetchUserCredentials } from "../src/platform/credentials.ts";
import { checkUserManagementHealth } from "../src/platform/health.ts";
import { serveHandler } from "../stack/serve.ts";
import { createUserManagementHandler, type UserRecord } from "../stack/usermgmt/handler.ts";
import { stackValue } from "./_stack.ts";

const TOKEN = "tok-alice-0123456789abcdef";
const ALICE: UserRecord = {
  username: "alice",
  metadata: {
    s3_access_key: "S3ACCESSALICE",
    s3_secret_key: "s3-secret-alice-xyz",
    s3_bucket: "alice-bucket",
    clearml_access_key: "CLEARMLACCESSALICE",
    clearml_secret_key: "clearml-secret-alice-xyz",
  },
};
const fast = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** A fetch that hands every request to `handler` in-process and records what was sent. */
function inProcess(handler: (request: Request) => Response | Promise<Response>) {
  const requests: Request[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    return await handler(request);
  };
  return { fetch, requests };
}

function answering(status: number, body: string, contentType = "application/json") {
  return inProcess(() => new Response(body, { status, headers: { "content-type": contentType } }));
}

describe("fetchUserCredentials() against the local stack", () => {
  it("returns the platform user's record for USER_TOKEN", async () => {
    const credentials = await fetchUserCredentials({
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      userToken: stackValue("USER_TOKEN"),
    });
    assert.ok(credentials.username.length > 0);
    assert.equal(credentials.clearmlAccessKey, stackValue("CLEARML_ACCESS_KEY"));
    assert.equal(credentials.clearmlSecretKey, stackValue("CLEARML_SECRET_KEY"));
    for (const value of Object.values(credentials)) assert.ok(value.length > 0);
  });

  it("rejects a wrong token with an AuthenticationError that does not contain it", async () => {
    const wrong = "not-the-token-3b1f9c7e";
    const error = await fetchUserCredentials({
      userManagementApi: stackValue("USER_MANAGEMENT_API"),
      userToken: wrong,
    }).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.service, "user-management");
    assert.equal(error.status, 401);
    assert.ok(!error.message.includes(wrong));
  });

  it("passes the health check of the running API", async () => {
    await checkUserManagementHealth({ userManagementApi: stackValue("USER_MANAGEMENT_API") });
  });
});

describe("fetchUserCredentials() in-process", () => {
  it("sends GET /metadata with the token in the Authorization header only", async () => {
    const handler = createUserManagementHandler({ users: { [TOKEN]: ALICE } });
    // Served under /api, as behind a reverse proxy that strips the prefix.
    const { fetch, requests } = inProcess((request) =>
      handler(new Request(request.url.replace("/api/", "/"), request))
    );
    const credentials = await fetchUserCredentials({
      userManagementApi: "http://users.test/api///",
      userToken: TOKEN,
      fetch,
    });
    assert.deepEqual(credentials, {
      username: "alice",
      s3AccessKey: "S3ACCESSALICE",
      s3SecretKey: "s3-secret-alice-xyz",
      s3Bucket: "alice-bucket",
      clearmlAccessKey: "CLEARMLACCESSALICE",
      clearmlSecretKey: "clearml-secret-alice-xyz",
    });
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.equal(request?.method, "GET");
    assert.equal(request?.url, "http://users.test/api/metadata");
    assert.equal(request?.headers.get("authorization"), `Bearer ${TOKEN}`);
  });

  it("turns 401 and 403 into AuthenticationError without the token in the message", async () => {
    for (const status of [401, 403]) {
      const { fetch } = answering(status, JSON.stringify({ detail: `bad token ${TOKEN}` }));
      const error = await fetchUserCredentials({
        userManagementApi: "http://users.test",
        userToken: TOKEN,
        fetch,
      }).catch((caught: unknown) => caught);
      assert.ok(error instanceof AuthenticationError);
      assert.equal(error.status, status);
      assert.match(error.message, /rejected the user token/);
      assert.ok(!error.message.includes(TOKEN));
    }
  });

  it("names every missing or empty field, and no received value", async () => {
    const { fetch } = answering(
      200,
      JSON.stringify({ username: "", metadata: { s3_access_key: "S3ACCESSALICE", s3_bucket: 7 } }),
    );
    const error = await fetchUserCredentials({
      userManagementApi: "http://users.test",
      userToken: TOKEN,
      fetch,
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError && !(error instanceof AuthenticationError));
    for (
      const field of [
        "username",
        "metadata.s3_secret_key",
        "metadata.s3_bucket",
        "metadata.clearml_access_key",
        "metadata.clearml_secret_key",
      ]
    ) assert.ok(error.message.includes(field), `${field} in: ${error.message}`);
    assert.ok(!error.message.includes("metadata.s3_access_key"));
    assert.ok(!error.message.includes("S3ACCESSALICE"));
  });

  it("names all five credentials when the metadata object is absent", async () => {
    const { fetch } = answering(200, JSON.stringify({ username: "alice" }));
    const error = await fetchUserCredentials({
      userManagementApi: "http://users.test",
      userToken: TOKEN,
      fetch,
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.match(error.message, /metadata\.s3_access_key.*metadata\.clearml_secret_key/);
    assert.ok(!error.message.includes("username,"));
  });

  it("reports an answer that is not JSON as a ServiceError with the status", async () => {
    const { fetch } = answering(200, "<html><body>Welcome to nginx</body></html>", "text/html");
    const error = await fetchUserCredentials({
      userManagementApi: "http://users.test",
      userToken: TOKEN,
      fetch,
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.status, 200);
    assert.match(error.message, /not JSON/);
    assert.match(error.message, /Welcome to nginx/);
  });

  it("reports another status with a truncated body that never echoes the token", async () => {
    const { fetch, requests } = answering(500, `Internal error for ${TOKEN} ${"x".repeat(1000)}`);
    const error = await fetchUserCredentials({
      userManagementApi: "http://users.test",
      userToken: TOKEN,
      fetch,
      retry: fast,
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.status, 500);
    assert.ok(!error.message.includes(TOKEN));
    assert.ok(error.message.length < 400, error.message);
    assert.equal(requests.length, 3, "a 500 on a read is retried");
  });

  it("turns a network failure into a ConnectionError", async () => {
    let calls = 0;
    const fetch: FetchLike = () => {
      calls++;
      return Promise.reject(new TypeError("fetch failed"));
    };
    await assert.rejects(
      fetchUserCredentials({
        userManagementApi: "http://users.test",
        userToken: TOKEN,
        fetch,
        retry: fast,
      }),
      ConnectionError,
    );
    assert.equal(calls, 3);
  });

  it("turns a closed port into a ConnectionError over a real socket", async () => {
    const server = await serveHandler(() => new Response("never"));
    await server.close();
    const error = await fetchUserCredentials({
      userManagementApi: server.url,
      userToken: TOKEN,
      retry: { retries: 0 },
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.equal(error.service, "user-management");
    assert.ok(!error.message.includes(TOKEN));
  });

  it("checks its options before any request, naming the option", async () => {
    const { fetch, requests } = answering(200, "{}");
    await assert.rejects(
      fetchUserCredentials({ userManagementApi: "http://users.test", userToken: " ", fetch }),
      (error: unknown) => error instanceof ValidationError && error.field === "userToken",
    );
    await assert.rejects(
      fetchUserCredentials({ userManagementApi: "users.test", userToken: TOKEN, fetch }),
      (error: unknown) => error instanceof ValidationError && error.field === "userManagementApi",
    );
    assert.equal(requests.length, 0);
  });
});

describe("checkUserManagementHealth()", () => {
  it("resolves on a 2xx /health", async () => {
    const { fetch, requests } = inProcess(createUserManagementHandler({ users: {} }));
    await checkUserManagementHealth({ userManagementApi: "http://users.test/", fetch });
    assert.equal(requests[0]?.url, "http://users.test/health");
  });

  it("fails on an unhealthy status instead of ignoring it", async () => {
    const { fetch } = answering(503, JSON.stringify({ status: "degraded" }));
    const error = await checkUserManagementHealth({
      userManagementApi: "http://users.test",
      fetch,
      retry: { retries: 0 },
    }).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.status, 503);
    assert.match(error.message, /not healthy/);
  });
});
