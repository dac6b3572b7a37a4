/**
 * The `aipmodel` CLI against the local stack (radosgw + the ClearML-compatible server), as a
 * child process with its settings in an `--env-file`: the main commands, and Ctrl-C during an
 * upload rolling the version back.
 */

import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { spawnCli } from "./_cli.ts";
import { directOptions, dropProject, freshUsername, stackClient } from "./_platform.ts";
import { keysUnder, MiB, platformStorage, writeRandomFile } from "./_storage.ts";
import { removeDir, sha256File, tempDir } from "./_registry.ts";

/** An env file with the stack's direct keys and a user name of this run. */
async function envFile(dir: string, username: string): Promise<string> {
  const options = directOptions(username);
  const path = join(dir, "platform.env");
  await writeFile(
    path,
    [
      `CLEARML_API_HOST=${options.clearmlApiHost}`,
      `CLEARML_ACCESS_KEY=${options.clearmlAccessKey}`,
      `CLEARML_SECRET_KEY=${options.clearmlSecretKey}`,
      `CLEARML_USERNAME=${username}`,
      `CEPH_ENDPOINT_URL=${options.cephEndpointUrl}`,
      `CEPH_ACCESS_KEY=${options.cephAccessKey}`,
      `CEPH_SECRET_KEY=${options.cephSecretKey}`,
      `CEPH_BUCKET=${options.cephBucket}`,
    ].join("\n") + "\n",
  );
  return path;
}

test("CLI on the platform: add, ls, get (same bytes), rm, with settings from --env-file", async () => {
  const dir = await tempDir("aipmodel-cli-platform-");
  const username = freshUsername("cli");
  try {
    const env = await envFile(dir, username);
    // A folder with many small files: dozens of requests share one abort signal, and nothing
    // (not even a runtime warning about its listeners) may reach stderr.
    const folder = join(dir, "model");
    const source = join(folder, "model.bin");
    await mkdir(folder, { recursive: true });
    await writeRandomFile(source, 3 * MiB + 17);
    for (let i = 0; i < 40; i++) await writeFile(join(folder, `part-${i}.json`), `{"i":${i}}`);
    const added = await spawnCli([
      "add",
      folder,
      "--name",
      "clidemo",
      "--version",
      "v1",
      "--env-file",
      env,
      "--no-progress",
    ]).done;
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stderr, "");
    assert.equal(JSON.parse(added.stdout).version, "v1");
    const listed = await spawnCli(["ls", "--env-file", env, "--json"]).done;
    assert.deepEqual(
      listed.stdout.trim().split("\n").map((line) => JSON.parse(line)).map((
        m,
      ) => [m.name, m.versions]),
      [["clidemo", ["v1"]]],
    );
    const out = join(dir, "out");
    const got = await spawnCli([
      "get",
      "clidemo",
      "--dest",
      out,
      "--env-file",
      env,
      "--no-progress",
    ])
      .done;
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stderr, "");
    assert.equal(await sha256File(join(out, "v1", "model.bin")), await sha256File(source));
    assert.equal((await readdir(join(out, "v1"))).length, 41);
    const removed = await spawnCli(["rm", "clidemo", "--env-file", env]).done;
    assert.equal(removed.code, 0, removed.stderr);
    const missing = await spawnCli(["info", "clidemo", "--env-file", env]).done;
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^aipmodel: No model named or with id 'clidemo'/);
  } finally {
    await dropProject(stackClient(), username);
    await removeDir(dir);
  }
});

test("CLI on the platform: Ctrl-C during an upload exits 130 and leaves no model and no objects", async () => {
  const dir = await tempDir("aipmodel-cli-platform-");
  const username = freshUsername("clisig");
  const storage = platformStorage();
  try {
    const env = await envFile(dir, username);
    const source = join(dir, "big.bin");
    await writeRandomFile(source, 96 * MiB);
    const run = spawnCli([
      "add",
      source,
      "--name",
      "sigdemo",
      "--version",
      "v1",
      "--env-file",
      env,
    ]);
    let seen = "";
    await new Promise<void>((resolve) => {
      run.child.stderr?.on("data", (chunk) => {
        seen += String(chunk);
        if (seen.includes('"event":"start"')) resolve();
      });
    });
    run.child.kill("SIGINT");
    const result = await run.done;
    // Deno's node:child_process reports a child's exit status 130 as the signal SIGINT.
    const code = "Deno" in globalThis && result.signal === "SIGINT" ? 130 : result.code;
    assert.equal(code, 130, `${result.signal} ${result.stderr}`);
    assert.match(result.stderr, /addModel was aborted: nothing of model 'sigdemo' was published/);
    assert.equal(result.stdout, "");
    const listed = await spawnCli(["ls", "--env-file", env, "--json"]).done;
    assert.equal(listed.stdout, "");
    const ids = [...result.stderr.matchAll(/_models\/([0-9a-f]{32})\//g)].map((m) => m[1]);
    for (const id of ids) assert.deepEqual(await keysUnder(storage, `_models/${id}/`), []);
  } finally {
    storage.close();
    await dropProject(stackClient(), username);
    await removeDir(dir);
  }
});
