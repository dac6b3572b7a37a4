#!/usr/bin/env bash
# The whole test suite: static checks, the npm package's smoke tests (build, pack, install, run on
# Node and Bun), then the local platform stack (real radosgw, the ClearML-compatible server, the
# user-management API) is started, the same test files run under Deno, Bun and Node, the examples
# run against the stack, a quick benchmark run checks the harness, and the stack is stopped whatever happened. The last line is the Node
# run's count, "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
# @aws-sdk/client-s3 warns on Node 20 in releases we do not use; keep test output clean.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

bash scripts/check.sh
# The npm package as users get it: build, pack, install in a fresh folder, run from Node and Bun.
deno run -A scripts/smoke_npm.ts

summary=""
finish() {
  local status=$?
  deno run -A scripts/stack.ts down || status=1
  [ -n "$summary" ] && echo "$summary"
  exit "$status"
}
deno run -A scripts/stack.ts up
trap finish EXIT

mapfile -t files < <(ls tests/*_test.ts)
echo "== deno test (${#files[@]} files)"
deno test -A "${files[@]}"
echo "== bun test"
bun test --timeout 120000 "${files[@]/#/./}"
echo "== examples"
deno run -A --env-file=.stack/env examples/platform_clients.ts
deno run -A --env-file=.stack/env examples/platform.ts > /dev/null
deno run -A examples/quickstart.ts > /dev/null
node --import tsx examples/quickstart.ts > /dev/null
bun examples/quickstart.ts > /dev/null
echo "== bench (quick: the harness keeps working; timings are not judged)"
bash bench/ci.sh
echo "== node --test"
node_log=$(mktemp)
node --import tsx --test "${files[@]}" | tee "$node_log"
passed=$(grep -E '^# pass [0-9]+' "$node_log" | awk '{print $3}')
failed=$(grep -E '^# fail [0-9]+' "$node_log" | awk '{print $3}')
rm -f "$node_log"
summary="${passed:-0} passed, ${failed:-0} failed"
