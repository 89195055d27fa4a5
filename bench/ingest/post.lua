-- wrk script: POSTs alert payloads. Environment:
--   FORMAT       alertmanager (Firebreak's webhook endpoint), pagerduty (Events API v2),
--                amapi (Alertmanager's POST /api/v2/alerts)
--   PER_REQUEST  alerts per request (ignored for pagerduty: one event per request)
--   POOL         distinct alerts cycled through (most requests repeat firing alerts, as
--                Alertmanager does every group_interval)
--   DELAY_MS     per-connection pause between requests (0 = as fast as possible)
--   KEY          integration key
local format = os.getenv("FORMAT") or "alertmanager"
local per = tonumber(os.getenv("PER_REQUEST") or "10")
local pool = tonumber(os.getenv("POOL") or "1000")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "0")
local key = os.getenv("KEY") or "example-alertmanager-key"
local services = {"web", "checkout", "payments", "db", "catalog", "search", "auth", "inventory"}

-- Every request of the run is built once, in init(): the client's Lua work per request is a table
-- lookup, so wrk's share of the two cores stays small and the same for both servers.
local requests = {}
local counter = 0

local function labels(i)
  return string.format('{"alertname":"BenchAlert%d","instance":"host-%d:9100","job":"node","service":"%s","severity":"warning"}',
                       i % 50, i, services[(i % #services) + 1])
end

local function am_alert(i)
  return string.format('{"status":"firing","labels":%s,"annotations":{"summary":"bench alert %d"},' ..
                       '"startsAt":"2026-01-05T08:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"bench%08d"}',
                       labels(i), i, i)
end

local function api_alert(i)
  return string.format('{"labels":%s,"annotations":{"summary":"bench alert %d"}}', labels(i), i)
end

local function build(first)
  if format == "pagerduty" then
    local body = string.format('{"routing_key":"%s","event_action":"trigger","dedup_key":"bench-%d",' ..
                               '"payload":{"summary":"bench alert %d","source":"host-%d","severity":"warning",' ..
                               '"component":"%s"}}', key, first, first, first, services[(first % #services) + 1])
    return wrk.format("POST", "/v2/enqueue", {["Content-Type"] = "application/json"}, body)
  end
  local parts = {}
  for n = 1, per do
    local i = (first + n - 1) % pool
    parts[n] = format == "amapi" and api_alert(i) or am_alert(i)
  end
  if format == "amapi" then
    return wrk.format("POST", "/api/v2/alerts", {["Content-Type"] = "application/json"},
                      "[" .. table.concat(parts, ",") .. "]")
  end
  local body = '{"version":"4","groupKey":"bench","status":"firing","receiver":"firebreak","alerts":[' ..
               table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/api/v1/alerts/alertmanager",
                    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key}, body)
end

function init(args)
  -- One request per window of `per` consecutive alerts of the pool (every alert equally often).
  local step = format == "pagerduty" and 1 or per
  for first = 0, pool - 1, step do
    requests[#requests + 1] = build(first)
  end
  counter = math.random(1, #requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

if delay_ms > 0 then
  function delay()
    return delay_ms
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d non2xx=%d socket_errors=%d duration_us=%d p50_us=%d p99_us=%d\n",
                         summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
                         latency:percentile(50), latency:percentile(99)))
end
