-- wrk script for the helpdesk benchmark (bench/run.py sets the environment).
--   BENCH_COOKIE  "session=..." sent with every request (optional)
--   BENCH_PATHS   space-separated paths, requested in turn (default: the URL's path)
--   BENCH_METHOD  GET or POST;  BENCH_BODY  an url-encoded form body for POST
-- done() prints one line "BENCH_JSON {...}" with the figures run.py reads.
local cookie = os.getenv("BENCH_COOKIE") or ""
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local paths = {}
for p in string.gmatch(os.getenv("BENCH_PATHS") or "", "%S+") do
  paths[#paths + 1] = p
end

wrk.method = method
wrk.headers["User-Agent"] = "helpdesk-bench"
if cookie ~= "" then wrk.headers["Cookie"] = cookie end
if body then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

local counter = 0

function setup(thread)
  thread:set("offset", math.random(0, 1000))
end

if #paths > 0 then
  function request()
    counter = counter + 1
    return wrk.format(nil, paths[((counter + (offset or 0)) % #paths) + 1])
  end
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p95": %d, "p99": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    s.connect, s.read, s.write, s.status, s.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99)))
end
