-- get_case.lua: wrk script for (b), GET /api/v1/cases/{id}.
-- Cycles over a list of case ids (each wrk thread starts at a different place in it).
-- Only 200 OK counts; every other status is counted and reported by done(), with a
-- sample body. The same script drives the trivial baseline, which ignores path and token.
-- Environment: BENCH_TOKEN (bearer token), BENCH_IDS (ids separated by commas).
--   wrk -t2 -c32 -d10s -s bench/get_case.lua http://127.0.0.1:PORT

local token = os.getenv("BENCH_TOKEN") or error("get_case.lua: BENCH_TOKEN is not set")
local idlist = os.getenv("BENCH_IDS") or error("get_case.lua: BENCH_IDS is not set")

local expect = 200
local reqs, i = {}, 0

local threads = {}
function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

function init(args)
	local headers = { ["Authorization"] = "Bearer " .. token }
	for id in string.gmatch(idlist, "[^,%s]+") do
		table.insert(reqs, wrk.format("GET", "/api/v1/cases/" .. id, headers))
	end
	if #reqs == 0 then error("get_case.lua: BENCH_IDS holds no id") end
	i = ((tid or 1) * 7919) % #reqs -- spread the threads over the list
end

function request()
	i = i % #reqs + 1
	return reqs[i]
end

ok, other, statuses, sample = 0, 0, {}, nil

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
		.. " p50_ms=%.2f p99_ms=%.2f socket_errors=%d timeouts=%d\n",
		tok, toth, secs, tok / secs, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, e.connect + e.read + e.write, e.timeout))
end
