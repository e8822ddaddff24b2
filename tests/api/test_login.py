"""test_login.py: log-in security — the lock after repeated failures (and an unknown username
treated exactly as a known one), the second factor (enrolment, codes taken once, recovery
codes used once), accounts that must set themselves up first, password changes, and
sessions that end unused or too old. The server runs on a clock the tests move."""
import base64
import json
import os
import subprocess
import time
import unittest

from common import ApiTest, CITY
from harness import PASSWORD, PINGAN, STRONG, STRONG2, connect_ro, totp

SESSION = "/api/v1/session"


class LoginTest(ApiTest):
    server_clock = True

    def login(self, username, password=PASSWORD, **more):
        return self.s.request("POST", SESSION, dict(username=username, password=password, **more))

    def audit(self, subject=None):
        """The audit log as (action, subject, detail) rows, oldest first."""
        con = connect_ro(self.s.db)
        try:
            rows = con.execute("SELECT action, subject, detail FROM audit_log ORDER BY idx")
            return [(a, s, json.loads(d)) for a, s, d in rows
                    if subject is None or s == subject]
        finally:
            con.close()

    def user_id(self, username):
        r = self.login(username)
        self.assertStatus(r, 200)
        return r.json["user"]["id"]


class LockoutTest(LoginTest):

    def test_locked_after_five_failures_even_for_the_right_password(self):
        uid = self.user_id("town_105")
        for i in range(4):
            self.assertError(self.login("town_105", "Wrong-password-%d" % i), 401,
                             "BAD_CREDENTIALS")
        r = self.login("town_105", "Wrong-password-5")
        e = self.assertError(r, 423, "ACCOUNT_LOCKED")
        self.assertIn("还将锁定 15 分钟", e["message"])
        self.assertEqual(r.header("Retry-After"), "900")
        # the right password is refused as well while the lock holds
        self.s.shift(14 * 60)
        r = self.login("town_105")
        self.assertError(r, 423, "ACCOUNT_LOCKED")
        self.assertTrue(1 <= int(r.header("Retry-After")) <= 60, r.header("Retry-After"))
        self.assertNotIn("token", r.json)
        rows = [r for r in self.audit("user:%d" % uid) if r[0].startswith("auth.")]
        actions = [a for a, _, _ in rows]
        self.assertEqual(actions, ["auth.login"] + ["auth.login_failed"] * 5 +
                         ["auth.locked", "auth.login_refused"])
        self.assertEqual([d["failures"] for a, _, d in rows if a == "auth.login_failed"],
                         [1, 2, 3, 4, 5])
        self.assertEqual(rows[1][2]["reason"], "password")
        self.assertEqual(rows[1][2]["from"], "127.0.0.1")
        # once the lock has passed the account logs in, and its count starts afresh
        self.s.shift(61)
        self.assertStatus(self.login("town_105"), 200)
        self.assertEqual(self.audit("user:%d" % uid)[-1][0], "auth.login")
        for i in range(4):
            self.assertError(self.login("town_105", "Wrong-again-%d" % i), 401,
                             "BAD_CREDENTIALS")
        self.assertStatus(self.login("town_105"), 200)

    def test_unknown_username_is_answered_exactly_as_a_known_one(self):
        known, unknown = "town_106", "no_such_person_106"

        def shape(r):
            e = r.json["error"]
            return (r.status, sorted(r.json), sorted(e), e["code"], e["message"],
                    r.header("Retry-After") is not None, r.header("Set-Cookie"))

        for i in range(5):
            a = self.login(known, "Wrong-password-%d" % i)
            b = self.login(unknown, "Wrong-password-%d" % i)
            self.assertEqual(shape(a), shape(b))
            self.assertEqual(a.header("Retry-After"), b.header("Retry-After"))
            self.assertEqual(a.status, 401 if i < 4 else 423)
        # the known account's right password changes nothing in the answer
        self.assertEqual(shape(self.login(known)), shape(self.login(unknown, PASSWORD)))
        # on record against no account, and the name typed is kept nowhere in the log
        rows = self.audit("user:unknown")[-7:]
        self.assertNotIn(unknown, json.dumps(self.audit(), ensure_ascii=False))
        self.assertEqual([a for a, _, _ in rows],
                         ["auth.login_failed"] * 5 + ["auth.locked", "auth.login_refused"])
        self.assertEqual(rows[0][2]["reason"], "no_account")
        self.s.shift(15 * 60)

    def test_failures_outside_the_window_do_not_add_up(self):
        for i in range(4):
            self.assertError(self.login("town_107", "Wrong-password-%d" % i), 401,
                             "BAD_CREDENTIALS")
        self.s.shift(15 * 60)
        for i in range(4):
            self.assertError(self.login("town_107", "Wrong-password-%d" % i), 401,
                             "BAD_CREDENTIALS")
        self.assertStatus(self.login("town_107"), 200)


