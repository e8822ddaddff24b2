"""test_portal.py: the public portal — a resident reports a case of a type open to residents
without an account (anonymously for a tip-off), gets its query code once, follows it, and
rates the outcome once it is closed; what is not theirs to send is refused and writes
nothing; the portal has a rate of its own."""
import unittest

from common import ApiTest, CITY, GRID, VILLAGE
from harness import connect_ro

PORTAL = "/api/v1/portal/cases"
RATING = "/api/v1/track/rating"


class PortalTest(ApiTest):

    def body(self, **over):
        lng, lat = self.point(GRID)
        b = {"type": "request", "category": next(iter(self.categories("request"))),
             "title": "路灯不亮", "description": "村口路灯坏了一个月，晚上出行不便。",
             "lng": lng, "lat": lat}
        b.update(over)
        return {k: v for k, v in b.items() if v is not None}

    def categories(self, code):
        types = self.get("/api/v1/case-types", user="town_101").json["items"]
        t = [t for t in types if t["code"] == code][0]
        return [c["code"] for c in t["categories"]]

    def submit(self, body, status=201):
        r = self.s.request("POST", PORTAL, body)
        self.assertStatus(r, status)
        return r.json

    def find(self, number, title):
        """The case of this number as the town centre lists it (searched by its title)."""
        return [c for c in self.walk("town_101", q=title)[0] if c["number"] == number]

    def count_cases(self):
        con = connect_ro(self.s.db)
        try:
            return con.execute("SELECT count(*) FROM cases").fetchone()[0]
        finally:
            con.close()

    def test_types_say_whether_residents_report_them(self):
        types = {t["code"]: t for t in
                 self.get("/api/v1/case-types", user="town_101").json["items"]}
        self.assertTrue(types["request"]["portal"] and types["request"]["query_code"])
        self.assertTrue(types["tipoff"]["portal"])
        self.assertFalse(types["hazard"]["portal"])

    def test_the_portal_catalog_needs_no_account(self):
        r = self.s.request("GET", "/api/v1/portal/catalog")
        self.assertStatus(r, 200)
        codes = {t["code"] for t in r.json["items"]}
        self.assertTrue({"request", "tipoff"} <= codes)
        self.assertNotIn("hazard", codes)
        self.assertTrue(all(t["portal"] for t in r.json["items"]))
        grids = {g["code"]: g for g in r.json["grids"]}
        self.assertIn(GRID, grids)
        # one city: no choice to make, its grids as they are
        self.assertEqual([c["code"] for c in r.json["cities"]], [CITY])
        ring = grids[GRID]["boundary"]
        self.assertGreaterEqual(len(ring), 3)
        # a point inside the grid drawn there is where a report lands
        lng = sum(p[0] for p in ring) / len(ring)
        lat = sum(p[1] for p in ring) / len(ring)
        got = self.submit(self.body(title="从地图上报", lng=lng, lat=lat))
        self.assertTrue(self.find(got["number"], "从地图上报"))

    def test_a_resident_reports_and_follows_a_claim(self):
        got = self.submit(self.body())
        self.assertEqual(sorted(got), ["created_at", "number", "query_code", "status_name",
                                       "type_name"])
        # staff see it arrive online, from nobody's account
        found = self.find(got["number"], "路灯不亮")
        self.assertEqual(len(found), 1)
        full = self.get("/api/v1/cases/%d" % found[0]["id"], user="town_101").json
        self.assertEqual(full["channel"], "online")
        # the code follows it, and no rating is asked for yet
        r = self.s.request("GET", "/api/v1/track?code=" + got["query_code"])
        self.assertStatus(r, 200)
        self.assertEqual(r.json["number"], got["number"])
        self.assertFalse(r.json["may_rate"])
        self.assertError(self.s.request("POST", RATING, {"code": got["query_code"],
                                                          "rating": "satisfied"}),
                         409, "ACTION_NOT_ALLOWED")

    def test_mediation_request_and_online_petition_with_replies(self):
        """A resident asks for mediation (调解申请) and petitions online (网上信访) on the
        portal; the query page shows the unit that has each and the answers they were
        given (the lifecycles' replies), never staff's notes to each other."""
        types = {t["code"] for t in self.s.request("GET", "/api/v1/portal/catalog").json["items"]}
        self.assertTrue({"dispute", "petition"} <= types)
        med = self.submit(self.body(type="dispute", category="neighbour", title="邻居占道纠纷",
                                    description="邻居在门前堆放杂物，协商未果，申请调解。",
                                    parties=[{"role": "applicant", "name": "王秀英"},
                                             {"role": "respondent", "name": "李大海"}]))
        pet = self.submit(self.body(type="petition", category="social_security",
                                    title="养老金发放问题", description="养老金连续两月未到账。",
                                    fields={"form": "网上信访"}))
        t = self.s.request("GET", "/api/v1/track?code=" + pet["query_code"]).json
        self.assertEqual(t["type_name"], "信访事项")
        self.assertIsNone(t["reply"])
        self.assertTrue(t["unit_name"])
        # the petition is not accepted, with the reason the petitioner is told
        pid = self.find(pet["number"], "养老金发放问题")[0]["id"]
        reason = "该事项已由社保经办机构受理，请向其查询办理进度。"
        self.act(pid, "refuse", user="city_staff", note=reason)
        t = self.s.request("GET", "/api/v1/track?code=" + pet["query_code"]).json
        self.assertEqual(t["reply"]["text"], reason)
        self.assertEqual(t["progress"][-1]["reply"], reason)
        # the mediation request: the village that has it turns it down, telling why; the
        # resident reads that answer and which unit gave it
        cid = self.find(med["number"], "邻居占道纠纷")[0]["id"]
        village = self.unit_by_code("village-" + VILLAGE)
        c = self.get("/api/v1/cases/%d" % cid, user="town_101").json
        self.assertEqual(c["unit_id"], village["id"])
        t = self.s.request("GET", "/api/v1/track?code=" + med["query_code"]).json
        self.assertEqual((t["unit_name"], t["reply"]), (village["name"], None))
        why = "双方已向人民法院起诉，依法不再受理调解申请。"
        self.act(cid, "reject", user="village_101_001", note=why)
        t = self.s.request("GET", "/api/v1/track?code=" + med["query_code"]).json
        self.assertEqual(t["reply"]["text"], why)
        self.assertEqual([p.get("reply") for p in t["progress"]], [None, why])

    def test_an_anonymous_tip_off(self):
        got = self.submit(self.body(type="tipoff", category="village_bully", title="举报村霸",
                                    description="有人强占集体土地。",
                                    fields={"anonymous": True}))
        self.assertEqual(len(got["query_code"]), 16)
        r = self.s.request("GET", "/api/v1/track?code=" + got["query_code"])
        self.assertEqual(r.json["type_name"], "举报线索")

    def test_what_is_not_theirs_to_send_writes_nothing(self):
        before = self.count_cases()
        for body, status, code, field in (
                (self.body(type="hazard", category="fire"), 400, "BAD_FIELD", "type"),
                (self.body(type="nosuch"), 400, "BAD_FIELD", "type"),
                (self.body(channel="walk_in"), 400, "UNKNOWN_FIELD", "channel"),
                (self.body(title=None), 400, "MISSING_FIELD", "title"),
                (self.body(lng=0.0, lat=0.0), 400, "BAD_FIELD", "lng"),
                (self.body(category="nosuch"), 400, "BAD_FIELD", "category")):
            r = self.s.request("POST", PORTAL, body)
            e = self.assertError(r, status, code)
            self.assertEqual(e.get("field"), field, r)
        r = self.s.request("POST", PORTAL, raw=b"{not json",
                           headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.count_cases(), before)

    def test_a_report_sent_again_with_its_key_is_one_case(self):
        """A phone that lost the answer sends the same report with the same key: the
        first answer again, one case. Another report under that key is refused, and a key
        short enough to guess is refused."""
        key = {"Idempotency-Key": "5f0c2a9e7d1b4c3a8e6f0d2b9a7c5e13"}
        before = self.count_cases()
        first = self.s.request("POST", PORTAL, self.body(title="井盖缺失"), headers=key)
        self.assertStatus(first, 201)
        again = self.s.request("POST", PORTAL, self.body(title="井盖缺失"), headers=key)
        self.assertStatus(again, 201)
        self.assertEqual(again.json, first.json)
        self.assertEqual(self.count_cases(), before + 1)
        self.assertError(self.s.request("POST", PORTAL, self.body(title="另一件事"),
                                        headers=key), 409, "CONFLICT")
        self.assertError(self.s.request("POST", PORTAL, self.body(),
                                        headers={"Idempotency-Key": "abcdefgh12"}),
                         400, "BAD_REQUEST")
        self.assertEqual(self.count_cases(), before + 1)

    def test_no_account_may_have_the_portal_role(self):
        r = self.s.add_user("would_be_resident", "resident", "429006101")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"portal", r.stderr)

    def test_rated_once_when_closed(self):
        got = self.submit(self.body(title="垃圾清运不及时"))
        cid = self.find(got["number"], "垃圾清运不及时")[0]["id"]
        u = self.unit_by_code("village-" + VILLAGE)
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=u["id"])
        self.act(cid, "sign", user="village_101_001")
        self.act(cid, "feedback", user="village_101_001", note="已清运")
        self.act(cid, "verify_pass")
        code = got["query_code"]
        self.assertTrue(self.s.request("GET", "/api/v1/track?code=" + code).json["may_rate"])
        self.assertError(self.s.request("POST", RATING, {"code": code, "rating": "great"}),
                         400, "BAD_FIELD")
        self.assertError(self.s.request("POST", RATING, {"code": "ABCDEFGHJKLMNPQR",
                                                          "rating": "satisfied"}),
                         404, "NOT_FOUND")
        r = self.s.request("POST", RATING, {"code": code.lower(), "rating": "satisfied",
                                            "note": "很快"})
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"rated": True})
        self.assertFalse(self.s.request("GET", "/api/v1/track?code=" + code).json["may_rate"])
        self.assertEqual(self.get("/api/v1/cases/%d" % cid, user="town_101").json["rating"],
                         "satisfied")
        self.assertError(self.s.request("POST", RATING, {"code": code,
                                                          "rating": "unsatisfied"}),
                         409, "ACTION_NOT_ALLOWED")


class PortalRateTest(ApiTest):
    server_args = ("--public-rate", "2")
    server_limits = True

    def test_submissions_have_a_rate_per_address(self):
        statuses = [self.s.request("POST", PORTAL, {}).status for _ in range(4)]
        self.assertEqual(statuses[:2], [400, 400])
        self.assertEqual(statuses[2:], [429, 429])


if __name__ == "__main__":
    unittest.main()
