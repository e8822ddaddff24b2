-- intake.lua: wrk script for (a), durable case intake.
-- POSTs the same new case to /api/v1/cases on every request. Only 201 Created counts as a
-- case; every other status is counted and reported by done(), with a sample body.
-- Environment: BENCH_TOKEN (bearer token, required).
--   wrk -t2 -c64 -d10s -s bench/intake.lua http://127.0.0.1:PORT

local token = os.getenv("BENCH_TOKEN") or error("intake.lua: BENCH_TOKEN is not set")

wrk.method = "POST"
wrk.path = "/api/v1/cases"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "application/json"
-- description: about 300 bytes of UTF-8 Chinese text, as in sqlite_commit_baseline.c
wrk.body = '{"type":"dispute","category":"neighbour","title":"邻里纠纷测试",'
	.. '"description":"两户居民因楼道堆放杂物及空调外机滴水问题多次发生争执，双方情绪激动，'
	.. '曾有推搡行为。一方称对方长期占用公共通道影响通行和消防安全，另一方称'
	.. '空调滴水损坏其窗台和晾晒衣物。社区网格员已上门了解情况，申请调解。",'
	.. '"lng":113.17,"lat":30.66,"channel":"walk_in"}'

local expect = 201

-- Per thread (each wrk thread has its own Lua state): counts read back in done().
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

local threads = {}
function setup(thread) table.insert(threads, thread) end

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
