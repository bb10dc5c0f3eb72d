-- bench/wrk/request.lua — one request, sent over and over by wrk; every answer is checked.
--
-- The request comes from the environment, so that bench/run.sh describes each scenario once and
-- uses the same description for its curl check:
--   BENCH_METHOD    GET or POST (default GET); the URL given to wrk holds the path
--   BENCH_HEADERS   "Name: value" lines, separated by newlines
--   BENCH_BODY      the request body (none when empty)
--   BENCH_EXPECT    the status every answer must have (default 200)
--   BENCH_CONTAINS  text an answer's body must contain (optional; checked when BENCH_EXPECT is not 2xx)
--
-- An answer with another status counts as unexpected: a scenario that quietly gets 4xx or 5xx is
-- reported as an error instead of as a fast run. When 2xx is expected, wrk's own count of answers
-- >= 400 says it: a Lua response() hook makes wrk hand every answer's headers and body to Lua, which
-- costs the client CPU that the server, on the same few cores, would otherwise get, and /health
-- would look slower than it is. When another status is expected, response() checks each answer's
-- status and BENCH_CONTAINS. (bench/run.sh checks the body of a 2xx answer with curl before each
-- run.) done() prints one machine-readable line:
--   BENCH_RESULT requests=N duration_us=N rps=X p50_us=N p99_us=N max_us=N unexpected=N
--                socket_errors=N   (connect + read + write + timeout, as wrk counts them)

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY") or ""
if body ~= "" then wrk.body = body end
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
  local name, value = line:match("^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

local expected = tonumber(os.getenv("BENCH_EXPECT") or "200")
local contains = os.getenv("BENCH_CONTAINS") or ""

local expect_success = expected >= 200 and expected < 300

-- Each wrk thread has its own Lua state: it counts in a global, and done() adds the threads up.
unexpected = 0

if not expect_success then
  function response(status, headers, response_body)
    if status ~= expected or (contains ~= "" and not string.find(response_body, contains, 1, true)) then
      unexpected = unexpected + 1
    end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local errors = summary.errors
  local total_unexpected = 0
  if expect_success then
    total_unexpected = errors.status
  else
    for _, thread in ipairs(threads) do
      total_unexpected = total_unexpected + (thread:get("unexpected") or 0)
    end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d unexpected=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max, total_unexpected,
    errors.connect + errors.read + errors.write + errors.timeout))
end
