/**
 * The long load run against the local stack (start it first: `deno run -A scripts/stack.ts up`):
 *
 *   deno run -A scripts/load.ts [--seconds 300] [--adders 8] [--downloaders 8]
 *
 * `adders` processes add versions to one model while `downloaders` processes download random
 * versions of it. Prints what was published and downloaded, and every problem found (a version
 * published but missing from versions_map, an object missing or of the wrong size, a download
 * that does not match its version, a failed call); exits 1 if there is any.
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { uniqueName } from "../tests/_faults.ts";
import { runLoad } from "../tests/_load.ts";
import { dropProject, stackClient } from "../tests/_platform.ts";
import { removeDir, tempDir } from "../tests/_registry.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: "string", default: "300" },
    adders: { type: "string", default: "8" },
    downloaders: { type: "string", default: "8" },
  },
});
const number = (name: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a whole number >= 1`);
  }
  return value;
};
const username = uniqueName("t_loadrun");
const dir = await tempDir("aipmodel-load-");
try {
  const result = await runLoad({
    seconds: number("seconds", values.seconds),
    adders: number("adders", values.adders),
    downloaders: number("downloaders", values.downloaders),
    username,
    workDir: dir,
  });
  process.stdout.write(
    `${result.seconds.toFixed(1)} s: ${result.published} versions published ` +
      `(${result.versionsInMap} in versions_map), ${result.downloads} downloads checked, ` +
      `${result.problems.length} problem(s)\n`,
  );
  for (const problem of result.problems) process.stdout.write(`  ${problem}\n`);
  process.exitCode = result.problems.length === 0 ? 0 : 1;
} finally {
  await dropProject(stackClient(), username);
  await removeDir(dir);
}
