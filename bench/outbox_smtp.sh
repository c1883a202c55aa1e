#!/usr/bin/env bash
# Benchmark: notifications delivered per second by the outbox worker to a
# local SMTP server (aiosmtpd, tests/outbox/smtp_server.py) on SQLite.
#
# Queues BENCH_NOTIFICATIONS acknowledgements first (requests of the
# question-generale procedure, each acknowledged by email) with the worker
# asleep, then restarts the server with the worker awake and times the
# backlog until the SMTP server has accepted every message.
#
# Usage: bench/outbox_smtp.sh [path/to/guichet]   (default build-bench/guichet)
# Settings: BENCH_NOTIFICATIONS (default 2000; 100 for a quick check).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build-bench/guichet}"
readonly N="${BENCH_NOTIFICATIONS:-2000}"
[[ "$N" =~ ^[0-9]+$ && "$N" -gt 0 ]] || { echo "bench: BENCH_NOTIFICATIONS must be > 0" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "bench: no binary $BIN" >&2; exit 1; }

TMP=$(mktemp -d /tmp/guichet-bench-outbox.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 1200); do
    curl -fs "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench: server not ready" >&2
  exit 1
}

SMTP_PORT=$(free_port)
/usr/bin/python3 "$ROOT/tests/outbox/smtp_server.py" "$SMTP_PORT" "$TMP/smtp" >"$TMP/smtp.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do grep -q ready "$TMP/smtp.log" 2>/dev/null && break; sleep 0.05; done

export GUICHET_DATABASE="sqlite:$TMP/guichet.db" GUICHET_CATALOGUE="$ROOT/catalogue"
export GUICHET_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" GUICHET_ACCESS_LOG=false GUICHET_LOG_LEVEL=warn
PORT=$(free_port)
# The API needs credentials (issue #4): a key made for the run.
"$BIN" migrate >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log" >&2; exit 1; }
KEY=$("$BIN" api-key create --name bench-outbox --scope api | tail -n1)
# 1. Queue the notifications with the worker asleep (one pass at start, then an hour).
GUICHET_LISTEN="127.0.0.1:$PORT" GUICHET_OUTBOX_INTERVAL_MS=3600000 "$BIN" serve >"$TMP/serve1.log" 2>&1 &
SERVER=$!
PIDS+=($SERVER)
wait_ready "$PORT"
sleep 0.2
for i in $(seq 1 "$N"); do
  printf '{"service":"question-generale","description":"Question %d","channel":"api","contact":{"email":"citoyen%d@example.org"}}\n' "$i" "$i"
done | xargs -d '\n' -P 8 -I{} curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $KEY" -d {} "http://127.0.0.1:$PORT/api/v1/requests" ||
  { echo "bench: queueing the notifications failed (see $TMP/serve1.log)" >&2; exit 1; }
kill -TERM "$SERVER"
wait "$SERVER" || true

# 2. Deliver the backlog.
PORT=$(free_port)
start=$(date +%s.%N)
GUICHET_LISTEN="127.0.0.1:$PORT" GUICHET_OUTBOX_INTERVAL_MS=20 "$BIN" serve >"$TMP/serve2.log" 2>&1 &
PIDS+=($!)
deadline=$((SECONDS + 600))
while (($(find "$TMP/smtp" -name '*.eml' | wc -l) < N)); do
  ((SECONDS < deadline)) || { echo "bench: not every notification delivered in 600 s" >&2; exit 1; }
  sleep 0.05
done
end=$(date +%s.%N)
python3 - "$N" "$start" "$end" <<'PY'
import sys
n, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"outbox → SMTP : {n} notifications en {end - start:.2f} s, {n / (end - start):.0f} /s")
PY
