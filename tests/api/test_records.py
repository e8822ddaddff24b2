"""test_records.py: records kept by actions — the mediation record of a dispute (sessions,
the agreement with its terms and due date, the fulfilment follow-up, a failed mediation),
a resident matter decided by a recorded vote and published, a wage case transferred to
the police — checked against the fields the case types define."""
import unittest

from common import ApiTest, GRID

CASES = "/api/v1/cases"


class RecordsTest(ApiTest):
    def case(self, cid, user="city_admin"):
        r = self.get("%s/%d" % (CASES, cid), user=user)
        self.assertStatus(r, 200)
        return r.json

    def at_committee(self, title):
        c = self.create(title=title, category="family")
        fam = self.unit_by_code("committee-family")
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=fam["id"])
        self.act(c["id"], "sign", user="mediator_family")
        return c["id"]

    def test_mediation_record(self):
        cid = self.at_committee("调解记录测试")
        session = {"held_on": "2026-11-20", "attendees": "双方当事人、调解员", "facts": "因赡养费发生争执",
                   "outcome": "达成一致"}
        c = self.act(cid, "mediation_session", user="mediator_family", record=session)
        self.assertEqual(c["records"][0]["kind"], "mediation_session")
        self.assertEqual(c["records"][0]["name"], "调解记录")
        self.assertEqual(c["records"][0]["data"], session)
        # the agreement: terms and due date required; a field the type does not define refused
        path = "%s/%d/actions" % (CASES, cid)
        r = self.post(path, {"action": "agreement", "record": {"signed_on": "2026-11-21"}},
                      user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "record.terms")
        r = self.post(path, {"action": "agreement", "record": {
            "signed_on": "2026-11-21", "terms": "每月支付赡养费800元", "due_on": "2026-02-30"}},
            user="mediator_family")
        self.assertError(r, 400, "BAD_FIELD", "record.due_on")
        r = self.post(path, {"action": "agreement", "record": {
            "signed_on": "2026-11-21", "terms": "x", "due_on": "2026-12-01", "secret": 1}},
            user="mediator_family")
        self.assertError(r, 400, "UNKNOWN_FIELD", "record.secret")
        r = self.post(path, {"action": "agreement"}, user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "record")
        agreement = {"signed_on": "2026-11-21", "terms": "每月支付赡养费800元", "amount": 800,
                     "due_on": "2026-12-01"}
        c = self.act(cid, "agreement", user="mediator_family", record=agreement)
        self.assertEqual([x["kind"] for x in c["records"]], ["mediation_session", "agreement"])
        # only the holder keeps the record
        r = self.post(path, {"action": "mediation_session", "record": session}, user="town_101")
        self.assertError(r, 403, "FORBIDDEN")
        self.act(cid, "feedback", user="mediator_family", note="已达成协议")
        self.act(cid, "verify_pass")
        c = self.act(cid, "fulfilment", record={"checked_on": "2026-12-02", "fulfilled": "已履行"})
        self.assertEqual(c["records"][-1]["data"]["fulfilled"], "已履行")
        steps = [s["action"] for s in c["steps"]]
        self.assertEqual(steps[-1], "fulfilment")

    def test_mediation_failed(self):
        cid = self.at_committee("调解不成测试")
        r = self.post("%s/%d/actions" % (CASES, cid), {"action": "mediation_failed", "record": {
            "advice": "去法院", "reason": "分歧过大"}}, user="mediator_family")
        self.assertError(r, 400, "BAD_FIELD", "record.advice")
        c = self.act(cid, "mediation_failed", user="mediator_family",
                     record={"advice": "告知诉讼", "reason": "双方分歧过大"})
        self.assertEqual(c["records"][0]["data"]["advice"], "告知诉讼")

    def test_types_without_the_record_are_not_offered_it(self):
        c = self.create(type="hazard", category="fire", title="无调解记录的类型")
        hz = self.unit_by_code("town-" + GRID[:9])
        self.act(c["id"], "accept")
        self.act(c["id"], "dispatch", unit_id=hz["id"])
        c = self.act(c["id"], "sign")
        self.assertNotIn("mediation_session", {a["action"] for a in c["actions"]})
        r = self.post("%s/%d/actions" % (CASES, c["id"]), {"action": "mediation_session",
                                                            "record": {"held_on": "2026-11-20"}},
                      user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_resident_matter_with_a_vote(self):
        c = self.create(type="resident", category="public_works", title="修建村组道路",
                        user="grid_101_001_001")
        self.assertEqual((c["status"], c["tier"]), ("raised", "village"))
        cid = c["id"]
        self.act(cid, "accept", user="village_101_001")
        vote = {"held_on": "2026-11-25", "form": "村民代表会议", "attendees": 35,
                "options": "是否集资修建组道路", "votes_for": 30, "votes_against": 3,
                "abstentions": 2, "result": "通过"}
        c = self.act(cid, "vote", user="village_101_001", record=vote)
        self.assertEqual(c["status"], "doing")
        self.assertEqual(c["records"][0]["data"]["votes_for"], 30)
        self.act(cid, "carry_out", user="village_101_001", note="已开工")
        c = self.act(cid, "publish", user="village_101_001",
                     record={"published_on": "2026-12-10", "where": "村务公开栏",
                             "content": "道路已建成"})
        self.assertEqual(c["status"], "published")
        self.assertEqual([x["kind"] for x in c["records"]], ["vote", "publish"])
        self.assertEqual([s["action"] for s in c["steps"]],
                         ["report", "accept", "vote", "carry_out", "publish"])

    def test_wage_case_transferred_to_police(self):
        c = self.create(type="wage", category="construction", title="恶意欠薪",
                        fields={"workers": 20, "amount": 300000, "criminal": True})
        police = self.unit_by_code("city-police")
        self.act(c["id"], "accept")
        r = self.post("%s/%d/actions" % (CASES, c["id"]),
                      {"action": "transfer", "unit_id": police["id"]}, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(c["id"], "transfer", unit_id=police["id"], note="涉嫌拒不支付劳动报酬罪")
        self.assertEqual((c["status"], c["unit_id"]), ("transferred", police["id"]))
        got = self.case(c["id"], user="police")
        self.assertEqual(got["status"], "transferred")
        # transfer is not the end: the police record what they did and answer; the centre
        # supervises meanwhile and calls the workers back afterwards
        self.assertTrue({"agency_record", "agency_reply"}
                        <= {a["action"] for a in got["actions"]}, got["actions"])
        self.assertIn("supervise", {a["action"] for a in self.case(c["id"])["actions"]})
        self.act(c["id"], "supervise", days=5, note="请公安机关及时立案")
        for user in ("town_101", "city_staff"):  # not theirs to record: the holder acts
            r = self.post("%s/%d/actions" % (CASES, c["id"]),
                          {"action": "agency_record", "note": "x"}, user=user)
            self.assertError(r, 403, "FORBIDDEN")
        self.act(c["id"], "agency_record", user="police", note="已立案侦查")
        self.act(c["id"], "supervision_report", user="police", note="已立案，正在追缴")
        c = self.act(c["id"], "agency_reply", user="police", note="已追回工资30万元，发放到位")
        self.assertEqual((c["status"], c["unit_id"]), ("closed", police["id"]))
        r = self.post("%s/%d/actions" % (CASES, c["id"]),
                      {"action": "callback", "rating": "satisfied"}, user="police")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(c["id"], "callback", user="city_staff", rating="satisfied",
                     note="回访农民工，工资已到手")
        self.assertEqual(c["rating"], "satisfied")
        self.assertEqual([s["action"] for s in c["steps"]][2:],
                         ["transfer", "supervise", "agency_record", "supervision_report",
                          "agency_reply", "callback"])


if __name__ == "__main__":
    unittest.main()
