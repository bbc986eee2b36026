-- wrk script: POST /v1/chat/completions with a fixed JSON body and a Bearer key.
--
--   wrk -t1 -c32 -d10s -s bench/chat.lua http://127.0.0.1:18082/v1/chat/completions
--
-- Environment:
--   TG_KEY    Authorization bearer token (default tg-bench-key-000001)
--   TG_MODEL  model name (default bench-model)
--   TG_STREAM 1 = stream: true with stream_options.include_usage (SSE), else a JSON completion
--   TG_RATE   if set: pace to this many requests per second in total (open-loop schedule shared
--             by all connections of the thread; run with -t1). Without it wrk runs closed-loop,
--             as fast as the connections allow (saturation).
--   TG_LABEL  free text copied into the result line
-- At the end it prints one line "BENCH_RESULT {json}" with exact percentiles (microseconds).

local key = os.getenv("TG_KEY") or "tg-bench-key-000001"
local model = os.getenv("TG_MODEL") or "bench-model"
local stream = os.getenv("TG_STREAM") == "1"
local rate = tonumber(os.getenv("TG_RATE") or "")
local label = os.getenv("TG_LABEL") or ""

local body = '{"model":"' .. model .. '","messages":['
  .. '{"role":"system","content":"You are a helpful assistant. Answer briefly."},'
  .. '{"role":"user","content":"Say hello and offer help in one short sentence."}],'
  .. '"max_tokens":32,"temperature":0.2'
if stream then
  body = body .. ',"stream":true,"stream_options":{"include_usage":true}'
end
body = body .. '}'

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = stream and "text/event-stream" or "application/json"
wrk.headers["Authorization"] = "Bearer " .. key

if rate and rate > 0 then
  -- LuaJIT's FFI gives a monotonic clock; wrk's timers have 1 ms resolution.
  local ffi = require("ffi")
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } tg_timespec;
    int clock_gettime(int clk_id, tg_timespec *tp);
  ]]
  local ts = ffi.new("tg_timespec")
  local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
  local interval = 1000 / rate
  local next_slot = nil

  -- Called by wrk each time a connection is free to send its next request. Every call takes the
  -- next slot of one fixed schedule (start + k * interval), so the offered rate does not depend
  -- on response times as long as a free connection exists when a slot comes due.
  function delay()
    local now = now_ms()
    if next_slot == nil then
      next_slot = now + 100 -- let all connections open first
    end
    local slot = next_slot
    next_slot = next_slot + interval
    local wait = slot - now
    if wait < 0 then
      return 0
    end
    return math.floor(wait + 0.5)
  end
end

if os.getenv("TG_LOG_ERRORS") == "1" then
  -- Print the first few non-200 answers (status and body) to stderr. Off by default: defining
  -- response() makes wrk hand every response to Lua, which costs load-generator CPU.
  local logged = 0
  function response(status, headers, body)
    if status ~= 200 and logged < 3 then
      logged = logged + 1
      io.stderr:write("NON_200 " .. status .. " " .. string.sub(body or "", 1, 600) .. "\n")
    end
  end
end

local function json_string(s)
  return '"' .. s:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local parts = {
    '"label":' .. json_string(label),
    '"stream":' .. tostring(stream),
    '"target_rate":' .. tostring(rate or 0),
    '"requests":' .. summary.requests,
    '"seconds":' .. string.format("%.3f", seconds),
    '"rps":' .. string.format("%.1f", summary.requests / seconds),
    '"bytes":' .. summary.bytes,
    '"errors":{"connect":' .. e.connect .. ',"read":' .. e.read .. ',"write":' .. e.write
      .. ',"status":' .. e.status .. ',"timeout":' .. e.timeout .. '}',
    '"lat_us":{"min":' .. latency.min .. ',"mean":' .. string.format("%.1f", latency.mean)
      .. ',"p50":' .. latency:percentile(50) .. ',"p90":' .. latency:percentile(90)
      .. ',"p99":' .. latency:percentile(99) .. ',"p999":' .. latency:percentile(99.9)
      .. ',"max":' .. latency.max .. '}',
  }
  io.write("BENCH_RESULT {" .. table.concat(parts, ",") .. "}\n")
end
