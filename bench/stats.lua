-- stats.lua: wrk script for GET /api/v1/stats (load.sh) — the statistics a town is
-- assessed by, over the regions given, each as it is, grouped by child region, by month
-- over the period and by unit in turn. Only 200 OK counts; every other status is counted
-- and reported.
-- Environment: BENCH_TOKEN (bearer token), BENCH_REGIONS (region codes, commas),
-- BENCH_FROM and BENCH_TO (months, YYYY-MM).
--   wrk -t2 -c32 -d20s -s bench/stats.lua http://127.0.0.1:PORT

local report = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
report.count(200)
report.cycle(function()
	local period = "&from=" .. report.env("BENCH_FROM") .. "&to=" .. report.env("BENCH_TO")
	local paths = {}
	for code in string.gmatch(report.env("BENCH_REGIONS"), "[^,%s]+") do
		local q = "/api/v1/stats?region=" .. code
		for _, g in ipairs({ "", "&group=children", period .. "&group=month", "&group=unit" }) do
			table.insert(paths, q .. g)
		end
	end
	return paths
end)