class SecondFactorTest(LoginTest):

    def test_a_new_account_sets_itself_up_before_anything_else(self):
        self.assertEqual(self.s.add_user("zhou_new", "city_staff", CITY).returncode, 0)
        r = self.login("zhou_new", STRONG)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["needs"], ["password", "totp"])
        tok = r.json["token"]
        e = self.assertError(self.s.request("GET", "/api/v1/cases", token=tok), 403,
                             "SETUP_REQUIRED")
        self.assertIn("/api/v1/session/password", e["message"])
        self.assertEqual(self.s.request("GET", SESSION, token=tok).json["needs"],
                         ["password", "totp"])
        # the new password meets the policy, and the old must be the account's
        pw = "/api/v1/session/password"
        self.assertError(self.s.request("POST", pw, {"old": STRONG, "new": "Pingan@2026!"},
                                        token=tok), 400, "BAD_FIELD", "new")
        self.assertError(self.s.request("POST", pw, {"old": STRONG, "new": STRONG}, token=tok),
                         400, "BAD_FIELD", "new")
        self.assertError(self.s.request("POST", pw, {"old": "Not-the-old-one", "new": STRONG2},
                                        token=tok), 400, "BAD_FIELD", "old")
        self.assertStatus(self.s.request("POST", pw, {"old": STRONG, "new": STRONG2},
                                         token=tok), 200)
        self.assertEqual(self.s.request("GET", SESSION, token=tok).json["needs"], ["totp"])
        e = self.assertError(self.s.request("GET", "/api/v1/cases", token=tok), 403,
                             "SETUP_REQUIRED")
        self.assertIn("/api/v1/session/totp", e["message"])
        # the second factor: a key given once, confirmed by its first code
        begin = "/api/v1/session/totp"
        self.assertError(self.s.request("POST", begin, {"password": STRONG}, token=tok), 400,
                         "BAD_FIELD", "password")
        r = self.s.request("POST", begin, {"password": STRONG2}, token=tok)
        self.assertStatus(r, 200)
        key = r.json["secret"]
        self.assertRegex(key, r"^[A-Z2-7]{32}$")
        self.assertEqual(r.json["uri"], "otpauth://totp/pingan:zhou_new?secret=%s&issuer=pingan"
                         "&algorithm=SHA1&digits=6&period=30" % key)
        confirm = "/api/v1/session/totp/confirm"
        now = self.s.now()
        wrong = "%06d" % ((int(totp(key, now)) + 1) % 1000000)
        self.assertError(self.s.request("POST", confirm, {"code": wrong}, token=tok), 400,
                         "BAD_FIELD", "code")
        r = self.s.request("POST", confirm, {"code": totp(key, now)}, token=tok)
        self.assertStatus(r, 200)
        codes = r.json["recovery_codes"]
        self.assertEqual(len(set(codes)), 10)
        for c in codes:
            self.assertRegex(c, r"^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){3}$")
        self.assertEqual(self.s.request("GET", SESSION, token=tok).json["needs"], [])
        self.assertStatus(self.s.request("GET", "/api/v1/cases", token=tok), 200)
        self.assertError(self.s.request("POST", begin, {"password": STRONG2}, token=tok), 409,
                         "CONFLICT")
        # the key is never shown again
        self.assertNotIn(key, self.s.request("GET", SESSION, token=tok).raw.decode())
        actions = [a for a, _, _ in self.audit()]
        for a in ("auth.password_changed", "auth.totp_enrolled"):
            self.assertIn(a, actions)

    def test_codes_are_asked_for_and_taken_once(self):
        tok, key, codes, now = self.s.ready_user("wu_codes", "city_staff", CITY)
        e = self.assertError(self.login("wu_codes", STRONG2), 401, "OTP_REQUIRED", "otp")
        self.assertIn("一次性验证码", e["message"])
        # the code that confirmed the key was taken then
        self.assertError(self.login("wu_codes", STRONG2, otp=totp(key, now)), 401, "BAD_OTP")
        # a code of the next step is good (a clock a little ahead), once
        nxt = totp(key, now, 1)
        r = self.login("wu_codes", STRONG2, otp=nxt)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["needs"], [])
        self.assertNotIn("recovery_codes_left", r.json)
        self.assertError(self.login("wu_codes", STRONG2, otp=nxt), 401, "BAD_OTP")
        # two steps away is too far
        self.assertError(self.login("wu_codes", STRONG2, otp=totp(key, now, 3)), 401, "BAD_OTP")
        self.assertError(self.login("wu_codes", STRONG2, otp="12345"), 401, "BAD_OTP")
        # a wrong password is a wrong password, code or not
        self.assertError(self.login("wu_codes", STRONG, otp=totp(key, now, 2)), 401,
                         "BAD_CREDENTIALS")
        self.assertError(self.login("wu_codes", STRONG2, otp=totp(key, now, 2),
                                    recovery_code=codes[0]), 400, "BAD_REQUEST")
        # a recovery code instead of the code: once each; read leniently
        r = self.login("wu_codes", STRONG2, recovery_code=codes[0])
        self.assertStatus(r, 200)
        self.assertEqual(r.json["recovery_codes_left"], 9)
        self.assertError(self.login("wu_codes", STRONG2, recovery_code=codes[0]), 401,
                         "BAD_OTP", "recovery_code")
        r = self.login("wu_codes", STRONG2, recovery_code=codes[1].upper().replace("-", " "))
        self.assertStatus(r, 200)
        self.assertEqual(r.json["recovery_codes_left"], 8)
        factors = [d["second_factor"] for a, _, d in self.audit() if a == "auth.login"
                   and d["from"] == "127.0.0.1"]
        self.assertEqual(factors[-3:], ["totp", "recovery_code", "recovery_code"])
        self.s.shift(15 * 60)  # the failures above do not carry into the next test

    def test_the_key_is_kept_sealed(self):
        _, key, _, _ = self.s.ready_user("sun_sealed", "town_staff", CITY + "101")
        con = connect_ro(self.s.db)
        stored, = con.execute("SELECT totp_secret FROM users WHERE username = 'sun_sealed'"
                              ).fetchone()
        con.close()
        self.assertTrue(str(stored).startswith("pa1:"), stored)
        raw = base64.b32decode(key + "=" * (-len(key) % 8))
        for path in (self.s.db, self.s.db + "-wal"):
            if os.path.exists(path):
                data = open(path, "rb").read()
                for form in (raw, raw.hex().encode(), key.encode()):
                    self.assertNotIn(form, data, path)

    def test_wrong_codes_lock_the_account(self):
        tok, key, _, now = self.s.ready_user("qian_lock", "town_staff", CITY + "101")
        uid = self.s.request("GET", "/api/v1/session", token=tok).json["user"]["id"]
        bad = "%06d" % ((int(totp(key, now, 1)) + 500000) % 1000000)
        for i in range(4):
            self.assertError(self.login("qian_lock", STRONG2, otp=bad), 401, "BAD_OTP")
        self.assertError(self.login("qian_lock", STRONG2, otp=bad), 423, "ACCOUNT_LOCKED")
        self.assertError(self.login("qian_lock", STRONG2, otp=totp(key, now, 1)), 423,
                         "ACCOUNT_LOCKED")
        reasons = [d["reason"] for a, _, d in self.audit("user:%d" % uid)
                   if a == "auth.login_failed"]
        self.assertEqual(reasons, ["otp"] * 5)
        self.s.shift(15 * 60)

    def test_demo_accounts_ask_for_no_second_factor(self):
        r = self.login("town_108")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["needs"], [])

    def test_a_new_password_ends_the_other_sessions(self):
        tok, key, _, _ = self.s.ready_user("sun_pw", "city_staff", CITY)
        r = self.login("sun_pw", STRONG2, otp=totp(key, self.s.now(), 1))
        self.assertStatus(r, 200)
        other = r.json["token"]
        self.assertStatus(self.s.request("GET", SESSION, token=other), 200)
        r = self.s.request("POST", "/api/v1/session/password",
                           {"old": STRONG2, "new": "Willow bridge at noon 61"}, token=tok)
        self.assertStatus(r, 200)
        self.assertError(self.s.request("GET", SESSION, token=other), 401, "UNAUTHENTICATED")
        self.assertStatus(self.s.request("GET", SESSION, token=tok), 200)
        self.assertError(self.login("sun_pw", STRONG2, otp=totp(key, self.s.now(), 2)), 401,
                         "BAD_CREDENTIALS")


