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

# The simulator's own defaults are the real proxy's latencies (images 30 s, compositions 60 s, videos about 3 min,
# 5 s between the proxy's 3 retries of an upstream call, 45 s per call; dev/jimeng-sim/latency.ts): too slow for
# README's first request, which waits 30 s. The dev stack runs it faster but still slow enough to watch a job go
# through its states; each can be set in the environment or .env (dev/jimeng-sim/main.ts reads them).
export_simulator_latencies() {
  export JIMENG_SIM_IMAGE_LATENCY_MS="${JIMENG_SIM_IMAGE_LATENCY_MS:-2000}"
  export JIMENG_SIM_COMPOSITION_LATENCY_MS="${JIMENG_SIM_COMPOSITION_LATENCY_MS:-3000}"
  export JIMENG_SIM_VIDEO_DURATION_MS="${JIMENG_SIM_VIDEO_DURATION_MS:-15000}"
  export JIMENG_SIM_RETRY_DELAY_MS="${JIMENG_SIM_RETRY_DELAY_MS:-1000}"
  export JIMENG_SIM_UPSTREAM_TIMEOUT_MS="${JIMENG_SIM_UPSTREAM_TIMEOUT_MS:-5000}"
}

# How long a stop waits before it kills: a worker lets running activities finish within its grace, and then
# closes (the same 30 s more that README, Deploying, asks of Kubernetes and compose); the API drains for up to
# its shutdown timeout.
stop_seconds() {
  case "$1" in
    worker) echo $((WORKER_SHUTDOWN_GRACE_MS / 1000 + 30)) ;;
    api) echo $((API_SHUTDOWN_TIMEOUT_MS / 1000 + 5)) ;;
    *) echo 15 ;;
  esac
}

stop() {
  stop_pidfile "$1" "$RUN_DIR/$1.pid" "$(stop_seconds "$1")"
}

start() {
  local name="$1" entry pidfile="$RUN_DIR/$1.pid"
  entry="$(entry_for "$name")"
  [ -f "$entry" ] || die "$entry is missing; run npm run build first"
  if pid_alive "$pidfile"; then
    say "$name already running (pid $(cat "$pidfile")); restarting it on the current build"
    stop "$name"
  fi
  say "starting $name (log: $LOG_DIR/$name.log)"
  # The dev stack is for development: the worker downloads outputs from the simulator on 127.0.0.1, and
  # callbacks may go to a receiver on this machine, unless set otherwise (README, Outbound address policy).
  export OUTBOUND_ALLOW_PRIVATE="${OUTBOUND_ALLOW_PRIVATE-${CALLBACK_ALLOW_PRIVATE-true}}"
  if [ "$name" = jimeng-sim ]; then export_simulator_latencies; fi
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
  stop:worker | stop:api | stop:jimeng-sim | stop:oss-server) stop "$2" ;;
  status:worker | status:api | status:jimeng-sim | status:oss-server) status "$2" ;;
  *) die "usage: $0 start|stop|status worker|api|jimeng-sim|oss-server" ;;
esac
