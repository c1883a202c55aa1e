#!/usr/bin/env bash
# `make test`: install what is missing, build, start the servers the tests
# need on loopback (PostgreSQL), run every test, stop the servers whatever
# the outcome. Ends with ctest's summary and a "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD_DIR:-build}
# Below the ephemeral range (32768-60999): no outgoing connection can hold it
# when the cluster starts. Another cluster may (a second checkout's `make
# test`): then the next free port is taken, unless one was asked for.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [[ -n ${GUICHET_TEST_PG_PORT:-} ]]; then
  PG_PORT=$GUICHET_TEST_PG_PORT
else
  PG_PORT=25432
  while ! port_free "$PG_PORT" && ((PG_PORT < 25531)); do PG_PORT=$((PG_PORT + 1)); done
fi

# A failure before the tests still ends with the summary line.
fail() {
  echo "test: $1" >&2
  echo "0 passed, 1 failed"
  exit 1
}

scripts/install-deps || fail "installing the dependencies failed"
scripts/build.sh "$BUILD" || fail "the build failed"
# The portal the browser tests drive (web/dist).
scripts/build-web || fail "building the portal failed"
# The OpenID provider the OIDC login tests start on loopback (oidc-provider).
(cd tests/oidc && npm ci --no-audit --no-fund) || fail "installing the OpenID provider failed"

# PostgreSQL: a private cluster under build/, stopped on exit.
PG_DIR=$ROOT/$BUILD/pg
stop_pg() { "$ROOT/scripts/pg-cluster" stop "$PG_DIR" || true; }
trap stop_pg EXIT
if ! PG_URL=$(scripts/pg-cluster start "$PG_DIR" "$PG_PORT"); then
  # The checkout may sit under a directory the postgres user cannot enter.
  PG_DIR=$(mktemp -d /tmp/guichet-pg.XXXXXX)
  echo "test: PostgreSQL cluster moved to $PG_DIR" >&2
  PG_URL=$(scripts/pg-cluster start "$PG_DIR" "$PG_PORT") ||
    fail "PostgreSQL did not start on port $PG_PORT"
fi
export GUICHET_TEST_PG_URL=$PG_URL

status=0
# Formatting is part of the contract (STYLE.md §10).
if ! scripts/check-format; then
  status=1
fi

cd "$BUILD"
ctest --output-on-failure -j2 --timeout 600 2>&1 | tee ctest.log
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
summary=$(grep -E "tests passed, [0-9]+ tests failed out of" ctest.log | tail -1)
total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
failed=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
if [[ -n $total && -n $failed ]]; then
  echo "$((total - failed)) passed, $failed failed"
else
  echo "0 passed, 1 failed"
  status=1
fi
exit $status
