-- wrk_report.lua: what the wrk scripts share — every answer whose status is not the one
-- expected is counted (with the statuses and a sample body), and done() prints them with
-- the rate and latencies on one "BENCH key=value ..." line that run.sh and load.sh read.
-- Loaded by each script from its own folder:
--   local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
--   report.count(201)

local M = {}
local threads = {}

-- An environment variable the script cannot run without.
function M.env(name)
	return os.getenv(name) or error(name .. " is not set")
end

-- Install setup, response and done for answers expected to have status `expect`. Each
-- thread sees its number (from 1) as the global tid in init().
function M.count(expect)
	-- per thread (each wrk thread has its own Lua state): counts read back in done()
	ok, other, statuses, sample = 0, 0, {}, nil

	function setup(thread)
		table.insert(threads, thread)
		thread:set("tid", #threads)
	end

	function response(status, headers, body)
		if status == expect then
			ok = ok + 1
		else
			other = other + 1
			statuses[status] = (statuses[status] or 0) + 1
			if sample == nil then sample = string.sub(body or "", 1, 300) end
		end
	end

	function done(summary, latency, requests)
		local tok, toth, st, smp = 0, 0, {}, nil
		for _, t in ipairs(threads) do
			tok = tok + t:get("ok")
			toth = toth + t:get("other")
			for s, n in pairs(t:get("statuses")) do st[s] = (st[s] or 0) + n end
			smp = smp or t:get("sample")
		end
		local e = summary.errors
		local secs = summary.duration / 1e6
		io.write(string.format("%d responses %d, other responses %d\n", expect, tok, toth))
		for s, n in pairs(st) do io.write(string.format("  status %d: %d\n", s, n)) end
		if smp then io.write("  first other body: " .. smp .. "\n") end
		io.write(string.format("BENCH ok=%d other=%d seconds=%.3f ok_per_sec=%.1f"
			.. " p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f socket_errors=%d timeouts=%d\n",
			tok, toth, secs, tok / secs, latency:percentile(50) / 1000,
			latency:percentile(90) / 1000, latency:percentile(99) / 1000,
			latency.max / 1000, e.connect + e.read + e.write, e.timeout))
	end
end

-- GET requests with the bearer token of BENCH_TOKEN, over the paths paths() gives (called
-- in each thread's init), cycling, each thread starting at a different place.
function M.cycle(paths)
	function init(args)
		local headers = { ["Authorization"] = "Bearer " .. M.env("BENCH_TOKEN") }
		local reqs, i = {}, 0
		for _, p in ipairs(paths()) do table.insert(reqs, wrk.format("GET", p, headers)) end
		if #reqs == 0 then error("no paths to request") end
		i = ((tid or 1) * 7919) % #reqs
		function request()
			i = i % #reqs + 1
			return reqs[i]
		end
	end
end

return M
