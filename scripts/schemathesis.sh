#!/usr/bin/env bash
# Schemathesis, the OpenAPI fuzz's tool (test/api/http/openapi-fuzz.test.ts), installed from PyPI with every
# package it runs on pinned (scripts/lib/schemathesis-requirements.txt) into a folder of the per-user cache,
# named for that file's content: a changed pin installs afresh, an unchanged one is found again by a fresh clone.
# usage: scripts/schemathesis.sh install|path|run ARGS...
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

pins="$(sha256sum "$SCHEMATHESIS_REQUIREMENTS" | cut -c1-12)"
TARGET="$CACHE_DIR/py/schemathesis-$pins"
# Written last: a folder without it is an install that did not finish.
STAMP="$TARGET/.jimeng-flow-installed"

install() {
  if [ ! -f "$STAMP" ]; then
    rm -rf "$TARGET"
    pip_install "$TARGET" --requirement "$SCHEMATHESIS_REQUIREMENTS" ||
      die "schemathesis from PyPI failed (see $LOG_DIR/pip.log)"
    run --version >/dev/null || die "schemathesis installed in $TARGET does not run (see $LOG_DIR/pip.log)"
    touch "$STAMP"
  fi
}

# The CLI from the folder, whatever else this machine's Python has installed.
run() {
  PYTHONPATH="$TARGET" PYTHONNOUSERSITE=1 python3 -c \
    'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "st"; sys.exit(schemathesis())' "$@"
}

case "${1:-}" in
  install) install ;;
  path) echo "$TARGET" ;;
  run)
    shift
    install
    run "$@"
    ;;
  *) die "usage: $0 install|path|run ARGS..." ;;
esac
