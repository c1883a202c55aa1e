-- Shared by the wrk scripts of bench/run.sh (loaded with dofile): numbers the
-- threads (thread_id, used to vary request bodies and ids), and at the end of
-- a run, prints one line that run.sh parses. Latencies are in microseconds.
-- wrk counts a response as an error when its status is above 399, so
-- `requests - non2xx` is the number of 2xx answers (the API sends no 1xx/3xx
-- here; run.sh also checks the server's own per-status counters).
local threads_started = 0
-- The API needs credentials: run.sh exports an administrator's API key.
local bench_auth = os.getenv("GUICHET_BENCH_AUTH")
if bench_auth then wrk.headers["Authorization"] = bench_auth end

function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_id", threads_started)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
