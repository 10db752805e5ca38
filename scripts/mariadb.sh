#!/usr/bin/env bash
# MariaDB for development and tests: uses a server already listening on MYSQL_PORT, otherwise installs
# mariadb-server from Debian (when missing) and runs a private instance with its data under .data/mysql.
# usage: scripts/mariadb.sh start|stop|status
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

MYSQL_DATA="$DATA_DIR/mysql"
PIDFILE="$RUN_DIR/mariadb.pid"
# Unix socket paths are limited to ~107 bytes; a deep clone path would overflow, so the socket lives in /tmp.
SOCKET="/tmp/jimeng-flow-mysql-$MYSQL_PORT.sock"
# Tests use their own database next to the dev one, so a test run never touches dev data.
TEST_DATABASE="${MYSQL_TEST_DATABASE:-${MYSQL_DATABASE}_test}"

client() { command -v mariadb || command -v mysql; }

ensure_installed() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return 0; fi
  say "mariadb-server is not installed"
  apt_install mariadb-server mariadb-client
}

mariadbd_bin() { command -v mariadbd || echo /usr/sbin/mariadbd; }

# SQL over the private instance's socket as root (installed with unix_socket/normal auth for root).
# Without MYSQL_HOST: the client reads it from the environment (common.sh exports it) and then talks TCP to
# the default port 3306, whatever listens there, instead of this instance's socket (even with --protocol=socket).
root_sql() { env -u MYSQL_HOST "$(client)" --protocol=socket --socket="$SOCKET" -uroot -e "$1"; }

create_database_and_user() {
  root_sql "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE DATABASE IF NOT EXISTS \`$TEST_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    CREATE USER IF NOT EXISTS '$MYSQL_USER'@'localhost' IDENTIFIED BY '$MYSQL_PASSWORD';
    CREATE USER IF NOT EXISTS '$MYSQL_USER'@'127.0.0.1' IDENTIFIED BY '$MYSQL_PASSWORD';
    GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\`.* TO '$MYSQL_USER'@'localhost', '$MYSQL_USER'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON \`${MYSQL_DATABASE}\\_%\`.* TO '$MYSQL_USER'@'localhost', '$MYSQL_USER'@'127.0.0.1';
    FLUSH PRIVILEGES;"
}

can_login() {
  "$(client)" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" -e "SELECT 1" >/dev/null 2>&1
}

ensure_databases_over_tcp() {
  "$(client)" -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u"$MYSQL_USER" -p"$MYSQL_PASSWORD" -e \
    "CREATE DATABASE IF NOT EXISTS \`$MYSQL_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
     CREATE DATABASE IF NOT EXISTS \`$TEST_DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
}

start() {
  if port_open "$MYSQL_HOST" "$MYSQL_PORT"; then
    if pid_alive "$PIDFILE"; then
      say "MariaDB already running (ours, pid $(cat "$PIDFILE"), port $MYSQL_PORT)"
      create_database_and_user
      return 0
    fi
    say "a database server already listens on $MYSQL_HOST:$MYSQL_PORT; using it"
    command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1 || apt_install mariadb-client
    can_login || die "cannot log in to $MYSQL_HOST:$MYSQL_PORT as $MYSQL_USER; create that user (password from MYSQL_PASSWORD) with rights on ${MYSQL_DATABASE} and ${TEST_DATABASE}, or set MYSQL_PORT to a free port"
    ensure_databases_over_tcp
    return 0
  fi
  ensure_installed
  if [ ! -d "$MYSQL_DATA/mysql" ]; then
    say "initialising MariaDB data folder $MYSQL_DATA"
    mkdir -p "$MYSQL_DATA"
    mariadb-install-db --datadir="$MYSQL_DATA" --user="$(id -un)" --auth-root-authentication-method=normal \
      --skip-test-db >"$LOG_DIR/mariadb-install.log" 2>&1 || die "mariadb-install-db failed (see $LOG_DIR/mariadb-install.log)"
  fi
  say "starting MariaDB on $MYSQL_HOST:$MYSQL_PORT (log: $LOG_DIR/mariadb.log)"
  local user_flag=()
  [ "$(id -u)" = 0 ] && user_flag=(--user=root)
  setsid "$(mariadbd_bin)" --no-defaults --datadir="$MYSQL_DATA" --socket="$SOCKET" --port="$MYSQL_PORT" \
    --bind-address="$MYSQL_HOST" --pid-file="$PIDFILE" --log-error="$LOG_DIR/mariadb.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
    --skip-name-resolve "${user_flag[@]}" </dev/null >/dev/null 2>&1 &
  wait_for "MariaDB" 60 env -u MYSQL_HOST mariadb-admin --protocol=socket --socket="$SOCKET" -uroot ping ||
    die "MariaDB did not answer within 60 s (see $LOG_DIR/mariadb.log)"
  create_database_and_user
}

stop() {
  if pid_alive "$PIDFILE"; then
    stop_pidfile MariaDB "$PIDFILE"
  else
    say "MariaDB: not running (or not ours)"
  fi
}

status() {
  if pid_alive "$PIDFILE"; then
    echo "mariadb   running  pid $(cat "$PIDFILE")  $MYSQL_HOST:$MYSQL_PORT  data $MYSQL_DATA"
  elif port_open "$MYSQL_HOST" "$MYSQL_PORT"; then
    echo "mariadb   external $MYSQL_HOST:$MYSQL_PORT (not started by this project)"
  else
    echo "mariadb   stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: $0 start|stop|status" ;;
esac
