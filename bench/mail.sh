#!/usr/bin/env bash
# Inbound mail throughput (part of `make bench`, or alone):
#   bench/mail.sh [GUICHET_BINARY]
# Ingests BENCH_MAIL_MESSAGES realistic French mails (tests/mail/corpus, each
# copy made unique) into a fresh SQLite database, twice:
#   - through `guichet mailgate`, one process per message as an MTA runs it,
#     BENCH_MAIL_PARALLEL at a time (target: >= 300 messages/s on 2 cores);
#   - through `guichet maildir` reading a Maildir's new/ (target: >= 2,000/s).
# Fails when a message is missing from the database afterwards.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-$ROOT/build-bench/guichet}"
readonly BIN
readonly MESSAGES="${BENCH_MAIL_MESSAGES:-3000}"
readonly PARALLEL="${BENCH_MAIL_PARALLEL:-4}"
[[ -x "$BIN" ]] || { echo "bench/mail: no binary $BIN" >&2; exit 1; }
[[ "$MESSAGES" =~ ^[0-9]+$ && "$MESSAGES" -gt 0 ]] || { echo "bench/mail: BENCH_MAIL_MESSAGES" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/guichet-bench-mail.XXXXXX")"
cleanup() { [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$WORK"; }
trap cleanup EXIT
export GUICHET_CATALOGUE="$ROOT/catalogue"
export GUICHET_MAIL_ADDRESSES="demarches@mairie-villeneuve.fr"
export GUICHET_LOG_LEVEL=warn

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

# Unique copies of the corpus (the same bytes twice are stored once); the
# bounce and our own loops are left out: they create no request.
make_messages() {
  local dir="$1" prefix="$2" i=0
  mapfile -t corpus < <(find "$ROOT/tests/mail/corpus" -name '*.eml' ! -name 'dsn.eml' | sort)
  mkdir -p "$dir"
  while ((i < MESSAGES)); do
    for f in "${corpus[@]}"; do
      ((i < MESSAGES)) || break
      { printf 'X-Bench-Id: %s-%d\r\n' "$prefix" "$i"; cat "$f"; } >"$dir/$prefix.$i.M$i.bench"
      i=$((i + 1))
    done
  done
}

count() { sqlite3 "$1" "SELECT COUNT(*) FROM mail_messages"; }

# mailgate: one process per message.
DB="$WORK/mailgate.db"
GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo >/dev/null
make_messages "$WORK/gate" gate
start=$(now)
find "$WORK/gate" -type f -print0 |
  GUICHET_DATABASE="sqlite:$DB" xargs -0 -P "$PARALLEL" -I{} sh -c '"$0" mailgate < "$1" > /dev/null' "$BIN" {}
end=$(now)
stored=$(count "$DB")
echo "mailgate: $MESSAGES messages, $PARALLEL processes at a time: $(rate "$MESSAGES" "$start" "$end") messages/s ($stored stored)"
status=0
((stored == MESSAGES)) || { echo "FAIL: mailgate stored $stored of $MESSAGES" >&2; status=1; }

# maildir: one process reads new/.
DB="$WORK/maildir.db"
GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo >/dev/null
mkdir -p "$WORK/Maildir/cur" "$WORK/Maildir/tmp"
make_messages "$WORK/Maildir/new" dir
start=$(now)
GUICHET_DATABASE="sqlite:$DB" "$BIN" maildir "$WORK/Maildir" >/dev/null
end=$(now)
stored=$(count "$DB")
moved=$(find "$WORK/Maildir/cur" -name '*:2,S' | wc -l)
echo "maildir: $MESSAGES messages: $(rate "$MESSAGES" "$start" "$end") messages/s ($stored stored, $moved moved to cur/)"
((stored == MESSAGES && moved == MESSAGES)) || { echo "FAIL: maildir stored $stored, moved $moved of $MESSAGES" >&2; status=1; }
exit "$status"
