"""test_any_day.py: the statistics and the deadlines on several simulated todays — the last
and first day of a month and of a year, 29 February, the day after a holiday — reached
through the testing clock, chosen from the day the suite runs so that it passes on any day.

On each day: every indicator of every scope from the city down to a grid, whole and grouped
by child region, month and unit, follows from its definition (docs/statistics.md) and lies
in [0, 1]; a case reported just before midnight and closed just after counts in the cohort
of its report's month and as a closing of the next day's; its limit ends at the end of a
working day of the official calendar, as many working days after its start on every day."""
import datetime
import glob
import os
import unittest

from common import ApiTest, GRID
from harness import ROOT

CST = datetime.timezone(datetime.timedelta(hours=8))
CITY, TOWN, VILLAGE = GRID[:6], GRID[:9], GRID[:12]
RATES = {  # rate: (numerator, denominator), as docs/statistics.md defines them
    "closure_rate": ("reported_closed", "reported"),
    "overdue_rate": ("reported_overdue", "reported"),
    "on_time_rate": ("closed_on_time", "closed"),
}


def calendar():
    """{date: 'holiday' | 'workday'} from the official calendar files."""
    days = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "calendar", "mainland-*.tsv"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 2 and cols[0][:1].isdigit():
                    days[datetime.date.fromisoformat(cols[0])] = cols[1]
    return days


DAYS = calendar()


def working(day):
    kind = DAYS.get(day)
    return kind == "workday" if kind else day.weekday() < 5


