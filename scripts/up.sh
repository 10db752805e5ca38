#!/usr/bin/env bash
# Command (a) of README: install what is missing, start MariaDB and Temporal, migrate, register search
# attributes, start the worker and the API, wait until the API is ready, and print where everything is.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

JIMENG_FLOW_SKIP_TEST_SERVER=1 bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/mariadb.sh" start
bash "$ROOT/scripts/temporal.sh" start

say "migrating $MYSQL_DATABASE"
(cd "$ROOT" && node dist/scripts/migrate.js up) >>"$LOG_DIR/migrate.log" 2>&1 || die "migrations failed (see $LOG_DIR/migrate.log)"
(cd "$ROOT" && node dist/scripts/register-search-attributes.js) >&2
if [[ "$JIMENG_BASE_URL" == http://127.0.0.1:* || "$JIMENG_BASE_URL" == http://localhost:* ]]; then
  # Against the local simulator only: simulator accounts in an empty pool, points for the dev user.
  (cd "$ROOT" && JIMENG_FLOW_DEV_KEY_FILE="$DATA_DIR/dev-api-key" node dist/scripts/seed-dev.js) >&2
fi

if [[ "$JIMENG_BASE_URL" == http://127.0.0.1:* || "$JIMENG_BASE_URL" == http://localhost:* ]]; then
  bash "$ROOT/scripts/services.sh" start jimeng-sim
fi
if [[ "$OSS_ENDPOINT" == http://127.0.0.1:* || "$OSS_ENDPOINT" == http://localhost:* ]]; then
  bash "$ROOT/scripts/services.sh" start oss-server
fi
bash "$ROOT/scripts/services.sh" start worker
bash "$ROOT/scripts/services.sh" start api

API_URL="${API_PUBLIC_URL:-http://$API_HOST:$API_PORT}"
wait_for "API" 60 curl -fsS "$API_URL/readyz" || die "the API is not ready: $(curl -sS "$API_URL/readyz" || true) (see $LOG_DIR/api.log)"
grep -q '"worker polling"' "$LOG_DIR/worker.log" || wait_for "worker" 60 grep -q '"worker polling"' "$LOG_DIR/worker.log" ||
  die "the worker is not polling (see $LOG_DIR/worker.log)"

cat <<INFO

  jimeng-flow is running.
    API            $API_URL
    Temporal UI    $TEMPORAL_UI_URL
    Temporal gRPC  $TEMPORAL_ADDRESS  (namespace $TEMPORAL_NAMESPACE, task queue $TEMPORAL_TASK_QUEUE)
    MySQL          $MYSQL_HOST:$MYSQL_PORT/$MYSQL_DATABASE
    Jimeng         $JIMENG_BASE_URL
    OSS            $OSS_ENDPOINT (bucket $OSS_BUCKET)
    Logs           $LOG_DIR

  Try a first generation through the API (an image, stored in OSS, recorded in MySQL; waits up to 30 s):
    curl -s -X POST $API_URL/v1/images/generations \\
      -H "Authorization: Bearer \$(cat $DATA_DIR/dev-api-key)" -H 'Content-Type: application/json' -H 'Prefer: wait=30' \\
      -d '{"user_id":"00000000-0000-4000-8000-000000000001","project_id":"demo-project","project_name":"Demo",
           "storyboard_id":"sb-'\$RANDOM'","work_id":"w1","prompt":"a lighthouse at dawn, watercolor"}'
  or with the Temporal client:  npm run submit -- "a lighthouse at dawn, watercolor"
  then find the run in the Web UI by project:  JimengProjectId="demo-project"
  API reference: $API_URL/docs

  Stop everything: bash scripts/down.sh     Status: bash scripts/status.sh
INFO
