/**
 * The `aipmodel` command-line interface, to run in-process: `main(args)` returns the exit code.
 * The executable is `bin.ts` (`npx aipmodel`, `deno run -A jsr:@aipmodel/sdk/bin`).
 *
 * @module
 */

export { main } from "./main.ts";
export type { CliIo, CliWriter } from "./io.ts";
export { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from "./failure.ts";
