"""test_deadlines.py: routing on intake, the phase clock and the sweeper on a simulated
clock — yellow and red supervision once each, escalation village → town → city, the clock
stopped while a case waits, extensions that move the deadline."""
import datetime
import os
import shutil
import subprocess
import tempfile
import unittest

from common import ApiTest, GRID
from harness import PINGAN, ROOT, Server

CASES = "/api/v1/cases"


class DeadlineTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    # the server's own sweeper stays off: the tests sweep on a clock of their own
    server_args = ("--sweep-interval", "0")

    def sweep(self, at):
        out = subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", at], check=True,
                             capture_output=True, text=True).stdout
        # "looked at N cases: Y yellow, R red, E escalated"
        words = out.replace(",", "").split()
        return {"yellow": int(words[4]), "red": int(words[6]), "escalated": int(words[8])}

    def case(self, cid, user="city_admin"):
        r = self.get("%s/%d" % (CASES, cid), user=user)
        self.assertStatus(r, 200)
        return r.json

    def units(self):
        return {u["code"]: u for u in self.get("/api/v1/units", user="city_admin").json["items"]}

    def test_routing_on_intake(self):
        u = self.units()
        for over, unit, tier, rule, profile in [
                ({"category": "neighbour"}, "village-" + GRID[:12], "village", "neighbour", "dispute"),
                ({"category": "medical"}, "committee-medical", "city", "medical", "medical"),
                ({"category": "family"}, "town-" + GRID[:9], "town", "family", "dispute"),
                ({"type": "request", "category": "livelihood", "channel": "hotline_12345"},
                 "town-" + GRID[:9], "town", "hotline", "hotline"),
                ({"type": "petition", "category": "labour", "fields": {"form": "来访"}},
                 "city-petition", "city", "petition", "petition")]:
            c = self.create(title="路由测试", **over)
            self.assertEqual((c["unit_id"], c["tier"], c["routing_rule"], c["profile"]),
                             (u[unit]["id"], tier, rule, profile), over)
            self.assertEqual(c["steps"][0]["to_unit"]["id"], u[unit]["id"])

    def test_wage_green_channel_limits_in_hours(self):
        c = self.create(type="wage", category="construction", title="农民工讨薪",
                        fields={"workers": 12, "amount": 86000})
        self.assertEqual((c["routing_rule"], c["profile"]), ("wage_green", "wage"))
        d = c["deadline"]
        # 4 h and 8 h after the report, whatever the day
        self.assertEqual(_hours_between(d["phase_started"], d["yellow_at"]), 4)
        self.assertEqual(_hours_between(d["phase_started"], d["red_at"]), 8)

    def test_city_calendar_applies(self):
        """A city's own calendar file (data/calendar/<city>-YYYY.tsv) moves its deadlines:
        with the next five weeks declared holidays in 429006's file, a 2-working-day limit
        ends after them; without the file it ends within a week."""
        cst = datetime.timezone(datetime.timedelta(hours=8))
        today = datetime.datetime.now(cst).date()
        data = os.path.join(tempfile.mkdtemp(prefix="pingan-data-"), "data")
        shutil.copytree(os.path.join(ROOT, "data"), data)
        files = {}
        for i in range(36):
            day = today + datetime.timedelta(days=i)
            files.setdefault(day.year, []).append("%s\tholiday\t测试停工" % day.isoformat())
        for year, rows in files.items():
            with open(os.path.join(data, "calendar", "429006-%d.tsv" % year), "w",
                      encoding="utf-8") as f:
                f.write("date\tkind\tname\n" + "\n".join(rows) + "\n")
        s = Server(extra_args=["--data", data])
        try:
            s.start()
            r = s.post("/api/v1/cases", self.case_body(title="城市日历"), user="town_101")
            self.assertStatus(r, 201)
            red = datetime.datetime.fromisoformat(r.json["deadline"]["red_at"]).date()
            self.assertGreaterEqual(red, today + datetime.timedelta(days=36))
        finally:
            s.cleanup()
            shutil.rmtree(os.path.dirname(data), ignore_errors=True)
        red = datetime.datetime.fromisoformat(
            self.create(title="大陆日历")["deadline"]["red_at"]).date()
        self.assertLess(red, today + datetime.timedelta(days=14))

    def test_petition_limits_in_calendar_days(self):
        """信访工作条例: 15 days (自然日) to accept a petition. The case shows the limit, its
        unit and the regulation; a last day off moves to the next working day. With a city
        calendar making days 10 and 21 after today working days and 15 to 20 holidays, the
        yellow limit (10 days) ends on day 10 and the red one (15) on day 21, whatever the
        weekday today is."""
        c = self.create(type="petition", category="labour", title="信访时限",
                        fields={"form": "来访"})
        lim = self.case(c["id"])["deadline"]["limit"]
        self.assertEqual({k: lim[k] for k in ("profile", "unit", "yellow", "red")},
                         {"profile": "petition", "unit": "calendar_days", "yellow": 10,
                          "red": 15})
        self.assertIn("信访工作条例", lim["basis"])
        cst = datetime.timezone(datetime.timedelta(hours=8))
        today = datetime.datetime.now(cst).date()
        data = os.path.join(tempfile.mkdtemp(prefix="pingan-data-"), "data")
        shutil.copytree(os.path.join(ROOT, "data"), data)
        files = {}
        for i, kind in [(10, "workday")] + [(i, "holiday") for i in range(15, 21)] + \
                [(21, "workday")]:
            day = today + datetime.timedelta(days=i)
            files.setdefault(day.year, []).append("%s\t%s\t测试" % (day.isoformat(), kind))
        for year, rows in files.items():
            with open(os.path.join(data, "calendar", "429006-%d.tsv" % year), "w",
                      encoding="utf-8") as f:
                f.write("date\tkind\tname\n" + "\n".join(rows) + "\n")
        s = Server(extra_args=["--data", data])
        try:
            s.start()
            r = s.post("/api/v1/cases", self.case_body(type="petition", category="labour",
                                                       title="信访时限", fields={"form": "来访"}),
                       user="town_101")
            self.assertStatus(r, 201)
            d = r.json["deadline"]
            day = lambda t: datetime.datetime.fromisoformat(t).date()
            # a deadline is 24:00 of its last day: 00:00 of the next
            self.assertEqual(day(d["yellow_at"]), today + datetime.timedelta(days=11))
            self.assertEqual(day(d["red_at"]), today + datetime.timedelta(days=22))
        finally:
            s.cleanup()
            shutil.rmtree(os.path.dirname(data), ignore_errors=True)

    def test_yellow_and_red_once_each(self):
        c = self.create(title="超期未受理")  # neighbour: village, accept limit 1 / 2 working days
        self.assertEqual(self.case(c["id"])["deadline"]["supervision"], "none")
        n = self.sweep("2030-01-10T09:00:00")
        self.assertGreaterEqual(n["yellow"], 1)
        self.assertGreaterEqual(n["red"], 1)
        after = self.case(c["id"])
        self.assertEqual(after["deadline"]["supervision"], "red")
        self.assertEqual([v["level"] for v in after["supervisions"]], ["yellow", "red"])
        self.assertEqual([s["action"] for s in after["steps"]], ["report", "auto_yellow", "auto_red"])
        self.assertEqual(after["steps"][1]["action_name"], "黄牌督办")
        # the notes say which phase ran late, by the lifecycle's name of it ([phases])
        self.assertEqual([s["note"] for s in after["steps"][1:]],
                         ["受理环节超过黄牌时限，系统自动黄牌督办",
                          "受理环节超过红牌时限，系统自动红牌督办"])
        self.assertEqual(after["status"], "reported")  # nothing to escalate before acceptance
        # a second sweep marks nothing again
        self.sweep("2030-01-11T09:00:00")
        again = self.case(c["id"])
        self.assertEqual(len(again["supervisions"]), 2)
        self.assertEqual(len(again["steps"]), 3)

    def test_escalation_village_town_city(self):
        u = self.units()
        c = self.create(title="逐级上报测试")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=u["village-" + GRID[:12]]["id"])
        self.act(cid, "sign", user="village_101_001")
        case = self.case(cid)
        self.assertEqual((case["status"], case["tier"]), ("handling", "village"))
        # far past the village's handling limit: yellow, red, then up to the town centre
        n = self.sweep("2031-01-06T09:00:00")
        self.assertGreaterEqual(n["escalated"], 1)
        case = self.case(cid)
        self.assertEqual((case["status"], case["tier"], case["unit_id"]),
                         ("accepted", "town", u["town-" + GRID[:9]]["id"]))
        self.assertEqual(case["deadline"]["supervision"], "none")  # a fresh clock at the town
        self.assertEqual(case["steps"][-1]["action"], "report_up")
        self.assertIsNone(case["steps"][-1]["actor"]["id"])  # the system, not a person
        # past the town's limit too: up to the city centre
        self.sweep("2032-01-06T09:00:00")
        case = self.case(cid)
        self.assertEqual((case["tier"], case["unit_id"]), ("city", u["city-centre"]["id"]))
        # at the city there is no higher tier: red, and it stays
        self.sweep("2033-01-06T09:00:00")
        case = self.case(cid)
        self.assertEqual((case["tier"], case["deadline"]["supervision"]), ("city", "red"))
        self.assertEqual([s["action"] for s in case["steps"]].count("report_up"), 2)
        levels = [v["level"] for v in case["supervisions"]]
        self.assertEqual(levels, ["yellow", "red", "yellow", "red", "yellow", "red"])

    def test_escalation_of_a_case_left_unsigned(self):
        u = self.units()
        cid = self.create(title="派遣后无人签收")["id"]
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=u["village-" + GRID[:12]]["id"])
        self.assertEqual(self.case(cid)["status"], "dispatched")
        self.sweep("2034-01-06T09:00:00")
        case = self.case(cid)
        self.assertEqual((case["status"], case["tier"], case["unit_id"]),
                         ("accepted", "town", u["town-" + GRID[:9]]["id"]))
        self.assertEqual([s["action"] for s in case["steps"]][-3:],
                         ["auto_yellow", "auto_red", "report_up"])
        self.assertEqual(case["steps"][-2]["note"], "办理环节超过红牌时限，系统自动红牌督办")

    def test_waiting_stops_the_clock(self):
        u = self.units()
        c = self.create(title="医疗鉴定暂停计时", category="medical")
        cid = c["id"]
        # the rules send it to the medical committee, which takes it in itself
        self.act(cid, "accept", user="mediator_medical")
        self.act(cid, "dispatch", user="mediator_medical", unit_id=u["committee-medical"]["id"])
        self.act(cid, "sign", user="mediator_medical")
        before = self.case(cid)["deadline"]
        self.act(cid, "suspend", user="mediator_medical", note="医疗损害鉴定中")
        paused = self.case(cid)["deadline"]
        self.assertIsNotNone(paused["paused_since"])
        n = self.sweep("2031-06-02T09:00:00")
        case = self.case(cid)
        self.assertEqual(case["supervisions"], [])  # a waiting case is not marked
        self.assertEqual(case["deadline"]["supervision"], "none")
        del n  # other cases in the database may have been marked; this one was not
        # back from waiting, the same clock runs on (the shift by the time spent waiting is
        # checked in tests/unit/test_deadlines.c, on a clock of its own) and is swept again
        self.act(cid, "resume", user="mediator_medical")
        resumed = self.case(cid)["deadline"]
        self.assertIsNone(resumed["paused_since"])
        self.assertEqual(resumed["phase_started"], before["phase_started"])
        self.assertGreaterEqual(resumed["red_at"], before["red_at"])
        self.sweep("2031-06-02T09:00:00")
        self.assertEqual([v["level"] for v in self.case(cid)["supervisions"]], ["yellow", "red"])

    def test_extension_moves_the_deadline(self):
        u = self.units()
        c = self.create(title="延期测试", category="family")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=u["committee-family"]["id"])
        self.act(cid, "sign", user="mediator_family")
        before = self.case(cid)["deadline"]
        self.act(cid, "apply_extension", user="mediator_family", days=5, note="需补充证据")
        self.assertEqual(self.case(cid)["deadline"]["red_at"], before["red_at"])  # not yet
        self.act(cid, "approve_extension")
        after = self.case(cid)
        self.assertEqual(after["extension_days"], 5)
        self.assertGreater(after["deadline"]["red_at"], before["red_at"])
        self.assertEqual(after["deadline"]["phase_started"], before["phase_started"])


