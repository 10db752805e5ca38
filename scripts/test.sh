#!/usr/bin/env bash
# Command (b) of README, and what .ci/run calls: install what is missing, start MariaDB and Temporal,
# type-check, lint, check formatting, then run every jest suite against them. Ends with one line: "N passed, N failed".
# Extra arguments go to jest (e.g. scripts/test.sh test/db).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

started=$SECONDS
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/mariadb.sh" start
bash "$ROOT/scripts/temporal.sh" start
(cd "$ROOT" && node dist/scripts/register-search-attributes.js) >&2

export TEMPORAL_CLI_PATH="$(bash "$ROOT/scripts/temporal.sh" path)"
export TEMPORAL_TEST_SERVER_PATH="$(bash "$ROOT/scripts/temporal.sh" install-test-server)"

cd "$ROOT"
say "type-checking (tsc --noEmit)"
npx --no-install tsc -p tsconfig.json --noEmit || die "type errors"
say "linting (eslint)"
npx --no-install eslint . || die "lint errors"
npx --no-install prettier --check . >/dev/null || die "formatting differs: run npx prettier --write ."

say "running jest"
results="$DATA_DIR/jest-results.json"
rm -f "$results"
status=0
npx --no-install jest --ci --json --outputFile="$results" "$@" || status=$?
[ -f "$results" ] || die "jest wrote no results (exit $status)"
summary="$(node -e '
  const r = require(process.argv[1]);
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  console.log(`${r.numPassedTests} passed, ${failed} failed`);
' "$results")"
say "finished in $((SECONDS - started)) s"
echo "$summary"
exit "$status"
