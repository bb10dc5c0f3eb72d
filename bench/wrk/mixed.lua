-- bench/wrk/mixed.lua — mixed load for bench/soak.sh: good requests and many kinds of bad ones,
-- each with the answer it must get.
--
-- Run it with as many wrk threads as connections (wrk -t N -c N): each thread then has one
-- connection, so every answer belongs to the request that thread sent last.
--
-- The tokens come from the environment: SOAK_TOKEN (alice, every scope), SOAK_TOKEN_BOB,
-- SOAK_TOKEN_READ_ONLY (mcp:read only), SOAK_TOKEN_EXPIRED, SOAK_TOKEN_WRONG_AUDIENCE and
-- SOAK_TOKEN_BAD_SIGNATURE. done() prints machine-readable lines:
--   SOAK_KIND name=K expected=S answers=N unexpected=N server_errors=N
--   SOAK_TOTAL answers=N unexpected=N server_errors=N socket_errors=N
--   SOAK_SAMPLE kind=K status=S body=...   (the first unexpected answer of each thread)

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then error(name .. " is not set") end
  return value
end

local token = env("SOAK_TOKEN")
local meta = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}'
local json = { ["Content-Type"] = "application/json", ["Accept"] = "application/json, text/event-stream" }

local function headers(extra, bearer)
  local all = {}
  for name, value in pairs(json) do all[name] = value end
  if bearer then all["Authorization"] = "Bearer " .. bearer end
  for name, value in pairs(extra or {}) do all[name] = value end
  return all
end

local function modern_call(name, arguments)
  return '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"' .. name .. '","arguments":'
    .. arguments .. ',' .. meta .. '}}'
end

local function legacy_call(name, arguments)
  return '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"' .. name .. '","arguments":' .. arguments .. '}}'
end

local modern_echo = modern_call("echo", '{"message":"soak"}')
local legacy_echo = legacy_call("echo", '{"message":"soak"}')
local modern_headers = { ["MCP-Protocol-Version"] = "2026-07-28", ["Mcp-Method"] = "tools/call", ["Mcp-Name"] = "echo" }
local legacy_headers = { ["MCP-Protocol-Version"] = "2025-11-25" }

-- name, weight (how often in the rotation), method, path, headers, body, expected status, and text
-- the answer's body must contain.
local kinds = {
  { "call-2026", 6, "POST", "/mcp", headers(modern_headers, token), modern_echo, 200, '"isError":false' },
  { "call-2025", 4, "POST", "/mcp", headers(legacy_headers, token), legacy_echo, 200, '"isError":false' },
  { "whoami-bob", 2, "POST", "/mcp", headers(legacy_headers, env("SOAK_TOKEN_BOB")), legacy_call("whoami", "{}"),
    200, '"subject":"bob"' },
  { "list", 4, "POST", "/mcp",
    headers({ ["MCP-Protocol-Version"] = "2026-07-28", ["Mcp-Method"] = "tools/list" }, token),
    '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{' .. meta .. '}}', 200, '"name":"echo"' },
  { "health", 2, "GET", "/health", {}, nil, 200, '"status":"ok"' },
  { "no-token", 4, "POST", "/mcp", headers(modern_headers), modern_echo, 401, "needs a bearer token" },
  { "basic-auth", 2, "POST", "/mcp", headers({ ["Authorization"] = "Basic YWxpY2U6c2VjcmV0" }), legacy_echo, 401,
    "needs a bearer token" },
  { "garbage-token", 4, "POST", "/mcp", headers(legacy_headers, "not.a.jwt"), legacy_echo, 401, "invalid_token" },
  { "token-too-long", 2, "POST", "/mcp", headers(legacy_headers, string.rep("a", 9000)), legacy_echo, 401,
    "invalid_token" },
  { "expired-token", 4, "POST", "/mcp", headers(modern_headers, env("SOAK_TOKEN_EXPIRED")), modern_echo, 401,
    "invalid_token" },
  { "wrong-audience", 4, "POST", "/mcp", headers(modern_headers, env("SOAK_TOKEN_WRONG_AUDIENCE")), modern_echo, 401,
    "invalid_token" },
  { "bad-signature", 4, "POST", "/mcp", headers(legacy_headers, env("SOAK_TOKEN_BAD_SIGNATURE")), legacy_echo, 401,
    "invalid_token" },
  { "scope-too-small", 2, "POST", "/mcp", headers(legacy_headers, env("SOAK_TOKEN_READ_ONLY")), legacy_echo, 403,
    "Insufficient scope" },
  { "foreign-origin", 2, "POST", "/mcp", headers({ ["Origin"] = "https://attacker.example" }, token), legacy_echo, 403,
    "Origin not allowed" },
  { "malformed-json", 4, "POST", "/mcp", headers(legacy_headers, token), '{"jsonrpc":"2.0","id":', 400, "-32700" },
  { "header-mismatch", 2, "POST", "/mcp",
    headers({ ["MCP-Protocol-Version"] = "2026-07-28", ["Mcp-Method"] = "tools/call", ["Mcp-Name"] = "get_time" }, token),
    modern_echo, 400, "-32020" },
  { "unknown-version", 2, "POST", "/mcp", headers({ ["MCP-Protocol-Version"] = "1999-01-01" }, token), legacy_echo, 400,
    "Unsupported" },
  { "get-mcp", 2, "GET", "/mcp", { ["Authorization"] = "Bearer " .. token }, nil, 405, "Use POST" },
  { "text-body", 2, "POST", "/mcp", headers({ ["Content-Type"] = "text/plain" }, token), legacy_echo, 415,
    "Content-Type" },
  -- Just over the 1 MiB limit, and rare: each one moves a megabyte.
  { "oversized-body", 1, "POST", "/mcp", headers(legacy_headers, token), string.rep(" ", 1048577) .. legacy_echo, 413,
    "larger than" },
}

