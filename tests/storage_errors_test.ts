import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AuthenticationError,
  ConnectionError,
  StorageError,
  TimeoutError,
  ValidationError,
} from "../src/errors.ts";
import { withRetries } from "../src/storage/call.ts";
import type { StorageContext } from "../src/storage/client.ts";
import { copySource } from "../src/storage/copy.ts";
import { combineFailures, deleteFailures, normalizeFolder } from "../src/storage/delete.ts";
import { toStorageError } from "../src/storage/errors.ts";
import { MiB, planParts } from "../src/storage/options.ts";
import { runBounded } from "../src/storage/pool.ts";
import { S3Storage } from "../src/storage/storage.ts";
import { platformStorage } from "./_storage.ts";

const SECRET = "s3cr3t-that-must-never-leak-0123456789";
const CONTEXT = { bucket: "models", endpoint: "http://s3.test", timeoutMs: 500, secrets: [SECRET] };

/** Asserts that nothing reachable from an error shows the secret key. */
function assertNoSecret(error: unknown): void {
  const seen = new Set<unknown>();
  const texts: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > 4 || value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    if (value instanceof Error) texts.push(value.message, String(value.stack));
    for (const key of Object.getOwnPropertyNames(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === "string") texts.push(child);
      else visit(child, depth + 1);
    }
  };
  visit(error, 0);
  for (const text of texts) assert.ok(!text.includes(SECRET), `secret found in: ${text}`);
}

describe("S3 errors against radosgw", { timeout: 60_000 }, () => {
  it("a wrong secret key gives an AuthenticationError that never shows it", async () => {
    const storage = platformStorage({ secretKey: SECRET });
    try {
      const attempts = [() => storage.putBytes("x/y", "z"), () => storage.list("x/").next()];
      for (const attempt of attempts) {
        await assert.rejects(attempt(), (error: Error) => {
          assert.ok(error instanceof AuthenticationError, String(error));
          assert.equal(error.status, 403);
          assert.match(error.message, /SignatureDoesNotMatch/);
          assertNoSecret(error);
          return true;
        });
      }
    } finally {
      storage.close();
    }
  });

  it("an unknown access key gives an AuthenticationError", async () => {
    const storage = platformStorage({ accessKey: "NOSUCHACCESSKEY00000", secretKey: SECRET });
    try {
      await assert.rejects(storage.list("x/").next(), (error: Error) => {
        assert.ok(error instanceof AuthenticationError, String(error));
        assert.match(error.message, /InvalidAccessKeyId/);
        assertNoSecret(error);
        return true;
      });
    } finally {
      storage.close();
    }
  });

  it("an unreachable endpoint gives a ConnectionError quickly", async () => {
    const storage = new S3Storage({
      endpoint: "http://127.0.0.1:9",
      accessKey: "AK",
      secretKey: SECRET,
      bucket: "models",
      connectTimeoutMs: 500,
      retry: { retries: 1, baseDelayMs: 10 },
    });
    try {
      const started = Date.now();
      await assert.rejects(storage.exists("a"), (error: Error) => {
        assert.ok(error instanceof ConnectionError, String(error));
        assert.match(error.message, /Cannot reach S3 at http:\/\/127\.0\.0\.1:9/);
        assertNoSecret(error);
        return true;
      });
      assert.ok(Date.now() - started < 5000);
    } finally {
      storage.close();
    }
  });

  it("an abort stops the retries at once", async () => {
    const storage = new S3Storage({
      endpoint: "http://127.0.0.1:9",
      accessKey: "AK",
      secretKey: SECRET,
      bucket: "models",
      retry: { retries: 10, baseDelayMs: 5000, maxDelayMs: 5000 },
    });
    try {
      const reason = new Error("enough");
      const started = Date.now();
      const controller = new AbortController();
      setTimeout(() => controller.abort(reason), 300);
      await assert.rejects(
        storage.exists("a", { signal: controller.signal }),
        (error) => error === reason,
      );
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    } finally {
      storage.close();
    }
  });

  it("refuses invalid settings with a ValidationError naming them", async () => {
    const base = {
      endpoint: "http://127.0.0.1:9",
      accessKey: "AK",
      secretKey: SECRET,
      bucket: "models",
    };
    assert.throws(() => new S3Storage({ ...base, endpoint: "s3.example.com" }), ValidationError);
    assert.throws(() => new S3Storage({ ...base, bucket: "ab" }), ValidationError);
    const storage = new S3Storage(base);
    try {
      await assert.rejects(storage.putFile("/nonexistent", "k", { partSize: MiB }), {
        name: "ValidationError",
        message: /partSize/,
      });
    } finally {
      storage.close();
    }
  });
});

