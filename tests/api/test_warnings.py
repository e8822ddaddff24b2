"""test_warnings.py: fraud warnings (反诈预警, S10) — a town issues one warning to several
grids, or to whole villages, towns or the city; each grid's worker sees only their own
visit task, confirms it with the visit record, and the warning's progress counts the
confirmations."""
import datetime
import unittest

from common import ApiTest, VILLAGE, OTHER_GRID

WARNINGS = "/api/v1/warnings"
GRIDS = [VILLAGE + "001", VILLAGE + "002", VILLAGE + "003"]
WORKERS = ["grid_101_001_001", "grid_101_001_002", "grid_101_001_003"]


def warning(grids, **over):
    body = {"title": "冒充客服退款诈骗预警", "description": "近期有冒充电商客服以退款为由实施诈骗，请入户提醒。",
            "category": "telecom_fraud", "grids": grids}
    body.update(over)
    return body


class WarningsTest(ApiTest):
    def period(self):
        r = self.get("/api/v1/stats?region=" + VILLAGE, user="town_101")
        self.assertStatus(r, 200)
        return r.json["period"]

    def test_issue_visit_confirm_progress(self):
        before = self.period()
        r = self.post(WARNINGS, warning(GRIDS), user="town_101")
        self.assertStatus(r, 201)
        w = r.json
        self.assertEqual([t["grid"] for t in w["tasks"]], GRIDS)
        p = self.get("%s/%d" % (WARNINGS, w["id"]), user="town_101")
        self.assertStatus(p, 200)
        self.assertEqual((p.json["total"], p.json["confirmed"], p.json["completion"]), (3, 0, 0))
        self.assertEqual(p.json["status"], "issued")
        # each worker sees their own task, not the neighbour's
        t0, t1 = w["tasks"][0]["case_id"], w["tasks"][1]["case_id"]
        r = self.get("/api/v1/cases/%d" % t0, user=WORKERS[0])
        self.assertStatus(r, 200)
        self.assertEqual(r.json["type"], "fraud_visit")
        self.assertIn("confirm", {a["action"] for a in r.json["actions"]})
        self.assertStatus(self.get("/api/v1/cases/%d" % t1, user=WORKERS[0]), 404)
        # the confirmation needs the visit record
        path = "/api/v1/cases/%d/actions" % t0
        r = self.post(path, {"action": "confirm"}, user=WORKERS[0])
        self.assertError(r, 400, "MISSING_FIELD", "record")
        r = self.post(path, {"action": "confirm", "record": {"visited_on": self.day(-1)}},
                      user=WORKERS[0])
        self.assertError(r, 400, "MISSING_FIELD", "record.households")
        r = self.post(path, {"action": "confirm", "record": {"visited_on": self.day(-1),
                                                             "households": 12}},
                      user=WORKERS[1])
        self.assertStatus(r, 404)
        c = self.act(t0, "confirm", user=WORKERS[0],
                     record={"visited_on": self.day(-1), "households": 12, "persuaded": 2})
        self.assertEqual(c["status"], "confirmed")
        self.assertEqual(c["records"][0]["data"]["households"], 12)
        self.act(t1, "confirm", user=WORKERS[1],
                 record={"visited_on": self.day(0), "households": 8})
        p = self.get("%s/%d" % (WARNINGS, w["id"]), user="town_101").json
        self.assertEqual((p["total"], p["confirmed"]), (3, 2))
        self.assertAlmostEqual(p["completion"], 2 / 3)
        self.assertEqual({t["case_id"]: t["confirmed"] for t in p["tasks"]},
                         {t0: True, t1: True, w["tasks"][2]["case_id"]: False})
        # a grid worker reads the counts, but only their own task
        p = self.get("%s/%d" % (WARNINGS, w["id"]), user=WORKERS[0]).json
        self.assertEqual((p["total"], [t["case_id"] for t in p["tasks"]]), (3, [t0]))
        # tasks sent down are not cases reported: the indicators do not move
        after = self.period()
        self.assertEqual([after[k] for k in ("reported", "closed", "accepted")],
                         [before[k] for k in ("reported", "closed", "accepted")])
        # the warning is a case of its own; the town completes it
        c = self.act(w["id"], "complete", note="各网格已入户宣传")
        self.assertEqual(c["status"], "completed")

    def test_refusals(self):
        before = [len(self.walk("town_101", type=t)[0]) for t in ("fraud_warning", "fraud_visit")]
        r = self.post(WARNINGS, warning([GRIDS[0], OTHER_GRID]), user="town_101")
        self.assertError(r, 403, "FORBIDDEN", "grids[1]")
        r = self.post(WARNINGS, warning([], regions=[OTHER_GRID[:9]]), user="town_101")
        self.assertError(r, 403, "FORBIDDEN", "regions[0]")
        r = self.post(WARNINGS, warning([], regions=["4290061019"]), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "regions[0]")
        r = self.post(WARNINGS, warning([], regions=[VILLAGE[:9] + "999"]), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "regions[0]")  # no such village: no grid
        r = self.post(WARNINGS, warning([GRIDS[0], GRIDS[0]]), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "grids[1]")
        r = self.post(WARNINGS, warning([]), user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "grids")
        r = self.post(WARNINGS, warning(["12345"]), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "grids[0]")
        r = self.post(WARNINGS, warning(GRIDS[:1], category="nonsense"), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "category")
        r = self.post(WARNINGS, warning(GRIDS[:1]), user=WORKERS[0])
        self.assertError(r, 403, "FORBIDDEN")
        # the case types of warnings are not open to the plain intake
        for t in ("fraud_warning", "fraud_visit"):
            r = self.post("/api/v1/cases", self.case_body(type=t, category="telecom_fraud"),
                          user="town_101")
            self.assertError(r, 400, "BAD_FIELD", "type")
        types = {t["code"]: t for t in self.get("/api/v1/case-types", user="town_101").json["items"]}
        self.assertEqual(types["fraud_visit"]["intake"], "POST /api/v1/warnings")
        self.assertIsNone(types["dispute"]["intake"])
        # a plain case is not a warning; nothing was written by the refusals
        c = self.create(title="普通案件")
        self.assertError(self.get("%s/%d" % (WARNINGS, c["id"]), user="town_101"), 404,
                         "NOT_FOUND")
        after = [len(self.walk("town_101", type=t)[0]) for t in ("fraud_warning", "fraud_visit")]
        self.assertEqual(before, after)

    def test_regions_reach_every_grid(self):
        """One warning to chosen villages and towns, or the whole city: a visit task in
        every grid of each (once, whatever overlaps); over several towns the city centre
        holds the warning, within one town the town centre."""
        grids = {g["code"] for g in self.get("/api/v1/regions?parent=" + VILLAGE,
                                              user="town_101").json["items"]}
        self.assertEqual(len(grids), 4)
        r = self.post(WARNINGS, warning([GRIDS[0]], regions=[VILLAGE]), user="town_101")
        self.assertStatus(r, 201)
        self.assertEqual(sorted(t["grid"] for t in r.json["tasks"]), sorted(grids))
        w = self.get("/api/v1/cases/%d" % r.json["id"], user="town_101").json
        self.assertEqual(w["unit_id"], self.unit_by_code("town-" + VILLAGE[:9])["id"])
        # two towns: a village of one, the other whole; the city centre holds it
        other = OTHER_GRID[:9]
        r = self.post(WARNINGS, warning([], regions=[VILLAGE, other]), user="city_staff")
        self.assertStatus(r, 201)
        tasks = [t["grid"] for t in r.json["tasks"]]
        self.assertEqual(len(tasks), len(set(tasks)))
        self.assertEqual({g for g in tasks if g.startswith(VILLAGE)}, grids)
        self.assertEqual(len([g for g in tasks if g.startswith(other)]), 120)
        w = self.get("/api/v1/cases/%d" % r.json["id"], user="city_staff").json
        self.assertEqual(w["unit_id"], self.unit_by_code("city-centre")["id"])
        # the whole city: every grid of it, one task each
        r = self.post(WARNINGS, warning([], regions=[VILLAGE[:6]]), user="city_staff")
        self.assertStatus(r, 201)
        self.assertEqual(len(r.json["tasks"]), 3000)
        p = self.get("%s/%d" % (WARNINGS, r.json["id"]), user="city_staff").json
        self.assertEqual((p["total"], p["confirmed"]), (3000, 0))

    def test_urgent_visits_run_on_hours(self):
        """预警劝阻 is a matter of hours: an urgent warning's visits follow the visit type's
        urgent profile (data: urgent_profile = warning_urgent), 6 h and 12 h to make them
        whatever the day; an ordinary one's run on working days."""
        def limit(task_id):
            d = self.get("/api/v1/cases/%d" % task_id, user="town_101").json["deadline"]
            start = datetime.datetime.fromisoformat(d["phase_started"])
            return ((datetime.datetime.fromisoformat(d["yellow_at"]) - start).total_seconds(),
                    (datetime.datetime.fromisoformat(d["red_at"]) - start).total_seconds())
        r = self.post(WARNINGS, warning(GRIDS[:1], urgent=True, title="紧急预警"),
                      user="town_101")
        self.assertStatus(r, 201)
        task = r.json["tasks"][0]["case_id"]
        self.assertEqual(limit(task), (6 * 3600, 12 * 3600))
        c = self.get("/api/v1/cases/%d" % task, user="town_101").json
        self.assertEqual(c["profile"], "warning_urgent")
        r = self.post(WARNINGS, warning(GRIDS[:1], title="一般预警"), user="town_101")
        self.assertStatus(r, 201)
        self.assertGreaterEqual(limit(r.json["tasks"][0]["case_id"])[1], 86400)
        r = self.post(WARNINGS, warning(GRIDS[:1], urgent="yes"), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "urgent")

    def test_idempotent_issue(self):
        h = {"Idempotency-Key": "warning-issue-0001"}
        body = warning(GRIDS[:2], title="同一预警只下发一次")
        a = self.post(WARNINGS, body, user="town_101", headers=h)
        b = self.post(WARNINGS, body, user="town_101", headers=h)
        self.assertStatus(a, 201)
        self.assertStatus(b, 201)
        self.assertEqual(a.json, b.json)
        items, _ = self.walk("town_101", type="fraud_visit")
        self.assertEqual(sum(1 for i in items if i["title"] == "同一预警只下发一次"), 2)


if __name__ == "__main__":
    unittest.main()