-- The rotation: every kind as often as its weight, spread out rather than in runs.
local schedule = {}
local left = {}
for index, kind in ipairs(kinds) do left[index] = kind[2] end
repeat
  local added = false
  for index = 1, #kinds do
    if left[index] > 0 then
      table.insert(schedule, index)
      left[index] = left[index] - 1
      added = true
    end
  end
until not added

local requests = {}
local position = 1
local current = nil
-- The counts are global numbers (answers_3, unexpected_3, server_errors_3 for the third kind), so
-- that done() can read them from each thread: wrk's thread:get copies numbers and strings well,
-- but not tables.
sample = ""

function init(args)
  for index, kind in ipairs(kinds) do
    requests[index] = wrk.format(kind[3], kind[4], kind[5], kind[6])
    _G["answers_" .. index], _G["unexpected_" .. index], _G["server_errors_" .. index] = 0, 0, 0
  end
  -- Threads start at different places in the rotation.
  position = ((thread_number or 0) * 7) % #schedule + 1
end

function request()
  current = schedule[position]
  position = position % #schedule + 1
  return requests[current]
end

local function count(field)
  local name = field .. "_" .. current
  _G[name] = _G[name] + 1
end

function response(status, headers, body)
  local kind = kinds[current]
  local name = kind[1]
  count("answers")
  if status >= 500 then count("server_errors") end
  if status ~= kind[7] or not string.find(body or "", kind[8], 1, true) then
    count("unexpected")
    if sample == "" then
      local shown = string.gsub(string.sub(body or "", 1, 200), "\n", " ")
      sample = string.format("kind=%s status=%d body=%s", name, status, shown)
    end
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_number", #threads)
end

function done(summary, latency, requests)
  local total = { answers = 0, unexpected = 0, server_errors = 0 }
  for index, kind in ipairs(kinds) do
    local sums = { answers = 0, unexpected = 0, server_errors = 0 }
    for _, thread in ipairs(threads) do
      for field in pairs(total) do sums[field] = sums[field] + (thread:get(field .. "_" .. index) or 0) end
    end
    for field in pairs(total) do total[field] = total[field] + sums[field] end
    io.write(string.format("SOAK_KIND name=%s expected=%d answers=%d unexpected=%d server_errors=%d\n",
      kind[1], kind[7], sums.answers, sums.unexpected, sums.server_errors))
  end
  local errors = summary.errors
  io.write(string.format("SOAK_TOTAL answers=%d unexpected=%d server_errors=%d socket_errors=%d p99_us=%d\n",
    total.answers, total.unexpected, total.server_errors,
    errors.connect + errors.read + errors.write + errors.timeout, latency:percentile(99)))
  for _, thread in ipairs(threads) do
    local text = thread:get("sample")
    if text ~= nil and text ~= "" then io.write("SOAK_SAMPLE " .. text .. "\n") end
  end
end