describe("S3 error mapping (no server)", () => {
  it("maps SDK errors by status and code, masking the secret", () => {
    const sdk = (name: string, status?: number, message = `${name} ${SECRET}`) =>
      Object.assign(new Error(message), {
        name,
        ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
      });
    const site = { operation: "GetObject", key: "a/b" };
    const denied = toStorageError(sdk("AccessDenied", 403), CONTEXT, site);
    assert.ok(denied instanceof StorageError);
    assert.equal(denied.code, "AccessDenied");
    assert.equal(denied.status, 403);
    assert.equal(denied.key, "a/b");
    assert.match(
      denied.message,
      /^S3 GetObject on s3:\/\/models\/a\/b failed with 403 AccessDenied/,
    );
    assert.ok(!denied.message.includes(SECRET));
    const auth = toStorageError(sdk("SignatureDoesNotMatch", 403), CONTEXT, site);
    assert.ok(auth instanceof AuthenticationError);
    const refused = Object.assign(sdk("Error", undefined, "connect ECONNREFUSED"), {
      code: "ECONNREFUSED",
    });
    assert.ok(toStorageError(refused, CONTEXT, site) instanceof ConnectionError);
    const idle = sdk("TimeoutError", undefined, "the request socket timed out after 500 ms");
    const timeout = toStorageError(idle, CONTEXT, site);
    assert.ok(timeout instanceof TimeoutError);
    assert.equal(timeout.timeoutMs, 500);
    const passthrough = new ValidationError("x", "y");
    assert.equal(toStorageError(passthrough, CONTEXT, site), passthrough);
  });

  it("turns the per-key Errors of DeleteObjects into one error listing the keys", () => {
    const failures = deleteFailures(CONTEXT, {
      Errors: Array.from({ length: 12 }, (_, i) => ({
        Key: `k${i}`,
        Code: i === 0 ? "InternalError" : "AccessDenied",
        Message: "no",
      })),
    });
    assert.equal(failures.length, 12);
    assert.equal(failures[1]?.code, "AccessDenied");
    const error = combineFailures(CONTEXT, failures);
    assert.match(error.message, /left 12 key\(s\).*k0 \(InternalError\), k1 \(AccessDenied\)/);
    assert.match(error.message, /and 2 more$/);
    assert.equal(error.code, undefined, "mixed codes: no single code");
    assert.deepEqual(deleteFailures(CONTEXT, {}), []);
  });

  it("plans parts, folders and copy sources", () => {
    assert.deepEqual(planParts(12, 5), [
      { partNumber: 1, start: 0, end: 4 },
      { partNumber: 2, start: 5, end: 9 },
      { partNumber: 3, start: 10, end: 11 },
    ]);
    assert.deepEqual(planParts(0, 5), []);
    const huge = planParts(200_000 * MiB, 5 * MiB);
    assert.ok(huge.length <= 10_000);
    assert.equal(huge.at(-1)?.end, 200_000 * MiB - 1);
    assert.equal(normalizeFolder("x/ab"), "x/ab/");
    assert.equal(normalizeFolder("x/ab/"), "x/ab/");
    assert.throws(() => normalizeFolder("//"), ValidationError);
    assert.equal(copySource("b", "dir é/a b+c%.bin"), "b/dir%20%C3%A9/a%20b%2Bc%25.bin");
  });
});

describe("S3 layer retries and concurrency (no server)", () => {
  const context = {
    ...CONTEXT,
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  } as unknown as StorageContext;

  it("withRetries() retries transient failures only, up to the policy's count", async () => {
    let calls = 0;
    const flaky = () => {
      calls++;
      if (calls < 3) throw new ConnectionError("s3", "reset");
      return Promise.resolve("done");
    };
    assert.equal(await withRetries(context, undefined, async () => await flaky()), "done");
    assert.equal(calls, 3);
    calls = 0;
    const denied = new StorageError("denied", { operation: "PutObject", bucket: "b", status: 403 });
    await assert.rejects(withRetries(context, undefined, () => (calls++, Promise.reject(denied))));
    assert.equal(calls, 1);
    calls = 0;
    const busy = new StorageError("busy", { operation: "PutObject", bucket: "b", status: 503 });
    await assert.rejects(withRetries(context, undefined, () => (calls++, Promise.reject(busy))));
    assert.equal(calls, 3);
  });

  it("a failing task aborts its siblings and the group waits for them to settle", async () => {
    const settled: string[] = [];
    const failure = new Error("part 2 failed");
    const task = async (name: string, signal: AbortSignal) => {
      if (name === "b") throw failure;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      settled.push(name);
    };
    const started = Date.now();
    await assert.rejects(runBounded(["a", "b", "c", "d"], 2, undefined, task), failure);
    assert.deepEqual(settled, ["a"], "c and d never started, a was stopped and awaited");
    assert.ok(Date.now() - started < 2000);
  });
});
