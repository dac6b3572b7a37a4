#!/usr/bin/env bash
# The static checks: formatting, lint, type check of every entry point, the JSR dry run, and the
# lint of the GitHub Actions workflows.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

deno fmt --check
deno lint
deno check mod.ts scripts/ stack/ tests/ examples/ bench/
# Every public symbol documented, and every @example in the docs type-checks.
deno doc --lint mod.ts src/cli/mod.ts src/cli/bin.ts
deno check --doc mod.ts src/
if grep -rnE '\bDeno\.' src/ mod.ts; then
  echo "library code must not use Deno.* (it runs on Node and Bun too)" >&2
  exit 1
fi
deno publish --dry-run --allow-dirty --quiet
# The release workflow's YAML, expressions and permissions.
deno run --allow-read scripts/lint_workflows.ts
