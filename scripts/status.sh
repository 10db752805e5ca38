#!/usr/bin/env bash
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
bash "$ROOT/scripts/mariadb.sh" status
bash "$ROOT/scripts/temporal.sh" status
bash "$ROOT/scripts/services.sh" status worker
bash "$ROOT/scripts/services.sh" status api
bash "$ROOT/scripts/services.sh" status jimeng-sim
bash "$ROOT/scripts/services.sh" status oss-server
