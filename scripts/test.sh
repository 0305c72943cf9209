#!/usr/bin/env bash
# `npm test`: the type-check of src, tasks, tests and benchmarks (`npm run typecheck`), the unit,
# integration and oracle tests once, then the test-host tests (real Debian
# hosts: test/hosts and the sandbox end-to-end test) once per Debian release that provision's
# test hosts run. The releases run one after the other, not side by side: both use the same host
# names, and each run already keeps the machine's 2 cores busy with two hosts at a time.
# Every run goes on after a failure; the last line sums them in the shape of the summary reporter.
set -uo pipefail
cd "$(dirname "$0")/.."

releases=(bookworm trixie) # RELEASES in src/sandbox/release.ts
host_tests=(test/hosts test/sandbox.e2e.test.ts)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
status=0
summary=()
failures=()
passed=0 failed=0 skipped=0

# run NAME COMMAND...: one vitest run; shows its output and adds up its summary line.
run() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== npm test: $name"
  "$@" 2>&1 | tee "$log/$name.out"
  local rc=${PIPESTATUS[0]}
  ((rc == 0)) || status=1
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log/$name.out" | tail -n 1)
  if [ -n "$line" ]; then
    read -r p _ f _ s _ <<<"$line"
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  else
    failed=$((failed + 1)) # the run died before its reporter spoke
  fi
  summary+=("$name: ${line:-no summary, exit $rc} in $((SECONDS - t0)) s")
  # The names of what failed go to the very end too: CI keeps only the tail of the log.
  mapfile -t -O "${#failures[@]}" failures < <(grep -E '^FAILED ' "$log/$name.out" | sed "s/^/$name: /")
}

# The type-check first: vitest strips types without checking them, so a test that no longer
# type-checks would pass. A failure fails `npm test` (and CI) but the tests still run.
echo "=== npm test: typecheck"
t0=$SECONDS
if npm run --silent typecheck; then
  summary+=("typecheck: passed in $((SECONDS - t0)) s")
else
  status=1 failed=$((failed + 1))
  summary+=("typecheck: FAILED in $((SECONDS - t0)) s")
  failures+=("FAILED typecheck: \`npm run typecheck\` reported type errors (see its output above)")
fi

run once npx vitest run --exclude 'test/hosts/**' --exclude test/sandbox.e2e.test.ts
for r in "${releases[@]}"; do
  export PROVISION_TEST_RELEASE=$r
  run "hosts-$r" npx vitest run "${host_tests[@]}"
done

echo
printf '%s\n' "${summary[@]}"
((${#failures[@]} == 0)) || printf '%s\n' "${failures[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
