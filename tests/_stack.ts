/**
 * The running local platform stack, as `scripts/stack.ts up` described it in `.stack/env`.
 * Tests that need it call {@link stackEnv}; when the stack is not up they fail with a message
 * that says how to start it, they never skip.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

/** The path of `.stack/env` in this checkout. */
export const STACK_ENV_PATH: string = fileURLToPath(new URL("../.stack/env", import.meta.url));

let cached: Record<string, string> | undefined;

/** Reads `.stack/env`; throws when the stack has not been started. */
export function stackEnv(): Record<string, string> {
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(STACK_ENV_PATH, "utf8");
  } catch {
    throw new Error(
      `The local stack is not running (${STACK_ENV_PATH} is missing): ` +
        "start it with `deno run -A scripts/stack.ts up`.",
    );
  }
  cached = parseEnv(text) as Record<string, string>;
  return cached;
}

/** One value of `.stack/env`; throws naming the key when it is absent. */
export function stackValue(key: string): string {
  const value = stackEnv()[key];
  if (value === undefined || value === "") {
    throw new Error(`${STACK_ENV_PATH} has no ${key}: restart the stack.`);
  }
  return value;
}
