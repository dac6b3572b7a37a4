import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readFileSync } from "node:fs";
import { ValidationError } from "../src/errors.ts";
import { VERSION } from "../src/version.ts";
import { runChild } from "./_child.ts";
import {
  bumpVersion,
  parseVersion,
  releaseKindFromMessage,
  withVersion,
  withVersionConstant,
} from "../scripts/bump_version.ts";

describe("bumpVersion()", () => {
  it("increments patch, minor (resetting patch) and major (resetting both)", () => {
    assert.equal(bumpVersion("0.1.3", "patch"), "0.1.4");
    assert.equal(bumpVersion("0.1.3", "minor"), "0.2.0");
    assert.equal(bumpVersion("0.1.3", "major"), "1.0.0");
    assert.equal(bumpVersion("1.9.9", "patch"), "1.9.10");
    assert.equal(bumpVersion("9.99.0", "minor"), "9.100.0");
    assert.equal(bumpVersion(" 2.0.0\n", "major"), "3.0.0");
  });

  it("refuses a version that is not MAJOR.MINOR.PATCH, naming it", () => {
    for (
      const bad of [
        "",
        "1.2",
        "1.2.3.4",
        "v1.2.3",
        "01.2.3",
        "1.02.3",
        "1.2.3-rc.1",
        "1.2.3+b",
        "x",
      ]
    ) {
      assert.throws(
        () => bumpVersion(bad, "patch"),
        (error: unknown) =>
          error instanceof ValidationError && error.field === "version" &&
          error.message.includes(JSON.stringify(bad)),
        bad,
      );
    }
    assert.throws(() => parseVersion(undefined as unknown as string), ValidationError);
    assert.throws(() => parseVersion("1.2.99999999999999999"), ValidationError);
  });

  it("refuses an unknown release kind", () => {
    assert.throws(
      () => bumpVersion("1.2.3", "huge" as "major"),
      (error: unknown) => error instanceof ValidationError && error.field === "release kind",
    );
  });
});

describe("releaseKindFromMessage()", () => {
  it("reads the kind after 'pipy commit -push', patch by default", () => {
    assert.equal(releaseKindFromMessage("pipy commit -push"), "patch");
    assert.equal(releaseKindFromMessage("pipy commit -push patch"), "patch");
    assert.equal(releaseKindFromMessage("pipy commit -push minor"), "minor");
    assert.equal(releaseKindFromMessage("pipy commit -push major"), "major");
    assert.equal(releaseKindFromMessage("Fix uploads\n\npipy commit -push minor\n"), "minor");
    assert.equal(releaseKindFromMessage("CLI polish (pipy commit -push major)"), "major");
    assert.equal(releaseKindFromMessage("pipy commit -push\nmajor rework"), "patch");
    assert.equal(releaseKindFromMessage("pipy commit -push majority"), "patch");
  });

  it("gives null when the message does not ask for a release", () => {
    assert.equal(releaseKindFromMessage("Release 1.2.3 [skip ci]"), null);
    assert.equal(releaseKindFromMessage("pipy commit -pushed"), null);
    assert.equal(releaseKindFromMessage("pipy commit push minor"), null);
    assert.equal(releaseKindFromMessage(""), null);
  });
});

describe("withVersion()", () => {
  const denoJson = '{\n  "name": "@aipmodel/sdk",\n  "version": "0.1.0",\n  "exports": {}\n}\n';

  it("sets the top-level version and keeps the rest of the text as it was", () => {
    assert.equal(withVersion(denoJson, "0.2.0"), denoJson.replace("0.1.0", "0.2.0"));
  });

  it("refuses a bad version and a file without a version", () => {
    assert.throws(() => withVersion(denoJson, "0.2"), ValidationError);
    assert.throws(() => withVersion('{ "name": "x" }', "0.2.0"), ValidationError);
    assert.throws(
      () => withVersion('{ "a": { "version": "1.0.0" }, "version": "0.1.0" }', "0.2.0"),
      ValidationError,
    );
  });
});

describe("withVersionConstant()", () => {
  it("sets VERSION in src/version.ts's text and nothing else", () => {
    const text = '/** The version. */\nexport const VERSION = "0.1.0";\n';
    assert.equal(withVersionConstant(text, "1.0.0"), text.replace("0.1.0", "1.0.0"));
    assert.throws(() => withVersionConstant("export const OTHER = 1;\n", "1.0.0"), ValidationError);
    assert.throws(() => withVersionConstant(text, "1.0"), ValidationError);
  });
});

describe("the repository's version files", () => {
  it("agree, and each takes a new version (what the release workflow's --write does)", () => {
    const denoJson = readFileSync(new URL("../deno.json", import.meta.url), "utf8");
    const versionTs = readFileSync(new URL("../src/version.ts", import.meta.url), "utf8");
    assert.equal(JSON.parse(denoJson).version, VERSION);
    const next = bumpVersion(VERSION, "minor");
    assert.equal(JSON.parse(withVersion(denoJson, next)).version, next);
    assert.match(withVersionConstant(versionTs, next), new RegExp(`VERSION = "${next}"`));
  });
});

describe("scripts/bump_version.ts as a program", () => {
  it("prints the next version for a release message", async () => {
    const output = await runChild("scripts/bump_version.ts", [
      "--current",
      "0.1.3",
      "--message",
      "Faster uploads\n\npipy commit -push minor",
    ]);
    assert.equal(output, "0.2.0\n");
  });

  it("exits non-zero when the message asks for no release", async () => {
    await assert.rejects(
      runChild("scripts/bump_version.ts", ["--current", "0.1.3", "--message", "docs"]),
      /exited with 3.*no release/s,
    );
  });
});
