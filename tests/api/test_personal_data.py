"""test_personal_data.py: personal data sealed in the store — no seeded name, ID number,
phone or address in the raw database file, its write-ahead log or the server's log; masked
on the case page; in full only through an audited reveal with a reason; a person's cases
found by the blind index within the caller's scope; a wrong or missing key file refused."""
import os
import re
import shutil
import sqlite3
import unittest

from common import ApiTest, OTHER_GRID, idno, q
from harness import Server

CASES = "/api/v1/cases"
SECRET_ID = idno("42900619771231987")
SECRET_PHONE = "13577889900"
SECRET_NAME = "甄秘密人"
SECRET_ADDRESS = "天门市秘密路八号院"
FIELD_PHONE = "13566554433"
OTHER_ID = idno("42900619650615246")


def valid_city_ids(data):
    """Every 429006… resident ID number with a valid check digit in a byte string."""
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    found = set()
    for m in re.finditer(rb"(?=(429006(?:19|20)\d{9}[\dX]))", data):
        n = m.group(1).decode()
        month, day = int(n[10:12]), int(n[12:14])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue  # region codes run together, not a birth date
        if "10X98765432"[sum(int(c) * k for c, k in zip(n, w)) % 11] == n[-1]:
            found.add(n)
    return found


class PersonalDataTest(ApiTest):
    def get(self, path, user="town_101", **kw):
        return super().get(path, user=user, **kw)

    def post(self, path, body, user="town_101", **kw):
        return super().post(path, body, user=user, **kw)

    def seeded(self):
        party = {"role": "applicant", "name": SECRET_NAME, "id_number": SECRET_ID,
                 "phone": SECRET_PHONE, "address": SECRET_ADDRESS}
        # with an Idempotency-Key: the answer kept for a repeat shows the name and address
        key = {"Idempotency-Key": "pii-%s" % os.urandom(6).hex()}
        body = self.case_body(title="个人信息加密测试",
                              parties=[party, {"role": "respondent", "name": "乙方"}])
        first = self.post(CASES, body, headers=key)
        self.assertStatus(first, 201)
        again = self.post(CASES, body, headers=key)
        self.assertEqual((again.status, again.json), (201, first.json))
        c = first.json
        r = self.create(type="request", category="livelihood", title="联系电话字段测试",
                        fields={"contact_phone": FIELD_PHONE})
        return c, r

    def raw_bytes(self):
        data = b""
        for suffix in ("", "-wal"):
            if os.path.exists(self.s.db + suffix):
                with open(self.s.db + suffix, "rb") as f:
                    data += f.read()
        return data

    def test_no_plaintext_in_database_or_log(self):
        c, r = self.seeded()
        # what the case page shows: masked, the name as given
        got = self.get("%s/%d" % (CASES, c["id"])).json
        p = got["parties"][0]
        self.assertEqual(p["name"], SECRET_NAME)
        self.assertEqual(p["id_number"], SECRET_ID[:6] + "*" * 8 + SECRET_ID[-4:])
        self.assertEqual(p["phone"], "135****9900")
        self.assertEqual(p["address"], SECRET_ADDRESS)
        self.assertEqual(c["parties"][0]["phone"], "135****9900")  # the intake's answer too
        got = self.get("%s/%d" % (CASES, r["id"])).json
        self.assertEqual(got["fields"]["contact_phone"], "135****4433")
        data = self.raw_bytes()
        self.assertGreater(len(data), 1 << 20)
        with open(self.s.log_path, "rb") as f:
            log = f.read()
        for secret in (SECRET_ID, SECRET_PHONE, SECRET_NAME, SECRET_ADDRESS, FIELD_PHONE):
            b = secret.encode("utf-8")
            self.assertFalse(b in data, "%s in the database" % secret)
            self.assertFalse(b in log, "%s in the log" % secret)
        # nor the demo's people: no resident ID number of the city in the file at all
        self.assertEqual(valid_city_ids(data), set())

    def test_reveal(self):
        c, r = self.seeded()
        path = "%s/%d/reveal" % (CASES, c["id"])
        con = sqlite3.connect("file:%s?mode=ro" % self.s.db, uri=True)
        before = con.execute("SELECT count(*) FROM audit_log WHERE action = 'pii.reveal'"
                             ).fetchone()[0]
        got = self.post(path, {"reason": "联系当事人安排调解"})
        self.assertStatus(got, 200)
        p = got.json["parties"][0]
        self.assertEqual((p["name"], p["id_number"], p["phone"], p["address"]),
                         (SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_ADDRESS))
        rows = con.execute("SELECT actor_id, subject, detail FROM audit_log"
                           " WHERE action = 'pii.reveal' ORDER BY idx").fetchall()
        self.assertEqual(len(rows) - before, 1)
        self.assertEqual(rows[-1][1], "case:%d" % c["id"])
        self.assertIn("联系当事人安排调解", rows[-1][2])
        got = self.post("%s/%d/reveal" % (CASES, r["id"]), {"reason": "回访诉求人"})
        self.assertEqual(got.json["fields"]["contact_phone"], FIELD_PHONE)
        # no reason, an empty one, no permission, out of scope: refused and not audited
        self.assertError(self.post(path, {}), 400, "MISSING_FIELD", "reason")
        self.assertError(self.post(path, {"reason": " "}), 400, "BAD_FIELD", "reason")
        for user in ("city_admin", "auditor", "grid_101_001_001"):
            self.assertError(self.post(path, {"reason": "想看看而已"}, user=user), 403, "FORBIDDEN")
        self.assertError(self.post(path, {"reason": "想看看而已"}, user="town_102"), 404,
                         "NOT_FOUND")
        after = con.execute("SELECT count(*) FROM audit_log WHERE action = 'pii.reveal'"
                            ).fetchone()[0]
        self.assertEqual(after - before, 2)
        con.close()

    def test_reveal_keeps_the_reporter_protected(self):
        t = self.create(type="tipoff", category="village_bully", title="举报线索揭示测试",
                        fields={"anonymous": False, "clue_source": "群众举报"},
                        parties=[{"role": "reporter", "name": "举报人丙",
                                  "id_number": OTHER_ID, "phone": "13911112222"}])
        got = self.post("%s/%d/reveal" % (CASES, t["id"]), {"reason": "核实线索"},
                        user="town_101")
        self.assertStatus(got, 200)
        rep = got.json["parties"][0]
        self.assertEqual((rep["id_number"], rep["phone"], rep.get("protected")),
                         (None, None, True))
        self.assertNotIn("举报人丙", got.raw.decode("utf-8"))
        # nor is a protected reporter found by their ID number
        found = self.get(q(CASES, person=OTHER_ID), user="city_admin").json["items"]
        self.assertNotIn(t["id"], [x["id"] for x in found])

    def test_person_finds_repeat_cases_in_scope(self):
        pid = idno("42900619880808135")
        mine = [self.create(title="重复来访%d" % i,
                            parties=[{"role": "applicant", "name": "丁某",
                                      "id_number": pid, "phone": "13700001111"}])["id"]
                for i in range(2)]
        other = self.create(user="city_staff", grid=OTHER_GRID, title="外镇来访",
                            parties=[{"role": "applicant", "name": "丁某",
                                      "id_number": pid[:-1] + pid[-1].lower()}])["id"]
        self.create(title="旁人", parties=[{"role": "applicant", "name": "戊某",
                                          "phone": "13700002222"}])
        got = self.get(q(CASES, person=pid), user="town_101")
        self.assertStatus(got, 200)
        self.assertEqual(sorted(x["id"] for x in got.json["items"]), sorted(mine))
        got = self.get(q(CASES, person=pid), user="city_staff").json["items"]
        self.assertEqual(sorted(x["id"] for x in got), sorted(mine + [other]))
        got = self.get(q(CASES, person="13700001111"),
                       user="town_101").json["items"]
        self.assertEqual(sorted(x["id"] for x in got), sorted(mine))
        self.assertEqual(self.get(q(CASES, person=idno("42900619880808136"))).json["items"],
                         [])
        self.assertError(self.get(q(CASES, person="张三")), 400, "BAD_QUERY", "person")


