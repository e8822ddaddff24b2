"""Scope filtering: every read, list and action sees only the caller's region subtree
(or, for unit-scoped roles, the cases that passed through the caller's unit), and the
filter is inside the query: pages stay full, counts agree, other towns' cases are 404."""
import unittest

from common import ApiTest, CITY, GRID, OTHER_GRID, OTHER_TOWN, TOWN, VILLAGE, q

LIMIT = 30


class ScopeTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        # a case of another town, in each of a few states
        items = s.get(q("/api/v1/cases", region=OTHER_TOWN, limit=200),
                      user="city_admin").json["items"]
        cls.other = {}
        for i in items:
            cls.other.setdefault(i["status"], i)
        cls.other_any = items[0]
        # cases in the village and grid of the village and grid accounts, whatever the
        # demo data holds there
        lng_lat = {}
        for grid in (GRID, GRID, GRID, VILLAGE + "002", VILLAGE + "002", VILLAGE + "003"):
            if grid not in lng_lat:
                g = s.get("/api/v1/regions/" + grid, user="city_admin").json
                lng_lat[grid] = (g["lng"], g["lat"])
            body = {"type": "dispute", "category": "neighbour", "title": "范围测试",
                    "description": "范围测试", "lng": lng_lat[grid][0],
                    "lat": lng_lat[grid][1], "channel": "phone"}
            r = s.post("/api/v1/cases", body, user="town_101")
            assert r.status == 201, r

    def assertWalkInScope(self, user, prefix, expected_total, limit=None, **filters):
        if limit is None:  # several pages, however many cases the demo data holds
            self.assertGreaterEqual(expected_total, 3)
            limit = min(LIMIT, (expected_total - 1) // 2)
        items, sizes = self.walk(user, limit=limit, **filters)
        bad = [(i["id"], i["grid"]) for i in items if not i["grid"].startswith(prefix)]
        self.assertEqual(bad, [], "%s sees cases outside %s" % (user, prefix))
        # filtered inside the query: every page but the last is full
        self.assertGreater(len(sizes), 1, "one page only: choose a smaller limit")
        self.assertTrue(all(n == limit for n in sizes[:-1]), sizes)
        ids = [i["id"] for i in items]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(items), expected_total,
                         "%s sees %d cases, the region has %d" % (user, len(items), expected_total))
        return items

    def test_town_list(self):
        st = self.stats(TOWN)
        self.assertGreater(st["total"], 2 * LIMIT, "need several pages")
        self.assertWalkInScope("town_101", TOWN, st["total"], limit=LIMIT)

    def test_town_list_filtered(self):
        st = self.stats(TOWN)
        closed = st["by_status"]["closed"]
        items = self.assertWalkInScope("town_101", TOWN, closed, status="closed")
        self.assertTrue(all(i["status"] == "closed" for i in items))
        items = self.assertWalkInScope("town_101", TOWN, st["by_type"]["hazard"], type="hazard")
        self.assertTrue(all(i["type"] == "hazard" for i in items))

    def test_town_list_region_filter_cannot_widen(self):
        for region in (CITY, OTHER_TOWN):
            r = self.get(q("/api/v1/cases", region=region, limit=200), user="town_101")
            if r.status == 200:
                leaked = [i["id"] for i in r.json["items"] if not i["grid"].startswith(TOWN)]
                self.assertEqual(leaked, [], "region=%s leaks other towns' cases" % region)
            else:
                self.assertError(r, 403, "FORBIDDEN")
        r = self.get(q("/api/v1/cases", region=OTHER_TOWN, limit=200), user="town_101")
        if r.status == 200:
            self.assertEqual(r.json["items"], [])

    def test_town_cursor_cannot_leak(self):
        # a cursor pointing into another town's ids still yields only own cases
        cur = self.other_any["id"] + 1
        r = self.get(q("/api/v1/cases", cursor=cur, limit=200), user="town_101")
        self.assertStatus(r, 200)
        self.assertTrue(all(i["grid"].startswith(TOWN) for i in r.json["items"]))
        self.assertNotIn(self.other_any["id"], [i["id"] for i in r.json["items"]])

    def test_village_list(self):
        st = self.stats(VILLAGE)
        self.assertGreaterEqual(st["total"], 6)
        self.assertWalkInScope("village_101_001", VILLAGE, st["total"])
        self.assertLess(st["total"], self.stats(TOWN)["total"])

    def test_grid_list(self):
        st = self.stats(GRID)
        self.assertGreaterEqual(st["total"], 3)
        self.assertWalkInScope("grid_101_001_001", GRID, st["total"])

    def test_other_town_case_is_404(self):
        cid = self.other_any["id"]
        r = self.get("/api/v1/cases/%d" % cid, user="town_101")
        self.assertError(r, 404, "NOT_FOUND")
        # the same as a case that does not exist: no existence oracle
        r2 = self.get("/api/v1/cases/987654321", user="town_101")
        self.assertEqual(r.json["error"]["code"], r2.json["error"]["code"])
        # and city staff do see it
        self.assertStatus(self.get("/api/v1/cases/%d" % cid, user="city_admin"), 200)
        for user in ("village_101_001", "grid_101_001_001"):
            self.assertError(self.get("/api/v1/cases/%d" % cid, user=user), 404, "NOT_FOUND")

    def test_other_town_actions_are_404(self):
        for status, case in self.other.items():
            before = self.get("/api/v1/cases/%d" % case["id"], user="city_admin").json
            for action, extra in [("accept", {}), ("reject", {"note": "越权"}),
                                  ("feedback", {"note": "越权"}), ("sign", {})]:
                r = self.post("/api/v1/cases/%d/actions" % case["id"],
                              dict(extra, action=action), user="town_101")
                self.assertError(r, 404, "NOT_FOUND")
            after = self.get("/api/v1/cases/%d" % case["id"], user="city_admin").json
            self.assertEqual(after["status"], before["status"])
            self.assertEqual(len(after["steps"]), len(before["steps"]))

    def test_village_coordinator_cannot_touch_neighbour_village(self):
        mine = self.create(user="town_101", grid=TOWN + "002001", title="邻村案件")
        r = self.get("/api/v1/cases/%d" % mine["id"], user="village_101_001")
        self.assertError(r, 404, "NOT_FOUND")
        r = self.post("/api/v1/cases/%d/actions" % mine["id"], {"action": "accept"},
                      user="village_101_001")
        self.assertError(r, 404, "NOT_FOUND")
        # but in its own village it may accept
        own = self.create(user="town_101", grid=VILLAGE + "002", title="本村案件")
        self.assertEqual(self.act(own["id"], "accept", user="village_101_001")["status"],
                         "accepted")

    def test_stats_scope(self):
        self.assertError(self.get(q("/api/v1/stats", region=CITY), user="town_101"), 403,
                         "FORBIDDEN")
        self.assertError(self.get(q("/api/v1/stats", region=TOWN), user="village_101_001"),
                         403, "FORBIDDEN")
        self.assertError(self.get(q("/api/v1/stats", region=VILLAGE), user="grid_101_001_001"),
                         403, "FORBIDDEN")
        r = self.get(q("/api/v1/stats", region=GRID), user="grid_101_001_001")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["total"], self.stats(GRID)["total"])

    def test_mediator_sees_only_its_unit(self):
        me = self.get("/api/v1/session", user="mediator_family").json["user"]
        unit = me["unit_id"]
        self.assertEqual(me["scope"], "unit")
        st = self.get("/api/v1/stats", user="mediator_family")
        self.assertStatus(st, 200)
        self.assertGreaterEqual(st.json["total"], 3, "the demo gives the committee cases")
        limit = min(LIMIT, (st.json["total"] - 1) // 2)
        items, sizes = self.walk("mediator_family", limit=limit)
        self.assertGreater(len(sizes), 1)
        self.assertTrue(all(n == limit for n in sizes[:-1]), sizes)
        for i in items[:60]:
            c = self.get("/api/v1/cases/%d" % i["id"], user="mediator_family").json
            units = {s["from_unit"]["id"] for s in c["steps"]} | \
                    {s["to_unit"]["id"] for s in c["steps"]}
            self.assertIn(unit, units, "case %d never passed through unit %d" % (i["id"], unit))
        # its statistics count the same cases
        self.assertEqual(st.json["total"], len(items))
        # a committee's cases are not another committee's
        other = {i["id"] for i in self.walk("mediator_medical", limit=200)[0]}
        self.assertEqual(other & {i["id"] for i in items}, set())
        # and a case that never reached the unit is 404
        c = self.create(user="town_101", title="未经调委会的案件", category="family")
        self.assertError(self.get("/api/v1/cases/%d" % c["id"], user="mediator_family"), 404,
                         "NOT_FOUND")
        r = self.post("/api/v1/cases/%d/actions" % c["id"], {"action": "sign"},
                      user="mediator_family")
        self.assertError(r, 404, "NOT_FOUND")

    def test_auditor_reads_but_does_not_act(self):
        r = self.get(q("/api/v1/cases", limit=10), user="auditor")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json["items"]), 10)
        c = self.create(user="town_101", title="审计员只读")
        g = self.get("/api/v1/cases/%d" % c["id"], user="auditor")
        self.assertStatus(g, 200)
        self.assertEqual(g.json["actions"], [])
        for action, extra in [("accept", {}), ("reject", {"note": "审计"})]:
            r = self.post("/api/v1/cases/%d/actions" % c["id"], dict(extra, action=action),
                          user="auditor")
            self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.get("/api/v1/cases/%d" % c["id"], user="town_101")
                         .json["status"], "reported")
        before = self.stats(CITY)["total"]
        r = self.post("/api/v1/cases", self.case_body(title="审计员上报"), user="auditor")
        self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.stats(CITY)["total"], before)
        r = self.get(q("/api/v1/stats", region=CITY), user="auditor")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["total"], before)

    def test_create_outside_own_region(self):
        before = self.stats(CITY)["total"]
        cases = [("town_101", OTHER_GRID), ("village_101_001", TOWN + "002001"),
                 ("grid_101_001_001", VILLAGE + "002")]
        for user, grid in cases:
            r = self.post("/api/v1/cases", self.case_body(grid=grid, title="越界上报"), user=user)
            self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.stats(CITY)["total"], before)
        # and inside it works
        c = self.create(user="grid_101_001_001", grid=GRID, title="本网格上报")
        self.assertEqual(c["grid"], GRID)


if __name__ == "__main__":
    unittest.main()
