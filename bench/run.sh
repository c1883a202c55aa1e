#!/usr/bin/env bash
# Load benchmarks of the guichet server (`make bench`); docs/performance.md
# explains what is measured and records the figures of one full run.
#
# Builds Release in build-bench/, seeds a fresh SQLite database with
# BENCH_REQUESTS synthetic requests, starts `guichet serve` on a free loopback
# port and drives it with wrk; prints a summary table. Fails if any request was
# not answered 2xx, or if the requests stored do not match the 201s sent.
#
# Settings (environment):
#   BENCH_REQUESTS        requests seeded first (default 1000000; 50000 for a quick check)
#   BENCH_DURATION        seconds of each wrk run (default 10)
#   BENCH_CONNECTIONS     wrk connections of the main runs (default 64)
#   BENCH_WRK_THREADS     wrk threads (default 2)
#   BENCH_SERVER_THREADS  GUICHET_THREADS of the server (default 0: one per core)
#   BENCH_SEEDED_DB       copy this seeded database instead of seeding (to iterate
#                         on the scripts; the figures in the docs come from a seeding run)
#   BENCH_KEEP=1          keep the temporary directory (database, logs, wrk output)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly ROOT
readonly LUA_DIR="$ROOT/bench"
readonly BUILD_DIR="$ROOT/build-bench"
readonly BIN="$BUILD_DIR/guichet"
readonly REQUESTS="${BENCH_REQUESTS:-1000000}"
readonly DURATION="${BENCH_DURATION:-10}"
readonly CONNECTIONS="${BENCH_CONNECTIONS:-64}"
readonly WRK_THREADS="${BENCH_WRK_THREADS:-2}"
readonly SERVER_THREADS="${BENCH_SERVER_THREADS:-0}"
readonly SEEDED_DB="${BENCH_SEEDED_DB:-}"
# The shipped demo catalogue: its services and workflows shape the seeded data.
export GUICHET_CATALOGUE="$ROOT/catalogue"
# Connections of the extra runs: a POST run showing that group commit grows
# with concurrency, and a list run light enough that latency is service time.
readonly kManyConnections=256
readonly kFewConnections=4
# A server that is not ready by then will not become ready.
readonly kStartTimeoutSeconds=60
# The server drains in-flight requests for up to 10 s on SIGTERM.
readonly kStopTimeoutSeconds=20
# Past this share of a core used by other processes during a run, say the figure is noisy.
readonly kNoisyOtherCores=0.25

die() {
  echo "bench: $*" >&2
  exit 1
}

for v in REQUESTS DURATION CONNECTIONS WRK_THREADS SERVER_THREADS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "BENCH_$v must be a non-negative integer, not '${!v}'"
done
((REQUESTS > 0 && DURATION > 0 && WRK_THREADS > 0 && CONNECTIONS >= WRK_THREADS)) ||
  die "need BENCH_REQUESTS > 0, BENCH_DURATION > 0, BENCH_CONNECTIONS >= BENCH_WRK_THREADS > 0"
[[ -z "$SEEDED_DB" || -f "$SEEDED_DB" ]] || die "BENCH_SEEDED_DB: no file $SEEDED_DB"

# Installs the Debian package of a missing command.
need() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null && return 0
  echo "bench: $cmd missing, installing the Debian package $pkg"
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  # A fresh machine may have no package lists yet: update once, then retry.
  "${sudo[@]}" apt-get install -y "$pkg" >/dev/null ||
    { "${sudo[@]}" apt-get update >/dev/null && "${sudo[@]}" apt-get install -y "$pkg" >/dev/null; } ||
    die "cannot install $pkg"
}
need wrk wrk
need sqlite3 sqlite3
need curl curl
need cmake cmake
need ninja ninja-build

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/guichet-bench.XXXXXX")"
readonly WORK
readonly DB="$WORK/guichet.db"
SERVER_PID=""
BASE_URL=""