class KeyFileTest(unittest.TestCase):
    def test_wrong_or_missing_key_refused(self):
        d = Server(extra_args=())
        try:
            shutil.copy(d.db + ".pii-key", d.db + ".orig-key")
            wrong = d.db + ".wrong-key"
            with open(wrong, "wb") as f:
                f.write(os.urandom(32))
            os.chmod(wrong, 0o600)
            d.extra += ["--pii-key", wrong]
            with self.assertRaises(RuntimeError) as e:
                d.start()
            self.assertIn("is not the key this database's personal data was sealed with",
                          str(e.exception))
            d.stop()
            os.remove(d.db + ".pii-key")
            d.extra = d.extra[:-2]
            with self.assertRaises(RuntimeError) as e:
                d.start()
            self.assertIn("is missing", str(e.exception))
            self.assertFalse(os.path.exists(d.db + ".pii-key"))  # no new key made
            d.stop()
            shutil.copy(d.db + ".orig-key", d.db + ".pii-key")
            d.start()
            self.assertEqual(d.request("GET", "/healthz").status, 200)
        finally:
            d.cleanup()

    def test_plaintext_from_before_is_sealed_at_start(self):
        d = Server(extra_args=())
        try:
            plain_id, plain_phone = idno("42900619700707070"), "13900990099"
            con = sqlite3.connect(d.db)
            cid = con.execute("SELECT min(case_id) FROM case_parties").fetchone()[0]
            con.execute("UPDATE case_parties SET name = '旧明文', id_number = ?, phone = ?,"
                        " address = NULL WHERE case_id = ? AND idx = 0",
                        (plain_id, plain_phone, cid))
            con.execute("UPDATE cases SET seal_id = NULL WHERE id = ?", (cid,))
            con.commit()
            con.close()
            d.start()
            self.assertIn('"personal_data_sealed"', d.read_log())
            got = d.get("/api/v1/cases/%d" % cid, user="city_staff").json["parties"][0]
            self.assertEqual((got["name"], got["phone"]), ("旧明文", "139****0099"))
            found = d.get(q(CASES, person=plain_id), user="city_staff").json["items"]
            self.assertEqual([x["id"] for x in found], [cid])
            data = b""
            for suffix in ("", "-wal"):
                if os.path.exists(d.db + suffix):
                    with open(d.db + suffix, "rb") as f:
                        data += f.read()
            for secret in (plain_id, plain_phone, "旧明文"):
                self.assertFalse(secret.encode() in data, secret)
            d.stop()
            d.start()  # once only
            self.assertEqual(d.read_log().count('"personal_data_sealed"'), 1)
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
