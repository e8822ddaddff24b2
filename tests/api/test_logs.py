"""test_logs.py: the server's log holds no personal data — ID numbers, phones, names,
passwords, query codes, request bodies and query strings seeded through intake, actions,
search, tracking and failed log-ins never appear in it — and every line is one JSON object
with a request id on each request line."""
import json

from common import ApiTest, idno_ending, bad_check_digit, q

CASES = "/api/v1/cases"


class LogPrivacyTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    ID = idno_ending("735X")
    PHONE = "13866602468"
    NAME = "欧阳日志"
    ADDRESS = "日志测试小区9栋"
    PASSWORD = "Secret#Log2026"

    def test_no_personal_data_in_the_log(self):
        parties = [{"role": "applicant", "name": self.NAME, "id_number": self.ID,
                    "phone": self.PHONE, "address": self.ADDRESS}]
        c = self.create(parties=parties, description="联系人电话%s，身份证%s" % (self.PHONE, self.ID))
        self.create(type="request", category="livelihood", title="日志联系电话",
                    fields={"contact_phone": self.PHONE})
        tip = self.create(type="tipoff", category="village_bully", title="日志线索",
                          fields={"anonymous": False, "clue_source": "群众举报"},
                          parties=[{"role": "reporter", "name": self.NAME,
                                    "id_number": self.ID, "phone": self.PHONE}])
        # refused input that carries personal data: a bad check digit, an unknown field
        bad = [{"role": "applicant", "name": self.NAME, "id_number": bad_check_digit(self.ID)}]
        self.assertStatus(self.post(CASES, self.case_body(parties=bad), user="town_101"), 400)
        self.assertStatus(self.post(CASES, dict(self.case_body(), phone=self.PHONE),
                                    user="town_101"), 400)
        self.assertStatus(self.post(CASES, None, user="town_101",
                                    raw=('{"title":"%s"' % self.PHONE).encode(),
                                    headers={"Content-Type": "application/json"}), 400)
        # an action's note, a search and a tip-off's query code
        self.act(c["id"], "accept", note="已电话联系%s" % self.PHONE)
        self.assertStatus(self.get(q(CASES, q=self.PHONE), user="town_101"), 200)
        self.assertStatus(self.get(q(CASES, q=self.ID), user="city_admin"), 200)
        self.assertStatus(self.get(q("/api/v1/track", code=tip["query_code"])), 200)
        # a failed log-in with a password, and one whose username is a phone
        for user in ("town_101", self.PHONE):
            r = self.s.request("POST", "/api/v1/session",
                               {"username": user, "password": self.PASSWORD})
            self.assertEqual(r.status, 401)

        log = self.s.read_log()
        secrets = [self.ID, self.ID[6:14] + self.ID[14:], self.PHONE, self.NAME, self.ADDRESS,
                   self.PASSWORD, tip["query_code"], "联系人电话", "已电话联系", "日志线索"]
        for s in secrets:
            self.assertFalse(s in log, "the log holds %r" % s)
        rids = set()
        for line in log.splitlines():
            obj = json.loads(line)  # one whole JSON object per line
            self.assertTrue({"ts", "level", "event"} <= set(obj), line)
            if obj["event"] == "request":
                self.assertRegex(obj["rid"], r"^[0-9a-f]+-[0-9a-f]+$")
                rids.add(obj["rid"])
        self.assertGreater(len(rids), 10)
