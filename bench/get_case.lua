-- get_case.lua: wrk script for GET /api/v1/cases/{id} — the case page (run.sh (b), load.sh).
-- Cycles over a list of case ids (each wrk thread starts at a different place in it).
-- Only 200 OK counts; every other status is counted and reported by done(), with a
-- sample body. The same script drives the trivial baseline, which ignores path and token.
-- Environment: BENCH_TOKEN (bearer token), BENCH_IDS (ids separated by commas).
--   wrk -t2 -c32 -d10s -s bench/get_case.lua http://127.0.0.1:PORT

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
report.count(200)
report.cycle(function()
	local paths = {}
	for id in string.gmatch(report.env("BENCH_IDS"), "[^,%s]+") do
		table.insert(paths, "/api/v1/cases/" .. id)
	end
	return paths
end)
