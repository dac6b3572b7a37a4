/**
 * The short form of the load run (the long one: `deno run -A scripts/load.ts --seconds 300`):
 * 8 processes add versions to one model on the platform while 8 download random versions of it,
 * for 12 seconds. Every version published is in versions_map with all its objects at their sizes,
 * and every download matched its version.
 */

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { uniqueName } from "./_faults.ts";
import { runLoad } from "./_load.ts";
import { dropProject, stackClient } from "./_platform.ts";
import { removeDir, tempDir } from "./_registry.ts";

const LONG = { timeout: 240_000 };

describe("load: 8 adders and 8 downloaders on one model", LONG, () => {
  const username = uniqueName("t_load");
  let dir: string;

  before(async () => {
    dir = await tempDir("aipmodel-load-");
  });
  after(async () => {
    await dropProject(stackClient(), username);
    await removeDir(dir);
  });

  it(
    "for 12 s: every version published is complete and in versions_map, every download matches",
    LONG,
    async () => {
      const result = await runLoad({
        seconds: 12,
        adders: 8,
        downloaders: 8,
        username,
        workDir: dir,
      });
      assert.deepEqual(result.problems, []);
      assert.ok(result.published > 8, `versions published: ${result.published}`);
      assert.ok(result.downloads > 8, `downloads: ${result.downloads}`);
      assert.equal(result.versionsInMap, result.published);
    },
  );
});