# Stops the server we started: SIGTERM drains, then the database is closed.
stop_server() {
  local pid="$SERVER_PID"
  [[ -n "$pid" ]] || return 0
  SERVER_PID=""
  kill -TERM "$pid" 2>/dev/null || return 0
  local i
  for ((i = 0; i < kStopTimeoutSeconds * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bench: server $pid still running after ${kStopTimeoutSeconds} s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # called by the trap
cleanup() {
  stop_server
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "bench: files kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts `guichet serve` on a port the kernel picks; sets SERVER_PID and
# BASE_URL once /readyz answers. $1: access log (true/false), $2: log file.
start_server() {
  local access_log="$1" log="$2"
  GUICHET_DATABASE="sqlite:$DB" GUICHET_LISTEN=127.0.0.1:0 GUICHET_THREADS="$SERVER_THREADS" \
    GUICHET_ACCESS_LOG="$access_log" GUICHET_LOG_LEVEL=info "$BIN" serve >"$log" 2>&1 &
  SERVER_PID=$!
  local port="" deadline=$((SECONDS + kStartTimeoutSeconds))
  # The port is in the startup log line, flushed within a second.
  while [[ -z "$port" ]]; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "the server exited at startup"; }
    ((SECONDS < deadline)) || die "no listening line in $log after ${kStartTimeoutSeconds} s"
    sleep 0.2
    port="$(grep -o '"port":[0-9]*' "$log" | head -n1 | cut -d: -f2 || true)"
  done
  BASE_URL="http://127.0.0.1:$port"
  until curl -fsS -o /dev/null "$BASE_URL/readyz"; do
    ((SECONDS < deadline)) || die "$BASE_URL/readyz not ready after ${kStartTimeoutSeconds} s"
    sleep 0.2
  done
}

count_requests() { sqlite3 "$DB" "SELECT COUNT(*) FROM requests"; }

# Sum of the server's guichet_http_requests_total whose method and status
# match two anchored regexes, e.g. metric_count POST 201.
metric_count() {
  curl -fsS "$BASE_URL/metrics" |
    awk -v m="$1" -v s="$2" '
      /^guichet_http_requests_total/ {
        if (match($0, /method="[^"]*"/) && substr($0, RSTART + 8, RLENGTH - 9) ~ ("^(" m ")$") &&
            match($0, /status="[^"]*"/) && substr($0, RSTART + 8, RLENGTH - 9) ~ ("^(" s ")$"))
          n += $NF
      }
      END { printf "%d\n", n }'
}

# CPU time in clock ticks: "<busy ticks of the machine> <ticks of the server>".
cpu_ticks() {
  local machine server=0
  machine="$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)"
  [[ -n "$SERVER_PID" ]] && server="$(awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat")"
  echo "$machine $server"
}

# Server-side group commit counters: "<commits> <writes>".
write_counters() {
  curl -fsS "$BASE_URL/metrics" | awk '
    /^guichet_db_write_batches_total / { b = $2 } /^guichet_db_write_ops_total / { o = $2 }
    END { printf "%d %d\n", b, o }'
}

declare -a ROW_NAMES=() ROW_RPS=() ROW_P50=() ROW_P99=() ROW_CPU=() HEALTHZ_RUNS=()
NOISY=0

# Runs wrk once and records a row of the summary.
# $1: row name, $2: connections, $3: path, $4: Lua script; the rest goes to
# the script after `--`. Sets LAST_REQUESTS and LAST_OK (2xx answers).
run_wrk() {
  local name="$1" conns="$2" path="$3" script="$4"
  shift 4
  local out="$WORK/wrk-${#ROW_NAMES[@]}.txt" times="$WORK/wrk-${#ROW_NAMES[@]}.time"
  local threads=$((WRK_THREADS < conns ? WRK_THREADS : conns))
  echo
  echo "== $name: wrk -t$threads -c$conns -d${DURATION}s --latency $path${*:+ (script args: $*)}"
  local before after
  before="$(cpu_ticks)"
  local TIMEFORMAT='%R %U %S'
  { time wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency --timeout 10s \
    -s "$LUA_DIR/$script" "$BASE_URL$path" -- "$@" >"$out" 2>&1; } 2>"$times" || {
    cat "$out" >&2
    die "wrk failed ($name)"
  }
  after="$(cpu_ticks)"
  sed -n '/Latency Distribution/,/Requests\/sec/p' "$out"
  local line
  line="$(grep '^BENCH ' "$out")" || { cat "$out" >&2; die "no report line from wrk ($name)"; }
  # "BENCH k=v ..." becomes shell variables r_k.
  local kv r_requests r_duration_us r_non2xx r_connect r_read r_write r_timeout
  local r_p50_us r_p90_us r_p99_us r_max_us
  for kv in ${line#BENCH }; do
    printf -v "r_${kv%%=*}" '%s' "${kv#*=}"
  done
  local rps cpu
  rps="$(awk -v n="$r_requests" -v d="$r_duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')"
  # Cores used during the run by the server, by wrk, and by anything else.
  cpu="$(awk -v b="$before" -v a="$after" -v t="$(cat "$times")" -v hz="$(getconf CLK_TCK)" '
    BEGIN {
      split(b, x, " "); split(a, y, " "); split(t, w, " ")
      wall = w[1]; server = (y[2] - x[2]) / hz / wall; wrk = (w[2] + w[3]) / wall
      other = (y[1] - x[1]) / hz / wall - server - wrk
      printf "%.2f %.2f %.2f", server, wrk, (other < 0 ? 0 : other)
    }')"
  local cpu_server cpu_wrk cpu_other
  read -r cpu_server cpu_wrk cpu_other <<<"$cpu"
  echo "   $rps req/s; latency p50 $(ms "$r_p50_us"), p90 $(ms "$r_p90_us"), p99 $(ms "$r_p99_us")," \
    "max $(ms "$r_max_us") ms; non-2xx $r_non2xx;" \
    "socket errors: connect $r_connect read $r_read write $r_write timeout $r_timeout;" \
    "cores used: server $cpu_server, wrk $cpu_wrk, other processes $cpu_other"
  if awk -v o="$cpu_other" -v k="$kNoisyOtherCores" 'BEGIN { exit !(o > k) }'; then
    echo "   NOTE: other processes used $cpu_other cores during this run: figures are noisy"
    NOISY=1
  fi
  ((r_non2xx == 0)) || die "$name: $r_non2xx responses were not 2xx (BENCH_KEEP=1 keeps $out)"
  ((r_connect + r_read + r_write + r_timeout == 0)) || die "$name: socket errors (see $out)"
  ROW_NAMES+=("$name") ROW_RPS+=("$rps") ROW_P50+=("$r_p50_us") ROW_P99+=("$r_p99_us")
  ROW_CPU+=("$cpu")
  LAST_RPS="$rps"
  LAST_REQUESTS="$r_requests"
  LAST_OK=$((r_requests - r_non2xx))
}

# --- Machine ------------------------------------------------------------------
echo "guichet load benchmark — $(date '+%Y-%m-%d %H:%M:%S %Z')"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')," \
  "$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "database disk: $(df -h --output=source,fstype,size "$WORK" | tail -n1 | tr -s ' ')"
echo "tools: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), sqlite3 $(sqlite3 --version | cut -d' ' -f1)," \
  "$(c++ --version 2>/dev/null | head -n1)"
dirty=""
[[ -n "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ]] && dirty=" + uncommitted changes in src/"
echo "source: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$dirty"
echo "settings: $REQUESTS seeded requests, ${DURATION} s per run, wrk $WRK_THREADS threads and" \
  "$CONNECTIONS connections, server threads: $( ((SERVER_THREADS)) && echo "$SERVER_THREADS" || echo "one per core")." \
  "wrk and the server share the machine: rates are also given as a ratio to /healthz of the same run."

# --- Build --------------------------------------------------------------------
t0="$(now)"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$WORK/cmake.log" 2>&1 ||
    { cat "$WORK/cmake.log" >&2; die "cmake failed"; }
fi
ninja -C "$BUILD_DIR" -j"$(nproc)" guichet >"$WORK/build.log" 2>&1 ||
  { cat "$WORK/build.log" >&2; die "build failed"; }
echo "build: Release, $BUILD_DIR ($(since "$t0") s)"

# --- Seed ---------------------------------------------------------------------
t0="$(now)"
SEED_SECONDS=""
# The API needs credentials (issue #4): an administrator's key for the runs.
bench_key() {
  GUICHET_DATABASE="sqlite:$DB" "$BIN" api-key create --name bench --scope admin | tail -n1
}
if [[ -n "$SEEDED_DB" ]]; then
  cp "$SEEDED_DB" "$DB"
  sync "$DB"
  echo "seed: copied $SEEDED_DB ($(since "$t0") s; no seeding time measured)"
else
  GUICHET_DATABASE="sqlite:$DB" "$BIN" seed-demo --requests "$REQUESTS" >"$WORK/seed.log" 2>&1 ||
    { cat "$WORK/seed.log" >&2; die "seed-demo failed"; }
  SEED_SECONDS="$(since "$t0")"
  # The runs measure the server, not the kernel writing the seeded file back.
  sync "$DB"
  echo "seed: $REQUESTS requests (and one event each) in $SEED_SECONDS s," \
    "$(awk -v n="$REQUESTS" -v s="$SEED_SECONDS" 'BEGIN { printf "%.0f", n / s }') requests/s" \
    "in writes of 5,000 rows — $(cat "$WORK/seed.log")"
fi
REQUESTS_BEFORE="$(count_requests)"
echo "database: $REQUESTS_BEFORE requests, $(du -m "$DB" | cut -f1) MB"
# Durable creates wait for fsync: how long one takes on this disk, now.
PROBE="$(LC_ALL=C dd if=/dev/zero of="$WORK/fsync-probe" bs=4k count=200 oflag=dsync 2>&1 |
  awk '/copied/ { for (i = 1; i < NF; i++) if ($(i + 1) ~ /^s,?$/) t = $i } END { print t }')"
rm -f "$WORK/fsync-probe"
FSYNC_MS="$(awk -v t="$PROBE" 'BEGIN { printf "%.2f", t * 1000 / 200 }')"
echo "disk: a 4 KiB O_DSYNC write takes $FSYNC_MS ms on average (200 writes with dd)"

# --- Runs ---------------------------------------------------------------------
start_server false "$WORK/server.log"
echo "server: pid $SERVER_PID, $BASE_URL, access log OFF (its cost is measured at the end)"

# Not recorded: the first seconds of a fresh process are slower (allocator, caches).
echo
echo "== warm-up: 2 s of GET /healthz, not recorded"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s "$BASE_URL/healthz" >/dev/null || die "wrk failed (warm-up)"

export GUICHET_BENCH_AUTH="Bearer $(bench_key)"
run_wrk "GET /healthz" "$CONNECTIONS" /healthz healthz.lua
HEALTHZ_RUNS+=("$LAST_RPS")

# Runs one POST row and prints what group commit did during it.
post_run() {
  local before after b0 o0 b1 o1
  before="$(write_counters)"
  run_wrk "$@"
  after="$(write_counters)"
  read -r b0 o0 <<<"$before"
  read -r b1 o1 <<<"$after"
  echo "   group commit: $((o1 - o0)) writes in $((b1 - b0)) commits," \
    "$(awk -v o=$((o1 - o0)) -v b=$((b1 - b0)) 'BEGIN { printf "%.1f", b ? o / b : 0 }') per commit"
  POST_OK=$((POST_OK + LAST_OK))
}
POST_OK=0
post_run "POST /api/v1/requests" "$CONNECTIONS" /api/v1/requests post_request.lua
post_run "POST /api/v1/requests, $kManyConnections conn." "$kManyConnections" /api/v1/requests \
  post_request.lua
# A create's 201 is sent after its commit: once wrk is gone, nothing is pending.
sleep 1
REQUESTS_AFTER_POST="$(count_requests)"
CREATED=$((REQUESTS_AFTER_POST - REQUESTS_BEFORE))
SERVER_201="$(metric_count POST 201)"

MAX_ID="$(sqlite3 "$DB" "SELECT MAX(id) FROM requests")"
run_wrk "GET /api/v1/requests/{id}" "$CONNECTIONS" /api/v1/requests get_request.lua "$MAX_ID"
run_wrk "list ?category=open&team=voirie" "$CONNECTIONS" /api/v1/requests list_requests.lua \
  "category=open&team=voirie"
run_wrk "list ?channel=email" "$CONNECTIONS" /api/v1/requests list_requests.lua "channel=email"
run_wrk "list ?category=open&team=voirie, deep cursor" "$CONNECTIONS" /api/v1/requests \
  list_requests.lua "category=open&team=voirie" "$MAX_ID"
run_wrk "list ?category=open&team=voirie, $kFewConnections conn." "$kFewConnections" \
  /api/v1/requests list_requests.lua "category=open&team=voirie"
run_wrk "list ?category=open&team=voirie, deep, $kFewConnections conn." "$kFewConnections" \
  /api/v1/requests list_requests.lua "category=open&team=voirie" "$MAX_ID"
# Back-office (issue 4): the agents' inbox by deadline and by last activity,
# its sidebar counts, and full-text search in French over requests and messages.
run_wrk "inbox ?team=voirie&sort=due" "$CONNECTIONS" /api/v1/inbox inbox.lua "team=voirie&sort=due&limit=50"
run_wrk "inbox ?sort=activity&assignee=unassigned" "$CONNECTIONS" /api/v1/inbox inbox.lua \
  "sort=activity&assignee=unassigned&limit=50"
run_wrk "inbox counts ?team=voirie" "$kFewConnections" /api/v1/inbox/counts inbox.lua "team=voirie"
run_wrk "inbox counts, every team" "$kFewConnections" /api/v1/inbox/counts inbox.lua ""
run_wrk "search ?q=<two French words>" "$CONNECTIONS" /api/v1/search search.lua
# The latency of one search, not of a queue of 64 (service time).
run_wrk "search ?q=<two French words>, $kFewConnections conn." "$kFewConnections" /api/v1/search \
  search.lua
# Open311 (issue 6): a bbox search over the whole table, and reports posted
# as an Open311 client does, with a key made for the run.
run_wrk "Open311 GET requests.json?bbox" "$CONNECTIONS" /open311/v2/requests.json \
  open311_requests.lua
run_wrk "Open311 GET requests.json?bbox, $kFewConnections conn." "$kFewConnections" \
  /open311/v2/requests.json open311_requests.lua
OPEN311_KEY="$(GUICHET_DATABASE="sqlite:$DB" "$BIN" api-key create --name bench --scope open311 |
  tail -n1)"
O311_BEFORE="$(count_requests)"
run_wrk "Open311 POST requests.xml" "$CONNECTIONS" /open311/v2/requests.xml open311_post.lua \
  "$OPEN311_KEY"
sleep 1
REQUESTS_AFTER_POST="$(count_requests)"
O311_CREATED=$((REQUESTS_AFTER_POST - O311_BEFORE))
# Open311 answers a created report with 200 (the spec's), the only POST 200 here.
O311_200="$(metric_count POST 200)"
# Logins (issue #4): Argon2id is slow on purpose and runs on a bounded pool,
# so logins must not starve the rest: /healthz is measured again while a
# second wrk keeps logging in, and its rate compared with the runs around.
run_wrk "POST /api/v1/auth/login (Argon2id), $kFewConnections conn." "$kFewConnections" \
  /api/v1/auth/login login.lua
LOGIN_OUT="$WORK/wrk-login-background.txt"
wrk -t1 -c"$kFewConnections" -d"${DURATION}s" --latency -s "$LUA_DIR/login.lua" \
  "$BASE_URL/api/v1/auth/login" >"$LOGIN_OUT" 2>&1 &
LOGIN_WRK=$!
run_wrk "GET /healthz while logins run" "$CONNECTIONS" /healthz healthz.lua
wait "$LOGIN_WRK" || die "wrk failed (logins in the background)"
LOGIN_BG="$(grep '^BENCH ' "$LOGIN_OUT" || true)"
[[ -n "$LOGIN_BG" ]] || { cat "$LOGIN_OUT" >&2; die "no report line from the background logins"; }
echo "   meanwhile: $(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  END { printf "%d logins (%.0f/s), %d not 2xx, p99 %.1f ms", v["requests"],
        v["requests"] / (v["duration_us"] / 1e6), v["non2xx"], v["p99_us"] / 1000 }' <<<"$LOGIN_BG")"
run_wrk "GET /healthz (again)" "$CONNECTIONS" /healthz healthz.lua
HEALTHZ_RUNS+=("$LAST_RPS")
# The reference for the ratios: both /healthz runs, which bracket the others.
HEALTHZ_RPS="$(awk -v a="${HEALTHZ_RUNS[0]}" -v b="${HEALTHZ_RUNS[1]}" 'BEGIN { printf "%.0f", (a + b) / 2 }')"

RSS_KB="$(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status")"
HWM_KB="$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")"
SERVER_NON2XX="$(metric_count '[A-Z]+' '[013-9][0-9][0-9]')"
read -r COMMITS WRITES <<<"$(write_counters)"
stop_server
REQUESTS_FINAL="$(count_requests)"

# The access log on: the same /healthz run against a second server.
start_server true "$WORK/server-access-log.log"
run_wrk "GET /healthz, access log ON" "$CONNECTIONS" /healthz healthz.lua
HEALTHZ_LOG_REQUESTS="$LAST_REQUESTS"
stop_server
ACCESS_LINES="$(grep -c '"msg":"requête"' "$WORK/server-access-log.log" || true)"

# --- Summary ------------------------------------------------------------------
echo
echo "== Summary: $REQUESTS_BEFORE requests stored, $(nproc) cores shared by wrk and the server," \
  "$(date '+%Y-%m-%d')"
printf '%-46s %8s %8s %8s %8s   %s\n' "run" "req/s" "p50 ms" "p99 ms" "/healthz" \
  "cores: server wrk other"
for i in "${!ROW_NAMES[@]}"; do
  printf '%-46s %8s %8s %8s %8s   %s\n' "${ROW_NAMES[$i]}" "${ROW_RPS[$i]}" \
    "$(ms "${ROW_P50[$i]}")" "$(ms "${ROW_P99[$i]}")" \
    "$(awk -v a="${ROW_RPS[$i]}" -v b="$HEALTHZ_RPS" 'BEGIN { printf "%.2f", a / b }')" \
    "${ROW_CPU[$i]}"
done
echo "(/healthz: ratio to $HEALTHZ_RPS req/s, the mean of the two /healthz runs with the access log off;"
echo " $CONNECTIONS connections unless the row says otherwise; deep: cursor drawn in the older half of the ids)"
echo
[[ -z "$SEED_SECONDS" ]] || echo "seeding: $REQUESTS requests in $SEED_SECONDS s"
echo "server memory after the runs: VmRSS $((RSS_KB / 1024)) MB, peak (VmHWM) $((HWM_KB / 1024)) MB"
echo "group commit: $WRITES writes in $COMMITS commits," \
  "$(awk -v o="$WRITES" -v b="$COMMITS" 'BEGIN { printf "%.1f", b ? o / b : 0 }') per commit;" \
  "a 4 KiB O_DSYNC write took $FSYNC_MS ms"
echo "requests in the database: $REQUESTS_BEFORE before, $REQUESTS_AFTER_POST after the POST runs," \
  "$REQUESTS_FINAL after the server stopped"
echo "durability: wrk saw $POST_OK 2xx POSTs, the server sent $SERVER_201 × 201," \
  "the table grew by $CREATED; Open311: $O311_200 reports created, $O311_CREATED stored"
echo "access log: $ACCESS_LINES lines for $HEALTHZ_LOG_REQUESTS /healthz answers seen by wrk" \
  "(a few more were in flight when wrk stopped, or readiness probes)"
((NOISY == 0)) || echo "NOTE: other processes used the CPU during some runs (column 'other'): noisy figures"

# Inbound mail: mailgate (a process per message) and the Maildir reader.
MAIL_STATUS=0
"$LUA_DIR/mail.sh" "$BIN" || MAIL_STATUS=1

status=0
# Every 201 sent must be stored. wrk never reads the answers still in flight
# when its time is up, so it may count up to one fewer per connection.
if ((CREATED != SERVER_201)); then
  echo "FAIL: the server sent $SERVER_201 × 201 but $CREATED requests were stored" >&2
  status=1
elif ((CREATED < POST_OK || CREATED > POST_OK + CONNECTIONS + kManyConnections)); then
  echo "FAIL: $CREATED requests stored for $POST_OK 2xx POSTs seen by wrk" >&2
  status=1
elif ((CREATED == POST_OK)); then
  echo "OK: the table grew by exactly the number of 2xx POSTs wrk reported"
else
  echo "OK: the table grew by the number of 201s the server sent; $((CREATED - POST_OK)) of them" \
    "were in flight when wrk stopped and never read by it"
fi
if ((O311_CREATED != O311_200)); then
  echo "FAIL: Open311 answered $O311_200 reports as created but $O311_CREATED were stored" >&2
  status=1
fi
if ((REQUESTS_FINAL != REQUESTS_AFTER_POST)); then
  echo "FAIL: $REQUESTS_FINAL requests after shutdown, $REQUESTS_AFTER_POST before" >&2
  status=1
fi
if ((SERVER_NON2XX != 0)); then
  echo "FAIL: the server answered $SERVER_NON2XX requests with a status other than 2xx" >&2
  status=1
fi
((MAIL_STATUS == 0)) || status=1
# --- outbox (issue #5): notifications delivered per second to a local SMTP server.
if ! "$ROOT/bench/outbox_smtp.sh" "$BIN"; then
  echo "FAIL: the outbox benchmark did not deliver every notification" >&2
  status=1
fi
exit "$status"
