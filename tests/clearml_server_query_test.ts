/**
 * The ClearML-compatible server against reference/clearml-api.md §5.3 (models.get_all filters:
 * the regex name filter, list filters, ready, metadata, ranges).
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assertError,
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

/** The SDK's exact-match pattern: every non-alphanumeric character backslash-escaped. */
function exact(name: string): string {
  return `^${name.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`)}$`;
}

describe("ClearML server §5.3 name regex", () => {
  it("§5.3 name is an unanchored, case-sensitive regex", async () => {
    const t = testServer();
    for (const name of ["resnet50", "ResNet101", "bert-base"]) await createModel(t, { name });
    assert.deepEqual(await names(t, { name: "e" }), ["resnet50", "ResNet101", "bert-base"]);
    assert.deepEqual(await names(t, { name: "net" }), ["resnet50"]);
    assert.deepEqual(await names(t, { name: "Net" }), ["ResNet101"]);
    assert.deepEqual(await names(t, { name: "^res" }), ["resnet50"]);
    assert.deepEqual(await names(t, { name: "\\d{3}$" }), ["ResNet101"]);
  });

  it("§5.3 the SDK's escape-everything exact match works (\\-, \\_, \\ , \\., \\/)", async () => {
    const t = testServer();
    const tricky = [
      "my-model_v1.0 final/x",
      "my-model_v1x0 final/x",
      "a+b(c)[d]{e}",
      "dollar$^caret|pipe",
    ];
    for (const name of tricky) await createModel(t, { name });
    for (const name of tricky) {
      assert.deepEqual(await names(t, { name: exact(name) }), [name], name);
    }
  });

  it("§5.3 a pattern Python cannot compile is 400/21 (unknown escapes too)", async () => {
    const t = testServer();
    for (const name of ["(", "[abc", "a**", "\\e", "(?<n>x)", "abc)", "\\1", "a(?i)b"]) {
      assertError(
        await t.call("/models.get_all", { body: { name } }),
        400,
        21,
        /^Malformed regular expression: err=.*, extra_info=None$/,
      );
    }
  });

  it("§5.3 Python-only syntax is translated: (?P<n>)/(?P=n), \\A/\\Z, {,n}, leading ]/(?i)/(?x)", async () => {
    const t = testServer();
    for (const name of ["abab", "abcd", "x]y", "aaa", "Mixed"]) await createModel(t, { name });
    assert.deepEqual(await names(t, { name: "^(?P<p>ab)(?P=p)$" }), ["abab"]);
    assert.deepEqual(await names(t, { name: "\\Aab.d\\Z" }), ["abcd"]);
    assert.deepEqual(await names(t, { name: "^a{,3}$" }), ["aaa"]);
    assert.deepEqual(await names(t, { name: "[]]" }), ["x]y"]);
    assert.deepEqual(await names(t, { name: "(?i)^mixed$" }), ["Mixed"]);
    assert.deepEqual(await names(t, { name: "(?x) ^ m i x # comment\n e d $", comment: null }), []);
    assert.deepEqual(await names(t, { name: "(?ix) ^ m i x e d $" }), ["Mixed"]);
  });

  it("§5.3 an empty name is no filter; comment is a regex too", async () => {
    const t = testServer();
    await createModel(t, { name: "one", comment: "first model" });
    await createModel(t, { name: "two" });
    assert.deepEqual(await names(t, { name: "" }), ["one", "two"]);
    assert.deepEqual(await names(t, { comment: "^first" }), ["one"]);
  });

  it("§5.3 _any_ matches a pattern case-insensitively on any of the fields", async () => {
    const t = testServer();
    await createModel(t, { name: "alpha", comment: "x" });
    await createModel(t, { name: "beta", comment: "ALPHA notes" });
    await createModel(t, { name: "gamma" });
    assert.deepEqual(await names(t, { _any_: { pattern: "alpha", fields: ["name", "comment"] } }), [
      "alpha",
      "beta",
    ]);
    assertError(await t.call("/models.get_all", { body: { _any_: "alpha" } }), 400, 12);
  });
});

describe("ClearML server §5.3 text search", () => {
  it("§5.3 search_text finds words in name, comment or id (an approximation of MongoDB's)", async () => {
    const t = testServer();
    const id = await createModel(t, { name: "image classifier", comment: "trained on cats" });
    await createModel(t, { name: "text model" });
    assert.deepEqual(await names(t, { search_text: "cats" }), ["image classifier"]);
    assert.deepEqual(await names(t, { search_text: "CLASSIF" }), ["image classifier"]);
    assert.deepEqual(await names(t, { search_text: id }), ["image classifier"]);
    assert.deepEqual(await names(t, { search_text: "dogs" }), []);
  });
});

describe("ClearML server §5.3 list filters", () => {
  async function tagged(t: TestServer) {
    await createModel(t, { name: "prod-a", tags: ["prod", "a"] });
    await createModel(t, { name: "prod-b", tags: ["prod", "b"] });
    await createModel(t, { name: "dev", tags: ["dev"] });
    await createModel(t, { name: "untagged" });
    await createModel(t, { name: "archived", tags: ["prod"], system_tags: ["archived"] });
  }

  it("§5.3 a single string is a one-item list; values are OR-ed", async () => {
    const t = testServer();
    await tagged(t);
    assert.deepEqual(await names(t, { tags: "dev" }), ["dev"]);
    assert.deepEqual(await names(t, { tags: ["a", "dev"] }), ["prod-a", "dev"]);
  });

  it("§5.3 '-x' excludes, on every list field (system_tags: ['-archived'])", async () => {
    const t = testServer();
    await tagged(t);
    assert.deepEqual(await names(t, { system_tags: ["-archived"] }), [
      "prod-a",
      "prod-b",
      "dev",
      "untagged",
    ]);
    assert.deepEqual(await names(t, { tags: ["prod"], system_tags: ["-archived"] }), [
      "prod-a",
      "prod-b",
    ]);
    assert.deepEqual(await names(t, { tags: ["-prod"] }), ["dev", "untagged"]);
  });

  it("§5.3 __$all/__$and switch to AND, __$any/__$or back to OR, __$not negates the next value", async () => {
    const t = testServer();
    await tagged(t);
    assert.deepEqual(await names(t, { tags: ["__$all", "prod", "a"] }), ["prod-a"]);
    assert.deepEqual(await names(t, { tags: ["__$and", "prod", "__$not", "a"] }), [
      "prod-b",
      "archived",
    ]);
    assert.deepEqual(await names(t, { tags: ["__$any", "a", "b"] }), ["prod-a", "prod-b"]);
    assert.deepEqual(await names(t, { tags: ["__$not", "prod"] }), ["dev", "untagged"]);
  });

  it("§5.3 null matches missing or empty; an empty list is no filter", async () => {
    const t = testServer();
    await tagged(t);
    const project = await createProject(t, "proj");
    await createModel(t, { name: "in-project", project });
    assert.deepEqual(await names(t, { tags: [null] }), ["untagged", "in-project"]);
    assert.deepEqual(await names(t, { tags: [null, "dev"] }), ["dev", "untagged", "in-project"]);
    assert.deepEqual(await names(t, { project: [null], tags: ["dev"] }), ["dev"]);
    assert.deepEqual(await names(t, { project: [project] }), ["in-project"]);
    assert.equal((await names(t, { id: [] })).length, 6);
    assert.equal((await names(t, { project: null })).length, 6, "a null filter is ignored");
  });

  it("§5.3 id, uri, framework and user are list filters too", async () => {
    const t = testServer();
    const first = await createModel(t, { name: "one", uri: "s3://b/one", framework: "PyTorch" });
    await createModel(t, { name: "two", uri: "s3://b/two" });
    assert.deepEqual(await names(t, { id: first }), ["one"]);
    assert.deepEqual(await names(t, { id: [`-${first}`] }), ["two"]);
    assert.deepEqual(await names(t, { uri: ["s3://b/two"] }), ["two"]);
    assert.deepEqual(await names(t, { framework: ["PyTorch"] }), ["one"]);
  });

  it("§5.3 bad operators and non-string values are 400/16", async () => {
    const t = testServer();
    assertError(
      await t.call("/models.get_all", { body: { tags: ["__$xor", "a"] } }),
      400,
      16,
      "Invalid value for fields (Unsupported operator): field=tags, operator=__$xor",
    );
    assertError(
      await t.call("/models.get_all", { body: { tags: [1] } }),
      400,
      16,
      /invalid value type, string expected/,
    );
    assertError(
      await t.call("/models.get_all", { body: { tags: ["__$not"] } }),
      400,
      16,
      /Value is expected after/,
    );
    assertError(
      await t.call("/models.get_all", { body: { tags: ["-"] } }),
      400,
      16,
      /Missing value after the exclude prefix/,
    );
  });

  it("§5.3 ready is an equality filter", async () => {
    const t = testServer();
    await createModel(t, { name: "published" });
    await createModel(t, { name: "draft", ready: false });
    assert.deepEqual(await names(t, { ready: true }), ["published"]);
    assert.deepEqual(await names(t, { ready: false }), ["draft"]);
    const query = await t.ok("/models.get_all?ready=false&only_fields[]=name");
    assert.deepEqual(query.models, [{ name: "draft" }]);
  });

  it("§5.3 metadata.<key>.value filters; a path of more than 3 parts is 400/12", async () => {
    const t = testServer();
    const meta = (value: string) => ({ acc: { key: "acc", type: "float", value } });
    await createModel(t, { name: "good", metadata: meta("0.93") });
    await createModel(t, { name: "bad", metadata: meta("0.5") });
    await createModel(t, { name: "none" });
    assert.deepEqual(await names(t, { "metadata.acc.value": "0.93" }), ["good"]);
    assert.deepEqual(await names(t, { "metadata.acc.value": ["0.93", "0.5"] }), ["good", "bad"]);
    assert.deepEqual(await names(t, { "metadata.acc.type": ["float"] }), ["good", "bad"]);
    assert.deepEqual(await names(t, { "metadata.acc.value": [null] }), ["none"]);
    assertError(
      await t.call("/models.get_all", { body: { "metadata.a.b.c": "x" } }),
      400,
      12,
      "Validation error (invalid field): path=metadata.a.b.c",
    );
  });

  it("§5.3 created is a [min, max] range; last_update takes datetime conditions", async () => {
    const t = testServer();
    await createModel(t, { name: "early" });
    t.clock.now = START + 86_400_000;
    await createModel(t, { name: "late" });
    assert.deepEqual(await names(t, { created: ["2025-01-02T12:00:00", null] }), ["late"]);
    assert.deepEqual(await names(t, { last_update: ["<2025-01-02T12:00:00"] }), ["early"]);
    assert.deepEqual(await names(t, { last_update: [">=2025-01-02", "<2025-01-04"] }), [
      "early",
      "late",
    ]);
    assertError(await t.call("/models.get_all", { body: { created: ["x"] } }), 400, 12);
  });

  it("§5.3 unknown keys are ignored", async () => {
    const t = testServer();
    await createModel(t, { name: "one" });
    assert.deepEqual(await names(t, { whatever: [1, 2], nested: { a: 1 } }), ["one"]);
  });

  it("§5.3 include_subprojects extends project to its sub-projects", async () => {
    const t = testServer();
    const parent = await createProject(t, "parent");
    const child = await createProject(t, "parent/child");
    await createModel(t, { name: "top", project: parent });
    await createModel(t, { name: "nested", project: child });
    assert.deepEqual(await names(t, { project: [parent] }), ["top"]);
    assert.deepEqual(await names(t, { project: [parent], include_subprojects: true }), [
      "top",
      "nested",
    ]);
  });
});
