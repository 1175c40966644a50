#!/usr/bin/env bash
# Runs make targets one after another for `make test`, carrying on past a
# failed step so that one run shows every failure, and prints a summary with
# each step's result and time. Exits non-zero when any step failed.
#
#   scripts/run-steps.sh STEP...
#
# e2e is skipped (and counts as failed) when app failed: it tests the build.
set -uo pipefail

passed=0 failed=0 rows=() app_failed=0
for step in "$@"; do
  start=$SECONDS
  if [ "$step" = e2e ] && [ "$app_failed" -eq 1 ]; then
    result="SKIP (app failed)"
  else
    printf '\n==> make %s\n' "$step"
    if make SETUP_DONE=1 "$step"; then result=PASS; else result=FAIL; fi
  fi
  if [ "$result" = PASS ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    [ "$step" = app ] && app_failed=1
  fi
  rows+=("$(printf '  %-14s %-18s %5ds' "$step" "$result" $((SECONDS - start)))")
done

printf '\n==> summary\n'
printf '%s\n' "${rows[@]}"
# Worded so it is not mistaken for a test runner's count: these are steps.
if [ "$failed" -eq 0 ]; then
  printf 'make test: all %d steps passed\n' "$passed"
else
  printf 'make test: %d of %d steps failed\n' "$failed" $((passed + failed))
fi
[ "$failed" -eq 0 ]
