"""test_tipoff.py: a tip-off (举报线索) — the reporter's identity only for the roles that must
see it, and a query code the reporter follows the case by, without an account."""
import unittest

from common import ApiTest, idno

CASES = "/api/v1/cases"


class TipoffTest(ApiTest):
    def tipoff(self):
        return self.create(type="tipoff", category="village_bully", title="村霸强揽工程线索",
                           fields={"anonymous": False, "clue_source": "群众举报"},
                           parties=[{"role": "reporter", "name": "举报人甲",
                                     "id_number": idno("42900619800101123"),
                                     "phone": "13912345678"},
                                    {"role": "respondent", "name": "被举报人乙"}])

    def test_reporter_protected_and_tracked_by_code(self):
        c = self.tipoff()
        code = c["query_code"]
        self.assertRegex(code, r"^[2-9A-HJ-NP-Z]{16}$")
        # the staff who registered it is no reporter_role: the reporter is masked already
        rep = [p for p in c["parties"] if p["role"] == "reporter"][0]
        self.assertEqual((rep["name"], rep["id_number"], rep["phone"], rep.get("protected")),
                         ("（举报人信息受保护）", None, None, True))
        # the other party is shown as usual
        self.assertIn("被举报人乙", [p["name"] for p in c["parties"]])
        # a reader without the role: masked; city_admin (a reporter role): shown, masked ID
        for user, shown in (("town_101", False), ("city_staff", False), ("city_admin", True)):
            got = self.get("%s/%d" % (CASES, c["id"]), user=user).json
            rep = [p for p in got["parties"] if p["role"] == "reporter"][0]
            self.assertEqual(rep["name"] == "举报人甲", shown, user)
            self.assertNotIn("query_code", got)  # the code is given once, on report
            if shown:
                self.assertRegex(rep["id_number"], r"^429006\*+\d{3}[\dX]$")
        # the reporter follows it with the code alone, and sees no one's name
        r = self.s.request("GET", "/api/v1/track?code=" + code)
        self.assertStatus(r, 200)
        self.assertEqual((r.json["number"], r.json["status"]), (c["number"], "reported"))
        self.assertNotIn("举报人甲", r.raw.decode("utf-8"))
        self.assertNotIn("被举报人乙", r.raw.decode("utf-8"))
        self.act(c["id"], "accept", user="city_staff")  # the rules send it to the city centre
        r = self.s.request("GET", "/api/v1/track?code=" + code.lower())  # case does not matter
        self.assertEqual(r.json["status"], "accepted")
        self.assertEqual([p["stage"] for p in r.json["progress"]], ["上报", "受理"])

    def test_wrong_codes(self):
        self.assertError(self.s.request("GET", "/api/v1/track?code=ABCDEFGHJKLMNPQR"), 404,
                         "NOT_FOUND")
        self.assertError(self.s.request("GET", "/api/v1/track?code=x"), 400, "BAD_QUERY", "code")
        self.assertError(self.s.request("GET", "/api/v1/track"), 400, "BAD_QUERY", "code")

    def test_other_types_get_no_code(self):
        c = self.create(type="hazard", category="fire", title="消防隐患无查询码")
        self.assertNotIn("query_code", c)


if __name__ == "__main__":
    unittest.main()
