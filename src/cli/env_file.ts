/**
 * `--env-file`: `KEY=value` lines added to the environment the CLI connects with. Variables
 * already set in the process environment win, as with `node --env-file` and dotenv.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseEnv } from "node:util";
import { UsageError } from "./usage_error.ts";

/** The file read when `--env-file` is not given and it exists. */
export const DEFAULT_ENV_FILE = ".env";

/**
 * The environment to connect with: `env` over the values of `file` (given: it must exist;
 * omitted: `.env` in `cwd` when present).
 */
export async function loadEnvironment(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<Record<string, string | undefined>> {
  const path = resolve(cwd, file ?? DEFAULT_ENV_FILE);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (file === undefined && code === "ENOENT") return { ...env };
    throw new UsageError(
      `cannot read the env file ${path} (${String(code ?? error)}): check --env-file`,
    );
  }
  const values = parseEnv(text) as Record<string, string>;
  const merged: Record<string, string | undefined> = { ...values };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
