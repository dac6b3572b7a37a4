/**
 * The ClearML-compatible server against reference/clearml-api.md §4 (projects.create).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALICE, assertError, BOB, createProject, testServer } from "./clearml_server_helpers.ts";

const HEX32 = /^[0-9a-f]{32}$/;

describe("ClearML server §4 projects.create", () => {
  it("§4 create returns {id} (32 hex) and the project object has the documented fields", async () => {
    const t = testServer();
    const data = await t.ok("/projects.create", { name: "project_alice", description: "mine" });
    assert.deepEqual(Object.keys(data), ["id"]);
    assert.match(String(data.id), HEX32);
    const project = (await t.ok("/projects.get_by_id", { project: data.id })).project;
    assert.deepEqual(project, {
      id: data.id,
      name: "project_alice",
      basename: "project_alice",
      description: "mine",
      user: ALICE.userId,
      company: ALICE.companyId,
      created: "2025-01-02T03:04:05.678000+00:00",
      tags: [],
      system_tags: [],
      last_update: "2025-01-02T03:04:05.678000+00:00",
      featured: 9999,
    });
  });

  it("§4 description defaults to '', tags are stored sorted, default_output_destination is kept", async () => {
    const t = testServer();
    const id = await createProject(t, "tagged", {
      tags: ["b", "a"],
      system_tags: ["z", "y"],
      default_output_destination: "s3://out",
      unknown_key: 1,
    });
    const project = (await t.ok("/projects.get_by_id", { project: id })).project as Record<
      string,
      unknown
    >;
    assert.equal(project.description, "");
    assert.deepEqual(project.tags, ["a", "b"]);
    assert.deepEqual(project.system_tags, ["y", "z"]);
    assert.equal(project.default_output_destination, "s3://out");
  });

  it("§4 a missing name is 400/11 'Missing required fields: missing=(name)'", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.create", { body: { description: "x" } }),
      400,
      11,
      "Missing required fields: missing=(name)",
    );
  });

  it("§4 the name is split on '/', empty parts dropped, parts stripped; parents are auto-created", async () => {
    const t = testServer();
    const id = await createProject(t, "/abc//def/ ghi /");
    const projects = (await t.ok("/projects.get_all", {
      only_fields: ["id", "name", "basename", "parent", "description"],
    }))
      .projects as Record<string, unknown>[];
    assert.equal(projects.length, 3);
    const [abc, def, ghi] = ["abc", "abc/def", "abc/def/ghi"].map((name) =>
      projects.find((p) => p.name === name)
    );
    assert.ok(abc && def && ghi);
    assert.equal(ghi.id, id);
    assert.equal(ghi.basename, "ghi");
    assert.equal(ghi.parent, def.id);
    assert.equal(def.parent, abc.id);
    assert.equal(abc.parent, undefined, "root projects have no parent");
    assert.equal(def.description, "");
  });

  it("§4 an existing parent is reused", async () => {
    const t = testServer();
    const parent = await createProject(t, "parent");
    const child = await createProject(t, "parent/child");
    const project = (await t.ok("/projects.get_by_id", { project: child })).project as Record<
      string,
      unknown
    >;
    assert.equal(project.parent, parent);
    assert.equal(((await t.ok("/projects.get_all")).projects as unknown[]).length, 2);
  });

  it("§4 a name that is empty after stripping '/' is 400/407", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.create", { body: { name: "///" } }),
      400,
      407,
      "Invalid project name: name=///",
    );
    assertError(await t.call("/projects.create", { body: { name: "" } }), 400, 407);
  });

  it("§4 more than 10 levels is 400/409; 10 levels is fine", async () => {
    const t = testServer();
    const levels = (n: number) => Array.from({ length: n }, (_, i) => `lvl${i}`).join("/");
    assertError(
      await t.call("/projects.create", { body: { name: levels(11) } }),
      400,
      409,
      "Project path exceed the maximum allowed depth: max_depth=10",
    );
    await createProject(t, levels(10));
  });

  it("§4 a basename shorter than 3 characters is 400/12 'Project name cannot be blank'", async () => {
    const t = testServer();
    for (const name of ["ab", "abc/de", "  x  "]) {
      assertError(
        await t.call("/projects.create", { body: { name } }),
        400,
        12,
        "Validation error (Project name cannot be blank)",
      );
    }
    assert.deepEqual((await t.ok("/projects.get_all")).projects, [], "nothing half-created");
  });

  it("§4 a duplicate full name in the company is 400/801", async () => {
    const t = testServer();
    await createProject(t, "dup/name");
    assertError(
      await t.call("/projects.create", { body: { name: " dup / name " } }),
      400,
      801,
      `Project with the same name already exists: name=dup/name, company=${ALICE.companyId}`,
    );
    const other = await t.call("/projects.create", { basic: BOB, body: { name: "dup/name" } });
    assert.equal(other.status, 200, "unique per company only");
  });

  it("§4 tags starting with __$ are 400/16", async () => {
    const t = testServer();
    assertError(
      await t.call("/projects.create", { body: { name: "tagz", tags: ["__$all"] } }),
      400,
      16,
    );
  });
});
