/**
 * The ClearML-compatible server against reference/clearml-api.md §4 (projects.get_all,
 * projects.get_by_id, projects.delete).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertError,
  BOB,
  createModel,
  createProject,
  testServer,
} from "./clearml_server_helpers.ts";

describe("ClearML server §4 projects.get_all", () => {
  it("§4 name, basename and description are unanchored, case-sensitive regexes", async () => {
    const t = testServer();
    await createProject(t, "Alpha/beta-one", { description: "first Thing" });
    await createProject(t, "gamma", { description: "second" });
    const names = async (body: Record<string, unknown>) =>
      ((await t.ok("/projects.get_all", { ...body, only_fields: ["name"], order_by: ["name"] }))
        .projects as { name: string }[])
        .map((p) => p.name);
    assert.deepEqual(await names({ name: "eta" }), ["Alpha/beta-one"]);
    assert.deepEqual(await names({ name: "alpha" }), []);
    assert.deepEqual(await names({ name: "^Alpha$" }), ["Alpha"]);
    assert.deepEqual(await names({ name: "^Alpha/beta\\-one$" }), ["Alpha/beta-one"]);
    assert.deepEqual(await names({ basename: "^beta" }), ["Alpha/beta-one"]);
    assert.deepEqual(await names({ description: "Thing" }), ["Alpha/beta-one"]);
    assert.deepEqual(await names({ name: "" }), ["Alpha", "Alpha/beta-one", "gamma"]);
  });

  it("§4 an invalid regex is 400/21", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.get_all", { body: { name: "(" } }),
      400,
      21,
      /^Malformed regular expression: err=/,
    );
  });

  it("§4 hidden projects are excluded unless search_hidden or id is given", async () => {
    const t = testServer();
    const hidden = await createProject(t, "hidden-one", { system_tags: ["hidden"] });
    await createProject(t, "shown");
    const count = async (body: Record<string, unknown>) =>
      ((await t.ok("/projects.get_all", body)).projects as unknown[]).length;
    assert.equal(await count({}), 1);
    assert.equal(await count({ search_hidden: true }), 2);
    assert.equal(await count({ id: [hidden] }), 1);
  });

  it("§4 only_fields does not add id; paging applies; id filters by list", async () => {
    const t = testServer();
    const ids = [];
    for (const name of ["p-1", "p-2", "p-3"]) ids.push(await createProject(t, name));
    const page = await t.ok("/projects.get_all", { only_fields: ["name"], page: 1, page_size: 2 });
    assert.deepEqual(page.projects, [{ name: "p-3" }]);
    const byId = await t.ok("/projects.get_all", { id: [ids[0], ids[2]], only_fields: ["id"] });
    assert.deepEqual(byId.projects, [{ id: ids[0] }, { id: ids[2] }]);
    assertError(await t.call("/projects.get_all", { body: { page: -1 } }), 400, 12);
  });

  it("§4 parent means 'below' (any depth); shallow_search alone means top level", async () => {
    const t = testServer();
    await createProject(t, "top/mid/leaf");
    await createProject(t, "other");
    const all = (await t.ok("/projects.get_all", { only_fields: ["id", "name"] })).projects as {
      id: string;
      name: string;
    }[];
    const top = all.find((p) => p.name === "top")?.id;
    const names = async (body: Record<string, unknown>) =>
      ((await t.ok("/projects.get_all", { ...body, only_fields: ["name"], order_by: "name" }))
        .projects as { name: string }[])
        .map((p) => p.name);
    assert.deepEqual(await names({ parent: [top] }), ["top/mid", "top/mid/leaf"]);
    assert.deepEqual(await names({ parent: [top], shallow_search: true }), ["top/mid"]);
    assert.deepEqual(await names({ shallow_search: true }), ["other", "top"]);
  });

  it("§4/§6 projects are scoped by company", async () => {
    const t = testServer();
    await createProject(t, "alice-only");
    assert.deepEqual((await t.ok("/projects.get_all", undefined, { basic: BOB })).projects, []);
  });
});

describe("ClearML server §4 projects.get_by_id", () => {
  it("§4 an unknown id, or another company's, is 400/401 'Invalid project id: id=<pid>'", async () => {
    const t = testServer();
    const id = await createProject(t, "mine");
    assertError(
      await t.call("/projects.get_by_id", { body: { project: "nope" } }),
      400,
      401,
      "Invalid project id: id=nope",
    );
    assertError(
      await t.call("/projects.get_by_id", { basic: BOB, body: { project: id } }),
      400,
      401,
      `Invalid project id: id=${id}`,
    );
  });

  it("§4 a missing project field is 400/12", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.get_by_id", { body: {} }),
      400,
      12,
      "Validation error (error for field 'project'. field is required!)",
    );
  });
});

describe("ClearML server §4 projects.delete", () => {
  it("§4 deletes the project and its sub-projects; the reply has the documented keys", async () => {
    const t = testServer();
    const id = await createProject(t, "root/child/grandchild");
    const root =
      ((await t.ok("/projects.get_all", { name: "^root$", only_fields: ["id"] })).projects as {
        id: string;
      }[])[0]?.id;
    const data = await t.ok("/projects.delete", { project: root });
    assert.deepEqual(data, {
      deleted: 3,
      disassociated_tasks: 0,
      deleted_models: 0,
      deleted_tasks: 0,
      urls: null,
    });
    assertError(await t.call("/projects.get_by_id", { body: { project: id } }), 400, 401);
  });

  it("§4 an unknown project is 400/401", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.delete", { body: { project: "nope" } }),
      400,
      401,
      "Invalid project id: id=nope",
    );
  });

  it("§4 non-archived models block it without force (400/405), also in sub-projects", async () => {
    const t = testServer();
    const parent = await createProject(t, "holder");
    const child = await createProject(t, "holder/child");
    await createModel(t, { name: "blocking", project: child });
    assertError(
      await t.call("/projects.delete", { body: { project: parent } }),
      400,
      405,
      `Project has associated models (use force=true to delete): id=${parent}`,
    );
  });

  it("§4 archived models do not block; they are detached (moved to the root)", async () => {
    const t = testServer();
    const project = await createProject(t, "archive-me");
    const model = await createModel(t, { name: "old", project, system_tags: ["archived"] });
    const data = await t.ok("/projects.delete", { project });
    assert.equal(data.deleted, 1);
    const stored = (await t.ok("/models.get_by_id", { model })).model as Record<string, unknown>;
    assert.equal(stored.project, undefined);
  });

  it("§4 force detaches the models", async () => {
    const t = testServer();
    const project = await createProject(t, "forced");
    const model = await createModel(t, { name: "kept", project });
    const data = await t.ok("/projects.delete", { project, force: true });
    assert.deepEqual(data, {
      deleted: 1,
      disassociated_tasks: 0,
      deleted_models: 0,
      deleted_tasks: 0,
      urls: null,
    });
    const stored = (await t.ok("/models.get_by_id", { model })).model as Record<string, unknown>;
    assert.equal(stored.project, undefined);
  });

  it("§4 delete_contents deletes the models and lists their urls", async () => {
    const t = testServer();
    const project = await createProject(t, "contents");
    const model = await createModel(t, { name: "gone", project, uri: "s3://b/gone/" });
    const data = await t.ok("/projects.delete", { project, force: true, delete_contents: true });
    assert.deepEqual(data, {
      deleted: 1,
      disassociated_tasks: 0,
      deleted_models: 1,
      deleted_tasks: 0,
      urls: { model_urls: ["s3://b/gone/"], event_urls: [], artifact_urls: [] },
    });
    assertError(await t.call("/models.get_by_id", { body: { model } }), 400, 201);
  });
});
