#!/usr/bin/env bash
# The whole test suite: static checks, then the local platform stack (real radosgw, the
# ClearML-compatible server, the user-management API) is started, the same test files run under
# Deno, Bun and Node, and the stack is stopped whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# @aws-sdk/client-s3 warns on Node 20 in releases we do not use; keep test output clean.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

bash scripts/check.sh

deno run -A scripts/stack.ts up
trap 'deno run -A scripts/stack.ts down' EXIT

mapfile -t files < <(ls tests/*_test.ts)
echo "== deno test (${#files[@]} files)"
deno test -A "${files[@]}"
echo "== bun test"
bun test --timeout 120000 "${files[@]/#/./}"
echo "== node --test"
node --import tsx --test "${files[@]}"
echo "== examples"
deno run -A --env-file=.stack/env examples/platform_clients.ts
