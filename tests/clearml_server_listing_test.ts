/**
 * The ClearML-compatible server against reference/clearml-api.md §5.3 (models.get_all:
 * only_fields, order_by, paging, scroll).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertError,
  BOB,
  createModel,
  createProject,
  START,
  type TestServer,
  testServer,
} from "./clearml_server_helpers.ts";

type Row = Record<string, unknown>;

async function names(t: TestServer, body: Row): Promise<string[]> {
  const data = await t.ok("/models.get_all", { only_fields: ["name"], ...body });
  return (data.models as Row[]).map((model) => String(model.name));
}

describe("ClearML server §5.3 projection, ordering and paging", () => {
  it("§5.3 only_fields does not add id; dotted paths and '-field' exclusions work", async () => {
    const t = testServer();
    await createModel(t, {
      name: "one",
      metadata: {
        acc: { key: "acc", type: "float", value: "1" },
        f1: { key: "f1", type: "int", value: "2" },
      },
    });
    const data = await t.ok("/models.get_all", { only_fields: ["name", "metadata.acc"] });
    assert.deepEqual(data.models, [{
      name: "one",
      metadata: { acc: { key: "acc", type: "float", value: "1" } },
    }]);
    const excluded =
      ((await t.ok("/models.get_all", { only_fields: ["-metadata", "-design"] })).models as Row[])[
        0
      ] ?? {};
    assert.equal("metadata" in excluded, false);
    assert.equal("design" in excluded, false);
    assert.equal(excluded.name, "one");
  });

  it("§5.3 an unknown field in only_fields or order_by is 400/14", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.get_all", { body: { only_fields: ["bogus"] } }),
      400,
      14,
      'Lookup error (probably an invalid field name or unsupported nested field): err=Cannot resolve field "bogus"',
    );
    assertError(await t.call("/models.get_all", { body: { order_by: ["-bogus"] } }), 400, 14);
  });

  it("§5.3 order_by sorts ('-' descending), accepts a string, and breaks ties by id", async () => {
    const t = testServer();
    const ids: string[] = [];
    for (const [i, name] of ["b", "a", "c"].entries()) {
      t.clock.now = START + i * 1000;
      ids.push(await createModel(t, { name: `m-${name}`, framework: "same" }));
    }
    assert.deepEqual(await names(t, { order_by: ["name"] }), ["m-a", "m-b", "m-c"]);
    assert.deepEqual(await names(t, { order_by: "-created" }), ["m-c", "m-a", "m-b"]);
    const byId = [...ids].sort();
    const tied = await t.ok("/models.get_all", { order_by: ["framework"], only_fields: ["id"] });
    assert.deepEqual((tied.models as Row[]).map((m) => m.id), byId);
  });

  it("§5.3 nulls sort last for the first ascending field (and first when descending)", async () => {
    const t = testServer();
    await createModel(t, { name: "no-comment" });
    await createModel(t, { name: "comment-b", comment: "b" });
    await createModel(t, { name: "empty-comment", comment: "" });
    await createModel(t, { name: "comment-a", comment: "a" });
    const ascending = await names(t, { order_by: ["comment"] });
    assert.deepEqual(ascending.slice(0, 2), ["comment-a", "comment-b"]);
    assert.deepEqual(new Set(ascending.slice(2)), new Set(["no-comment", "empty-comment"]));
    const descending = await names(t, { order_by: ["-comment"] });
    assert.deepEqual(descending.slice(0, 2), ["comment-b", "comment-a"]);
  });

  it("§5.3 metadata values sort with numeric collation", async () => {
    const t = testServer();
    for (const value of ["10", "9", "100"]) {
      await createModel(t, {
        name: `val${value}`,
        metadata: { n: { key: "n", type: "int", value } },
      });
    }
    assert.deepEqual(await names(t, { order_by: ["metadata.n.value"] }), [
      "val9",
      "val10",
      "val100",
    ]);
  });

  it("§5.3 page/page_size page through the results; bad values are 400/12", async () => {
    const t = testServer();
    for (const name of ["m-1", "m-2", "m-3"]) await createModel(t, { name });
    assert.deepEqual(await names(t, { page: 0, page_size: 2 }), ["m-1", "m-2"]);
    assert.deepEqual(await names(t, { page: 1, page_size: 2 }), ["m-3"]);
    assert.deepEqual(await names(t, { page: 2, page_size: 2 }), []);
    assertError(
      await t.call("/models.get_all", { body: { page: -1 } }),
      400,
      12,
      "Validation error (page must be >=0): field=page",
    );
    assertError(
      await t.call("/models.get_all", { body: { page_size: 0 } }),
      400,
      12,
      "Validation error (page_size must be >0): field=page_size",
    );
  });

  it("§5.3 page_size defaults to 500 and larger values are clamped to 500", async () => {
    const t = testServer();
    const project = await createProject(t, "many");
    for (let i = 0; i < 501; i++) await createModel(t, { name: `model-${i}`, project });
    assert.equal((await names(t, {})).length, 500);
    assert.equal((await names(t, { page_size: 1000 })).length, 500);
    assert.deepEqual(await names(t, { page: 1 }), ["model-500"]);
  });

  it("§5.3 scroll_id with size returns batches and a scroll_id; an empty list ends it", async () => {
    const t = testServer();
    for (const name of ["s-1", "s-2", "s-3"]) await createModel(t, { name });
    const first = await t.ok("/models.get_all", {
      scroll_id: null,
      size: 2,
      only_fields: ["name"],
    });
    assert.deepEqual(first.models, [{ name: "s-1" }, { name: "s-2" }]);
    assert.match(String(first.scroll_id), /^[0-9a-f]{32}$/);
    const second = await t.ok("/models.get_all", {
      scroll_id: first.scroll_id,
      size: 2,
      only_fields: ["name"],
    });
    assert.deepEqual(second.models, [{ name: "s-3" }]);
    assert.equal(second.scroll_id, first.scroll_id);
    const end = await t.ok("/models.get_all", { scroll_id: first.scroll_id, size: 2 });
    assert.deepEqual(end.models, []);
    const refreshed = await t.ok("/models.get_all", {
      scroll_id: first.scroll_id,
      size: 1,
      refresh_scroll: true,
      only_fields: ["name"],
    });
    assert.equal((refreshed.models as Row[]).length, 3);
  });

  it("§5.3 scrolling without a valid size is 400/12; an unknown scroll id starts over", async () => {
    const t = testServer();
    await createModel(t, { name: "only" });
    assertError(
      await t.call("/models.get_all", { body: { scroll_id: "" } }),
      400,
      12,
      /Integer size parameter/,
    );
    const fresh = await t.ok("/models.get_all", { scroll_id: "unknown", size: 5 });
    assert.equal((fresh.models as Row[]).length, 1);
    assert.notEqual(fresh.scroll_id, "unknown");
  });

  it("§5.3 the reply has no total count; public models are included", async () => {
    const t = testServer();
    await createModel(t, { name: "public-one", public: true }, { basic: BOB });
    const data = await t.ok("/models.get_all");
    assert.deepEqual(Object.keys(data), ["models"]);
    assert.equal((data.models as Row[]).length, 1);
  });
});
