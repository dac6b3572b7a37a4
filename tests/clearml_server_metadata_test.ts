/**
 * The ClearML-compatible server against reference/clearml-api.md §5.4 (model metadata).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALICE,
  assertError,
  BOB,
  createModel,
  START,
  type TestServer,
  testServer,
} from "./clearml_server_helpers.ts";

const item = (key: string, value: string, type = "str") => ({ key, type, value });

async function metadataOf(t: TestServer, model: string, prefix = "") {
  const data = await t.ok(`${prefix}/models.get_by_id`, { model });
  return (data.model as Record<string, unknown>).metadata;
}

describe("ClearML server §5.4 metadata in the model", () => {
  it("§5.4 create takes the dict form and metadata is returned as a dict keyed by key", async () => {
    const t = testServer();
    const model = await createModel(t, {
      name: "meta",
      metadata: { acc: item("acc", "0.93", "float") },
    });
    assert.deepEqual(await metadataOf(t, model), {
      acc: { key: "acc", type: "float", value: "0.93" },
    });
  });

  it("§5.4 create with the list form is 400/12; items need string key/type/value (400/12)", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", {
        body: { name: "abc", uri: "", metadata: [item("a", "1")] },
      }),
      400,
      12,
      /expected type "dict"/,
    );
    assertError(
      await t.call("/models.create", {
        body: { name: "abc", uri: "", metadata: { a: { key: "a", value: "1" } } },
      }),
      400,
      12,
      "Validation error (error for field 'type'. field is required!)",
    );
    assertError(
      await t.call("/models.create", {
        body: { name: "abc", uri: "", metadata: { a: { key: "a", type: "int", value: 1 } } },
      }),
      400,
      12,
    );
  });

  it("§5.4 with a requested version ≤ 2.16 metadata is returned as []; 2.17+ and no prefix get the dict", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "meta", metadata: { k: item("k", "v") } });
    assert.deepEqual(await metadataOf(t, model, "/v2.16"), []);
    assert.deepEqual(await metadataOf(t, model, "/v2.13"), []);
    assert.deepEqual(await metadataOf(t, model, "/v2.17"), { k: item("k", "v") });
    assert.deepEqual(await metadataOf(t, model, "/v2.23"), { k: item("k", "v") });
    const all = await t.ok("/v2.16/models.get_all", { only_fields: ["metadata"] });
    assert.deepEqual(all.models, [{ metadata: [] }]);
  });

  it("§5.4 keys with '.', '$' or a leading '_' round-trip; a query path escapes '.' as %2E", async () => {
    const t = testServer();
    const model = await createModel(t, {
      name: "escapes",
      metadata: { "a.b": item("a.b", "1"), "$x": item("$x", "2"), "_y": item("_y", "3") },
    });
    assert.deepEqual(Object.keys(await metadataOf(t, model) as object).sort(), ["$x", "_y", "a.b"]);
    const found = await t.ok("/models.get_all", {
      "metadata.a%2Eb.value": "1",
      only_fields: ["id"],
    });
    assert.deepEqual(found.models, [{ id: model }]);
  });

  it("§5.4 edit and update replace the whole map with the dict form", async () => {
    const t = testServer();
    const model = await createModel(t, {
      name: "replace",
      metadata: { a: item("a", "1"), b: item("b", "2") },
    });
    await t.ok("/models.edit", { model, metadata: { c: item("c", "3") } });
    assert.deepEqual(await metadataOf(t, model), { c: item("c", "3") });
    await t.ok("/models.update", { model, metadata: { d: item("d", "4") } });
    assert.deepEqual(await metadataOf(t, model), { d: item("d", "4") });
  });

  it("§5.4 a bad item on edit is a database validation error (400/800)", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "bad-edit" });
    assertError(
      await t.call("/models.edit", { body: { model, metadata: { a: { key: "a" } } } }),
      400,
      800,
    );
  });
});

describe("ClearML server §5.4 models.add_or_update_metadata", () => {
  it("§5.4 merges items into the map and replies {updated: 1}; keys are stripped", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "merge", metadata: { a: item("a", "1") } });
    const data = await t.ok("/models.add_or_update_metadata", {
      model,
      metadata: [item(" b ", "2"), item("a", "9")],
    });
    assert.deepEqual(data, { updated: 1 });
    assert.deepEqual(await metadataOf(t, model), { a: item("a", "9"), b: item("b", "2") });
  });

  it("§5.4 replace_metadata: true replaces the whole map", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "replace", metadata: { a: item("a", "1") } });
    await t.ok("/models.add_or_update_metadata", {
      model,
      metadata: [item("b", "2")],
      replace_metadata: true,
    });
    assert.deepEqual(await metadataOf(t, model), { b: item("b", "2") });
  });

  it("§5.4 bumps last_update and last_change", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "bump" });
    t.clock.now = START + 5000;
    await t.ok("/models.add_or_update_metadata", { model, metadata: [item("k", "v")] });
    const stored = (await t.ok("/models.get_by_id", { model })).model as Record<string, unknown>;
    assert.equal(stored.last_update, "2025-01-02T03:04:10.678000+00:00");
    assert.equal(stored.last_change, "2025-01-02T03:04:10.678000+00:00");
    assert.equal(stored.last_changed_by, ALICE.userId);
  });

  it("§5.4 an empty key is 400/12 'Empty key is not allowed'", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "empty-key" });
    assertError(
      await t.call("/models.add_or_update_metadata", {
        body: { model, metadata: [item("  ", "v")] },
      }),
      400,
      12,
      "Validation error (Empty key is not allowed)",
    );
  });

  it("§5.4 metadata is required with at least one item (400/12)", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "needs-items" });
    assertError(
      await t.call("/models.add_or_update_metadata", { body: { model, metadata: [] } }),
      400,
      12,
    );
    assertError(await t.call("/models.add_or_update_metadata", { body: { model } }), 400, 12);
    assertError(
      await t.call("/models.add_or_update_metadata", {
        body: { model, metadata: { a: item("a", "1") } },
      }),
      400,
      12,
    );
  });

  it("§5.4 an item missing key/type/value, or with a non-string value, is 400/12", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "bad-items" });
    for (
      const bad of [{ key: "a", type: "str" }, { type: "str", value: "1" }, {
        key: "a",
        type: "str",
        value: 1,
      }, "x"]
    ) {
      assertError(
        await t.call("/models.add_or_update_metadata", { body: { model, metadata: [bad] } }),
        400,
        12,
      );
    }
  });

  it("§5.4 an unknown model, or another company's, is 400/201 'Invalid model id: company=…, id=…'", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "alices" });
    assertError(
      await t.call("/models.add_or_update_metadata", {
        body: { model: "nope", metadata: [item("a", "1")] },
      }),
      400,
      201,
      `Invalid model id: company=${ALICE.companyId}, id=nope`,
    );
    assertError(
      await t.call("/models.add_or_update_metadata", {
        basic: BOB,
        body: { model, metadata: [item("a", "1")] },
      }),
      400,
      201,
    );
  });
});

describe("ClearML server §5.4 models.delete_metadata", () => {
  it("§5.4 removes keys and replies {updated: 1}, even when a key is absent", async () => {
    const t = testServer();
    const model = await createModel(t, {
      name: "delete",
      metadata: { a: item("a", "1"), b: item("b", "2") },
    });
    assert.deepEqual(await t.ok("/models.delete_metadata", { model, keys: ["a", "missing"] }), {
      updated: 1,
    });
    assert.deepEqual(await metadataOf(t, model), { b: item("b", "2") });
    assert.deepEqual(await t.ok("/models.delete_metadata", { model, keys: ["missing"] }), {
      updated: 1,
    });
  });

  it("§5.4 keys must be a non-empty list (400/12); an unknown model is 400/201", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "delete-errors" });
    assertError(await t.call("/models.delete_metadata", { body: { model, keys: [] } }), 400, 12);
    assertError(await t.call("/models.delete_metadata", { body: { model } }), 400, 12);
    assertError(
      await t.call("/models.delete_metadata", { body: { model: "nope", keys: ["a"] } }),
      400,
      201,
    );
  });

  it("§1/§5.4 both metadata endpoints need API 2.13 (404 below)", async () => {
    const t = testServer();
    const model = await createModel(t, { name: "versions" });
    assertError(
      await t.call("/v2.12/models.delete_metadata", { body: { model, keys: ["a"] } }),
      404,
      0,
    );
    assert.equal(
      (await t.call("/v2.13/models.delete_metadata", { body: { model, keys: ["a"] } })).status,
      200,
    );
  });
});
