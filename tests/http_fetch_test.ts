import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionError, TimeoutError } from "../src/errors.ts";
import { fetchWithPolicy, type PolicyRequest } from "../src/http/fetch.ts";
import { resolveRetryOptions } from "../src/http/retry.ts";
import { serveHandler } from "../stack/serve.ts";

const fast = resolveRetryOptions({ retries: 3, baseDelayMs: 1, maxDelayMs: 5 });

function request(overrides: Partial<PolicyRequest> & Pick<PolicyRequest, "fetch">): PolicyRequest {
  return {
    service: "clearml",
    url: "http://127.0.0.1:9/x.y",
    init: () => ({ method: "POST", body: "{}" }),
    idempotent: true,
    timeoutMs: 2000,
    retry: fast,
    ...overrides,
  };
}

describe("fetchWithPolicy()", () => {
  it("retries a 503 burst on an idempotent call and returns the first good answer", async () => {
    let calls = 0;
    const response = await fetchWithPolicy(request({
      fetch: () => {
        calls++;
        return Promise.resolve(new Response("busy", { status: calls < 3 ? 503 : 200 }));
      },
    }));
    assert.equal(response.status, 200);
    assert.equal(calls, 3);
  });

  it("returns the last error answer once the retries are spent", async () => {
    let calls = 0;
    const response = await fetchWithPolicy(request({
      fetch: () => {
        calls++;
        return Promise.resolve(new Response("down", { status: 502 }));
      },
    }));
    assert.equal(response.status, 502);
    assert.equal(calls, 4);
  });

  it("does not send a non-idempotent call again after a network error or a 502", async () => {
    let calls = 0;
    await assert.rejects(
      fetchWithPolicy(request({
        idempotent: false,
        fetch: () => {
          calls++;
          return Promise.reject(new TypeError("fetch failed"));
        },
      })),
      ConnectionError,
    );
    assert.equal(calls, 1);
    calls = 0;
    const response = await fetchWithPolicy(request({
      idempotent: false,
      fetch: () => {
        calls++;
        return Promise.resolve(new Response("", { status: 502 }));
      },
    }));
    assert.equal(response.status, 502);
    assert.equal(calls, 1);
  });

  it("names the service and the URL, without the query, when nothing answers", async () => {
    const error = await fetchWithPolicy(request({
      url: "http://127.0.0.1:9/metadata?token=secret-token-value",
      service: "user-management",
      retry: resolveRetryOptions({ retries: 0 }),
      fetch: globalThis.fetch,
    })).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.service, "user-management");
    assert.match(error.message, /127\.0\.0\.1:9\/metadata/);
    assert.doesNotMatch(error.message, /secret-token-value/);
  });

  it("gives a TimeoutError when a server accepts but never answers", async () => {
    const server = await serveHandler(() => new Promise<Response>(() => {}));
    try {
      await assert.rejects(
        fetchWithPolicy(request({
          url: `${server.url}/slow`,
          timeoutMs: 150,
          retry: resolveRetryOptions({ retries: 1, baseDelayMs: 1 }),
          fetch: globalThis.fetch,
        })),
        (error: unknown) => error instanceof TimeoutError && error.timeoutMs === 150,
      );
    } finally {
      await server.close();
    }
  });

  it("stops at once with the caller's reason when the signal aborts during a wait", async () => {
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const started = Date.now();
    const pending = fetchWithPolicy(request({
      retry: resolveRetryOptions({ retries: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }),
      signal: controller.signal,
      fetch: () => {
        setTimeout(() => controller.abort(reason), 20);
        return Promise.resolve(new Response("", { status: 503, headers: { "retry-after": "60" } }));
      },
    }));
    await assert.rejects(pending, (error: unknown) => error === reason);
    assert.ok(Date.now() - started < 5000);
  });
});
