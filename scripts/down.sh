#!/usr/bin/env bash
# Stops what scripts/up.sh started, newest first. Data under .data/ is kept.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
bash "$ROOT/scripts/services.sh" stop api
bash "$ROOT/scripts/services.sh" stop worker
bash "$ROOT/scripts/services.sh" stop jimeng-sim
bash "$ROOT/scripts/services.sh" stop oss-server
bash "$ROOT/scripts/temporal.sh" stop
bash "$ROOT/scripts/mariadb.sh" stop
