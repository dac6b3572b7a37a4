/**
 * The `aipmodel` CLI on the embedded registry, run in-process: results on stdout (JSON lines when
 * not a terminal), one-line errors on stderr, exit codes 0/1/2.
 */

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { VERSION } from "../src/version.ts";
import { cli } from "./_cli.ts";
import { removeDir, sha256File, tempDir, writeTree } from "./_registry.ts";

/** `aipmodel add <source> --name demo --version v1 --local-dir <registry>`. */
const addDemoV1 = (source: string, registry: string) => [
  "add",
  source,
  ...["--name", "demo", "--version", "v1", "--local-dir", registry],
];

const lines = (text: string) => text.split("\n").filter((line) => line !== "");

test("add, ls --json, get: the downloaded files are the uploaded bytes, one JSON line a result", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    const source = join(dir, "folder");
    await writeTree(source, { "weights.bin": "w".repeat(70_000), "cfg/config.json": "{}" });
    const registry = join(dir, "x");
    const added = await cli(addDemoV1(source, registry));
    assert.equal(added.code, 0, added.stderr);
    const record = JSON.parse(lines(added.stdout)[0] ?? "");
    assert.deepEqual(
      { model: record.model, version: record.version, files: record.files, bytes: record.bytes },
      { model: "demo", version: "v1", files: 2, bytes: 70_002 },
    );
    assert.match(record.id, /^[0-9a-f]{32}$/);

    const listed = await cli(["ls", "--local-dir", registry, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const models = lines(listed.stdout).map((line) => JSON.parse(line));
    assert.deepEqual(models.map((model) => [model.name, model.versions]), [["demo", ["v1"]]]);

    const out = join(dir, "out");
    const got = await cli([
      "get",
      "demo",
      "--version",
      "v1",
      "--dest",
      out,
      "--local-dir",
      registry,
    ]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(JSON.parse(got.stdout).path, join(out, "v1"));
    for (const file of ["weights.bin", "cfg/config.json"]) {
      assert.equal(await sha256File(join(out, "v1", file)), await sha256File(join(source, file)));
    }
  } finally {
    await removeDir(dir);
  }
});

test("progress goes to stderr as JSON lines when not a terminal, and stdout holds only the result", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    await writeTree(join(dir, "m"), { "a.bin": "a".repeat(1000), "b.bin": "b".repeat(2000) });
    const run = await cli(["add", join(dir, "m"), "--name", "demo", "--local-dir", join(dir, "r")]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(lines(run.stdout).length, 1);
    const events = lines(run.stderr).map((line) => JSON.parse(line));
    assert.equal(events[0].event, "start");
    assert.equal(events.at(-1).event, "end");
    assert.equal(events.at(-1).bytesDone, 3000);
    assert.deepEqual(events.filter((e) => e.event === "file-end").map((e) => e.file).sort(), [
      "a.bin",
      "b.bin",
    ]);
    assert.equal(JSON.parse(run.stdout).version, "_v1");
    const quiet = await cli([
      "add",
      join(dir, "m"),
      "--name",
      "demo",
      "--local-dir",
      join(dir, "r"),
      "--no-progress",
    ]);
    assert.equal(quiet.stderr, "");
    assert.equal(JSON.parse(quiet.stdout).version, "_v2");
  } finally {
    await removeDir(dir);
  }
});

test("on a terminal: a redrawn progress bar on stderr and text results on stdout", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    await writeTree(join(dir, "m"), { "a.bin": "a".repeat(5000) });
    const registry = join(dir, "r");
    const run = await cli(addDemoV1(join(dir, "m"), registry), { tty: true });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Added demo version v1 \(1 files, 5000 bytes\), id [0-9a-f]{32}\n$/);
    assert.match(run.stderr, /\rUploading \[#{24}\] 100% 4\.9 KiB\/4\.9 KiB .* files 1\/1/);
    assert.ok(run.stderr.endsWith("\n"));
    const listed = await cli(["ls", "--local-dir", registry], { tty: true });
    assert.match(
      listed.stdout,
      /^NAME +LATEST +VERSIONS +SIZE \(MB\) +ID\ndemo +v1 +v1 +0\.00 +[0-9a-f]{32}\n$/,
    );
    const info = await cli(["info", "demo", "--local-dir", registry], { tty: true });
    assert.match(info.stdout, /^Model: +demo\n/m);
    assert.match(info.stdout, /^v1 \(latest\) +0\.00 /m);
  } finally {
    await removeDir(dir);
  }
});

test("set-latest and rm change the registry and say so", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    await writeTree(join(dir, "m"), { "a.bin": "a" });
    const registry = join(dir, "r");
    for (const version of ["v1", "v2"]) {
      const run = await cli([
        "add",
        join(dir, "m"),
        "-n",
        "demo",
        "-v",
        version,
        "--local-dir",
        registry,
      ]);
      assert.equal(run.code, 0, run.stderr);
    }
    const set = await cli(["set-latest", "demo", "v1", "--local-dir", registry]);
    assert.deepEqual(JSON.parse(set.stdout), { model: "demo", latest: "v1" });
    const info = JSON.parse((await cli(["info", "demo", "--local-dir", registry])).stdout);
    assert.equal(info.latest, "v1");
    const removed = await cli(["rm", "demo", "--version", "v1", "--local-dir", registry]);
    assert.deepEqual(JSON.parse(removed.stdout), { deleted: "demo", version: "v1" });
    const after = JSON.parse((await cli(["ls", "--local-dir", registry])).stdout);
    assert.deepEqual([after.versions, after.latest], [["v2"], "v2"]);
    const all = await cli(["--local-dir", registry, "rm", "demo"]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal((await cli(["ls", "--local-dir", registry])).stdout, "");
  } finally {
    await removeDir(dir);
  }
});

