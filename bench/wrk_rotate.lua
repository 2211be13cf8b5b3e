-- wrk script for bench/http.py: every request goes out as the next player (their session
-- cookie and their own X-Forwarded-For address, so per-user and per-address rate limits count
-- each player apart) to the next path of a list; done() prints the run's figures as one line
-- of JSON after the marker WRK_JSON, which bench.http parses.
--
--   wrk -t2 -c32 -d10s --timeout 60s -s bench/wrk_rotate.lua http://127.0.0.1:8000 -- DATA.lua
--
-- DATA.lua is written by bench.http:
--   return {threads = 2, paths = {"/api/...", ...}, players = {{cookie = "...", xff = "..."}, ...}}

-- In the main state: one entry per thread, for done() to read their status counts.
local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

-- In each thread's state. Globals (not locals), so that done() can read `statuses`.
function init(args)
   data = dofile(args[1])
   -- Threads interleave: thread t sends requests t, t + T, t + 2T... of the rotation, so no
   -- two threads start on the same player and players share the load evenly.
   position = thread_id
   statuses = {}
end

function request()
   local player = data.players[(position % #data.players) + 1]
   local path = data.paths[(position % #data.paths) + 1]
   position = position + data.threads
   return wrk.format("GET", path, {["Cookie"] = player.cookie, ["X-Forwarded-For"] = player.xff})
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

local function json_object(pairs_list)
   local parts = {}
   for _, kv in ipairs(pairs_list) do
      table.insert(parts, string.format("%q:%s", kv[1], kv[2]))
   end
   return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
   local counts = {}
   for _, thread in ipairs(threads) do
      for code, n in pairs(thread:get("statuses") or {}) do
         counts[tostring(code)] = (counts[tostring(code)] or 0) + n
      end
   end
   local status_pairs = {}
   for code, n in pairs(counts) do
      table.insert(status_pairs, {code, string.format("%d", n)})
   end
   local e = summary.errors
   local out = json_object({
      {"duration_us", string.format("%d", summary.duration)},
      {"requests", string.format("%d", summary.requests)},
      {"bytes", string.format("%d", summary.bytes)},
      {"errors", json_object({
         {"connect", string.format("%d", e.connect)}, {"read", string.format("%d", e.read)},
         {"write", string.format("%d", e.write)}, {"status", string.format("%d", e.status)},
         {"timeout", string.format("%d", e.timeout)},
      })},
      {"statuses", json_object(status_pairs)},
      {"latency_us", json_object({
         {"min", string.format("%d", latency.min)}, {"mean", string.format("%.1f", latency.mean)},
         {"max", string.format("%d", latency.max)},
         {"p50", string.format("%d", latency:percentile(50))},
         {"p90", string.format("%d", latency:percentile(90))},
         {"p99", string.format("%d", latency:percentile(99))},
      })},
   })
   io.write("WRK_JSON " .. out .. "\n")
end
