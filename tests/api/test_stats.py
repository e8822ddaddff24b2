"""test_stats.py: the indicators of /stats follow the scenarios driven through the API —
reported, accepted, closed on time and overdue, ratings with unreasonable complaints taken
out, supervision by colour, escalations and skip-level reports, open cases past red — and
a unit-bound role gets no region-wide period counts."""
import subprocess
import unittest

from common import ApiTest, GRID
from harness import PINGAN

CASES = "/api/v1/cases"
VILLAGE = GRID[:12]


class StatsTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    def stats(self, region=VILLAGE, user="city_admin", **q):
        path = "/api/v1/stats?region=" + region + "".join("&%s=%s" % kv for kv in q.items())
        r = self.get(path, user=user)
        self.assertStatus(r, 200)
        return r.json

    def delta(self, before, after, *path):
        a, b = before, after
        for k in path:
            a, b = a[k], b[k]
        return b - a

    def close(self, cid, rating=None):
        u = self.unit_by_code("village-" + VILLAGE)
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=u["id"])
        self.act(cid, "sign", user="village_101_001")
        self.act(cid, "feedback", user="village_101_001", note="已调解")
        self.act(cid, "verify_pass")
        if rating:
            # the call-back is the city centre's: the town reported the case
            self.act(cid, "callback", user="city_staff", rating=rating)

    def test_indicators_follow_the_cases(self):
        before = self.stats()
        a = self.create(title="统计A")
        b = self.create(title="统计B")
        c = self.create(title="统计C")
        d = self.create(title="统计D")
        self.close(a["id"], "satisfied")
        self.close(b["id"], "unsatisfied")
        self.close(c["id"], "unsatisfied")
        self.act(c["id"], "flag_unreasonable", note="诉求无理")
        self.act(d["id"], "accept")
        after = self.stats()
        p0, p1 = before["period"], after["period"]
        self.assertEqual(self.delta(p0, p1, "reported"), 4)
        self.assertEqual(self.delta(p0, p1, "accepted"), 4)
        self.assertEqual(self.delta(p0, p1, "closed"), 3)
        self.assertEqual(self.delta(p0, p1, "closed_on_time"), 3)
        self.assertEqual(self.delta(p0, p1, "unreasonable"), 1)
        self.assertEqual(self.delta(p0, p1, "ratings", "satisfied"), 1)
        # the unreasonable complaint's rating is taken out of satisfaction
        self.assertEqual(self.delta(p0, p1, "ratings", "unsatisfied"), 1)
        self.assertEqual(after["total"] - before["total"], 4)
        self.assertEqual(after["open"] - before["open"], 1)
        r = p1["ratings"]
        rated = r["satisfied"] + r["basically_satisfied"] + r["unsatisfied"]
        self.assertAlmostEqual(p1["satisfaction_rate"],
                               (r["satisfied"] + r["basically_satisfied"]) / rated, places=6)
        self.assertAlmostEqual(p1["closure_rate"], p1["closed"] / p1["reported"], places=6)
        # the town above counts the same events
        self.assertGreaterEqual(self.stats(region=GRID[:9])["period"]["closed"], p1["closed"])

    def test_by_unit(self):
        """group=unit: each event counts for the unit holding the case when it happened."""
        village = self.unit_by_code("village-" + VILLAGE)
        town = self.unit_by_code("town-" + GRID[:9])

        def by_unit():
            s = self.stats(group="unit")
            for g in s["groups"]:
                self.assertRegex(g["key"], r"^[1-9]\d*$")
                self.assertTrue(g["name"])
            self.assertLessEqual(sum(g["reported"] for g in s["groups"]), s["period"]["reported"])
            return {int(g["key"]): g for g in s["groups"]}

        before = by_unit()
        a = self.create(title="单位统计A", category="family")  # family: to the town centre
        self.close(a["id"])
        after = by_unit()

        def d(unit, *path):
            return self.delta(before.get(unit["id"], {"reported": 0, "accepted": 0,
                                                        "closed": 0}),
                              after[unit["id"]], *path)
        # the town centre received and accepted it; the village it was sent to closed it
        self.assertEqual((d(town, "reported"), d(town, "accepted"), d(town, "closed")),
                         (1, 1, 0))
        self.assertEqual((d(village, "reported"), d(village, "accepted"), d(village, "closed")),
                         (0, 0, 1))
        self.assertEqual(after[village["id"]]["name"], village["name"])
        # a report up counts for the unit that reported it, not the one it went to
        b = self.create(title="单位统计B", category="neighbour")  # to the village centre
        self.act(b["id"], "accept", user="village_101_001")
        self.act(b["id"], "report_up", user="village_101_001", note="村级无法化解")
        again = by_unit()
        self.assertEqual(self.delta(after[village["id"]], again[village["id"]], "escalated"), 1)
        self.assertEqual(self.delta(after[town["id"]], again[town["id"]], "escalated"), 0)

    def test_mediation_success_rate(self):
        before = self.stats()["period"]
        u = self.unit_by_code("village-" + VILLAGE)
        ids = []
        for title in ("调解成功统计", "调解不成统计", "调解再成统计"):
            c = self.create(title=title)
            self.act(c["id"], "accept")
            self.act(c["id"], "dispatch", unit_id=u["id"])
            self.act(c["id"], "sign", user="village_101_001")
            ids.append(c["id"])
        agreement = {"signed_on": "2026-11-21", "terms": "赔偿修缮费用", "due_on": "2026-12-01"}
        self.act(ids[0], "agreement", user="village_101_001", record=agreement)
        self.act(ids[1], "mediation_failed", user="village_101_001",
                 record={"advice": "告知诉讼", "reason": "分歧过大"})
        self.act(ids[2], "agreement", user="village_101_001", record=agreement)
        # a session record is neither success nor failure
        self.act(ids[2], "mediation_session", user="village_101_001",
                 record={"held_on": "2026-11-20", "attendees": "双方", "facts": "漏水",
                         "outcome": "继续调解"})
        after = self.stats()["period"]
        self.assertEqual(self.delta(before, after, "mediation_success"), 2)
        self.assertEqual(self.delta(before, after, "mediation_failed"), 1)
        s, f = after["mediation_success"], after["mediation_failed"]
        self.assertAlmostEqual(after["mediation_success_rate"], s / (s + f), places=6)

    def test_ranking_follows_the_indicators(self):
        """The towns' ranking: each town's values are its /stats rates, its score their
        weighted mean (data/assessment.conf), ranks follow the scores, equal ones shared;
        published to the whole city — a village reads it and finds its town — and to no
        other city."""
        q = "from=2026-01&to=2026-12"
        rk = self.get("/api/v1/stats/ranking?" + q, user="village_101_001")
        self.assertStatus(rk, 200)
        rk = rk.json
        self.assertEqual((rk["region"], rk["own"]), (GRID[:6], GRID[:9]))
        kids = {g["key"]: g for g in
                self.stats(region=GRID[:6], group="children", **{"from": "2026-01",
                                                                 "to": "2026-12"})["groups"]}
        self.assertEqual({u["code"] for u in rk["units"]}, set(kids))
        weights = {i["code"]: (i["weight"], i["better"]) for i in rk["indicators"]}
        scores = []
        for u in rk["units"]:
            g = kids[u["code"]]
            num = den = 0
            for code, (w, better) in weights.items():
                self.assertEqual(u["values"][code], g[code], (u["code"], code))
                if g[code] is not None:
                    num += w * (1 - g[code] if better == "lower" else g[code])
                    den += w
            if den:
                self.assertAlmostEqual(u["score"], round(num / den * 100, 2), places=2)
            scores.append(u["score"])
        ranked = [s for s in scores if s is not None]
        self.assertEqual(ranked, sorted(ranked, reverse=True))
        for u in rk["units"]:
            if u["score"] is not None:
                self.assertEqual(u["rank"], 1 + sum(1 for s in ranked if s > u["score"]))
        # another city's ranking is not this city's to read; a province's leader names one
        self.assertStatus(self.get("/api/v1/stats/ranking?region=420982",
                                   user="village_101_001"), 403)
        r = self.get("/api/v1/stats/ranking?region=%s&%s" % (GRID[:6], q), user="province_42")
        self.assertStatus(r, 200)
        self.assertEqual([u["code"] for u in r.json["units"]],
                         [u["code"] for u in rk["units"]])
        # a town's villages, for the town
        r = self.get("/api/v1/stats/ranking?region=" + GRID[:9], user="town_101")
        self.assertStatus(r, 200)
        self.assertTrue(all(u["code"].startswith(GRID[:9]) for u in r.json["units"]))

    def test_rated_once_flagged_once(self):
        c = self.create(title="只评价一次")
        self.close(c["id"], "unsatisfied")
        path = "%s/%d/actions" % (CASES, c["id"])
        r = self.post(path, {"action": "callback", "rating": "satisfied"}, user="city_staff")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.act(c["id"], "flag_unreasonable", note="无理")
        r = self.post(path, {"action": "flag_unreasonable", "note": "再次"}, user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        got = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json
        offered = {a["action"] for a in got["actions"]}
        self.assertFalse({"callback", "flag_unreasonable"} & offered, offered)
        # reopened and closed again: rated afresh
        self.act(c["id"], "reopen", note="重办")
        self.act(c["id"], "feedback", user="village_101_001", note="重新处理")
        self.act(c["id"], "verify_pass")
        self.assertIsNone(self.get("%s/%d" % (CASES, c["id"]), user="town_101").json["rating"])
        self.act(c["id"], "callback", user="city_staff", rating="satisfied")

    def test_overdue_supervision_and_escalation(self):
        before = self.stats(region=GRID[:9])
        c = self.create(title="超期统计")
        u = self.unit_by_code("village-" + VILLAGE)
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=u["id"])
        self.act(c["id"], "sign", user="village_101_001")
        subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", "2031-01-06T09:00:00"],
                       check=True, capture_output=True)
        # the sweep judged the future: its events fall in January 2031
        later = self.stats(region=GRID[:9], **{"from": "2031-01", "to": "2031-01"})
        self.assertGreaterEqual(later["period"]["supervision"]["yellow"], 1)
        self.assertGreaterEqual(later["period"]["supervision"]["red"], 1)
        self.assertGreaterEqual(later["period"]["escalated"], 1)
        now = self.stats(region=GRID[:9])
        self.assertGreaterEqual(now["open_overdue"], before["open_overdue"] + 1)
        # closed after passing red: closed overdue, and no longer open past red
        case = self.get("%s/%d" % (CASES, c["id"]), user="city_admin").json
        self.assertEqual(case["tier"], "town")
        town_centre = self.unit_by_code("town-" + GRID[:9])
        self.act(c["id"], "dispatch", unit_id=town_centre["id"])
        self.act(c["id"], "sign")
        self.act(c["id"], "feedback", note="已处理")
        self.act(c["id"], "verify_pass", user="city_staff")  # not the unit that handled it
        done = self.stats(region=GRID[:9])
        self.assertEqual(done["period"]["closed_overdue"] - before["period"]["closed_overdue"], 1)
        self.assertEqual(done["open_overdue"], now["open_overdue"] - 1)

    def test_groups_and_periods(self):
        s = self.stats(region=GRID[:9], group="children", **{"from": "2026-01", "to": "2026-11"})
        self.assertEqual(len(s["groups"]), 30)
        self.assertEqual(sum(g["reported"] for g in s["groups"]), s["period"]["reported"])
        self.assertTrue(all(g["key"].startswith(GRID[:9]) and g["name"] for g in s["groups"]))
        m = self.stats(region=GRID[:9], group="month", **{"from": "2026-01", "to": "2026-06"})
        self.assertEqual([g["key"] for g in m["groups"]],
                         ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"])
        self.assertEqual(sum(g["reported"] for g in m["groups"]), m["period"]["reported"])
        self.assertEqual(m["previous_period"]["reported"] >= 0, True)
        for bad in ({"from": "2026-13"}, {"to": "x"}, {"from": "2026-05", "to": "2026-01"},
                    {"group": "town"}, {"from": "2000-01", "to": "2026-01"}):
            r = self.get("/api/v1/stats?region=%s&%s" % (GRID[:9], "&".join(
                "%s=%s" % kv for kv in bad.items())), user="city_admin")
            self.assertError(r, 400, "BAD_QUERY")

    def test_unit_role_gets_no_region_wide_period(self):
        s = self.stats(region="429006", user="mediator_family")
        self.assertNotIn("period", s)
        self.assertNotIn("groups", s)

    def test_unit_role_counts_its_own_overdue(self):
        before = self.stats(region="429006", user="mediator_family")
        c = self.create(title="委员会超期统计", category="family")
        fam = self.unit_by_code("committee-family")
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=fam["id"])
        self.act(c["id"], "sign", user="mediator_family")
        subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", "2035-01-08T09:00:00"],
                       check=True, capture_output=True)
        case = self.get("%s/%d" % (CASES, c["id"]), user="mediator_family")
        self.assertStatus(case, 200)
        self.assertEqual(case.json["deadline"]["supervision"], "red")
        now = self.stats(region="429006", user="mediator_family")
        self.assertGreaterEqual(now["open_overdue"], before["open_overdue"] + 1)
        self.assertLessEqual(now["open_overdue"], now["open"])
        self.act(c["id"], "feedback", user="mediator_family", note="已调解")
        self.act(c["id"], "verify_pass")
        done = self.stats(region="429006", user="mediator_family")
        self.assertEqual(done["open_overdue"], now["open_overdue"] - 1)


if __name__ == "__main__":
    unittest.main()
