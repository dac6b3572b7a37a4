/**
 * The ClearML-compatible server against reference/clearml-api.md §1 (transport, URL, versions)
 * and §2 (envelope, status, errors).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assertError, testServer } from "./clearml_server_helpers.ts";

const HEX32 = /^[0-9a-f]{32}$/;

describe("ClearML server §1 transport, URL and versioning", () => {
  it("§1 any HTTP method works (GET, PUT, PATCH, DELETE, POST)", async () => {
    const t = testServer();
    for (const method of ["GET", "PUT", "PATCH", "DELETE", "POST"]) {
      const reply = await t.call("/models.get_all", { method });
      assert.equal(reply.status, 200, method);
      assert.deepEqual(reply.body.data, { models: [] });
    }
  });

  it("§1 OPTIONS always gets an empty 200, even for unknown paths and without credentials", async () => {
    const t = testServer();
    for (const path of ["/models.get_all", "/nonsense", "/v2.23/foo.bar"]) {
      const reply = await t.anonymous(path, { method: "OPTIONS" });
      assert.equal(reply.status, 200);
      assert.equal(reply.text, "");
      assert.equal(reply.headers.get("server"), "clearml");
    }
  });

  it("§1 accepts an optional /vX.Y/ prefix and a trailing slash", async () => {
    const t = testServer();
    for (
      const path of [
        "/models.get_all",
        "/v2.23/models.get_all",
        "/v2.13/models.get_all/",
        "/v9.99/models.get_all",
      ]
    ) {
      const reply = await t.call(path);
      assert.equal(reply.status, 200, path);
    }
    const reply = await t.call("/v2.23/models.get_all");
    assert.equal(reply.body.meta.endpoint.requested_version, "2.23");
  });

  it("§1 a path that does not match the pattern is 400/0 'Invalid request path <path>'", async () => {
    const t = testServer();
    for (
      const path of [
        "/v2/models.get_all",
        "/models",
        "/a.b",
        "/v2.23/x/models.get_all",
        "/api/v2.23/models.get_all",
      ]
    ) {
      const reply = await t.call(path);
      assertError(reply, 400, 0, `Invalid request path ${path}`);
      assert.equal(reply.body.meta.endpoint.actual_version, null);
    }
  });

  it("§1 an unknown endpoint is 404/0 'Unable to find endpoint for name X and version V'", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.publish"),
      404,
      0,
      "Unable to find endpoint for name models.publish and version 2.34",
    );
    assertError(await t.anonymous("/v2.23/nope.nope"), 404, 0, /name nope\.nope and version 2\.23/);
  });

  it("§1 a version below the endpoint's min_version is 404 (metadata endpoints need 2.13)", async () => {
    const t = testServer();
    const reply = await t.call("/v2.12/models.add_or_update_metadata", { body: {} });
    assertError(
      reply,
      404,
      0,
      "Unable to find endpoint for name models.add_or_update_metadata and version 2.12",
    );
    assert.equal(reply.body.meta.endpoint.actual_version, null);
    const found = await t.call("/v2.13/models.add_or_update_metadata", { body: {} });
    assert.equal(found.status, 400, "routed, then rejected by validation");
    assert.equal(found.body.meta.endpoint.actual_version, "2.13");
  });

  it("§1 query-string parameters are merged into the body with numbers and booleans converted", async () => {
    const t = testServer();
    const data = await t.ok("/debug.ping?a=1&b=2.5&c=true&d=False&e=text&f=-1&g=1.2.3", {
      keep: "body",
    });
    assert.deepEqual(data, {
      keep: "body",
      a: 1,
      b: 2.5,
      c: true,
      d: false,
      e: "text",
      f: "-1",
      g: "1.2.3",
      msg: "ClearML server",
    });
  });

  it("§1 dotted query keys nest; repeated keys and keys ending in [] become lists", async () => {
    const t = testServer();
    const data = await t.ok("/debug.ping?x.y.z=1&tags=a&tags=b&only[]=id&one[]=7");
    assert.deepEqual(data.x, { y: { z: 1 } });
    assert.deepEqual(data.tags, ["a", "b"]);
    assert.deepEqual(data.only, ["id"]);
    assert.deepEqual(data.one, [7]);
  });

  it("§1 query parameters override body keys and reach the endpoint (page_size from the URL)", async () => {
    const t = testServer();
    for (const name of ["m-1", "m-2", "m-3"]) {
      await t.ok("/models.create", { name, uri: "s3://b/x" });
    }
    const data = await t.ok("/models.get_all?page_size=2&only_fields[]=name", { page_size: 500 });
    assert.deepEqual(data.models, [{ name: "m-1" }, { name: "m-2" }]);
  });

  it("§1 invalid JSON is 400/0 with the decoder's message", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.get_all", { body: "{not json" }),
      400,
      0,
      /^Failed to decode JSON object: /,
    );
    assertError(
      await t.call("/models.get_all", { body: "  " }),
      400,
      0,
      /^Failed to decode JSON object/,
    );
  });

  it("§1 an empty (or falsy) body is {}; a non-empty array is a 500 'Data should be a dict'", async () => {
    const t = testServer();
    for (const body of ["", "null", "[]", "0", "false", '""', "{}"]) {
      const reply = await t.call("/models.get_all", { body });
      assert.equal(reply.status, 200, JSON.stringify(body));
    }
    assertError(await t.call("/models.get_all", { body: "[1]" }), 500, 0, "Data should be a dict");
  });

  it("§1 the body is parsed as JSON whatever the Content-Type", async () => {
    const t = testServer();
    const data = await t.ok("/debug.ping", '{"a": 1}', {
      headers: { "content-type": "text/plain" },
    });
    assert.equal(data.a, 1);
  });

  it("§1 form fields are merged too (url-encoded body)", async () => {
    const t = testServer();
    const data = await t.ok("/debug.ping", "a=1&b=x", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(data.a, 1);
    assert.equal(data.b, "x");
  });

  it("§1 a Content-Encoding header gets a plain-text 415", async () => {
    const t = testServer();
    const reply = await t.call("/models.get_all", {
      body: "{}",
      headers: { "content-encoding": "gzip" },
    });
    assert.equal(reply.status, 415);
    assert.equal(reply.text, "Content encoding is not supported (gzip)");
    assert.equal(reply.body, undefined);
  });

  it("§1 processing order: endpoint 404, then credentials 401, then body 400, then validation", async () => {
    const t = testServer();
    assertError(await t.anonymous("/nope.nope", { body: "{bad" }), 404, 0);
    assertError(await t.anonymous("/models.get_all", { body: "{bad" }), 401, 20);
    assertError(await t.call("/models.get_by_id", { body: "{bad" }), 400, 0);
    assertError(await t.call("/models.get_by_id", { body: {} }), 400, 12);
  });
});

describe("ClearML server §2 response envelope", () => {
  it("§2 every reply has meta {id, trx, endpoint, result_*, error_stack, error_data} and data", async () => {
    const t = testServer();
    const reply = await t.call("/v2.23/models.get_all");
    const meta = reply.body.meta;
    assert.deepEqual(Object.keys(reply.body), ["meta", "data"]);
    assert.match(meta.id, HEX32);
    assert.equal(meta.trx, meta.id);
    assert.deepEqual(meta.endpoint, {
      name: "models.get_all",
      requested_version: "2.23",
      actual_version: "1.0",
    });
    assert.equal(meta.result_code, 200);
    assert.equal(meta.result_subcode, 0);
    assert.equal(meta.result_msg, "OK");
    assert.equal(meta.error_stack, null);
    assert.deepEqual(meta.error_data, {});
    assert.equal(reply.headers.get("server"), "clearml");
    assert.match(reply.headers.get("content-type") ?? "", /application\/json/);
  });

  it("§2 requested_version is the server max (2.34) without a prefix", async () => {
    const t = testServer();
    const reply = await t.call("/models.get_all");
    assert.equal(reply.body.meta.endpoint.requested_version, "2.34");
  });

  it("§2 versions are floats for requests older than 2.1", async () => {
    const t = testServer();
    const reply = await t.call("/v1.5/models.get_all");
    assert.equal(reply.body.meta.endpoint.requested_version, 1.5);
    assert.equal(reply.body.meta.endpoint.actual_version, 1);
  });

  it("§2 trx echoes the X-ClearML-Trx header", async () => {
    const t = testServer();
    const reply = await t.call("/models.get_all", { headers: { "x-clearml-trx": "my-trx" } });
    assert.equal(reply.body.meta.trx, "my-trx");
    assert.notEqual(reply.body.meta.id, "my-trx");
  });

  it("§2 HTTP status equals result_code, and errors carry data {} and error_data {}", async () => {
    const t = testServer();
    const reply = await t.call("/models.get_by_id", { body: { model: "nope" } });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.meta.result_code, 400);
    assert.equal(reply.body.meta.result_subcode, 201);
    assert.deepEqual(reply.body.data, {});
    assert.deepEqual(reply.body.meta.error_data, {});
    assert.equal(reply.body.meta.error_stack, null);
  });

  it("§2 result_msg is '<Default message>[ (<extra>)][: k=v, ...]' with lists as (a, b)", async () => {
    const t = testServer();
    assertError(
      await t.anonymous("/models.get_all"),
      401,
      20,
      "Unauthorized (missing credentials)",
    );
    assertError(
      await t.call("/models.get_by_id", { body: { model: "m1" } }),
      400,
      201,
      `Invalid model id (no such public or company model): id=m1, company=c0000000000000000000000000000001`,
    );
    assertError(
      await t.call("/projects.create", { body: {} }),
      400,
      11,
      "Missing required fields: missing=(name)",
    );
  });

  it("§2 CORS allows any origin", async () => {
    const t = testServer();
    const reply = await t.call("/models.get_all", { headers: { origin: "http://ui.test" } });
    assert.equal(reply.headers.get("access-control-allow-origin"), "*");
  });
});
