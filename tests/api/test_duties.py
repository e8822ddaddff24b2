"""test_duties.py: separation of duties (三员分立). The system administrator (accounts,
routing), the security administrator (locks, second factors, security events) and the
auditor (the audit log) each do their own work and none of the others'; nobody can change
or stop the audit log. The expected answers are written out here, by hand, apart from the
server's own checks."""
import os
import shutil
import subprocess
import tempfile
import unittest

from common import ApiTest, CITY, GRID, TOWN, q
from harness import PINGAN, ROOT, STRONG, STRONG2, free_port

ADMINS = ("sys_admin", "sec_admin", "auditor")
OTHERS = ("city_admin", "town_101")

# What each may do: the operation's name -> the roles that succeed. Everyone else is
# refused with 403 FORBIDDEN (or, for cases, sees none of them).
ALLOWED = {
    "list accounts": {"sys_admin", "sec_admin"},
    "add an account": {"sys_admin"},
    "unlock an account": {"sec_admin"},
    "reset a second factor": {"sec_admin"},
    "read security events": {"sec_admin"},
    "read the audit log": {"auditor"},
    "change the routing rules": {"sys_admin", "city_admin"},
    "read the routing rules": {"sys_admin", "auditor", "city_admin"},
    "report a case": {"city_admin", "town_101"},
    "read cases": {"auditor", "city_admin", "town_101"},
}


class DutiesTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        for i, role in enumerate(ADMINS + OTHERS):
            r = s.add_user("target_%d" % i, "grid_worker", GRID)
            assert r.returncode == 0, r.stderr
        r = s.request("GET", "/api/v1/cases?limit=1", token=s.login("town_101"))
        cls.case_id = r.json["items"][0]["id"]
        cls.rules = s.request("GET", "/api/v1/routing", token=s.login("city_admin")).json["text"]
        cls.made = 0

    def target(self, who):
        """An account of the city to act on."""
        return self.account("target_%d" % (ADMINS + OTHERS).index(who))["id"]

    def account(self, username, user="sys_admin"):
        r = self.get(q("/api/v1/users", username=username), user=user)
        self.assertEqual(len(r.json["items"]), 1, r)
        return r.json["items"][0]

    def attempt(self, op, who):
        """Try op as who; returns the response."""
        if op == "list accounts":
            return self.get("/api/v1/users", user=who)
        if op == "add an account":
            DutiesTest.made += 1
            return self.post("/api/v1/users", {"username": "made_%d" % DutiesTest.made,
                                               "password": STRONG, "role": "grid_worker",
                                               "region": GRID}, user=who)
        if op == "unlock an account":
            return self.post("/api/v1/users/%d/unlock" % self.target(who), None, user=who)
        if op == "reset a second factor":
            return self.s.request("DELETE", "/api/v1/users/%d/totp" % self.target(who),
                                  token=self.s.login(who))
        if op == "read security events":
            return self.get("/api/v1/security/events", user=who)
        if op == "read the audit log":
            return self.get("/api/v1/audit", user=who)
        if op == "change the routing rules":
            return self.s.request("PUT", "/api/v1/routing", {"rules": self.rules,
                                                             "reason": "职责分离测试"},
                                  token=self.s.login(who))
        if op == "read the routing rules":
            return self.get("/api/v1/routing", user=who)
        if op == "report a case":
            return self.post("/api/v1/cases", self.case_body(title="职责测试"), user=who)
        if op == "read cases":
            return self.get("/api/v1/cases/%d" % self.case_id, user=who)
        raise ValueError(op)

    def test_matrix(self):
        for op, allowed in ALLOWED.items():
            for who in ADMINS + OTHERS:
                with self.subTest(op=op, who=who):
                    r = self.attempt(op, who)
                    if who in allowed:
                        self.assertIn(r.status, (200, 201), r)
                    elif op == "read cases":
                        # a case outside one's scope does not exist for one
                        self.assertError(r, 404, "NOT_FOUND")
                    else:
                        self.assertError(r, 403, "FORBIDDEN")

    def test_system_and_security_administrators_see_no_case(self):
        for who in ("sys_admin", "sec_admin"):
            self.assertEqual(self.get("/api/v1/session", user=who).json["user"]["scope"],
                             "none")
            self.assertEqual(self.get("/api/v1/cases", user=who).json["items"], [])
            self.assertEqual(self.get(q("/api/v1/cases", q="纠纷"), user=who).json["items"], [])
            self.assertEqual(self.get(q("/api/v1/stats", region=CITY), user=who).json["total"], 0)
            self.assertError(self.get("/api/v1/cases/%d/documents/dossier" % self.case_id,
                                      user=who), 404, "NOT_FOUND")
        self.assertGreater(self.get(q("/api/v1/stats", region=CITY), user="auditor")
                           .json["total"], 0)

    def test_nobody_can_change_or_stop_the_audit_log(self):
        routes = subprocess.run([PINGAN, "routes"], check=True, capture_output=True,
                                text=True).stdout.split("\n")
        audit_routes = [r for r in routes if "/audit" in r or "/security" in r]
        self.assertEqual(sorted(audit_routes),
                         ["GET /api/v1/audit", "GET /api/v1/security/events"])
        for who in ADMINS + OTHERS:
            for method in ("POST", "PUT", "DELETE", "PATCH"):
                for path in ("/api/v1/audit", "/api/v1/security/events"):
                    r = self.s.request(method, path, token=self.s.login(who))
                    self.assertError(r, 405, "METHOD_NOT_ALLOWED")

    def test_each_administrator_is_seen_by_the_auditor(self):
        # the system administrator adds an account …
        r = self.post("/api/v1/users", {"username": "seen_new", "password": STRONG,
                                        "role": "town_staff", "region": TOWN,
                                        "name": "新同事"}, user="sys_admin")
        self.assertStatus(r, 201)
        new = r.json
        self.assertEqual((new["role"], new["second_factor"], new["must_change_password"]),
                         ("town_staff", "none", True))
        # … it locks itself out, the security administrator unlocks it
        for i in range(5):
            self.s.request("POST", "/api/v1/session", {"username": "seen_new",
                                                       "password": "Wrong-%d" % i})
        self.assertError(self.s.request("POST", "/api/v1/session", {
            "username": "seen_new", "password": STRONG}), 423, "ACCOUNT_LOCKED")
        listed = self.account("seen_new", user="sec_admin")
        self.assertEqual(listed["failed_logins"], 5)
        self.assertIsNotNone(listed["locked_until"])
        r = self.post("/api/v1/users/%d/unlock" % new["id"], None, user="sec_admin")
        self.assertEqual(r.json, {"id": new["id"], "unlocked": True})
        r = self.s.request("POST", "/api/v1/session", {"username": "seen_new",
                                                       "password": STRONG})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["needs"], ["password", "totp"])
        # the security administrator sees it in the security events, the auditor in the log
        ev = self.get("/api/v1/security/events?limit=200", user="sec_admin").json["items"]
        self.assertTrue(all(e["action"].startswith(("auth.", "user.")) for e in ev))
        log = self.get("/api/v1/audit?limit=200", user="auditor").json["items"]
        subject = "user:%d" % new["id"]
        for rows in (ev, log):
            mine = [(e["action"], e["actor"] and e["actor"]["username"]) for e in rows
                    if e["subject"] == subject]
            self.assertIn(("user.create", "sys_admin"), mine)
            self.assertIn(("auth.unlocked", "sec_admin"), mine)
            self.assertIn(("auth.locked", None), mine)
        # newest first, a page at a time
        page = self.get("/api/v1/audit?limit=2", user="auditor").json
        self.assertEqual(len(page["items"]), 2)
        self.assertGreater(page["items"][0]["index"], page["items"][1]["index"])
        more = self.get("/api/v1/audit?limit=2&cursor=" + page["next_cursor"],
                        user="auditor").json
        self.assertLess(more["items"][0]["index"], page["items"][1]["index"])

    def test_administrators_come_from_the_command_line_only(self):
        for role in ADMINS:
            r = self.post("/api/v1/users", {"username": "would_be_" + role, "password": STRONG,
                                            "role": role, "region": CITY}, user="sys_admin")
            e = self.assertError(r, 403, "FORBIDDEN", "role")
            self.assertIn("pingan user add", e["message"])
        r = self.post("/api/v1/users", {"username": "weak_pw", "password": "Pingan@2026!",
                                        "role": "grid_worker", "region": GRID},
                      user="sys_admin")
        self.assertError(r, 400, "BAD_FIELD", "password")
        r = self.post("/api/v1/users", {"username": "target_0", "password": STRONG,
                                        "role": "grid_worker", "region": GRID},
                      user="sys_admin")
        self.assertError(r, 409, "CONFLICT", "username")

    def test_security_administrators_keep_to_their_region_and_off_their_own_account(self):
        _, _, _, _ = self.s.ready_user("sec_102", "sec_admin", "429006102")
        own = self.get("/api/v1/session", user="sec_102").json["user"]["id"]
        far = self.target("town_101")  # an account of town 101's grid
        self.assertError(self.post("/api/v1/users/%d/unlock" % far, None, user="sec_102"), 404,
                         "NOT_FOUND")
        self.assertEqual([u for u in self.get("/api/v1/users?limit=200", user="sec_102")
                          .json["items"] if not u["region"].startswith("429006102")], [])
        self.assertError(self.post("/api/v1/users/%d/unlock" % own, None, user="sec_102"), 403,
                         "FORBIDDEN")

    def test_a_second_factor_reset_ends_sessions_and_asks_for_a_new_one(self):
        tok, _, _, _ = self.s.ready_user("reset_me", "city_staff", CITY)
        uid = self.s.request("GET", "/api/v1/session", token=tok).json["user"]["id"]
        r = self.s.request("DELETE", "/api/v1/users/%d/totp" % uid,
                           token=self.s.login("sec_admin"))
        self.assertEqual(r.json, {"id": uid, "second_factor_reset": True})
        self.assertError(self.s.request("GET", "/api/v1/session", token=tok), 401,
                         "UNAUTHENTICATED")
        r = self.s.request("POST", "/api/v1/session", {"username": "reset_me",
                                                       "password": STRONG2})
        self.assertStatus(r, 200)
        self.assertEqual(r.json["needs"], ["totp"])


class DutiesStartTest(unittest.TestCase):
    """roles.conf cannot put two duties in one role: pingan will not start."""

    def test_a_role_with_two_duties_stops_start_up(self):
        tmp = tempfile.mkdtemp(prefix="pingan-duties-")
        try:
            data = os.path.join(tmp, "data")
            shutil.copytree(os.path.join(ROOT, "data"), data)
            path = os.path.join(data, "roles.conf")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            text = text.replace("audit_read       auditor", "audit_read       auditor,sec_admin")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            p = subprocess.run([PINGAN, "serve", "--db", os.path.join(tmp, "x.db"), "--data",
                                data, "--listen", "127.0.0.1:%d" % free_port()],
                               capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("audit_read would give sec_admin both security administration and "
                          "audit", p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