def simulated_todays(today):
    """The days to run on, each the first one on or after today (a day after a holiday:
    the first the calendar knows of after today, else its last)."""
    def month_end(d):
        nxt = (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
        return nxt - datetime.timedelta(days=1)
    end = month_end(today)
    year_end = datetime.date(today.year, 12, 31)
    leap = next(y for y in range(today.year, today.year + 9)
                if y % 4 == 0 and (y % 100 or y % 400 == 0)
                and datetime.date(y, 2, 29) >= today)
    after = [d + datetime.timedelta(days=1) for d, k in sorted(DAYS.items())
             if k == "holiday" and DAYS.get(d + datetime.timedelta(days=1)) != "holiday"
             and working(d + datetime.timedelta(days=1))]
    after_holiday = next((d for d in after if d > today), after[-1] if after else today)
    return [
        ("last day of a month", end),
        ("first day of a month", end + datetime.timedelta(days=1)),
        ("last day of a year", year_end),
        ("first day of a year", year_end + datetime.timedelta(days=1)),
        ("29 February", datetime.date(leap, 2, 29)),
        ("the day after a holiday", after_holiday),
    ]


def month(d):
    return "%04d-%02d" % (d.year, d.month)


class AnyDayTest(ApiTest):
    server_clock = True
    CATEGORY = "family"  # held by the town centre, which takes it in and dispatches it

    # ---- the clock ----

    def go(self, day, hour, minute=0):
        """Move the server's clock to day at hour:minute China time; sessions that ended on
        the way are made again at the next call."""
        at = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CST)
        self.s.shift(int(at.timestamp() - self.s.now()))
        self.s._tokens.clear()

    # ---- the definitions ----

    def stats(self, region, **q):
        path = "/api/v1/stats?region=" + region + "".join("&%s=%s" % kv for kv in q.items())
        r = self.get(path, user="city_admin")
        self.assertStatus(r, 200)
        return r.json

    def assertIndicators(self, ind, where):
        for rate, (num, den) in RATES.items():
            self.assertLessEqual(ind[num], ind[den], "%s: %s > %s" % (where, num, den))
            if ind[den]:
                self.assertAlmostEqual(ind[rate], ind[num] / ind[den], places=6,
                                       msg="%s: %s" % (where, rate))
            else:
                self.assertIsNone(ind[rate], "%s: %s of nothing" % (where, rate))
        for rate in ("closure_rate", "on_time_rate", "overdue_rate", "mediation_success_rate",
                     "satisfaction_rate"):
            v = ind[rate]
            self.assertTrue(v is None or 0 <= v <= 1, "%s: %s = %r" % (where, rate, v))
        self.assertEqual(ind["closed_on_time"] + ind["closed_overdue"], ind["closed"], where)
        s, f = ind["mediation_success"], ind["mediation_failed"]
        if s + f:
            self.assertAlmostEqual(ind["mediation_success_rate"], s / (s + f), places=6)

    def assertScope(self, region, frm, to):
        """Every figure of region over [frm, to], whole and grouped, follows the definitions;
        the groups add up to the whole."""
        whole = self.stats(region, **{"from": frm, "to": to})
        where = "%s %s..%s" % (region, frm, to)
        for k in ("period", "previous_period", "last_year"):
            self.assertIndicators(whole[k], "%s %s" % (where, k))
        self.assertLessEqual(whole["open_overdue"], whole["open"], where)
        self.assertLessEqual(whole["open"], whole["total"], where)
        for group in ("children", "month", "unit"):
            s = self.stats(region, group=group, **{"from": frm, "to": to})
            for g in s["groups"]:
                self.assertIndicators(g, "%s by %s %s" % (where, group, g["key"]))
            if len(region) == 15 and group == "children":
                self.assertEqual(s["groups"], [], "a grid has no children")
                continue
            if group == "unit":
                continue  # cases held by no unit count in no unit's group
            for k in ("reported", "reported_closed", "reported_overdue", "closed"):
                self.assertEqual(sum(g[k] for g in s["groups"]), whole["period"][k],
                                 "%s: %s by %s" % (where, k, group))

    # ---- the days ----

    def test_every_simulated_today(self):
        today = datetime.datetime.now(CST).date()
        limit_days = {}
        for name, day in simulated_todays(today):
            with self.subTest(day=name, date=day.isoformat()):
                self.one_day(name, day, limit_days)

    def one_day(self, name, day, limit_days):
        nxt = day + datetime.timedelta(days=1)
        this, after = month(day), month(nxt)
        self.go(day, 23, 20)
        year_ago = month(day - datetime.timedelta(days=330))
        for region in (CITY, TOWN, VILLAGE, GRID):
            self.assertScope(region, this, this)
        self.assertScope(TOWN, year_ago, this)

        before = {m: self.stats(VILLAGE, **{"from": m, "to": m})["period"]
                  for m in {this, after}}
        c = self.create(title="跨日统计" + day.isoformat())
        d = c["deadline"]
        start = datetime.datetime.fromisoformat(d["phase_started"]).astimezone(CST)
        red = datetime.datetime.fromisoformat(d["red_at"]).astimezone(CST)
        # a limit in working days ends at 24:00 China time of a working day
        self.assertEqual((red.hour, red.minute), (0, 0), d)
        end = red.date() - datetime.timedelta(days=1)
        self.assertTrue(working(end), "%s: the limit ends on %s, no working day" % (name, end))
        counted = sum(1 for i in range((end - start.date()).days)
                      if working(start.date() + datetime.timedelta(days=i + 1)))
        limit_days.setdefault(c["profile"], counted)
        self.assertEqual(counted, limit_days[c["profile"]],
                         "%s: %d working days to the red limit" % (name, counted))

        u = self.unit_by_code("village-" + VILLAGE)
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=u["id"])
        self.act(c["id"], "sign", user="village_101_001")
        self.act(c["id"], "feedback", user="village_101_001", note="已化解")
        self.go(nxt, 0, 40)
        self.act(c["id"], "verify_pass")

        got = {m: self.stats(VILLAGE, **{"from": m, "to": m})["period"] for m in {this, after}}

        def delta(m, k):
            return got[m][k] - before[m][k]
        # reported and settled in the month of its report (its cohort) …
        self.assertEqual((delta(this, "reported"), delta(this, "reported_closed")), (1, 1),
                         name)
        # … closed on the next day, in that day's month
        self.assertEqual(delta(after, "closed"), 1, name)
        if after != this:
            self.assertEqual((delta(this, "closed"), delta(after, "reported")), (0, 0), name)
        for m in {this, after}:
            self.assertIndicators(got[m], "%s %s" % (name, m))
        self.assertScope(VILLAGE, this, after)


if __name__ == "__main__":
    unittest.main()
