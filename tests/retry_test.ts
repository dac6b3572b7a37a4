import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  isRetryableStatus,
  parseRetryAfter,
  resolveRetryOptions,
  retryDelay,
  sleep,
} from "../src/http/retry.ts";

describe("retry policy", () => {
  it("retries 408/429/5xx for idempotent calls and only 429/503 for the others", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) assert.ok(isRetryableStatus(status, true));
    for (const status of [400, 401, 403, 404, 409, 501]) {
      assert.equal(isRetryableStatus(status, true), false);
    }
    assert.deepEqual(
      [408, 429, 500, 502, 503, 504].filter((status) => isRetryableStatus(status, false)),
      [429, 503],
    );
  });

  it("grows the delay exponentially with full jitter, capped at maxDelayMs", () => {
    const options = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000 });
    assert.equal(retryDelay(0, options, null, () => 0.999), 99);
    assert.equal(retryDelay(2, options, null, () => 0.5), 200);
    assert.equal(retryDelay(10, options, null, () => 0.999), 999);
    assert.equal(retryDelay(3, options, null, () => 0), 0);
  });

  it("honours Retry-After in seconds or as an HTTP date, capped at maxDelayMs", () => {
    const options = resolveRetryOptions({ maxDelayMs: 5000 });
    assert.equal(retryDelay(0, options, "2"), 2000);
    assert.equal(retryDelay(0, options, "120"), 5000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
    assert.equal(parseRetryAfter("soon"), undefined);
  });

  it("rejects negative or non-finite options, naming the option", () => {
    assert.throws(() => resolveRetryOptions({ retries: -1 }), /retry\.retries/);
    assert.throws(() => resolveRetryOptions({ maxDelayMs: Number.NaN }), /retry\.maxDelayMs/);
  });

  it("stops waiting as soon as the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
    assert.ok(Date.now() - started < 1000);
  });
});
