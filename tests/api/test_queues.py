"""The workbench's queues: GET /api/v1/queues counts, GET /api/v1/cases?queue= lists, and a
case moving through to_accept, to_dispatch, to_sign, in_hand, to_verify, callback and
to_close as it is handled; sent back,
supervised and overdue; each count equal to its list; an unknown queue refused."""
import time
import unittest

from common import ApiTest, q

QUEUES = ["to_accept", "to_dispatch", "to_sign", "in_hand", "to_verify", "callback", "to_close",
          "overdue", "supervised", "sent_back"]


class QueuesTest(ApiTest):
    def counts(self, user="town_101"):
        r = self.get("/api/v1/queues", user=user)
        self.assertStatus(r, 200)
        self.assertEqual([x["queue"] for x in r.json["items"]], QUEUES)
        return {x["queue"]: x["count"] for x in r.json["items"]}

    def ids(self, queue, user="town_101"):
        items, _ = self.walk(user, limit=200, queue=queue)
        return {c["id"] for c in items}

    def own_unit(self):
        return self.get("/api/v1/session", user="town_101").json["user"]["unit_id"]

    def test_a_case_moves_from_queue_to_queue(self):
        # the town centre holds it (a family dispute) and handles it itself; no one checks
        # their own work: the city centre verifies it and calls the resident back
        unit = self.own_unit()
        before, city_before = self.counts(), self.counts("city_staff")
        c = self.create(category="family")["id"]
        self.assertIn(c, self.ids("to_accept"))
        self.assertEqual(self.counts()["to_accept"], before["to_accept"] + 1)
        self.act(c, "accept")
        self.assertNotIn(c, self.ids("to_accept"))
        self.assertIn(c, self.ids("to_dispatch"))
        self.act(c, "dispatch", unit_id=unit)
        self.assertNotIn(c, self.ids("to_dispatch"))
        self.assertIn(c, self.ids("to_sign"))
        self.assertEqual(self.counts()["to_sign"], before["to_sign"] + 1)
        self.act(c, "sign")
        self.assertNotIn(c, self.ids("to_sign"))
        self.assertIn(c, self.ids("in_hand"))
        self.act(c, "feedback", note="已调解完毕")
        self.assertNotIn(c, self.ids("in_hand"))
        self.assertIn(c, self.ids("to_verify", "city_staff"))
        self.act(c, "verify_pass", user="city_staff")
        self.assertIn(c, self.ids("callback", "city_staff"))
        self.assertIn(c, self.ids("to_close"))
        self.act(c, "callback", user="city_staff", rating="satisfied")
        self.assertNotIn(c, self.ids("callback", "city_staff"))
        self.act(c, "archive")
        self.assertNotIn(c, self.ids("to_close"))
        after = self.counts()
        for name in ("to_accept", "to_dispatch", "to_sign", "to_close"):
            self.assertEqual(after[name], before[name], name)
        self.assertEqual(self.counts("city_staff")["callback"], city_before["callback"])

    def test_sent_back_until_dispatched_again(self):
        unit = self.own_unit()
        c = self.create(category="family")["id"]
        self.act(c, "accept")
        self.act(c, "dispatch", unit_id=unit)
        self.assertNotIn(c, self.ids("sent_back"))
        self.act(c, "send_back", note="不属本单位职责")
        self.assertIn(c, self.ids("sent_back"))
        self.act(c, "dispatch", unit_id=unit)
        self.assertNotIn(c, self.ids("sent_back"))

    def test_supervised(self):
        c = self.create(category="family")["id"]
        self.act(c, "accept")
        self.assertNotIn(c, self.ids("supervised"))
        self.act(c, "supervise", note="请加快办理", days=3)
        self.assertIn(c, self.ids("supervised"))

    def test_overdue_holds_only_cases_past_red_with_the_clock_running(self):
        items, _ = self.walk("city_staff", limit=200, queue="overdue")
        self.assertTrue(items, "the demo city has overdue cases")
        now = time.time()
        from datetime import datetime
        for c in items:
            d = c["deadline"]
            self.assertIsNotNone(d, c["number"])
            self.assertIsNone(d["paused_since"], c["number"])
            self.assertLessEqual(datetime.fromisoformat(d["red_at"]).timestamp(), now, c["number"])

    def test_each_count_is_its_list(self):
        for user in ("town_101", "mediator_family"):
            counts = self.counts(user)
            for name in QUEUES:
                self.assertEqual(len(self.ids(name, user)), counts[name], (user, name))

    def test_queue_with_other_filters_and_scope(self):
        # a town's queue never holds another town's case
        for c in self.walk("town_101", limit=200, queue="overdue")[0]:
            self.assertTrue(c["grid"].startswith("429006101"), c["number"])

    def test_what_staff_missed_on_the_first_day(self):
        # a grid worker's patrol report waits in the village's 待受理; the town above may
        # only take it over (提级办理), which is no queue's
        c = self.create(user="grid_101_001_001", type="patrol", category="sanitation")["id"]
        self.assertIn(c, self.ids("to_accept", "village_101_001"))
        self.assertNotIn(c, self.ids("to_accept", "town_101"))
        offered = {a["action"] for a in self.get("/api/v1/cases/%d" % c, user="town_101").json["actions"]}
        self.assertIn("take_over", offered)
        self.assertNotIn(c, self.ids("to_accept", "grid_101_001_001"))
        # a fraud visit task is the grid worker's to do (确认), not to sign for
        r = self.post("/api/v1/warnings", {"title": "冒充客服诈骗预警", "description": "请入户提醒。",
                                           "category": "telecom_fraud",
                                           "grids": ["429006101001001"]}, user="town_101")
        self.assertStatus(r, 201)
        task = r.json["tasks"][0]["case_id"]
        self.assertNotIn(task, self.ids("to_sign", "grid_101_001_001"))
        self.assertIn(task, self.ids("in_hand", "grid_101_001_001"))
        # police verify and call back nothing: those queues are empty for them
        counts = self.counts("police")
        self.assertEqual((counts["to_verify"], counts["callback"], counts["to_close"]), (0, 0, 0))

    def test_unknown_queue(self):
        r = self.get(q("/api/v1/cases", queue="mine"), user="town_101")
        self.assertError(r, 400, "BAD_QUERY", "queue")
        self.assertEqual(self.get("/api/v1/queues").status, 401)


if __name__ == "__main__":
    unittest.main()
