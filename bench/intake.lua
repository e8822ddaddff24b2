-- intake.lua: wrk script for durable case intake (run.sh (a), load.sh).
-- POSTs the same new case to /api/v1/cases on every request. Only 201 Created counts as a
-- case; every other status is counted and reported by done(), with a sample body.
-- Environment: BENCH_TOKEN (bearer token, required).
--   wrk -t2 -c64 -d10s -s bench/intake.lua http://127.0.0.1:PORT

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
local token = report.env("BENCH_TOKEN")

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

report.count(201)
