#!/usr/bin/env bash
# Inbound mail throughput (part of `make bench`, or alone):
#   bench/mail.sh [GUICHET_BINARY]
# Ingests BENCH_MAIL_MESSAGES realistic French mails (tests/mail/corpus, each
# copy made unique) into a fresh SQLite database, three times:
#   - through `guichet mailgate` posting to a running `guichet serve` ([mail]
#     ingest_secret set), one process per message as an MTA runs it,
#     BENCH_MAIL_PARALLEL at a time (target: >= 300 messages/s on 2 cores);
#   - the baseline, in the same run: `guichet mailgate` with no server, each
#     process writing to the database itself (BENCH_MAIL_DIRECT_MESSAGES, 100:
#     it is slow);
#   - through `guichet maildir` reading a Maildir's new/ (target: >= 2,000/s).
# Prints the load average before each, and fails when a message is missing
# from the database afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build-bench/guichet}"
readonly BIN
readonly MESSAGES="${BENCH_MAIL_MESSAGES:-3000}"
readonly PARALLEL="${BENCH_MAIL_PARALLEL:-16}"
readonly DIRECT_MESSAGES="${BENCH_MAIL_DIRECT_MESSAGES:-100}"
[[ -x "$BIN" ]] || { echo "bench/mail: no binary $BIN" >&2; exit 1; }
[[ "$MESSAGES" =~ ^[0-9]+$ && "$MESSAGES" -gt 0 ]] || { echo "bench/mail: BENCH_MAIL_MESSAGES" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/guichet-bench-mail.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
export GUICHET_CATALOGUE="$ROOT/catalogue"
export GUICHET_MAIL_ADDRESSES="demarches@mairie-villeneuve.fr"
export GUICHET_LOG_LEVEL=warn

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# Unique copies of the corpus (the same bytes twice are stored once); the
# bounce and our own loops are left out: they create no request.
make_messages() {
  local dir="$1" prefix="$2" n="${3:-$MESSAGES}" i=0
  mapfile -t corpus < <(find "$ROOT/tests/mail/corpus" -name '*.eml' ! -name 'dsn.eml' | sort)
  mkdir -p "$dir"
  while ((i < n)); do
    for f in "${corpus[@]}"; do
      ((i < n)) || break
      { printf 'X-Bench-Id: %s-%d\r\n' "$prefix" "$i"; cat "$f"; } >"$dir/$prefix.$i.M$i.bench"
      i=$((i + 1))
    done
  done
}

count() { sqlite3 "$1" "SELECT COUNT(*) FROM mail_messages"; }

# One process per message, PARALLEL at a time, as an MTA's delivery agents
# (executed directly, without a shell: bench/mailgate_spawn.py).
mailgate_all() { python3 "$ROOT/bench/mailgate_spawn.py" "$BIN" "$1" "$PARALLEL" || true; }
status=0

# mailgate through the server: the front posts each message to `guichet serve`.
DB="$WORK/mailgate.db"
GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo >/dev/null
make_messages "$WORK/gate" gate
PORT=$(free_port)
export GUICHET_MAIL_INGEST_SECRET="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
GUICHET_DATABASE="sqlite:$DB" GUICHET_LISTEN="127.0.0.1:$PORT" GUICHET_ACCESS_LOG=false \
  "$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "load average before mailgate: $(load)"
start=$(now)
GUICHET_LISTEN="127.0.0.1:$PORT" GUICHET_DATABASE="sqlite:$WORK/absent/none.db" mailgate_all "$WORK/gate"
end=$(now)
kill "$SERVER_PID"
wait "$SERVER_PID" || true
SERVER_PID=""
stored=$(count "$DB")
echo "mailgate (through the server): $MESSAGES messages, $PARALLEL processes at a time: $(rate "$MESSAGES" "$start" "$end") messages/s ($stored stored)"
((stored == MESSAGES)) || { echo "FAIL: mailgate stored $stored of $MESSAGES" >&2; status=1; }
unset GUICHET_MAIL_INGEST_SECRET

# The baseline: no server, each mailgate process opens the database itself.
DB="$WORK/direct.db"
GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo >/dev/null
make_messages "$WORK/direct" direct "$DIRECT_MESSAGES"
echo "load average before mailgate (direct): $(load)"
start=$(now)
GUICHET_DATABASE="sqlite:$DB" mailgate_all "$WORK/direct"
end=$(now)
stored=$(count "$DB")
echo "mailgate (direct, baseline): $DIRECT_MESSAGES messages, $PARALLEL processes at a time: $(rate "$DIRECT_MESSAGES" "$start" "$end") messages/s ($stored stored)"
((stored == DIRECT_MESSAGES)) || { echo "FAIL: direct mailgate stored $stored of $DIRECT_MESSAGES" >&2; status=1; }

# maildir: one process reads new/.
DB="$WORK/maildir.db"
GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo >/dev/null
mkdir -p "$WORK/Maildir/cur" "$WORK/Maildir/tmp"
make_messages "$WORK/Maildir/new" dir
echo "load average before maildir: $(load)"
start=$(now)
GUICHET_DATABASE="sqlite:$DB" "$BIN" maildir "$WORK/Maildir" >/dev/null
end=$(now)
stored=$(count "$DB")
moved=$(find "$WORK/Maildir/cur" -name '*:2,S' | wc -l)
echo "maildir: $MESSAGES messages: $(rate "$MESSAGES" "$start" "$end") messages/s ($stored stored, $moved moved to cur/)"
((stored == MESSAGES && moved == MESSAGES)) || { echo "FAIL: maildir stored $stored, moved $moved of $MESSAGES" >&2; status=1; }
exit "$status"