test("usage errors exit 2 with one line on stderr; a missing model exits 1", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    const registry = join(dir, "r");
    const cases: [string[], RegExp][] = [
      [
        ["add", "x", "--name", "demo", "--bogus", "--local-dir", registry],
        /unknown option '--bogus'.*'aipmodel add --help'/,
      ],
      [["add", "x", "--local-dir", registry], /required option '-n, --name <name>'/],
      [["lss"], /unknown command 'lss'.*Did you mean ls\?/],
      [["get", "ab", "--local-dir", registry], /Invalid modelName: at least 3 characters/],
      [
        ["add", "x", "--name", "demo", "--source", "ftp", "--local-dir", registry],
        /--source must be local, hf or s3/,
      ],
      [["ls"], /no registry to use: pass --local-dir/],
      [["ls", "--env-file", join(dir, "missing.env")], /cannot read the env file .*missing\.env/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.equal(run.stdout, "");
      assert.equal(lines(run.stderr).length, 1, run.stderr);
      assert.match(run.stderr, message);
    }
    const missing = await cli(["get", "nope", "--local-dir", registry]);
    assert.equal(missing.code, 1);
    assert.equal(lines(missing.stderr).length, 1);
    assert.match(missing.stderr, /^aipmodel: No model named 'nope' \(`aipmodel ls`/);
    const debug = await cli(["get", "nope", "--local-dir", registry, "--debug"]);
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /NotFoundError: No model named 'nope'\n\s+at /);
  } finally {
    await removeDir(dir);
  }
});

test("--version prints deno.json's version; --help of every command shows examples", async () => {
  const manifest = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
  assert.equal(VERSION, manifest.version);
  const version = await cli(["--version"]);
  assert.deepEqual([version.code, version.stdout], [0, `${VERSION}\n`]);
  for (const command of ["add", "get", "ls", "info", "rm", "set-latest", "transfer", "gc"]) {
    const help = await cli([command, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: aipmodel ${command}`));
    assert.match(help.stdout, /Examples?:\n {2}aipmodel /);
    assert.match(help.stdout, /--local-dir <dir>/);
  }
});

test("--env-file: settings come from the file, the process environment wins, .env is the default", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    await writeTree(dir, {
      "other.env": "CEPH_BUCKET=from-file\n",
      ".env": "CEPH_BUCKET=from-dot-env\n",
    });
    // Direct mode with only CEPH_BUCKET set: the error names the missing settings, so the file was read.
    const fromFile = await cli(["ls", "--env-file", "other.env"], { cwd: dir });
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, /direct-credentials mode needs clearmlApiHost/);
    const fromDefault = await cli(["ls"], { cwd: dir });
    assert.match(fromDefault.stderr, /direct-credentials mode needs/);
    assert.doesNotMatch(fromDefault.stderr, /from-dot-env|from-file/);
  } finally {
    await removeDir(dir);
  }
});

test("gc --dry-run lists an orphaned version folder, gc removes it, the published version stays", async () => {
  const dir = await tempDir("aipmodel-cli-");
  try {
    await writeTree(join(dir, "m"), { "a.bin": "a" });
    const registry = join(dir, "r");
    const added = JSON.parse((await cli(addDemoV1(join(dir, "m"), registry))).stdout);
    const ghost = `objects/local/_models/${added.id}/ghost/x.bin`;
    await writeTree(registry, { [ghost]: "left by a crash" });
    const listed = await cli(["gc", "--dry-run", "--older-than", "0", "--local-dir", registry]);
    assert.equal(listed.code, 0, listed.stderr);
    const orphans = lines(listed.stdout).map((line) => JSON.parse(line));
    assert.deepEqual(orphans.map((o) => [o.kind, o.prefix, o.bytes, o.removed]), [
      ["version", `_models/${added.id}/ghost/`, 15, false],
    ]);
    const young = await cli(["gc", "--local-dir", registry]);
    assert.deepEqual([young.code, young.stdout], [0, ""]);
    const removed = await cli(["gc", "--older-than", "0", "--local-dir", registry], { tty: true });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(
      removed.stdout,
      /^KIND +WHERE +OBJECTS +SIZE +RESULT\nversion .* removed\n1 orphan/,
    );
    assert.equal((await cli(["gc", "--older-than", "0", "--local-dir", registry])).stdout, "");
    const out = join(dir, "out");
    const got = await cli(["get", "demo", "--dest", out, "--local-dir", registry]);
    assert.equal(got.code, 0, got.stderr);
    const bad = await cli(["gc", "--older-than", "soon", "--local-dir", registry]);
    assert.equal(bad.code, 2);
  } finally {
    await removeDir(dir);
  }
});
