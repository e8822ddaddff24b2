"""test_limits.py: rate limits per client address on log-in and on the public portal (429
with Retry-After, whoever the username), a trusted reverse proxy's X-Forwarded-For (and no
one else's), and the time a request's body may take to arrive."""
import json
import socket
import subprocess
import time
import unittest

from common import ApiTest
from harness import PASSWORD, PINGAN, connect_ro

SESSION = "/api/v1/session"


class RateLimitTest(ApiTest):
    server_clock = True
    server_args = ("--login-rate", "6", "--public-rate", "4")

    def login(self, username, password=PASSWORD, headers=None):
        return self.s.request("POST", SESSION, {"username": username, "password": password},
                              headers=headers)

    def test_defaults_are_documented(self):
        out = subprocess.run([PINGAN, "serve", "--help"], capture_output=True, text=True).stdout
        self.assertRegex(out, r"--login-rate N .*\(default 30; 0 = no limit\)")
        self.assertRegex(out, r"--public-rate N .*\(default 30; 0 = no limit\)")

    def test_log_ins_from_one_address(self):
        tok = self.login("town_101").json["token"]
        # six at once (this one included), whatever the usernames, then one every 10 s
        for i in range(5):
            self.assertError(self.login("nobody_%d" % i, "Wrong-%d" % i), 401,
                             "BAD_CREDENTIALS")
        r = self.login("town_102")
        e = self.assertError(r, 429, "RATE_LIMITED")
        self.assertIn("登录过多", e["message"])
        self.assertTrue(1 <= int(r.header("Retry-After")) <= 10, r.header("Retry-After"))
        # a forged X-Forwarded-For does not make another client: no proxy is trusted
        self.assertError(self.login("town_102", headers={"X-Forwarded-For": "10.9.8.7"}), 429,
                         "RATE_LIMITED")
        # the sessions already open go on; only log-ins wait
        self.assertStatus(self.s.request("GET", SESSION, token=tok), 200)
        self.s.shift(60)
        self.assertStatus(self.login("town_102"), 200)

    def test_the_public_portal(self):
        path = "/api/v1/track?code=NO-SUCH-CODE-1"
        for _ in range(4):
            self.assertNotEqual(self.s.request("GET", path).status, 429)
        r = self.s.request("GET", path)
        self.assertError(r, 429, "RATE_LIMITED")
        self.assertIsNotNone(r.header("Retry-After"))
        self.s.shift(60)
        self.assertNotEqual(self.s.request("GET", path).status, 429)


class TrustedProxyTest(ApiTest):
    server_args = ("--login-rate", "2", "--trusted-proxy", "10.0.0.1,127.0.0.1")
    server_limits = True

    def test_each_forwarded_client_has_its_own_limit_and_audit_address(self):
        def login(addr):
            return self.s.request("POST", SESSION, {"username": "town_103",
                                                    "password": PASSWORD},
                                  headers={"X-Forwarded-For": "203.0.113.9, " + addr})
        for addr in ("198.51.100.1", "198.51.100.2", "2001:db8:1:2::5"):
            self.assertStatus(login(addr), 200)
            self.assertStatus(login(addr), 200)
            self.assertError(login(addr), 429, "RATE_LIMITED")
        # one holder's IPv6 /64 is one client
        self.assertError(login("2001:db8:1:2::99"), 429, "RATE_LIMITED")
        # what the proxy appended must be an address, or the client is the proxy itself
        self.assertStatus(login("not-an-address"), 200)
        con = connect_ro(self.s.db)
        froms = [json.loads(r[0]).get("from") for r in con.execute(
            "SELECT detail FROM audit_log WHERE action = 'auth.login' ORDER BY idx")]
        con.close()
        self.assertEqual(froms[-7:], ["198.51.100.1"] * 2 + ["198.51.100.2"] * 2 +
                         ["2001:db8:1:2::5"] * 2 + ["127.0.0.1"])

    def test_the_cookie_is_secure_when_the_proxy_says_tls(self):
        def cookie(addr, proto):
            h = {"X-Forwarded-For": addr}
            if proto:
                h["X-Forwarded-Proto"] = proto
            r = self.s.request("POST", SESSION, {"username": "town_104",
                                                 "password": PASSWORD}, headers=h)
            self.assertStatus(r, 200)
            return [p.strip().lower() for p in r.header("Set-Cookie").split(";")]
        self.assertIn("secure", cookie("198.51.100.7", "https"))
        self.assertNotIn("secure", cookie("198.51.100.8", "http"))
        self.assertNotIn("secure", cookie("198.51.100.9", None))


class RequestTimeTest(ApiTest):
    server_args = ("--request-timeout", "1")

    def test_a_body_trickled_in_is_cut_off(self):
        s = socket.create_connection(("127.0.0.1", self.s.port), timeout=10)
        s.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{")
        closed = False
        for _ in range(30):  # one byte every 0.2 s: the body would take 8 s
            time.sleep(0.2)
            try:
                s.sendall(b" ")
            except OSError:
                closed = True
                break
        if not closed:
            try:
                closed = s.recv(1024) == b""
            except OSError:
                closed = True
        s.close()
        self.assertTrue(closed, "the server kept a trickling request")
        self.assertIn("request_too_slow", self.s.read_log())
        # a request in one piece is answered as ever
        r = self.s.request("POST", SESSION, {"username": "town_101", "password": PASSWORD})
        self.assertStatus(r, 200)


if __name__ == "__main__":
    unittest.main()
