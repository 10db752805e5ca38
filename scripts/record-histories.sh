#!/usr/bin/env bash
# Records the replay fixtures in test/fixtures/histories from real runs on the Temporal dev server (MariaDB and
# Temporal started as for the tests). Run after an intended, compatible workflow change; review the diff.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
bash "$ROOT/scripts/mariadb.sh" start
bash "$ROOT/scripts/temporal.sh" start
(cd "$ROOT" && node dist/scripts/register-search-attributes.js) >&2
cd "$ROOT" && exec npx jest --testMatch '**/*.record.ts' --runInBand
