"""Log-in, who-am-I, log-out, the session cookie and its CSRF guard, /healthz."""
import unittest

from common import ApiTest, CITY, GRID, TOWN
from harness import PASSWORD


class SessionTest(ApiTest):

    def login_raw(self, username, password=PASSWORD):
        return self.s.request("POST", "/api/v1/session",
                              {"username": username, "password": password})

    def test_healthz(self):
        r = self.s.request("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertEqual(r.json["grids"], 3000)
        self.assertGreaterEqual(r.json["schema"], 1)

    def test_login_returns_token_and_user(self):
        r = self.login_raw("town_101")
        self.assertStatus(r, 200)
        tok = r.json["token"]
        self.assertIsInstance(tok, str)
        self.assertGreaterEqual(len(tok), 32)
        u = r.json["user"]
        self.assertEqual(u["username"], "town_101")
        self.assertEqual(u["role"], "town_staff")
        self.assertEqual(u["region"], TOWN)
        self.assertEqual(u["scope"], "region")
        self.assertIsInstance(u["id"], int)
        self.assertNotIn("password", u)
        self.assertNotIn("pw_hash", u)
        # the token works
        r2 = self.s.request("GET", "/api/v1/session", token=tok)
        self.assertStatus(r2, 200)
        self.assertEqual(r2.json["user"]["username"], "town_101")
        self.assertEqual(r2.json["user"]["id"], u["id"])

    def test_two_logins_give_different_tokens(self):
        a = self.login_raw("grid_101_001_001")
        b = self.login_raw("grid_101_001_001")
        self.assertStatus(a, 200)
        self.assertStatus(b, 200)
        self.assertNotEqual(a.json["token"], b.json["token"])
        self.assertEqual(a.json["user"]["region"], GRID)

    def test_wrong_password(self):
        r = self.login_raw("town_101", "Pingan@2025")
        self.assertError(r, 401, "BAD_CREDENTIALS")
        self.assertNotIn("token", r.json)
        self.assertIsNone(r.header("Set-Cookie"))

    def test_unknown_user_same_shape(self):
        r = self.login_raw("no_such_user_xyz")
        e = self.assertError(r, 401, "BAD_CREDENTIALS")
        r2 = self.login_raw("town_101", "wrong-password")
        e2 = self.assertError(r2, 401, "BAD_CREDENTIALS")
        # one may not tell an unknown user from a wrong password
        self.assertEqual(e, e2)

    def test_login_missing_password(self):
        r = self.s.request("POST", "/api/v1/session", {"username": "town_101"})
        self.assertError(r, 400, "MISSING_FIELD", "password")

    def test_session_without_token(self):
        r = self.s.request("GET", "/api/v1/session")
        self.assertError(r, 401, "UNAUTHENTICATED")

    def test_session_with_forged_token(self):
        forged = "A" * 43
        r = self.s.request("GET", "/api/v1/session", token=forged)
        self.assertError(r, 401, "UNAUTHENTICATED")
        r = self.s.request("GET", "/api/v1/session", token="short")
        self.assertError(r, 401, "UNAUTHENTICATED")

    def test_session_roles(self):
        for user, role, region, scope in [("city_admin", "city_admin", CITY, "region"),
                                          ("mediator_family", "mediator", CITY, "unit"),
                                          ("auditor", "auditor", CITY, "region")]:
            r = self.get("/api/v1/session", user=user)
            self.assertStatus(r, 200)
            u = r.json["user"]
            self.assertEqual((u["username"], u["role"], u["region"], u["scope"]),
                             (user, role, region, scope))
        r = self.get("/api/v1/session", user="mediator_family")
        self.assertIsInstance(r.json["user"]["unit_id"], int)

    def test_logout_invalidates_token(self):
        r = self.login_raw("village_101_001")
        tok = r.json["token"]
        self.assertStatus(self.s.request("GET", "/api/v1/session", token=tok), 200)
        r = self.s.request("DELETE", "/api/v1/session", token=tok)
        self.assertStatus(r, 200)
        self.assertEqual(r.json, {"logged_out": True})
        cookie = r.header("Set-Cookie") or ""
        self.assertIn("pingan_session=;", cookie)
        self.assertIn("Max-Age=0", cookie)
        self.assertError(self.s.request("GET", "/api/v1/session", token=tok), 401,
                         "UNAUTHENTICATED")
        self.assertError(self.s.request("GET", "/api/v1/cases", token=tok), 401,
                         "UNAUTHENTICATED")
        self.assertError(self.s.request("DELETE", "/api/v1/session", token=tok), 401,
                         "UNAUTHENTICATED")

    def test_logout_keeps_other_sessions(self):
        a = self.login_raw("town_102").json["token"]
        b = self.login_raw("town_102").json["token"]
        self.assertStatus(self.s.request("DELETE", "/api/v1/session", token=a), 200)
        self.assertStatus(self.s.request("GET", "/api/v1/session", token=a), 401)
        self.assertStatus(self.s.request("GET", "/api/v1/session", token=b), 200)

    def test_cookie_attributes(self):
        r = self.login_raw("town_101")
        self.assertStatus(r, 200)
        cookie = r.header("Set-Cookie")
        self.assertIsNotNone(cookie)
        parts = [p.strip() for p in cookie.split(";")]
        self.assertEqual(parts[0], "pingan_session=" + r.json["token"])
        attrs = {p.split("=", 1)[0].lower(): (p.split("=", 1) + [""])[1] for p in parts[1:]}
        self.assertIn("httponly", attrs)
        self.assertIn("samesite", attrs)
        self.assertIn(attrs["samesite"].lower(), ("strict", "lax"))
        self.assertEqual(attrs.get("path"), "/")
        # over plain HTTP, and a client's own word that it is TLS is not believed (only a
        # trusted proxy's: test_limits)
        self.assertNotIn("secure", attrs)
        r = self.s.request("POST", "/api/v1/session", {"username": "town_101",
                                                       "password": PASSWORD},
                           headers={"X-Forwarded-Proto": "https"})
        self.assertNotIn("secure", r.header("Set-Cookie").lower())

    def cookie_headers(self, tok, csrf=False):
        h = {"Cookie": "pingan_session=" + tok}
        if csrf:
            h["X-Pingan-CSRF"] = "1"
        return h

    def test_cookie_get_works(self):
        tok = self.login_raw("town_101").json["token"]
        r = self.s.request("GET", "/api/v1/session", headers=self.cookie_headers(tok))
        self.assertStatus(r, 200)
        self.assertEqual(r.json["user"]["username"], "town_101")

    def test_cookie_post_needs_csrf_header(self):
        tok = self.login_raw("town_101").json["token"]
        before = self.stats(TOWN)["total"]
        body = self.case_body(title="CSRF测试案件")
        r = self.s.request("POST", "/api/v1/cases", body, headers=self.cookie_headers(tok))
        self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.stats(TOWN)["total"], before, "a refused request wrote a case")
        r = self.s.request("POST", "/api/v1/cases", body,
                           headers=self.cookie_headers(tok, csrf=True))
        self.assertStatus(r, 201)
        self.assertEqual(r.json["title"], "CSRF测试案件")
        self.assertEqual(self.stats(TOWN)["total"], before + 1)

    def test_cookie_logout_needs_csrf_header(self):
        tok = self.login_raw("town_103").json["token"]
        r = self.s.request("DELETE", "/api/v1/session", headers=self.cookie_headers(tok))
        self.assertError(r, 403, "FORBIDDEN")
        # still logged in
        self.assertStatus(self.s.request("GET", "/api/v1/session", token=tok), 200)
        r = self.s.request("DELETE", "/api/v1/session", headers=self.cookie_headers(tok, True))
        self.assertStatus(r, 200)
        self.assertStatus(self.s.request("GET", "/api/v1/session", token=tok), 401)

    def test_bearer_post_needs_no_csrf_header(self):
        r = self.post("/api/v1/cases", self.case_body(title="Bearer无需CSRF"), user="town_101")
        self.assertStatus(r, 201)

    def test_security_headers(self):
        r = self.get("/api/v1/session", user="town_101")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertTrue((r.header("Content-Type") or "").startswith("application/json"))


if __name__ == "__main__":
    unittest.main()