class ServeSweeperTest(ApiTest):
    """pingan serve sweeps by itself: the demo city has open cases past their limits."""
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    server_args = ("--sweep-interval", "1")

    def test_overdue_demo_cases_get_marked(self):
        import time
        deadline = time.time() + 20
        marked = []
        while time.time() < deadline and not marked:
            items = self.get(CASES + "?status=handling&limit=100", user="city_admin").json["items"]
            marked = [c for c in items if c["deadline"] and c["deadline"]["supervision"] != "none"]
            time.sleep(0.2)
        self.assertTrue(marked, "no overdue case was marked by serve's sweeper")
        # the sweep logs when it is through (it may still be at work when a case shows)
        while time.time() < deadline and '"event":"swept"' not in self.s.read_log():
            time.sleep(0.2)
        c = self.get("%s/%d" % (CASES, marked[0]["id"]), user="city_admin").json
        self.assertIn(c["supervisions"][0]["level"], ("yellow", "red"))
        self.assertIn('"event":"swept"', self.s.read_log())


class ManualSupervisionTest(ApiTest):
    """督办: a supervisor sets a deadline; the holding unit reports by it, or the sweeper marks
    it late, once."""
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    def test_report_by_the_deadline_or_late(self):
        c = self.create(title="督办测试")
        cid = c["id"]
        path = "%s/%d/actions" % (CASES, cid)
        r = self.post(path, {"action": "supervision_report", "note": "x"}, user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")  # nothing waits for a report
        self.act(cid, "supervise", user="city_admin", days=2, note="请两日内反馈进展")
        case = self.get("%s/%d" % (CASES, cid), user="city_admin").json
        self.assertEqual([(v["level"], v["late"], v["report"]) for v in case["supervisions"]],
                         [("manual", False, None)])
        holder = "village_101_001" if case["tier"] == "village" else "town_101"
        self.assertIn("supervision_report",
                      {a["action"] for a in self.get("%s/%d" % (CASES, cid), user=holder)
                       .json["actions"]})
        c = self.act(cid, "supervision_report", user=holder, note="已组织双方协商")
        self.assertEqual(c["supervisions"][0]["report"], "已组织双方协商")
        self.assertIsNotNone(c["supervisions"][0]["reported_at"])
        # a second supervision nobody answers: late once the deadline passes, marked once
        self.act(cid, "supervise", user="city_admin", days=1, note="再次督办")
        for _ in range(2):
            subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", "2030-06-03T09:00:00"],
                           check=True, capture_output=True)
        case = self.get("%s/%d" % (CASES, cid), user="city_admin").json
        manual = [v for v in case["supervisions"] if v["level"] == "manual"]
        self.assertEqual([(v["late"], v["report"] is None) for v in manual],
                         [(False, False), (True, True)])
        self.assertEqual([s["action"] for s in case["steps"]].count("auto_sup_late"), 1)
        late = self.get("/api/v1/stats?region=%s&from=2030-06&to=2030-06" % GRID[:9],
                        user="city_admin").json
        self.assertGreaterEqual(late["period"]["supervision"]["late"], 1)


def _hours_between(a, b):
    import datetime
    fa = datetime.datetime.fromisoformat(a)
    fb = datetime.datetime.fromisoformat(b)
    return (fb - fa).total_seconds() / 3600


if __name__ == "__main__":
    unittest.main()
