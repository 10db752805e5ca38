#!/usr/bin/env bash
# The project's own Node processes (worker, api), each with a pid file under .data/run and a log under
# .data/logs. They run the compiled output in dist/ (scripts/up.sh builds it).
# The local stand-ins (jimeng-sim, oss-server) run the same way.
# usage: scripts/services.sh start|stop|status worker|api|jimeng-sim|oss-server
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

entry_for() {
  case "$1" in
    worker) echo "$ROOT/dist/worker/main.js" ;;
    api) echo "$ROOT/dist/api/main.js" ;;
    jimeng-sim) echo "$ROOT/dist/dev/jimeng-sim/main.js" ;;
    oss-server) echo "$ROOT/dist/dev/oss-server/main.js" ;;
    *) die "unknown service $1 (worker, api, jimeng-sim or oss-server)" ;;
  esac
}

start() {
  local name="$1" entry pidfile="$RUN_DIR/$1.pid"
  entry="$(entry_for "$name")"
  [ -f "$entry" ] || die "$entry is missing; run npm run build first"
  if pid_alive "$pidfile"; then
    say "$name already running (pid $(cat "$pidfile")); restarting it on the current build"
    stop_pidfile "$name" "$pidfile"
  fi
  say "starting $name (log: $LOG_DIR/$name.log)"
  # The dev stack is for development: callbacks to a receiver on this machine are allowed unless set otherwise.
  export CALLBACK_ALLOW_PRIVATE="${CALLBACK_ALLOW_PRIVATE-true}"
  # exec: the background subshell becomes setsid, which becomes node, so $! is node's own pid.
  (
    cd "$ROOT"
    exec setsid node "$entry" </dev/null >>"$LOG_DIR/$name.log" 2>&1
  ) &
  echo $! >"$pidfile"
  sleep 0.5
  pid_alive "$pidfile" || die "$name exited at start; last log lines:
$(tail -n 20 "$LOG_DIR/$name.log")"
}

status() {
  local name="$1" pidfile="$RUN_DIR/$1.pid"
  if pid_alive "$pidfile"; then printf '%-9s running  pid %s  log %s\n' "$name" "$(cat "$pidfile")" "$LOG_DIR/$name.log"
  else printf '%-9s stopped\n' "$name"; fi
}

case "${1:-}:${2:-}" in
  start:worker | start:api | start:jimeng-sim | start:oss-server) start "$2" ;;
  stop:worker | stop:api | stop:jimeng-sim | stop:oss-server) stop_pidfile "$2" "$RUN_DIR/$2.pid" ;;
  status:worker | status:api | status:jimeng-sim | status:oss-server) status "$2" ;;
  *) die "usage: $0 start|stop|status worker|api|jimeng-sim|oss-server" ;;
esac