class ExpiryTest(LoginTest):
    server_args = ("--session-idle", "600", "--session-max", "3600")

    def use(self, tok):
        return self.s.request("GET", SESSION, token=tok)

    def test_a_session_unused_too_long_ends(self):
        r = self.login("town_109")
        self.assertEqual((r.json["expires_in"], r.json["idle_timeout"]), (3600, 600))
        tok = r.json["token"]
        for _ in range(3):  # each use keeps it alive
            self.s.shift(550)
            self.assertStatus(self.use(tok), 200)
        self.s.shift(601)
        e = self.assertError(self.use(tok), 401, "UNAUTHENTICATED")
        self.assertIn("闲置", e["message"])
        self.assertError(self.use(tok), 401, "UNAUTHENTICATED")

    def test_a_session_ends_at_its_limit_however_used(self):
        tok = self.login("town_110").json["token"]
        for _ in range(7):
            self.s.shift(500)
            self.assertStatus(self.use(tok), 200)
        self.assertLessEqual(self.use(tok).json["expires_in"], 100)
        self.s.shift(101)
        e = self.assertError(self.use(tok), 401, "UNAUTHENTICATED")
        self.assertIn("时长上限", e["message"])

    def test_idle_time_outlives_a_restart(self):
        tok = self.login("town_111").json["token"]
        self.s.shift(300)
        self.assertStatus(self.use(tok), 200)  # its use reaches the store
        self.s.stop()
        self.s.start()
        self.s.shift(500)  # 800 s after log-in, 500 after its last use
        self.assertStatus(self.use(tok), 200)
        self.s.shift(601)
        self.assertError(self.use(tok), 401, "UNAUTHENTICATED")
        self.s._tokens.clear()

    def test_logout_ends_it_at_once_and_is_audited(self):
        r = self.login("town_112")
        tok, uid = r.json["token"], r.json["user"]["id"]
        self.assertStatus(self.use(tok), 200)  # cached now
        self.assertStatus(self.s.request("DELETE", SESSION, token=tok), 200)
        self.assertError(self.use(tok), 401, "UNAUTHENTICATED")
        self.assertEqual(self.audit("user:%d" % uid)[-1][0], "auth.logout")

    def sessions_of(self, uid):
        con = connect_ro(self.s.db)
        try:
            return con.execute("SELECT count(*) FROM sessions WHERE user_id = ?",
                               (uid,)).fetchone()[0]
        finally:
            con.close()

    def sweep(self, at, idle):
        cst = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at + 8 * 3600))
        p = subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", cst, "--session-idle",
                            str(idle)], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_ended_sessions_are_forgotten_by_the_sweep(self):
        a = self.login("town_113").json
        t = self.s.now()
        self.s.shift(300)
        b = self.login("town_114").json
        ua, ub = a["user"]["id"], b["user"]["id"]
        self.assertEqual((self.sessions_of(ua), self.sessions_of(ub)), (1, 1))
        # 650 s on: the first unused past the idle limit goes, the second stays
        out = self.sweep(t + 650, 600)
        self.assertRegex(out, r"and [1-9]\d* ended sessions forgotten")
        self.assertEqual((self.sessions_of(ua), self.sessions_of(ub)), (0, 1))
        # past its absolute limit it goes too, however long the idle limit
        self.sweep(t + 300 + 3601, 86400)
        self.assertEqual(self.sessions_of(ub), 0)
        self.s._tokens.clear()


if __name__ == "__main__":
    unittest.main()
