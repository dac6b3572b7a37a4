#!/usr/bin/env node
/**
 * The `aipmodel` executable. Ctrl-C aborts the running operation, which rolls back what it
 * wrote; a second Ctrl-C exits at once.
 *
 * @module
 */

import process from "node:process";
import { tuneEngineForCommand } from "./engine.ts";
import { processIo } from "./io.ts";
import { main } from "./main.ts";

tuneEngineForCommand();

// The pinned AWS SDK supports Node 20; its notice about future releases is not this command's
// business and would break "one line on stderr".
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// A reader that went away (`aipmodel ls | head -1`) is not a failure of the command: what it
// would have read is dropped and the operation still ends (or rolls back) normally.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write("\naipmodel: interrupted, rolling back (Ctrl-C again to quit at once)\n");
  interrupt.abort(new Error("Interrupted by the user (SIGINT)"));
});
process.exitCode = await main(process.argv.slice(2), processIo(interrupt.signal));
