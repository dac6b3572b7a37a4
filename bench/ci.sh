#!/usr/bin/env bash
# The benchmark's CI run: quick mode (64 MiB, 8 x 8 MiB, 200 x 64 KiB, 1 round) against the stack
# that already runs (scripts/test.sh's memstore stack), so that the harness keeps working. It
# fails only when a client fails or a download does not match; the timings are not judged.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${BENCH_QUICK_OUT:-${TMPDIR:-/tmp}/aipmodel-bench-quick.json}"
exec ./node_modules/.bin/deno run -A bench/run.ts --quick --use-running-stack \
  --work-dir .bench/ci --out "$out" "$@"
