/**
 * The ClearML-compatible server against reference/clearml-api.md §5.1, §5.2, §5.5 and §6
 * (the model object, models.create, models.get_by_id; identity and company scoping).
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

const HEX32 = /^[0-9a-f]{32}$/;
const STAMP = "2025-01-02T03:04:05.678000+00:00";

async function getModel(t: ReturnType<typeof testServer>, model: string) {
  return (await t.ok("/models.get_by_id", { model })).model as Record<string, unknown>;
}

describe("ClearML server §5.1/§5.2 models.create and the model object", () => {
  it("§5.2 create replies {id, created: true} with a 32-hex id", async () => {
    const t = testServer();
    const data = await t.ok("/models.create", { name: "resnet50", uri: "s3://bucket/resnet50.pt" });
    assert.deepEqual(Object.keys(data), ["id", "created"]);
    assert.match(String(data.id), HEX32);
    assert.equal(data.created, true);
  });

  it("§5.1 the returned model has the documented fields; unset strings are omitted", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "resnet50", uri: " s3://bucket/resnet50.pt " });
    assert.deepEqual(await getModel(t, id), {
      id,
      name: "resnet50",
      user: ALICE.userId,
      company: ALICE.companyId,
      created: STAMP,
      tags: [],
      system_tags: [],
      uri: "s3://bucket/resnet50.pt",
      design: {},
      labels: {},
      ready: true,
      metadata: {},
      last_update: STAMP,
      last_change: STAMP,
      last_changed_by: ALICE.userId,
      last_iteration: 0,
      last_metrics: {},
    });
  });

  it("§5.1 optional fields are returned when set; tags are sorted; ui_cache is never returned", async () => {
    const t = testServer();
    const project = await createProject(t, "proj");
    const parent = await createModel(t, { name: "parent" });
    const id = await createModel(t, {
      name: "child",
      project,
      parent,
      comment: "c",
      framework: "PyTorch",
      tags: ["prod", "beta", "prod"],
      system_tags: ["z", "a"],
      design: { layers: 3 },
      labels: { cat: 1, dog: 2 },
      ui_cache: { hidden: true },
      ready: false,
    });
    const model = await getModel(t, id);
    assert.equal(model.project, project);
    assert.equal(model.parent, parent);
    assert.equal(model.comment, "c");
    assert.equal(model.framework, "PyTorch");
    assert.deepEqual(model.tags, ["beta", "prod", "prod"]);
    assert.deepEqual(model.system_tags, ["a", "z"]);
    assert.deepEqual(model.design, { layers: 3 });
    assert.deepEqual(model.labels, { cat: 1, dog: 2 });
    assert.equal(model.ready, false);
    assert.equal("ui_cache" in model, false);
  });

  it("§5.1 datetimes have millisecond precision and drop a zero fraction", async () => {
    const t = testServer();
    t.clock.now = Date.UTC(2025, 0, 2, 3, 4, 5) + 0.9;
    const id = await createModel(t, { name: "whole-second" });
    assert.equal((await getModel(t, id)).created, "2025-01-02T03:04:05+00:00");
    t.clock.now = START + 0.7;
    const other = await createModel(t, { name: "fraction" });
    assert.equal((await getModel(t, other)).created, STAMP);
  });

  it("§5.2 ready defaults to true (the code default, not the schema text)", async () => {
    const t = testServer();
    assert.equal((await getModel(t, await createModel(t, { name: "default" }))).ready, true);
    assert.equal(
      (await getModel(t, await createModel(t, { name: "draft", ready: false }))).ready,
      false,
    );
  });

  it("§5.2 name and uri are required (400/12), name reported first; uri '' is accepted", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: {} }),
      400,
      12,
      "Validation error (error for field 'name'. field is required!)",
    );
    assertError(
      await t.call("/models.create", { body: { name: "abc" } }),
      400,
      12,
      "Validation error (error for field 'uri'. field is required!)",
    );
    assertError(await t.call("/models.create", { body: { name: "abc", uri: null } }), 400, 12);
    await createModel(t, { name: "empty-uri", uri: "" });
  });

  it("§5.2 a name shorter than 3 after stripping is 400/800; the stored name is stripped", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: { name: " ab ", uri: "" } }),
      400,
      800,
      "Data validation error: name=String value is too short",
    );
    assert.equal((await getModel(t, await createModel(t, { name: "  abc  " }))).name, "abc");
  });

  it("§5.2 a wrong type is 400/12", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: { name: 5, uri: "" } }),
      400,
      12,
      /expected type "str"/,
    );
    assertError(
      await t.call("/models.create", { body: { name: "abc", uri: "", tags: "x" } }),
      400,
      12,
    );
    assertError(
      await t.call("/models.create", { body: { name: "abc", uri: "", tags: [1] } }),
      400,
      12,
    );
  });

  it("§5.2 an unknown project, or another company's, is 400/12 'Invalid project ids'", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: { name: "abc", uri: "", project: "nope" } }),
      400,
      12,
      "Validation error (Invalid project ids): project=nope",
    );
    const bobs = await createProject(t, "bobs", {});
    assertError(
      await t.call("/models.create", { basic: BOB, body: { name: "abc", uri: "", project: bobs } }),
      400,
      12,
    );
  });

  it("§5.2 an unknown task is 400/101", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: { name: "abc", uri: "", task: "t1" } }),
      400,
      101,
    );
  });

  it("§5.2 tags starting with __$ are 400/16", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.create", { body: { name: "abc", uri: "", tags: ["__$not"] } }),
      400,
      16,
      "Invalid value for fields (unsupported tag prefix): values=(__$not)",
    );
  });

  it("§5.2/§6 model names are not unique; unknown keys are ignored", async () => {
    const t = testServer();
    const first = await createModel(t, { name: "same", whatever: { nested: 1 } });
    const second = await createModel(t, { name: "same" });
    assert.notEqual(first, second);
    const all = await t.ok("/models.get_all", { name: "^same$", only_fields: ["id"] });
    assert.equal((all.models as unknown[]).length, 2);
    assert.equal("whatever" in (await getModel(t, first)), false);
  });

  it("§5.2 public: true creates a public model (company ''), visible to other companies", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "shared", public: true });
    const seen = (await t.ok("/models.get_by_id", { model: id }, { basic: BOB })).model as Record<
      string,
      unknown
    >;
    assert.equal(seen.company, "");
    assertError(
      await t.call("/models.edit", { basic: BOB, body: { model: id, comment: "x" } }),
      400,
      201,
    );
  });
});

describe("ClearML server §5.5 models.get_by_id", () => {
  it("§5.5 ignores only_fields and returns the full model", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "full" });
    const model = (await t.ok("/models.get_by_id", { model: id, only_fields: ["name"] }))
      .model as Record<string, unknown>;
    assert.equal(model.id, id);
    assert.equal(model.uri, "s3://bucket/m");
  });

  it("§5.5 not found (or another company's) is 400/201 with the 'no such public or company model' text", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "private" });
    assertError(
      await t.call("/models.get_by_id", { basic: BOB, body: { model: id } }),
      400,
      201,
      `Invalid model id (no such public or company model): id=${id}, company=${BOB.companyId}`,
    );
  });

  it("§5.5 a missing model field is 400/12", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.get_by_id", { body: {} }),
      400,
      12,
      "Validation error (error for field 'model'. field is required!)",
    );
  });
});

describe("ClearML server §6 identity and scoping", () => {
  it("§6 another company does not see, get, edit or delete the first company's models", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "secret-model" });
    assert.deepEqual((await t.ok("/models.get_all", {}, { basic: BOB })).models, []);
    assertError(await t.call("/models.get_by_id", { basic: BOB, body: { model: id } }), 400, 201);
    assertError(
      await t.call("/models.update", { basic: BOB, body: { model: id, name: "abc" } }),
      400,
      201,
    );
    assertError(await t.call("/models.set_ready", { basic: BOB, body: { model: id } }), 400, 201);
    assert.equal(((await t.ok("/models.get_all")).models as unknown[]).length, 1);
  });

  it("§6 any string is accepted as an id and simply not found", async () => {
    const t = testServer();
    assertError(await t.call("/models.get_by_id", { body: { model: "not/a hex id!" } }), 400, 201);
  });

  it("§6 reset() forgets models and projects but keeps users", async () => {
    const t = testServer();
    await createModel(t, { name: "transient" });
    t.server.reset();
    assert.deepEqual((await t.ok("/models.get_all")).models, []);
  });

  it("§6 addUser() registers a user of a new company", async () => {
    const t = testServer();
    t.server.addUser({
      userId: "u3",
      userName: "carol",
      companyId: "c3",
      accessKey: "K3",
      secretKey: "S3",
    });
    const reply = await t.call("/models.get_all", {
      basic: { userId: "u3", userName: "carol", companyId: "c3", accessKey: "K3", secretKey: "S3" },
    });
    assert.equal(reply.status, 200);
  });
});
