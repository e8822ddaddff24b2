"""test_watch.py: a date a case type watches (watch = FIELD in data/case-types: a hazard's
整改期限 rectify_by) — shown on intake, on the case page and in lists; marked once by the
sweeper when it passes while the case is still being handled (two sweepers at once
included), with its step, red notice and /stats count; not marked once the rectification is
reported done, watched again when sent back; absent without a date; a bad date refused.

The sweeps run on simulated clocks years ahead, each test in months of its own, so the
counts of one test are not moved by another's."""
import re
import subprocess
import unittest

from common import ApiTest, GRID, TOWN, q
from harness import PINGAN
from test_openapi import Validator, load_doc

CASES = "/api/v1/cases"
WATCH_NOTE = "超过整改期限（%s）仍未办结，系统自动督办"


class WatchTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.doc = load_doc()
        cls.validator = Validator(cls.doc)
        cls.flushed = False

    def setUp(self):
        # the demo city's own hazards have rectification dates, long past by 2030: one
        # sweep before the tests marks them, so each test counts only its own cases
        if not WatchTest.flushed:
            WatchTest.flushed = True
            self.assertGreater(self.sweep("2030-01-01T00:00:00"), 0)

    def valid(self, value, schema):
        errors = self.validator.errors(value, {"$ref": "#/components/schemas/" + schema})
        self.assertEqual(errors, [], "the answer disagrees with docs/openapi.json")

    def start_sweep(self, at):
        return subprocess.Popen([PINGAN, "sweep", "--db", self.s.db, "--at", at],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def passed(self, proc):
        """How many watched dates a finished `pingan sweep` marked."""
        out, err = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, err)
        return int(re.search(r"(\d+) watched dates passed", out).group(1))

    def sweep(self, at):
        return self.passed(self.start_sweep(at))

    def hazard(self, rectify_by, title="消防通道堵塞"):
        fields = {"responsible_party": "某某商店"}
        if rectify_by is not None:
            fields["rectify_by"] = rectify_by
        return self.create(type="hazard", category="fire", title=title, fields=fields)

    def case(self, cid):
        r = self.get("%s/%d" % (CASES, cid), user="city_admin")
        self.assertStatus(r, 200)
        self.valid(r.json, "Case")
        return r.json

    def watch_steps(self, case):
        return [s for s in case["steps"] if s["action"] == "auto_watch_late"]

    def watch_notices(self, case, day):
        return [v for v in case["supervisions"] if v["note"] == WATCH_NOTE % day]

    def to_handling(self, cid):
        village = self.unit_by_code("village-" + GRID[:12])["id"]
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=village)
        self.act(cid, "sign", user="village_101_001")

    def test_past_due_marked_once(self):
        c = self.hazard("2030-03-01")
        self.valid(c, "Case")
        self.assertEqual(c["watch"], {"field": "rectify_by", "name": "整改期限",
                                      "date": "2030-03-01", "due_at": "2030-03-02T00:00:00+08:00",
                                      "watching": True, "late": False, "marked_at": None})
        self.assertEqual(self.case(c["id"])["watch"], c["watch"])
        # the day itself is not yet past: the date ends at 24:00
        self.assertEqual(self.sweep("2030-03-01T23:59:00"), 0)
        self.assertEqual(self.watch_steps(self.case(c["id"])), [])
        # two sweepers at once (serve's and a cron job's): marked once between them
        a, b = self.start_sweep("2030-03-02T09:00:00"), self.start_sweep("2030-03-02T09:00:00")
        self.assertEqual(self.passed(a) + self.passed(b), 1)
        case = self.case(c["id"])
        self.assertEqual(case["watch"]["marked_at"], "2030-03-02T09:00:00+08:00")
        self.assertEqual((case["watch"]["late"], case["watch"]["watching"]), (True, False))
        steps = self.watch_steps(case)
        self.assertEqual(len(steps), 1)
        self.assertEqual((steps[0]["action_name"], steps[0]["note"], steps[0]["actor"]["id"]),
                         ("整改逾期督办", WATCH_NOTE % "2030-03-01", None))
        self.assertEqual(steps[0]["from_state"], steps[0]["to_state"])
        notices = self.watch_notices(case, "2030-03-01")
        self.assertEqual([v["level"] for v in notices], ["red"])
        # a second sweep marks nothing again
        self.assertEqual(self.sweep("2030-03-20T09:00:00"), 0)
        again = self.case(c["id"])
        self.assertEqual((len(self.watch_steps(again)), len(self.watch_notices(again, "2030-03-01"))),
                         (1, 1))
        # counted in the month of the mark, among the red notices
        r = self.get(q("/api/v1/stats", region=TOWN, **{"from": "2030-03", "to": "2030-03"}),
                     user="city_admin")
        self.assertStatus(r, 200)
        self.valid(r.json, "Stats")
        sup = r.json["period"]["supervision"]
        self.assertEqual(sup["watch_late"], 1)
        self.assertGreaterEqual(sup["red"], 1)
        self.assertIn("整改逾期督办", [s["action_name"] for s in again["steps"]])

    def test_reported_done_before_due_not_marked(self):
        cid = self.hazard("2030-05-01", title="燃气管道老化")["id"]
        self.to_handling(cid)
        self.assertTrue(self.case(cid)["watch"]["watching"])
        done = self.act(cid, "feedback", user="village_101_001", note="已更换管道，整改完毕")
        self.assertEqual(done["status"], "verifying")
        self.assertEqual((done["watch"]["watching"], done["watch"]["late"]), (False, False))
        self.act(cid, "verify_pass")
        self.sweep("2030-05-10T09:00:00")
        case = self.case(cid)
        self.assertEqual(self.watch_steps(case), [])
        self.assertEqual(self.watch_notices(case, "2030-05-01"), [])
        self.assertEqual((case["watch"]["late"], case["watch"]["marked_at"]), (False, None))

    def test_sent_back_is_watched_again(self):
        cid = self.hazard("2030-07-01", title="校园周边占道经营")["id"]
        self.to_handling(cid)
        self.act(cid, "feedback", user="village_101_001", note="已清理")
        self.sweep("2030-07-05T09:00:00")
        self.assertEqual(self.watch_steps(self.case(cid)), [])
        # the check on site fails: back to handling, past its date, and now marked
        back = self.act(cid, "verify_fail", note="现场复查仍有摊位")
        self.assertEqual((back["status"], back["watch"]["watching"]), ("handling", True))
        self.assertEqual(self.sweep("2030-07-06T09:00:00"), 1)
        case = self.case(cid)
        self.assertEqual(len(self.watch_steps(case)), 1)
        self.assertEqual(case["watch"]["marked_at"], "2030-07-06T09:00:00+08:00")

    def test_no_date_no_watch(self):
        c = self.hazard(None, title="无整改期限的隐患")
        self.assertIsNone(c["watch"])
        self.assertIsNone(self.case(c["id"])["watch"])
        self.assertIsNone(self.create(title="邻里纠纷")["watch"])  # a type that watches none
        r = self.get(q(CASES, type="hazard", limit=5), user="city_admin")
        self.assertStatus(r, 200)
        self.assertTrue(all("watch" in i for i in r.json["items"]))
        for i in r.json["items"]:
            self.valid(i, "CaseSummary")
        self.assertIsNone(next(i for i in r.json["items"] if i["id"] == c["id"])["watch"])

    def test_bad_date_refused(self):
        for bad in ("2030-02-30", "2030/01/01", "明年三月", 20300101):
            r = self.post(CASES, self.case_body(type="hazard", category="fire", title="坏日期",
                                                fields={"rectify_by": bad}), user="town_101")
            self.assertError(r, 400, "BAD_FIELD", "fields.rectify_by")


if __name__ == "__main__":
    unittest.main()
