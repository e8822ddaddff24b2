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
        session = {"held_on": self.day(-18), "attendees": "双方当事人、调解员", "facts": "因赡养费发生争执",
                   "outcome": "达成一致"}
        c = self.act(cid, "mediation_session", user="mediator_family", record=session)
        self.assertEqual(c["records"][0]["kind"], "mediation_session")
        self.assertEqual(c["records"][0]["name"], "调解记录")
        self.assertEqual(c["records"][0]["data"], session)
        # the agreement: terms and due date required; a field the type does not define refused
        path = "%s/%d/actions" % (CASES, cid)
        r = self.post(path, {"action": "agreement", "record": {"signed_on": self.day(-17)}},
                      user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "record.terms")
        r = self.post(path, {"action": "agreement", "record": {
            "signed_on": self.day(-17), "terms": "每月支付赡养费800元", "due_on": "2026-02-30"}},
            user="mediator_family")
        self.assertError(r, 400, "BAD_FIELD", "record.due_on")
        r = self.post(path, {"action": "agreement", "record": {
            "signed_on": self.day(-17), "terms": "x", "due_on": self.day(-7), "secret": 1}},
            user="mediator_family")
        self.assertError(r, 400, "UNKNOWN_FIELD", "record.secret")
        r = self.post(path, {"action": "agreement"}, user="mediator_family")
        self.assertError(r, 400, "MISSING_FIELD", "record")
        agreement = {"signed_on": self.day(-17), "terms": "每月支付赡养费800元", "amount": 800,
                     "due_on": self.day(-7)}
        c = self.act(cid, "agreement", user="mediator_family", record=agreement)
        self.assertEqual([x["kind"] for x in c["records"]], ["mediation_session", "agreement"])
        # only the holder keeps the record
        r = self.post(path, {"action": "mediation_session", "record": session}, user="town_101")
        self.assertError(r, 403, "FORBIDDEN")
        self.act(cid, "feedback", user="mediator_family", note="已达成协议")
        self.act(cid, "verify_pass")
        c = self.act(cid, "fulfilment", record={"checked_on": self.day(-6), "fulfilled": "已履行"})
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
                                                            "record": {"held_on": self.day(-1)}},
                      user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_resident_matter_with_a_vote(self):
        c = self.create(type="resident", category="public_works", title="修建村组道路",
                        user="grid_101_001_001")
        self.assertEqual((c["status"], c["tier"]), ("raised", "village"))
        cid = c["id"]
        self.act(cid, "accept", user="village_101_001")
        vote = {"held_on": self.day(-13), "form": "村民代表会议", "members": 45, "attendees": 35,
                "options": "是否集资修建组道路", "votes_for": 30, "votes_against": 3,
                "abstentions": 2, "result": "通过"}
        c = self.act(cid, "vote", user="village_101_001", record=vote)
        self.assertEqual(c["status"], "doing")
        self.assertEqual(c["records"][0]["data"]["votes_for"], 30)
        self.act(cid, "carry_out", user="village_101_001", note="已开工")
        c = self.act(cid, "publish", user="village_101_001",
                     record={"published_on": self.day(0), "where": "村务公开栏",
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


    # ---- records that make sense: the rules the data states ----

    def vote_case(self, title):
        c = self.create(type="resident", category="public_works", title=title,
                        user="grid_101_001_001")
        self.act(c["id"], "accept", user="village_101_001")
        return c["id"]

    def vote(self, **over):
        v = {"held_on": self.day(-2), "form": "村民代表会议", "members": 45, "attendees": 35,
             "options": "是否集资修建组道路", "votes_for": 30, "votes_against": 3,
             "abstentions": 2, "result": "通过"}
        v.update(over)
        return {k: x for k, x in v.items() if x is not None}

    def refused(self, cid, action, record, field, *words, user="village_101_001"):
        """The record is refused with 400 naming record.FIELD, in Chinese and, asked, in
        English; each word is in one of the two."""
        body = {"action": action, "record": record}
        path = "%s/%d/actions" % (CASES, cid)
        e = self.assertError(self.post(path, body, user=user), 400, "BAD_FIELD", "record." + field)
        en = self.assertError(self.post(path, body, user=user, headers={"Accept-Language": "en"}),
                              400, "BAD_FIELD", "record." + field)
        for w in words:
            self.assertIn(w, e["message"] + "\n" + en["message"])
        return e

    def test_the_catalog_marks_dates_of_what_happened(self):
        # every date of something that happened is past; dates set ahead (履行期限,
        # 整改期限) are not
        types = self.get("/api/v1/case-types", user="city_admin").json["items"]
        past, ahead = set(), set()
        for t in types:
            for f in t["fields"]:
                if f["type"] == "date":
                    (past if f.get("past") else ahead).add((t["code"], f["code"]))
            for r in t["records"]:
                for f in r["fields"]:
                    if f["type"] == "date":
                        (past if f.get("past") else ahead).add((t["code"], r["action"], f["code"]))
        self.assertEqual(past, {("dispute", "occurred_on"),
                                ("dispute", "mediation_session", "held_on"),
                                ("dispute", "agreement", "signed_on"),
                                ("dispute", "fulfilment", "checked_on"),
                                ("fraud_visit", "confirm", "visited_on"),
                                ("resident", "vote", "held_on"),
                                ("resident", "publish", "published_on"),
                                ("petition", "refer_reconsideration", "told_on"),
                                ("petition", "reconsideration_result", "decided_on")})
        self.assertEqual(ahead, {("dispute", "agreement", "due_on"), ("hazard", "rectify_by")})

    def test_future_dates_refused(self):
        # intake: the day a dispute began
        body = self.case_body(GRID, fields={"occurred_on": self.day(1)})
        r = self.post(CASES, body, user="town_101")
        e = self.assertError(r, 400, "BAD_FIELD", "fields.occurred_on")
        self.assertIn("发生日期", e["message"])
        r = self.post(CASES, body, user="town_101", headers={"Accept-Language": "en"})
        self.assertIn("Date it began", self.assertError(r, 400, "BAD_FIELD",
                                                          "fields.occurred_on")["message"])
        self.create(fields={"occurred_on": self.day(0)})
        # a mediation session, an agreement, a fulfilment check, a vote, a publication
        cid = self.at_committee("未来日期测试")
        session = {"held_on": self.day(3), "attendees": "双方", "facts": "争执",
                   "outcome": "达成一致"}
        self.refused(cid, "mediation_session", session, "held_on", "调解日期", "Held on",
                     self.day(0), user="mediator_family")
        session["held_on"] = self.day(0)
        self.act(cid, "mediation_session", user="mediator_family", record=session)
        self.refused(cid, "agreement", {"signed_on": self.day(1), "terms": "赔偿",
                                        "due_on": self.day(30)},
                     "signed_on", "签订日期", user="mediator_family")
        # the date to fulfil by lies ahead, but not before the signing
        self.refused(cid, "agreement", {"signed_on": self.day(-1), "terms": "赔偿",
                                        "due_on": self.day(-3)},
                     "due_on", "履行期限", "签订日期", "Fulfil by", "not before",
                     user="mediator_family")
        self.act(cid, "agreement", user="mediator_family",
                 record={"signed_on": self.day(0), "terms": "赔偿", "due_on": self.day(30)})
        self.act(cid, "feedback", user="mediator_family", note="已达成协议")
        self.act(cid, "verify_pass")
        self.refused(cid, "fulfilment", {"checked_on": self.day(1), "fulfilled": "已履行"},
                     "checked_on", "回访日期", user="town_101")
        vid = self.vote_case("未来议事日期")
        self.refused(vid, "vote", self.vote(held_on=self.day(1)), "held_on", "议事日期")
        c = self.act(vid, "vote", user="village_101_001", record=self.vote())
        self.refused(vid, "publish", {"published_on": self.day(2), "where": "公开栏",
                                      "content": "结果"}, "published_on", "公示日期")
        self.assertEqual(self.case(vid)["status"], "doing")

    def test_votes_add_up(self):
        cid = self.vote_case("表决票数测试")
        # 600 votes from 5 attendees
        self.refused(cid, "vote", self.vote(attendees=5, members=5, votes_for=600,
                                            votes_against=0, abstentions=0),
                     "votes_for", "赞成票+反对票+弃权票（600）应不多于参会人数（5）",
                     "Votes for + Votes against + Abstentions (600) must be at most Attendees (5)")
        # abstentions are optional: the others must still fit
        self.refused(cid, "vote", self.vote(abstentions=None, votes_for=33, votes_against=3),
                     "votes_for")
        # more present than may attend
        self.refused(cid, "vote", self.vote(members=30, attendees=35), "attendees",
                     "参会人数（35）应不多于应到人数（30）")
        self.assertEqual(self.case(cid)["records"], [])

    def test_quorum_of_the_meetings(self):
        cid = self.vote_case("法定人数测试")
        # 村民代表会议: two thirds of its 45 members, i.e. 30
        e = self.refused(cid, "vote", self.vote(attendees=29, votes_for=20, votes_against=9,
                                                abstentions=0),
                         "attendees", "参会人数（29）应不少于应到人数（45）的2/3",
                         "村民代表会议", "村民委员会组织法第二十六条",
                         "Attendees (29) must be at least 2/3 of Members (entitled to attend) (45)")
        # 村民会议: more than half of the 100 adults; 50 is not
        self.refused(cid, "vote", self.vote(form="村民会议", members=100, attendees=50,
                                            votes_for=40, votes_against=10, abstentions=0),
                     "attendees", "参会人数（50）应多于应到人数（100）的1/2", "第二十二条")
        # a deliberation meeting (议事协商会) has no quorum in law
        c = self.act(cid, "vote", user="village_101_001",
                     record=self.vote(form="议事协商会", members=45, attendees=3, votes_for=2,
                                      votes_against=1, abstentions=0))
        self.assertEqual(c["status"], "doing")
        # exactly two thirds is a quorum
        cid = self.vote_case("法定人数边界")
        c = self.act(cid, "vote", user="village_101_001",
                     record=self.vote(attendees=30, votes_for=16, votes_against=14,
                                      abstentions=0))
        self.assertEqual(c["status"], "doing")
        cid = self.vote_case("村民会议过半数")
        c = self.act(cid, "vote", user="village_101_001",
                     record=self.vote(form="村民会议", members=100, attendees=51, votes_for=26,
                                      votes_against=25, abstentions=0))
        self.assertEqual(c["status"], "doing")

    def test_a_failed_vote_does_not_move_the_matter(self):
        cid = self.vote_case("表决未通过")
        # 15 of 30 present is not more than half: kept, and the matter stays 议事中
        v = self.vote(attendees=30, votes_for=15, votes_against=10, abstentions=5,
                      result="未通过")
        c = self.act(cid, "vote", user="village_101_001", record=v)
        self.assertEqual(c["status"], "deliberating")
        self.assertEqual(c["records"][-1]["data"], v)
        step = c["steps"][-1]
        self.assertEqual((step["action"], step["from_state"], step["to_state"]),
                         ("vote", "deliberating", "deliberating"))
        self.assertIn("议事表决未通过", step["note"])
        self.assertIn("赞成票（15）应多于参会人数（30）的1/2", step["note"])
        # nothing is carried out on a failed vote
        offered = {a["action"] for a in c["actions"]}
        self.assertNotIn("carry_out", offered)
        self.assertNotIn("publish", offered)
        r = self.post("%s/%d/actions" % (CASES, cid), {"action": "carry_out", "note": "开工"},
                      user="village_101_001")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        # put again, it carries (16 of 30); the user's note follows the reason on a failure
        c = self.act(cid, "vote", user="village_101_001", note="第二次表决",
                     record=self.vote(attendees=30, votes_for=16, votes_against=14,
                                      abstentions=0))
        self.assertEqual(c["status"], "doing")
        self.assertEqual(c["steps"][-1]["note"], "第二次表决")
        self.assertEqual(len(c["records"]), 2)
        # a matter whose vote failed may be declined
        cid = self.vote_case("表决未通过后不予采纳")
        v = self.vote(attendees=40, votes_for=10, votes_against=30, abstentions=0)
        c = self.act(cid, "vote", user="village_101_001", note="再议", record=v)
        self.assertTrue(c["steps"][-1]["note"].endswith("\n再议"), c["steps"][-1]["note"])
        c = self.act(cid, "decline", user="village_101_001", note="多数反对")
        self.assertEqual(c["status"], "not_adopted")

    def test_merge_needs_the_same_type_and_a_reason(self):
        a = self.create(title="噪音扰民")
        b = self.create(type="hazard", category="fire", title="楼道堆放杂物")
        path = "%s/%d/actions" % (CASES, a["id"])
        r = self.post(path, {"action": "merge", "target_case_id": b["id"]}, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.post(path, {"action": "merge", "target_case_id": b["id"], "note": "重复"},
                      user="town_101")
        e = self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        self.assertIn("只能合并同类案件", e["message"])
        self.assertIn(b["number"], e["message"])
        self.assertEqual(self.case(a["id"])["status"], "reported")
        d = self.create(title="噪音扰民（重复）")
        c = self.act(a["id"], "merge", target_case_id=d["id"], note="同一户噪音")
        self.assertEqual(c["status"], "merged")
        self.assertEqual(c["steps"][-1]["note"], "案件 %s 作为重复件并入案件 %s：同一户噪音"
                         % (a["number"], d["number"]))


class RecordsOnTheServerClockTest(ApiTest):
    """Today is the server's (the testing clock's), not the test machine's."""
    server_clock = True

    def test_today_follows_the_server_clock(self):
        ahead = self.day(5)
        body = self.case_body(GRID, fields={"occurred_on": ahead})
        self.assertError(self.post(CASES, body, user="town_101"), 400, "BAD_FIELD",
                         "fields.occurred_on")
        self.s.shift(10 * 86400)
        self.s._tokens.clear()  # ten days on, the sessions have ended: log in again
        self.assertEqual(self.post(CASES, body, user="town_101").status, 201)
        body["fields"]["occurred_on"] = self.day(1)
        self.assertError(self.post(CASES, body, user="town_101"), 400, "BAD_FIELD",
                         "fields.occurred_on")

if __name__ == "__main__":
    unittest.main()
