"""Cases end to end: the catalog, intake, the lifecycle and its rules, the steps between
units, listing with filters and keyset pagination, search (also in traditional
characters), the statistics and the masking of personal data."""
import math
import unittest

from common import (ApiTest, CITY, GRID, NUMBER_RE, OTHER_TOWN, TOWN, VILLAGE,
                    bad_check_digit, idno_ending, q)


class CaseTypesTest(ApiTest):

    def test_case_types(self):
        r = self.get("/api/v1/case-types", user="grid_101_001_001")
        self.assertStatus(r, 200)
        types = {t["code"]: t for t in r.json["items"]}
        self.assertEqual(set(types), {"dispute", "hazard", "request", "petition", "patrol",
                                      "tipoff", "wage", "complaint", "service", "resident",
                                      "fraud_warning", "fraud_visit"})
        for code, t in types.items():
            self.assertTrue(t["name"], code)
            self.assertGreater(len(t["categories"]), 0, code)
            for k in t["categories"]:
                self.assertTrue(k["code"] and k["name"], k)
            self.assertIsInstance(t["fields"], list)
            for f in t["fields"]:
                self.assertTrue({"code", "type", "name", "required"} <= set(f), f)
            trans = {x["action"]: x for x in t["transitions"]}
            # every type follows a lifecycle with a creating report; those reported from
            # below have an acceptance step (a fraud warning and its visit tasks are issued
            # from above, already accepted)
            self.assertIsNone(trans["report"]["from"])
            if t["intake"]:
                self.assertNotIn("accept", trans)
                self.assertNotIn("grid_worker", trans["report"]["roles"])
                continue
            self.assertEqual(trans["accept"]["from"], t["states"][0]["code"])
            if t["lifecycle"] == "standard":
                self.assertTrue({"reject", "dispatch", "sign", "feedback", "verify_pass",
                                 "verify_fail", "send_back", "callback", "archive"}
                                <= set(trans), code)
                self.assertTrue(trans["reject"]["needs_note"])
                self.assertTrue(trans["dispatch"]["needs_unit"])
            self.assertIn("town_staff", trans["accept"]["roles"])
            self.assertNotIn("grid_worker", trans["accept"]["roles"])
        cats = {k["code"] for k in types["dispute"]["categories"]}
        self.assertTrue({"neighbour", "land", "family", "wage", "property", "traffic",
                         "medical", "school"} <= cats)
        self.assertIn("fire", {k["code"] for k in types["hazard"]["categories"]})
        states = {s["code"] for s in types["dispute"]["states"]}
        self.assertTrue({"reported", "accepted", "dispatched", "handling", "closed",
                         "rejected"} <= states)

    def test_units(self):
        r = self.get("/api/v1/units", user="town_101")
        self.assertStatus(r, 200)
        kinds = {}
        for u in r.json["items"]:
            self.assertTrue({"id", "code", "name", "kind", "region"} <= set(u))
            kinds.setdefault(u["kind"], []).append(u)
        self.assertEqual(len(kinds.get("committee", [])), 5)
        self.assertEqual(len(kinds.get("town_centre", [])), 25)
        self.assertIn("city_centre", kinds)


class LifecycleTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        units = cls.server.get("/api/v1/units", user="city_admin").json["items"]
        cls.family = next(u for u in units if u["code"] == "committee-family")
        cls.town_centre = next(u for u in units if u["code"] == "town-" + TOWN)

    def test_create(self):
        body = self.case_body(title="邻里纠纷：噪音扰民", category="neighbour",
                              address="渔薪镇滨湖社区3栋",
                              fields={"amount": 1200.5, "people_involved": 3,
                                      "risk_signs": "言语威胁", "occurred_on": "2026-03-01"})
        r = self.post("/api/v1/cases", body, user="town_101")
        self.assertStatus(r, 201)
        c = r.json
        self.assertIsInstance(c["id"], int)
        self.assertRegex(c["number"], NUMBER_RE)
        self.assertEqual(c["status"], "reported")
        self.assertEqual(len(c["grid"]), 15)
        self.assertTrue(c["grid"].isdigit())
        self.assertTrue(c["grid"].startswith(TOWN))
        self.assertEqual(c["grid"], GRID)
        self.assertEqual(c["title"], "邻里纠纷：噪音扰民")
        self.assertEqual(c["description"], body["description"])
        self.assertEqual(c["address"], "渔薪镇滨湖社区3栋")
        self.assertEqual(c["type"], "dispute")
        self.assertEqual(c["category"], "neighbour")
        self.assertEqual(c["channel"], "walk_in")
        self.assertEqual(c["fields"]["risk_signs"], "言语威胁")
        self.assertEqual(c["fields"]["people_involved"], 3)
        self.assertAlmostEqual(c["lng"], body["lng"], places=6)
        self.assertAlmostEqual(c["lat"], body["lat"], places=6)
        # routing: a neighbour dispute goes first to the centre of its village, simple tier
        village = next(u for u in self.get("/api/v1/units", user="town_101").json["items"]
                       if u["code"] == "village-" + GRID[:12])
        self.assertEqual((c["unit_id"], c["tier"], c["routing_rule"], c["profile"]),
                         (village["id"], "village", "neighbour", "dispute"))
        self.assertEqual(c["deadline"]["supervision"], "none")
        self.assertLess(c["deadline"]["yellow_at"], c["deadline"]["red_at"])
        self.assertEqual(len(c["steps"]), 1)
        st = c["steps"][0]
        self.assertEqual(st["action"], "report")
        self.assertEqual(st["to_state"], "reported")
        self.assertIsNone(st["from_state"])
        self.assertEqual(st["to_unit"]["id"], village["id"])
        me = self.get("/api/v1/session", user="town_101").json["user"]
        self.assertEqual(st["actor"]["id"], me["id"])
        # the village centre holds it: it accepts; the town above may take it over (提级办理)
        actions = {a["action"] for a in c["actions"]}
        self.assertTrue({"take_over", "merge", "urgent_on"} <= actions, actions)
        self.assertFalse({"accept", "reject", "sign", "feedback", "verify_pass", "dispatch"}
                         & actions, actions)
        held = self.get("/api/v1/cases/%d" % c["id"], user="village_101_001").json
        actions = {a["action"] for a in held["actions"]}
        self.assertTrue({"accept", "reject", "merge"} <= actions, actions)
        self.assertFalse({"take_over", "urgent_on", "dispatch"} & actions, actions)
        # read back
        r = self.get("/api/v1/cases/%d" % c["id"], user="town_101")
        self.assertStatus(r, 200)
        g = r.json
        for k in ("id", "number", "status", "grid", "title", "description", "category",
                  "type", "unit_id", "fields", "steps", "actions"):
            self.assertEqual(g[k], c[k], k)
        # the intake answer is the case as it was stored, nothing more or less — but the
        # query code a dispute's reporter follows it by, given once, at intake
        self.assertEqual(len(c.pop("query_code")), 16)
        self.assertNotIn("query_code", g)
        self.assertEqual(g, c)

    def test_create_answer_equals_read_with_parties(self):
        parties = [{"role": "applicant", "name": "王五", "phone": "13900001111",
                    "address": "滨湖社区1栋"},
                   {"role": "respondent", "name": "赵六"}]
        body = self.case_body(type="request", category="legal_aid", title="法律援助申请",
                              channel="online", parties=parties,
                              fields={"contact_phone": "0728-5221234",
                                      "expected_result": "申请法律援助"})
        r = self.post("/api/v1/cases", body, user="village_101_001")
        self.assertStatus(r, 201)
        g = self.get("/api/v1/cases/%d" % r.json["id"], user="village_101_001")
        self.assertStatus(g, 200)
        # a request is followed by a query code, given on report alone
        created = dict(r.json)
        self.assertEqual(len(created.pop("query_code")), 16)
        self.assertEqual(g.json, created)
        self.assertEqual([p["name"] for p in g.json["parties"]], ["王五", "赵六"])
        self.assertEqual(g.json["parties"][0]["phone"], "139****1111")
        self.assertEqual(g.json["fields"]["expected_result"], "申请法律援助")

    def test_numbers_unique_and_increasing(self):
        a = self.create(title="编号测试一")
        b = self.create(title="编号测试二")
        self.assertNotEqual(a["number"], b["number"])
        self.assertGreater(b["id"], a["id"])
        self.assertGreater(int(b["number"][-6:]), int(a["number"][-6:]))
        self.assertEqual(a["number"][3:7], b["number"][3:7])

    def test_grid_worker_reports_in_own_grid(self):
        c = self.create(user="grid_101_001_001", title="网格员上报", channel="grid_worker",
                        type="hazard", category="fire")
        self.assertEqual(c["grid"], GRID)
        self.assertEqual(c["status"], "reported")
        # a grid worker may report but not accept
        self.assertEqual(c["actions"], [])

    def test_full_lifecycle_through_committee(self):
        c = self.create(title="婚姻家庭纠纷：离婚财产分割", category="family")
        cid = c["id"]
        path = "/api/v1/cases/%d" % cid
        # the committee's mediator cannot see it yet
        self.assertError(self.get(path, user="mediator_family"), 404, "NOT_FOUND")
        ids = [i["id"] for i in self.walk("mediator_family", limit=200)[0]]
        self.assertNotIn(cid, ids)

        c = self.act(cid, "accept")
        self.assertEqual(c["status"], "accepted")
        actions = {a["action"] for a in c["actions"]}
        self.assertIn("dispatch", actions)
        self.assertFalse({"accept", "sign", "feedback"} & actions, actions)
        dispatch = [a for a in c["actions"] if a["action"] == "dispatch"][0]
        self.assertTrue(dispatch["needs_unit"])
        self.assertEqual(dispatch["needs"], ["unit", "holder"])

        r = self.post(path + "/actions", {"action": "dispatch"}, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "unit_id")
        r = self.post(path + "/actions", {"action": "dispatch", "unit_id": 987654},
                      user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "unit_id")
        self.assertEqual(self.get(path, user="town_101").json["status"], "accepted")

        c = self.act(cid, "dispatch", unit_id=self.family["id"], note="请家调委调解")
        self.assertEqual(c["status"], "dispatched")
        self.assertEqual(c["unit_id"], self.family["id"])

        # now the mediator of that committee sees it, one of another committee does not
        r = self.get(path, user="mediator_family")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["status"], "dispatched")
        self.assertIn("sign", {a["action"] for a in r.json["actions"]})
        self.assertIn(cid, [i["id"] for i in self.walk("mediator_family", limit=200)[0]])
        self.assertError(self.get(path, user="mediator_medical"), 404, "NOT_FOUND")
        r = self.post(path + "/actions", {"action": "sign"}, user="mediator_medical")
        self.assertError(r, 404, "NOT_FOUND")

        c = self.act(cid, "sign", user="mediator_family")
        self.assertEqual(c["status"], "handling")

        r = self.post(path + "/actions", {"action": "feedback"}, user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.post(path + "/actions", {"action": "feedback", "note": ""},
                      user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(cid, "feedback", user="mediator_family", note="双方达成调解协议")
        self.assertEqual(c["status"], "verifying")
        self.assertEqual(c["actions"], [])  # verifying is the dispatcher's work

        # the centre that dispatched it verifies and closes it
        c = self.act(cid, "verify_pass", user="town_101")
        self.assertEqual(c["status"], "closed")
        # the town reported it: the call-back is the city centre's, never the reporter's
        self.assertNotIn("callback", {a["action"] for a in c["actions"]})
        self.assertIn("callback", {a["action"] for a in
                                   self.get(path, user="city_staff").json["actions"]})

        # a closed case is not signed for again
        r = self.post(path + "/actions", {"action": "sign"}, user="mediator_family")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

        # the steps between units
        steps = self.get(path, user="town_101").json["steps"]
        self.assertEqual([s["action"] for s in steps],
                         ["report", "accept", "dispatch", "sign", "feedback", "verify_pass"])
        self.assertEqual([s["seq"] for s in steps], [1, 2, 3, 4, 5, 6])
        self.assertEqual([(s["from_state"], s["to_state"]) for s in steps],
                         [(None, "reported"), ("reported", "accepted"),
                          ("accepted", "dispatched"), ("dispatched", "handling"),
                          ("handling", "verifying"), ("verifying", "closed")])
        town_user = self.get("/api/v1/session", user="town_101").json["user"]
        med_user = self.get("/api/v1/session", user="mediator_family").json["user"]
        d = steps[2]
        self.assertEqual(d["from_unit"]["id"], self.town_centre["id"])
        self.assertEqual(d["to_unit"]["id"], self.family["id"])
        self.assertEqual(d["to_unit"]["name"], self.family["name"])
        self.assertEqual(d["actor"]["id"], town_user["id"])
        self.assertEqual(d["actor"]["role"], "town_staff")
        self.assertEqual(d["note"], "请家调委调解")
        self.assertEqual(steps[3]["actor"]["id"], med_user["id"])
        self.assertEqual(steps[3]["actor"]["role"], "mediator")
        self.assertEqual(steps[3]["from_unit"]["id"], self.family["id"])
        self.assertEqual(steps[4]["note"], "双方达成调解协议")
        self.assertEqual(steps[1]["actor"]["id"], town_user["id"])
        for s in steps:
            self.assertRegex(s["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertEqual(steps, sorted(steps, key=lambda s: s["at"]))

    def test_only_the_receiving_unit_signs(self):
        # dispatched to the family committee, the case is signed for by that committee:
        # not by the dispatching town centre, nor by a village coordinator of the town
        c = self.create(title="签收权限测试", category="family")
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=self.family["id"])
        path = "/api/v1/cases/%d" % c["id"]
        for user in ("village_101_001", "town_101"):
            r = self.post(path + "/actions", {"action": "sign"}, user=user)
            self.assertIn(r.status, (403, 404),
                          "%s signed for a case dispatched to %s (answer %d, case now %s)"
                          % (user, self.family["code"], r.status, (r.json or {}).get("status")))
            self.assertError(r, r.status, "FORBIDDEN" if r.status == 403 else "NOT_FOUND")
        self.assertEqual(self.get(path, user="city_admin").json["status"], "dispatched")
        self.assertEqual(self.act(c["id"], "sign", user="mediator_family")["status"], "handling")

    def test_reject_needs_note(self):
        c = self.create(title="不予受理测试", category="family")
        path = "/api/v1/cases/%d/actions" % c["id"]
        r = self.post(path, {"action": "reject"}, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        self.assertEqual(self.get("/api/v1/cases/%d" % c["id"], user="town_101").json["status"],
                         "reported")
        c2 = self.act(c["id"], "reject", note="不属于受理范围")
        self.assertEqual(c2["status"], "rejected")
        self.assertEqual(c2["steps"][-1]["note"], "不属于受理范围")
        r = self.post(path, {"action": "accept"}, user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_action_not_allowed_in_state(self):
        c = self.create(title="状态不允许测试")
        path = "/api/v1/cases/%d/actions" % c["id"]
        for action, extra in [("sign", {}), ("feedback", {"note": "x"}),
                              ("dispatch", {"unit_id": self.family["id"]})]:
            r = self.post(path, dict(extra, action=action), user="town_101")
            self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertEqual(len(self.get("/api/v1/cases/%d" % c["id"], user="town_101")
                             .json["steps"]), 1)

    def test_role_may_not(self):
        c = self.create(user="grid_101_001_001", title="网格员不能受理")
        path = "/api/v1/cases/%d/actions" % c["id"]
        r = self.post(path, {"action": "accept"}, user="grid_101_001_001")
        self.assertError(r, 403, "FORBIDDEN")
        r = self.post(path, {"action": "reject", "note": "x"}, user="grid_101_001_001")
        self.assertError(r, 403, "FORBIDDEN")
        got = self.get("/api/v1/cases/%d" % c["id"], user="town_101").json
        self.assertEqual(got["status"], "reported")
        self.assertEqual(len(got["steps"]), 1)

    def test_unknown_action(self):
        c = self.create(title="未知动作测试")
        r = self.post("/api/v1/cases/%d/actions" % c["id"], {"action": "frobnicate"},
                      user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "action")
        r = self.post("/api/v1/cases/%d/actions" % c["id"], {"note": "x"}, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "action")

    def test_unit_id_only_for_dispatch(self):
        c = self.create(title="多余unit_id测试", category="family")
        r = self.post("/api/v1/cases/%d/actions" % c["id"],
                      {"action": "accept", "unit_id": self.family["id"]}, user="town_101")
        self.assertError(r, 400, "UNKNOWN_FIELD", "unit_id")
        r = self.post("/api/v1/cases/%d/actions" % c["id"],
                      {"action": "accept", "unit_id": -3}, user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "unit_id")
        self.assertEqual(self.get("/api/v1/cases/%d" % c["id"], user="town_101").json["status"],
                         "reported")

    def test_missing_case(self):
        self.assertError(self.get("/api/v1/cases/99999999", user="city_admin"), 404,
                         "NOT_FOUND")
        r = self.post("/api/v1/cases/99999999/actions", {"action": "accept"}, user="city_admin")
        self.assertError(r, 404, "NOT_FOUND")


class ListTest(ApiTest):

    def test_filters(self):
        # a village that has cases (from the demo data, whatever it holds)
        first = self.get(q("/api/v1/cases", region=TOWN, limit=1), user="city_admin")
        village = first.json["items"][0]["grid"][:12]
        for key, value, check in [
                ("status", "closed", lambda i: i["status"] == "closed"),
                ("status", "reported", lambda i: i["status"] == "reported"),
                ("category", "land", lambda i: i["category"] == "land"),
                ("type", "hazard", lambda i: i["type"] == "hazard"),
                ("region", village, lambda i: i["grid"].startswith(village)),
                ("region", TOWN, lambda i: i["grid"].startswith(TOWN))]:
            r = self.get(q("/api/v1/cases", limit=200, **{key: value}), user="city_admin")
            self.assertStatus(r, 200)
            items = r.json["items"]
            self.assertGreater(len(items), 0, "%s=%s found nothing" % (key, value))
            bad = [i["id"] for i in items if not check(i)]
            self.assertEqual(bad, [], "%s=%s let through %s" % (key, value, bad))

    def test_filters_combined_and_counted(self):
        st = self.stats(TOWN)
        items, _ = self.walk("city_admin", limit=200, region=TOWN, category="land")
        self.assertEqual(len(items), st["by_category"].get("land", 0))
        self.assertTrue(all(i["category"] == "land" and i["grid"].startswith(TOWN)
                            for i in items))
        items, _ = self.walk("city_admin", limit=200, region=TOWN, status="closed",
                             type="dispute")
        self.assertGreater(len(items), 0)
        self.assertTrue(all(i["status"] == "closed" and i["type"] == "dispute" and
                            i["grid"].startswith(TOWN) for i in items))

    def test_list_item_shape(self):
        r = self.get(q("/api/v1/cases", limit=5), user="city_admin")
        self.assertStatus(r, 200)
        self.assertEqual(len(r.json["items"]), 5)
        for i in r.json["items"]:
            self.assertRegex(i["number"], NUMBER_RE)
            self.assertTrue({"id", "number", "type", "category", "status", "title", "grid",
                             "created_at"} <= set(i))
            self.assertNotIn("parties", i)
        self.assertIsInstance(r.json["next_cursor"], str)

    def test_keyset_pagination_three_pages(self):
        # a town nobody writes to in this class, so the count cannot move under us
        total = self.stats(OTHER_TOWN)["total"]
        self.assertGreaterEqual(total, 9)
        limit = math.ceil(total / 3)
        pages, cursor = [], None
        for n in range(3):
            params = {"region": OTHER_TOWN, "limit": limit}
            if cursor:
                params["cursor"] = cursor
            r = self.get(q("/api/v1/cases", **params), user="city_admin")
            self.assertStatus(r, 200)
            pages.append([i["id"] for i in r.json["items"]])
            cursor = r.json["next_cursor"]
            if n < 2:
                self.assertIsNotNone(cursor, "page %d" % (n + 1))
                self.assertEqual(len(pages[-1]), limit)
                self.assertEqual(cursor, str(pages[-1][-1]))
        self.assertIsNone(cursor, "the third page is the last")
        ids = [i for p in pages for i in p]
        self.assertEqual(len(ids), total)
        self.assertEqual(len(set(ids)), len(ids), "duplicates across pages")
        self.assertEqual(ids, sorted(ids, reverse=True), "ids not descending")
        # the same as one big page
        r = self.get(q("/api/v1/cases", region=OTHER_TOWN, limit=200), user="city_admin")
        self.assertEqual([i["id"] for i in r.json["items"]], ids)
        self.assertIsNone(r.json["next_cursor"])

    def test_exact_last_page(self):
        total = self.stats(OTHER_TOWN)["total"]
        r = self.get(q("/api/v1/cases", region=OTHER_TOWN, limit=total), user="city_admin")
        self.assertEqual(len(r.json["items"]), total)
        self.assertIsNone(r.json["next_cursor"])
        r = self.get(q("/api/v1/cases", region=OTHER_TOWN, limit=total - 1), user="city_admin")
        self.assertEqual(len(r.json["items"]), total - 1)
        self.assertIsNotNone(r.json["next_cursor"])

    def test_default_limit(self):
        r = self.get("/api/v1/cases", user="city_admin")
        self.assertStatus(r, 200)
        self.assertGreater(len(r.json["items"]), 0)
        self.assertLessEqual(len(r.json["items"]), 200)
        self.assertIsNotNone(r.json["next_cursor"])

    def test_unknown_filter_values(self):
        for key, value in [("status", "bogus"), ("category", "bogus"), ("type", "bogus"),
                           ("region", "abc")]:
            r = self.get(q("/api/v1/cases", **{key: value}), user="city_admin")
            self.assertError(r, 400, "BAD_QUERY", key)


class SearchTest(ApiTest):

    def ids(self, user="town_101", **params):
        items, _ = self.walk(user, limit=200, **params)
        return [i["id"] for i in items]

    def test_search_title_simplified_and_traditional(self):
        c = self.create(title="邻里纠纷测试XYZ", description="两户因排水沟发生争执")
        self.assertIn(c["id"], self.ids(q="邻里纠纷测试XYZ"))
        self.assertIn(c["id"], self.ids(q="纠纷测试xyz"))
        self.assertIn(c["id"], self.ids(q="鄰里糾紛測試xyz"), "traditional query")
        self.assertIn(c["id"], self.ids(q="排水沟"), "description")
        self.assertIn(c["id"], self.ids(q="排水溝"), "description, traditional")
        self.assertNotIn(c["id"], self.ids(q="邻里纠纷测试XYW"))
        self.assertEqual(self.ids(q="完全不存在的词语QQQ"), [])

    def test_search_traditional_title(self):
        c = self.create(title="環境污染舉報測試")
        self.assertIn(c["id"], self.ids(q="环境污染举报测试"))
        self.assertIn(c["id"], self.ids(q="環境污染舉報測試"))

    def test_search_traditional_phrases(self):
        # words whose traditional form converts as a phrase, not character by character
        # (OpenCC t2s: 瞭解→了解, 答覆→答复, 回覆→回复, 藉口→借口)
        c = self.create(title="繁体词组检索", description="网格员上门了解情况，已答复当事人，"
                        "对方以工期为借口拖延，待回复")
        missed = [w for w in ["瞭解情況", "答覆當事人", "藉口", "回覆"]
                  if c["id"] not in self.ids(q=w)]
        self.assertEqual(missed, [], "traditional queries that miss the simplified text")
        self.assertIn(c["id"], self.ids(q="了解情况"))

    def test_search_respects_other_filters(self):
        c = self.create(title="组合检索测试ABC", category="land")
        self.assertIn(c["id"], self.ids(q="组合检索测试abc", category="land"))
        self.assertNotIn(c["id"], self.ids(q="组合检索测试abc", category="wage"))
        self.assertNotIn(c["id"], self.ids(q="组合检索测试abc", status="closed"))

    def test_like_metacharacters_are_literal(self):
        pct = self.create(title="折扣100%到账测试")
        nopct = self.create(title="折扣100X到账测试")
        und = self.create(title="编号A_B测试")
        nound = self.create(title="编号AXB测试")
        got = self.ids(q="100%到账测试")
        self.assertIn(pct["id"], got)
        self.assertNotIn(nopct["id"], got)
        got = self.ids(q="a_b测试")
        self.assertIn(und["id"], got)
        self.assertNotIn(nound["id"], got)

    def test_q_too_long(self):
        r = self.get(q("/api/v1/cases", q="字" * 101), user="town_101")
        self.assertError(r, 400, "BAD_QUERY", "q")


class StatsTest(ApiTest):

    def test_stats_shape_and_consistency(self):
        st = self.stats(TOWN)
        self.assertEqual(st["region"], TOWN)
        self.assertTrue(st["region_name"])
        self.assertGreater(st["total"], 0)
        for k in ("by_status", "by_category", "by_type"):
            self.assertEqual(sum(st[k].values()), st["total"], k)
        # the counters agree with the cases themselves
        items, _ = self.walk("city_admin", limit=200, region=TOWN)
        self.assertEqual(len(items), st["total"])
        by_status = {}
        for i in items:
            by_status[i["status"]] = by_status.get(i["status"], 0) + 1
        self.assertEqual(by_status, {k: v for k, v in st["by_status"].items() if v})

    def test_city_is_sum_of_towns(self):
        city = self.stats(CITY)
        towns = self.get(q("/api/v1/regions", parent=CITY), user="city_admin").json["items"]
        total = sum(self.stats(t["code"])["total"] for t in towns)
        self.assertEqual(total, city["total"])

    def test_default_region_is_own(self):
        r = self.get("/api/v1/stats", user="town_101")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["region"], TOWN)

    def test_create_and_act_move_the_counts(self):
        levels = [CITY, TOWN, VILLAGE, GRID]
        before = {r: self.stats(r) for r in levels}
        c = self.create(title="统计计数测试", category="wage")
        after = {r: self.stats(r) for r in levels}
        for r in levels:
            b, a = before[r], after[r]
            self.assertEqual(a["total"], b["total"] + 1, r)
            self.assertEqual(a["by_status"].get("reported", 0),
                             b["by_status"].get("reported", 0) + 1, r)
            self.assertEqual(a["by_category"].get("wage", 0),
                             b["by_category"].get("wage", 0) + 1, r)
            self.assertEqual(a["by_type"].get("dispute", 0),
                             b["by_type"].get("dispute", 0) + 1, r)
        other = self.stats(OTHER_TOWN)
        self.act(c["id"], "accept")
        moved = self.stats(TOWN)
        a = after[TOWN]
        self.assertEqual(moved["total"], a["total"])
        self.assertEqual(moved["by_status"].get("reported", 0),
                         a["by_status"].get("reported", 0) - 1)
        self.assertEqual(moved["by_status"].get("accepted", 0),
                         a["by_status"].get("accepted", 0) + 1)
        self.assertEqual(moved["by_category"], a["by_category"])
        self.assertEqual(self.stats(OTHER_TOWN), other, "another town's counts moved")

    def test_refused_action_does_not_move_counts(self):
        c = self.create(title="失败动作不计数")
        before = self.stats(TOWN)
        r = self.post("/api/v1/cases/%d/actions" % c["id"], {"action": "feedback", "note": "x"},
                      user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertEqual(self.stats(TOWN), before)

    def test_outside_scope(self):
        for region in [CITY, OTHER_TOWN, OTHER_TOWN + "001"]:
            r = self.get(q("/api/v1/stats", region=region), user="town_101")
            self.assertError(r, 403, "FORBIDDEN", "region")
        r = self.get(q("/api/v1/stats", region=VILLAGE), user="town_101")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["region"], VILLAGE)

    def test_bad_region(self):
        self.assertError(self.get(q("/api/v1/stats", region="abc"), user="city_admin"), 400,
                         "BAD_QUERY", "region")
        self.assertError(self.get(q("/api/v1/stats", region="429006999"), user="city_admin"),
                         404, "NOT_FOUND")


class PersonalDataTest(ApiTest):

    ID = idno_ending("123X")
    PHONE = "13812345678"

    def parties(self):
        return [{"role": "applicant", "name": "张三", "id_number": self.ID, "phone": self.PHONE,
                 "address": "滨湖社区3栋"},
                {"role": "respondent", "name": "李四", "phone": "0728-5221234"}]

    def test_masked(self):
        self.assertTrue(self.ID.startswith("429006") and self.ID.endswith("123X"))
        r = self.post("/api/v1/cases", self.case_body(parties=self.parties()), user="town_101")
        self.assertStatus(r, 201)
        raw = r.raw.decode("utf-8")
        p = r.json["parties"]
        self.assertEqual(len(p), 2)
        self.assertEqual(p[0]["id_number"], "429006********123X")
        self.assertEqual(p[0]["phone"], "138****5678")
        self.assertEqual(p[0]["name"], "张三")
        self.assertEqual(p[0]["role"], "applicant")
        self.assertNotIn(self.ID, raw)
        self.assertNotIn(self.PHONE, raw)
        self.assertNotIn("5221234", raw)
        self.assertIsNone(p[1]["id_number"])
        self.assertTrue(p[1]["phone"].endswith("1234") and "*" in p[1]["phone"], p[1])
        for user in ("town_101", "city_admin", "auditor"):
            g = self.get("/api/v1/cases/%d" % r.json["id"], user=user)
            self.assertStatus(g, 200)
            self.assertNotIn(self.ID, g.raw.decode("utf-8"))
            self.assertNotIn(self.PHONE, g.raw.decode("utf-8"))
            self.assertEqual(g.json["parties"][0]["id_number"], "429006********123X")
            self.assertEqual(g.json["parties"][0]["phone"], "138****5678")

    def test_phone_field_masked(self):
        # a phone number given in a type's field (request.contact_phone) is the same
        # personal data as a party's phone and comes back masked the same way
        body = self.case_body(type="request", category="livelihood", title="联系电话脱敏",
                              fields={"contact_phone": self.PHONE})
        r = self.post("/api/v1/cases", body, user="town_101")
        self.assertStatus(r, 201)
        g = self.get("/api/v1/cases/%d" % r.json["id"], user="town_101")
        for resp in (r, g):
            self.assertNotIn(self.PHONE, resp.raw.decode("utf-8"),
                             "fields.contact_phone comes back unmasked")
            self.assertEqual(resp.json["fields"]["contact_phone"], "138****5678")

    def test_bad_id_number(self):
        parties = self.parties()
        parties[0]["id_number"] = bad_check_digit(self.ID)
        before = self.stats(TOWN)["total"]
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[0].id_number")
        parties = self.parties()
        parties[1]["id_number"] = "42900619900230123X"  # no 30 February
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[1].id_number")
        parties = self.parties()
        parties[0]["id_number"] = self.ID[:-1]
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[0].id_number")
        self.assertEqual(self.stats(TOWN)["total"], before)

    def test_bad_party(self):
        parties = self.parties()
        parties[1]["phone"] = "12345"
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[1].phone")
        parties = self.parties()
        parties[0]["role"] = "judge"
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[0].role")
        parties = self.parties()
        del parties[1]["name"]
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "parties[1].name")
        parties = self.parties()
        parties[0]["ethnicity"] = "汉"
        r = self.post("/api/v1/cases", self.case_body(parties=parties), user="town_101")
        self.assertError(r, 400, "UNKNOWN_FIELD", "parties[0].ethnicity")
        r = self.post("/api/v1/cases", self.case_body(parties=["张三"]), user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "parties[0]")


if __name__ == "__main__":
    unittest.main()
