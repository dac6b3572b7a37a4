/**
 * The ClearML-compatible server against reference/clearml-api.md §5.6 to §5.9 (models.edit,
 * models.update, models.delete, models.set_ready).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALICE,
  assertError,
  BOB,
  createModel,
  createProject,
  START,
  testServer,
} from "./clearml_server_helpers.ts";

const STAMP = "2025-01-02T03:04:05.678000+00:00";

async function getModel(t: ReturnType<typeof testServer>, model: string) {
  return (await t.ok("/models.get_by_id", { model })).model as Record<string, unknown>;
}

describe("ClearML server §5.6 models.edit", () => {
  it("§5.6 edits fields and replies {updated: 1, fields} with last_change/last_changed_by/last_update", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "editable" });
    t.clock.now = START + 1000;
    const data = await t.ok("/models.edit", { model: id, uri: "s3://bucket/new", comment: null });
    assert.deepEqual(data, {
      updated: 1,
      fields: {
        uri: "s3://bucket/new",
        ui_cache: {},
        last_change: "2025-01-02T03:04:06.678000+00:00",
        last_changed_by: ALICE.userId,
        last_update: "2025-01-02T03:04:06.678000+00:00",
      },
    });
    const model = await getModel(t, id);
    assert.equal(model.uri, "s3://bucket/new");
    assert.equal(model.last_update, "2025-01-02T03:04:06.678000+00:00");
  });

  it("§5.6 null values are ignored; a name-only change does not bump last_update", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "before", comment: "keep" });
    t.clock.now = START + 1000;
    const data = await t.ok("/models.edit", {
      model: id,
      name: "after",
      comment: null,
      tags: null,
    });
    assert.deepEqual(Object.keys(data.fields as object), [
      "name",
      "last_change",
      "last_changed_by",
    ]);
    const model = await getModel(t, id);
    assert.equal(model.name, "after");
    assert.equal(model.comment, "keep");
    assert.equal(model.last_update, STAMP);
  });

  it("§5.6 ready can be set back to false; design, labels and metadata are replaced whole", async () => {
    const t = testServer();
    const id = await createModel(t, {
      name: "replace",
      design: { a: 1 },
      labels: { x: 1 },
      metadata: { k1: { key: "k1", type: "str", value: "1" } },
    });
    await t.ok("/models.edit", {
      model: id,
      ready: false,
      design: { b: 2 },
      labels: { y: 2 },
      metadata: { k2: { key: "k2", type: "int", value: "2" } },
    });
    const model = await getModel(t, id);
    assert.equal(model.ready, false);
    assert.deepEqual(model.design, { b: 2 });
    assert.deepEqual(model.labels, { y: 2 });
    assert.deepEqual(model.metadata, { k2: { key: "k2", type: "int", value: "2" } });
  });

  it("§5.6 project, parent and task must exist (400/16 'expecting <Entity> id')", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "refs" });
    assertError(
      await t.call("/models.edit", { body: { model: id, project: "nope" } }),
      400,
      16,
      "Invalid value for fields (expecting Project id): id=nope, field=project",
    );
    assertError(
      await t.call("/models.edit", { body: { model: id, parent: "nope" } }),
      400,
      16,
      /expecting Model id/,
    );
    assertError(
      await t.call("/models.edit", { body: { model: id, task: "nope" } }),
      400,
      16,
      /expecting Task id/,
    );
    const project = await createProject(t, "real");
    await t.ok("/models.edit", { model: id, project });
    assert.equal((await getModel(t, id)).project, project);
  });

  it("§5.6 an unknown model, or another company's, is 400/201 'Invalid model id: company=…, id=…'", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "alices" });
    assertError(
      await t.call("/models.edit", { basic: BOB, body: { model: id, comment: "x" } }),
      400,
      201,
      `Invalid model id: company=${BOB.companyId}, id=${id}`,
    );
  });

  it("§5.6 a short name is 400/800; no editable field gives {updated: 0, fields: {}}", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "valid" });
    assertError(await t.call("/models.edit", { body: { model: id, name: "x" } }), 400, 800);
    assert.deepEqual(await t.ok("/models.edit", { model: id, unknown: 1 }), {
      updated: 0,
      fields: {},
    });
  });

  it("§5.4/§5.6 list-form metadata on edit fails as the server does (500)", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "listmeta" });
    assertError(
      await t.call("/models.edit", {
        body: { model: id, metadata: [{ key: "a", type: "str", value: "1" }] },
      }),
      500,
      0,
      "'list' object has no attribute 'items'",
    );
  });
});

describe("ClearML server §5.7 models.update", () => {
  it("§5.7 applies only the whitelist; ready, framework, design, labels and parent are ignored", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "upd", ready: false });
    assert.deepEqual(
      await t.ok("/models.update", {
        model: id,
        ready: true,
        framework: "x",
        design: { a: 1 },
        labels: { a: 1 },
      }),
      { updated: 0, fields: {} },
    );
    const model = await getModel(t, id);
    assert.equal(model.ready, false);
    assert.equal(model.framework, undefined);
  });

  it("§5.7 name/comment/tags/uri/metadata are applied and echoed with last_change/last_changed_by", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "upd" });
    t.clock.now = START + 2000;
    const data = await t.ok("/models.update", {
      model: id,
      name: "renamed",
      comment: "c",
      tags: ["b", "a"],
      uri: "s3://x",
      metadata: { k: { key: "k", type: "str", value: "v" } },
    });
    assert.deepEqual(data, {
      updated: 1,
      fields: {
        name: "renamed",
        comment: "c",
        tags: ["a", "b"],
        uri: "s3://x",
        ui_cache: {},
        metadata: { k: { key: "k", type: "str", value: "v" } },
        last_change: "2025-01-02T03:04:07.678000+00:00",
        last_changed_by: ALICE.userId,
      },
    });
    const model = await getModel(t, id);
    assert.equal(model.last_update, "2025-01-02T03:04:07.678000+00:00");
    assert.deepEqual(model.tags, ["a", "b"]);
  });

  it("§5.7 project is not existence-checked, and null clears it", async () => {
    const t = testServer();
    const project = await createProject(t, "proj");
    const id = await createModel(t, { name: "moving", project });
    await t.ok("/models.update", { model: id, project: "not-checked" });
    assert.equal((await getModel(t, id)).project, "not-checked");
    const data = await t.ok("/models.update", { model: id, project: null });
    assert.equal((data.fields as Record<string, unknown>).project, null);
    assert.equal("project" in (await getModel(t, id)), false);
  });

  it("§5.7 an unknown model is 400/201", async () => {
    const t = testServer();
    assertError(await t.call("/models.update", { body: { model: "nope", name: "abc" } }), 400, 201);
  });
});

describe("ClearML server §5.8 models.delete", () => {
  it("§5.8 replies {deleted: true, url}; the model is then gone (400/201)", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "doomed", uri: "s3://bucket/doomed/" });
    assert.deepEqual(await t.ok("/models.delete", { model: id }), {
      deleted: true,
      url: "s3://bucket/doomed/",
    });
    assertError(await t.call("/models.get_by_id", { body: { model: id } }), 400, 201);
  });

  it("§5.8 an unknown model, or another company's, is 400/201", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "alices" });
    assertError(await t.call("/models.delete", { body: { model: "nope" } }), 400, 201);
    assertError(await t.call("/models.delete", { basic: BOB, body: { model: id } }), 400, 201);
    assert.equal((await getModel(t, id)).name, "alices");
  });
});

describe("ClearML server §5.9 models.set_ready", () => {
  it("§5.9 publishes a draft ({updated: 1}), bumping last_update", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "draft", ready: false });
    t.clock.now = START + 3000;
    assert.deepEqual(await t.ok("/models.set_ready", { model: id }), { updated: 1 });
    const model = await getModel(t, id);
    assert.equal(model.ready, true);
    assert.equal(model.last_update, "2025-01-02T03:04:08.678000+00:00");
  });

  it("§5.9 an already-ready model is 400/203 'Model is ready: company=…, model=…'", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "ready" });
    assertError(
      await t.call("/models.set_ready", { body: { model: id } }),
      400,
      203,
      `Model is ready: company=${ALICE.companyId}, model=${id}`,
    );
  });

  it("§5.9 an unknown model is 400/201; there is no models.publish (404)", async () => {
    const t = testServer();
    assertError(await t.call("/models.set_ready", { body: { model: "nope" } }), 400, 201);
    assertError(await t.call("/models.publish", { body: { model: "nope" } }), 404, 0);
  });
});
