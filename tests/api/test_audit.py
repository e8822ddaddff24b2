"""test_audit.py: the audit log. Every case report and step (the sweeper's too), log-in,
refused log-in, log-out and account made writes its row in the same transaction — one row a
step, none for a refused or repeated request — with no personal data in it; only the auditor
reads it; nothing switches it off; and `pingan audit verify` passes the demo city's chain and
names the first row edited, deleted, inserted, swapped or cut off, or the wrong key."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from common import ApiTest, idno_ending, q
from harness import PINGAN, Server, audit_key_of, connect_ro, demo_db

CASES = "/api/v1/cases"
AUDIT = "/api/v1/audit"


def pingan(*args, **kw):
    return subprocess.run([PINGAN] + list(args), capture_output=True, text=True, timeout=300,
                          **kw)


def ro(db):
    return connect_ro(db)


def steps_without_their_row(db):
    """Case steps with no audit row naming them, and cases whose rows and steps differ in
    number: both empty when every step was audited once."""
    con = ro(db)
    missing = con.execute(
        "SELECT s.case_id, s.id, s.action FROM case_steps s WHERE NOT EXISTS (SELECT 1 FROM"
        " audit_log a WHERE a.subject = 'case:' || s.case_id AND a.action = 'case.' || s.action"
        " AND json_extract(a.detail, '$.step') = s.id)").fetchall()
    uneven = con.execute(
        "SELECT c.id FROM cases c WHERE (SELECT count(*) FROM case_steps WHERE case_id = c.id)"
        " <> (SELECT count(*) FROM audit_log WHERE subject = 'case:' || c.id"
        " AND action LIKE 'case.%')").fetchall()
    con.close()
    return missing, uneven


class AuditTrailTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    ID = idno_ending("246X")
    PHONE = "13866613579"
    NAME = "上官审计"
    NOTE = "已与当事人上官审计电话沟通"

    def audit(self, user="auditor", **filters):
        """Every row of the filtered log, newest first."""
        return self.pages(AUDIT, user, **dict(filters, limit=200))

    def newest(self):
        return self.audit_page(limit=1)["items"][0]["index"]

    def audit_page(self, **params):
        r = self.get(q(AUDIT, **params), user="auditor")
        self.assertStatus(r, 200)
        return r.json

    def user_id(self, username):
        return self.s.request("GET", "/api/v1/session",
                              token=self.s.login(username)).json["user"]["id"]

    def test_the_demo_chain_verifies_and_every_step_has_its_row(self):
        v = pingan("audit", "verify", "--db", self.s.db)  # beside the serving pingan
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertRegex(v.stdout, r"^audit log verified: rows 1 to \d+, chained with "
                                   r"HMAC-SM3 under key [0-9a-f]{16}; the head says \d+ rows; "
                                   r"\d+ checkpoints\n$")
        self.assertEqual(steps_without_their_row(self.s.db), ([], []))
        con = ro(self.s.db)
        users, made = con.execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM"
                                  " audit_log WHERE action = 'user.create')").fetchone()
        first = con.execute("SELECT action, detail FROM audit_log WHERE idx = 1").fetchone()
        con.close()
        self.assertEqual(users, made)
        self.assertEqual(first[0], "audit.start")
        self.assertEqual(json.loads(first[1])["alg"], "hmac-sm3")

    def test_every_action_of_a_case_has_its_row(self):
        parties = [{"role": "applicant", "name": self.NAME, "id_number": self.ID,
                    "phone": self.PHONE}]
        c = self.create(parties=parties, title="审计：邻里纠纷")
        self.act(c["id"], "accept", note=self.NOTE)
        units = self.get("/api/v1/units", user="city_admin").json["items"]
        village = next(u for u in units if u["code"].startswith("village-") and
                       u["region"] == "429006101001")
        self.act(c["id"], "dispatch", unit_id=village["id"], note="请办理")
        png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 13 + b"audit"
        up = self.s.request("POST", q("%s/%d/attachments" % (CASES, c["id"]), name="审计.png"),
                            raw=png, token=self.s.login("town_101"),
                            headers={"Content-Type": "application/octet-stream"})
        self.assertStatus(up, 201)
        steps = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json["steps"]
        rows = self.audit(subject="case:%d" % c["id"])
        self.assertEqual(len(rows), len(steps))
        self.assertEqual([r["action"] for r in reversed(rows)],
                         ["case." + s["action"] for s in steps])
        me = self.user_id("town_101")
        self.assertEqual({r["actor"]["id"] for r in rows}, {me})
        self.assertEqual({r["actor"]["username"] for r in rows}, {"town_101"})
        indexes = [r["index"] for r in rows]
        self.assertEqual(indexes, sorted(indexes, reverse=True))
        report, accept = rows[-1], rows[-2]
        self.assertEqual((report["detail"]["number"], report["detail"]["to"],
                          report["detail"]["grid"]), (c["number"], "reported", c["grid"]))
        self.assertEqual((accept["detail"]["from"], accept["detail"]["to"]),
                         ("reported", "accepted"))
        self.assertEqual(rows[-3]["detail"]["to_unit"], village["id"])
        for r in rows:
            self.assertRegex(r["mac"], r"^[0-9a-f]{64}$")
        # no personal data: not the parties, not the note, not the file's name
        text = json.dumps(rows, ensure_ascii=False)
        for secret in (self.ID, self.PHONE, self.NAME, self.NOTE, "审计.png", "请办理"):
            self.assertNotIn(secret, text)
        con = ro(self.s.db)
        raw = "".join(r[0] for r in con.execute("SELECT detail || subject || action"
                                                " FROM audit_log"))
        con.close()
        for secret in (self.ID, self.PHONE, self.NAME, self.NOTE):
            self.assertNotIn(secret, raw)

    def test_refused_and_repeated_requests_leave_no_row(self):
        for u in ("town_101", "town_102", "auditor"):
            self.s.login(u)
        c = self.create(title="审计：拒绝的请求")
        before = self.newest()
        # an action the state does not allow, one missing its reason, one out of scope
        body = {"action": "verify_pass", "note": "x"}
        self.assertStatus(self.post("%s/%d/actions" % (CASES, c["id"]), body,
                                    user="town_101"), 409)
        self.assertStatus(self.post("%s/%d/actions" % (CASES, c["id"]), {"action": "reject"},
                                    user="town_101"), 400)
        self.assertStatus(self.post("%s/%d/actions" % (CASES, c["id"]),
                                    {"action": "accept"}, user="town_102"), 404)
        self.assertStatus(self.post(CASES, self.case_body(lng=0, lat=0), user="town_101"), 400)
        self.assertEqual(self.newest(), before)
        # the same request twice with its Idempotency-Key: one case, one row
        h = {"Idempotency-Key": "audit-once-0001"}
        a = self.post(CASES, self.case_body(title="审计：一次"), user="town_101", headers=h)
        b = self.post(CASES, self.case_body(title="审计：一次"), user="town_101", headers=h)
        self.assertEqual((a.status, b.status, a.json["id"]), (201, 201, b.json["id"]))
        self.assertEqual(self.newest(), before + 1)
        self.assertEqual(len(self.audit(subject="case:%d" % a.json["id"])), 1)

    def test_log_ins_and_log_outs(self):
        uid = self.user_id("village_101_001")
        r = self.s.request("POST", "/api/v1/session",
                           {"username": "village_101_001", "password": "Pingan@2026"})
        self.assertStatus(r, 200)
        token = r.json["token"]
        self.assertStatus(self.s.request("DELETE", "/api/v1/session", token=token), 200)
        for name, pw in (("village_101_001", "Wrong#Pass2026"),
                         ("nobody_audit_13866613579", "Wrong#Pass2026")):
            self.assertStatus(self.s.request("POST", "/api/v1/session",
                                             {"username": name, "password": pw}), 401)
        rows = self.audit(action="auth")[:4]
        ins, out, wrong, unknown = rows[3], rows[2], rows[1], rows[0]
        self.assertEqual((ins["action"], ins["subject"], ins["actor"]["id"]),
                         ("auth.login", "user:%d" % uid, uid))
        self.assertEqual((out["action"], out["subject"], out["actor"]["id"]),
                         ("auth.logout", "user:%d" % uid, uid))
        # the log-out names the session its log-in opened
        self.assertRegex(ins["detail"]["session"], r"^[0-9a-f]{16}$")
        self.assertEqual(out["detail"]["session"], ins["detail"]["session"])
        self.assertEqual((wrong["action"], wrong["subject"], wrong["actor"],
                          wrong["detail"]["reason"], wrong["detail"]["failures"]),
                         ("auth.login_failed", "user:%d" % uid, None, "password", 1))
        self.assertEqual((unknown["subject"], unknown["detail"]["reason"]),
                         ("user:unknown", "no_account"))
        # what was typed is kept nowhere: not the name, not the password
        text = json.dumps(rows, ensure_ascii=False)
        for typed in ("nobody_audit", "13866613579", "Wrong#Pass2026"):
            self.assertNotIn(typed, text)
        # a log-out of a session already ended changes nothing and writes nothing
        before = self.newest()
        self.assertEqual(self.s.request("DELETE", "/api/v1/session", token=token).status, 401)
        self.assertEqual(self.newest(), before)

    def test_only_the_auditor_over_the_city_reads_it(self):
        for user in ("city_admin", "city_staff", "town_101", "police", "grid_101_001_001"):
            self.assertError(self.get(AUDIT, user=user), 403, "FORBIDDEN")
        self.assertError(self.get(AUDIT), 401, "UNAUTHENTICATED")
        # an auditor of one town does not read the city's log; making it is on record
        tok = self.s.ready_user("auditor_101", "auditor", "429006101")[0]
        self.assertError(self.s.request("GET", AUDIT, token=tok), 403, "FORBIDDEN")
        uid = self.s.request("GET", "/api/v1/session", token=tok).json["user"]["id"]
        made = self.audit_page(action="user.create", limit=1)["items"][0]
        self.assertEqual((made["subject"], made["actor"], made["detail"]),
                         ("user:%d" % uid, None,
                          {"role": "auditor", "region": "429006101", "unit": None}))
        for bad in ({"limit": "0"}, {"limit": "201"}, {"cursor": "x"}, {"actor": "-1"},
                    {"subject": "x" * 65}, {"action": "a b"}):
            field = list(bad)[0]
            self.assertError(self.get(q(AUDIT, **bad), user="auditor"), 400, "BAD_QUERY",
                             field)
        page = self.audit_page(limit=3)
        nxt = self.audit_page(limit=3, cursor=page["next_cursor"])
        self.assertEqual(nxt["items"][0]["index"], page["items"][-1]["index"] - 1)


class AuditKeyTest(unittest.TestCase):
    """Nothing switches auditing off: without its own key, the server does not start."""

    def setUp(self):
        self.s = Server()  # a copy of the demo city and its key; not started
        self.key = audit_key_of(self.s.db)

    def tearDown(self):
        self.s.cleanup()

    def refused(self, *extra):
        p = pingan("serve", "--db", self.s.db, "--listen", "127.0.0.1:%d" % self.s.port,
                   *extra)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        return p.stderr

    def test_no_option_and_no_key_switch_it_off(self):
        help_text = pingan("serve", "--help").stdout
        self.assertEqual(re.findall(r"^  --(\S*audit\S*)", help_text, re.M), ["audit-key"])
        # the key gone: no new key for a log that has rows
        moved = self.key + ".moved"
        os.rename(self.key, moved)
        self.assertIn("no audit key at %s, but the database's audit log holds" % self.key,
                      self.refused())
        self.assertFalse(os.path.exists(self.key))
        # another key
        other = os.path.join(self.s.dir, "other.key")
        fresh = os.path.join(self.s.dir, "fresh.db")
        self.assertEqual(pingan("migrate", "--db", fresh, "--audit-key", other).returncode, 0)
        self.assertIn("is not the one the database's audit log is chained with",
                      self.refused("--audit-key", other))
        # readable by others, or no key at all
        os.chmod(moved, 0o644)
        self.assertIn("chmod 600", self.refused("--audit-key", moved))
        with open(other, "w") as f:
            f.write("not a key\n")
        self.assertIn("is not a pingan audit key", self.refused("--audit-key", other))
        # its own key, given: the log goes on
        os.chmod(moved, 0o600)
        self.s.extra += ["--audit-key", moved]
        self.s.start()
        self.s.login("town_101")
        self.s.stop()
        v = pingan("audit", "verify", "--db", self.s.db, "--audit-key", moved)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_the_sweepers_marks_have_their_rows(self):
        p = pingan("sweep", "--db", self.s.db, "--at", "2099-01-04T09:00:00")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(steps_without_their_row(self.s.db), ([], []))
        con = ro(self.s.db)
        marks = con.execute("SELECT count(*), count(actor_id) FROM audit_log"
                            " WHERE action LIKE 'case.auto_%'").fetchone()
        con.close()
        self.assertGreater(marks[0], 100)
        self.assertEqual(marks[1], 0)  # pingan itself
        v = pingan("audit", "verify", "--db", self.s.db)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)


class AuditVerifyTest(unittest.TestCase):
    """`pingan audit verify` on a copy of the demo city after each kind of tampering."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pingan-audit-")
        cls.base = os.path.join(cls.dir, "base.db")
        demo_db(cls.base)
        con = ro(cls.base)
        cls.last, = con.execute("SELECT max(idx) FROM audit_log").fetchone()
        con.close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def tampered(self, *sql):
        """A fresh copy of the demo city (its own name: no log of another copy applies to
        it) with the SQL run on it."""
        db = os.path.join(tempfile.mkdtemp(dir=self.dir), "copy.db")
        shutil.copy(self.base, db)
        shutil.copy(audit_key_of(self.base), audit_key_of(db))
        con = sqlite3.connect(db)
        # whoever edits the file drops the triggers that keep the log append-only first
        for t in ("audit_log_no_update", "audit_log_no_delete", "audit_head_no_delete"):
            con.execute("DROP TRIGGER " + t)
        for s in sql:
            con.execute(s)
        con.commit()
        con.close()
        return db

    def assertCaught(self, db, pattern, *extra):
        v = pingan("audit", "verify", "--db", db, *extra)
        self.assertEqual(v.returncode, 1, v.stdout + v.stderr)
        self.assertRegex(v.stdout, "^audit log NOT verified: " + pattern)

    def test_untouched(self):
        v = pingan("audit", "verify", "--db", self.tampered())
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        self.assertIn("rows 1 to %d" % self.last, v.stdout)

    def test_an_edited_row(self):
        db = self.tampered("UPDATE audit_log SET detail = replace(detail, '\"to\":\"accepted\"',"
                           " '\"to\":\"rejected\"') WHERE idx = (SELECT min(idx) FROM"
                           " audit_log WHERE action = 'case.accept' AND idx > 20000)")
        con = ro(db)
        idx, = con.execute("SELECT idx FROM audit_log WHERE detail LIKE '%\"to\":\"rejected\"%'"
                           " AND action = 'case.accept'").fetchone()
        con.close()
        self.assertCaught(db, r"row %d: edited" % idx)

    def test_a_deleted_row(self):
        self.assertCaught(self.tampered("DELETE FROM audit_log WHERE idx = 12345"),
                          r"row 12345: deleted")

    def test_an_inserted_row(self):
        db = self.tampered(
            "UPDATE audit_log SET idx = -idx WHERE idx >= 9000",
            "UPDATE audit_log SET idx = -idx + 1 WHERE idx < 0",
            "INSERT INTO audit_log VALUES (9000, 1764000000, 1, 'case.close', 'case:1', '{}',"
            " (SELECT mac FROM audit_log WHERE idx = 8999), randomblob(32))")
        self.assertCaught(db, r"row 9000: inserted")

    def test_the_last_rows_cut(self):
        self.assertCaught(self.tampered("DELETE FROM audit_log WHERE idx > %d" % (self.last - 5)),
                          r"row %d: truncated" % (self.last - 4))
        # and the head rewritten to match, without the key
        db = self.tampered("DELETE FROM audit_log WHERE idx > %d" % (self.last - 5),
                           "UPDATE audit_head SET n = %d, mac = (SELECT mac FROM audit_log"
                           " WHERE idx = %d)" % (self.last - 5, self.last - 5))
        self.assertCaught(db, r"row %d: truncated" % (self.last - 4))

    def test_two_rows_swapped(self):
        db = self.tampered(
            "CREATE TEMP TABLE x AS SELECT * FROM audit_log WHERE idx IN (5000, 5001)",
            "UPDATE audit_log SET (at, actor_id, action, subject, detail, prev, mac) ="
            " (SELECT at, actor_id, action, subject, detail, prev, mac FROM x"
            " WHERE x.idx = 10001 - audit_log.idx) WHERE idx IN (5000, 5001)")
        self.assertCaught(db, r"row 5000: edited")

    def test_the_wrong_key(self):
        other = os.path.join(self.dir, "other.key")
        if not os.path.exists(other):
            fresh = os.path.join(self.dir, "fresh.db")
            self.assertEqual(pingan("migrate", "--db", fresh, "--audit-key", other).returncode,
                             0)
        self.assertCaught(self.tampered(), r"row 1: wrong key: the log was chained with key "
                                           r"[0-9a-f]{16}, the key given is [0-9a-f]{16}",
                          "--audit-key", other)
        missing = pingan("audit", "verify", "--db", self.tampered(), "--audit-key",
                         other + ".absent")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no audit key at", missing.stderr)

    def test_help(self):
        p = pingan("audit", "verify", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("usage: pingan audit verify --db PATH", p.stdout)
        self.assertIn("--audit-key FILE", p.stdout)


if __name__ == "__main__":
    unittest.main()
