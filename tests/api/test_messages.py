"""Error messages in the reader's language: simplified Chinese unless the request's
Accept-Language prefers English, across the kinds of error the API answers (bad JSON,
wrong types, unknown codes, refusals, absences, conflicts, each action's needs, bad query
parameters, log-in). Machine codes (error code, field) are the same in every language.
Every other suite checks the Chinese too: ApiTest.assertError refuses an English message
to a request that did not ask for English."""
import itertools
import re
import unittest

from common import ApiTest, CITY, CJK, GRID, _NOFIELD, english_in, q

CASES = "/api/v1/cases"
CHINESE = [None, "zh-CN", "zh-CN,zh;q=0.9,en;q=0.8", "fr-FR, de;q=0.5", "en;q=0.3, zh"]
ENGLISH = ["en", "en-US,en;q=0.9", "en-GB, zh-CN;q=0.5"]
ANY = _NOFIELD  # whatever field the error names, the same in every language
# English, however short: two words ("no case 12", "unknown field \"x\"")
EN_WORDS = re.compile(r"[A-Za-z]{2,} \"?[A-Za-z]+")


class MessagesTest(ApiTest):
    CATEGORY = "family"  # held by the town centre, whose account takes it in

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.tok = s.login("town_101")

    # ---- calls, each with the language header given ----

    def call(self, lang, method, path, body=None, raw=None, user="town_101", headers=None):
        h = dict(headers or {})
        if lang:
            h["Accept-Language"] = lang
        if raw is not None:
            h.setdefault("Content-Type", "application/json")
            return self.s.request(method, path, raw=raw, token=self.s.login(user) if user else None,
                                  headers=h)
        return self.s._as(user, lambda tok: self.s.request(method, path, body=body, token=tok,
                                                           headers=h))

    def in_every_language(self, name, status, code, field, send):
        """send(lang) → the error; Chinese for every CHINESE header, English for every
        ENGLISH one, the same code and field in all."""
        zh = en = None
        for lang in CHINESE + ENGLISH:
            r = send(lang)
            with self.subTest(probe=name, lang=lang):
                if code is ANY and r.json and "error" in r.json:
                    code = r.json["error"]["code"]
                e = self.assertError(r, status, code, field)
                if field is ANY:
                    field = e.get("field")  # … and then the same for every language
                m = e["message"]
                if lang in ENGLISH:
                    self.assertRegex(m, EN_WORDS, "%s: not English: %r" % (lang, m))
                    en = en or m
                else:
                    self.assertRegex(m, CJK, "%s: not Chinese: %r" % (lang, m))
                    self.assertIsNone(english_in(m), "%s: English in %r" % (lang, m))
                    zh = zh or m
        self.assertNotEqual(zh, en)
        return zh, en

    def body(self, **over):
        return self.case_body(GRID, **over)

    # ---- the probes ----

    def test_body_errors(self):
        probes = [
            ("bad JSON", 400, "BAD_JSON", None,
             lambda l: self.call(l, "POST", CASES, raw=b'{"title": "x",')),
            ("not an object", 400, "BAD_JSON", None,
             lambda l: self.call(l, "POST", CASES, raw=b"[1, 2]")),
            ("wrong media type", 415, "UNSUPPORTED_MEDIA", None,
             lambda l: self.call(l, "POST", CASES, raw=b"{}",
                                 headers={"Content-Type": "text/plain"})),
            ("wrong type", 400, "BAD_FIELD", "title",
             lambda l: self.call(l, "POST", CASES, self.body(title=5))),
            ("wrong type, number", 400, "BAD_FIELD", "lng",
             lambda l: self.call(l, "POST", CASES, self.body(lng="east"))),
            ("unknown field", 400, "UNKNOWN_FIELD", "colour",
             lambda l: self.call(l, "POST", CASES, self.body(colour="red"))),
            ("missing field", 400, "MISSING_FIELD", "title",
             lambda l: self.call(l, "POST", CASES, self.body(title=None))),
            ("empty field", 400, "MISSING_FIELD", "title",
             lambda l: self.call(l, "POST", CASES, self.body(title=""))),
            ("too long", 400, "BAD_FIELD", "title",
             lambda l: self.call(l, "POST", CASES, self.body(title="长" * 1000))),
            ("unknown type", 400, "BAD_FIELD", "type",
             lambda l: self.call(l, "POST", CASES, self.body(type="nope"))),
            ("unknown category", 400, "BAD_FIELD", "category",
             lambda l: self.call(l, "POST", CASES, self.body(category="nope"))),
            ("unknown channel", 400, "BAD_FIELD", "channel",
             lambda l: self.call(l, "POST", CASES, self.body(channel="pigeon"))),
            ("outside every grid", 400, "BAD_FIELD", ANY,
             lambda l: self.call(l, "POST", CASES, self.body(lng=10.0, lat=10.0))),
        ]
        for name, status, code, field, send in probes:
            self.in_every_language(name, status, code, field, send)

    def test_refusals_and_absences(self):
        probes = [
            ("log in first", 401, "UNAUTHENTICATED", None,
             lambda l: self.call(l, "GET", CASES, user=None)),
            ("forbidden", 403, "FORBIDDEN", None,
             lambda l: self.call(l, "GET", "/api/v1/audit")),
            ("forbidden report", 403, "FORBIDDEN", None,
             lambda l: self.call(l, "POST", CASES, self.body(), user="auditor")),
            ("no such case", 404, "NOT_FOUND", None,
             lambda l: self.call(l, "GET", CASES + "/999999999")),
            ("no such endpoint", 404, "NOT_FOUND", None,
             lambda l: self.call(l, "GET", "/api/v1/nowhere")),
            ("no such region", 404, "NOT_FOUND", None,
             lambda l: self.call(l, "GET", "/api/v1/regions/429006999")),
            ("method", 405, "METHOD_NOT_ALLOWED", None,
             lambda l: self.call(l, "DELETE", CASES)),
            ("query code", 404, "NOT_FOUND", ANY,
             lambda l: self.call(l, "GET", q("/api/v1/track", code="ZZZZZZZZZZZZ"), user=None)),
        ]
        for name, status, code, field, send in probes:
            self.in_every_language(name, status, code, field, send)

    def test_query_parameters(self):
        stats = "/api/v1/stats"
        probes = [
            ("unknown parameter", q(CASES, colour="red"), "colour"),
            ("sort", q(CASES, sort="sideways"), "sort"),
            ("limit", q(CASES, limit="many"), "limit"),
            ("status", q(CASES, status="lost"), "status"),
            ("cursor", q(CASES, sort="due", cursor="x.y"), "cursor"),
            ("queue", q("/api/v1/cases", queue="nope"), "queue"),
            ("stats from", q(stats, region=CITY, **{"from": "2026-13"}), "from"),
            ("stats order", q(stats, region=CITY, **{"from": "2026-06", "to": "2026-01"}),
             "from"),
            ("stats group", q(stats, region=CITY, group="planet"), "group"),
        ]
        for name, path, field in probes:
            self.in_every_language(name, 400, "BAD_QUERY", field,
                                   lambda l, p=path: self.call(l, "GET", p, user="city_admin"))

    def test_log_in(self):
        session = "/api/v1/session"
        # a wrong password counts against its account: one failure each, far from a lock
        villages = ("village_%d_001" % t for t in itertools.count(101))
        n = itertools.count()
        probes = [
            ("wrong password", 401, "BAD_CREDENTIALS", None,
             lambda: {"username": next(villages), "password": "Not-the-password-1"}),
            ("no such user", 401, "BAD_CREDENTIALS", None,
             lambda: {"username": "nobody_%d" % next(n), "password": "Not-the-password-1"}),
            ("missing password", 400, "MISSING_FIELD", "password",
             lambda: {"username": "town_120"}),
            ("both codes", 400, "BAD_REQUEST", ANY,
             lambda: {"username": next(villages), "password": "x", "otp": "123456",
                      "recovery_code": "abcd"}),
        ]
        for name, status, code, field, body in probes:
            self.in_every_language(name, status, code, field,
                                   lambda l, b=body: self.call(l, "POST", session, b(), user=None))

    def test_conflicts(self):
        key = "messages-test-key-0001"
        first = self.call(None, "POST", CASES, self.body(), headers={"Idempotency-Key": key})
        self.assertStatus(first, 201)
        self.in_every_language(
            "idempotency", 409, "CONFLICT", ANY,
            lambda l: self.call(l, "POST", CASES, self.body(title="另一个请求"),
                                headers={"Idempotency-Key": key}))
        self.in_every_language(
            "bad key", 400, ANY, ANY,
            lambda l: self.call(l, "POST", CASES, self.body(), headers={"Idempotency-Key": "x"}))
        # an action taken, then again: not in this state any more
        cid = first.json["id"]
        offered = {a["action"]: a for a in first.json["actions"]}
        self.assertIn("accept", offered, sorted(offered))
        self.act(cid, "accept")
        self.in_every_language(
            "not now", 409, "ACTION_NOT_ALLOWED", "action",
            lambda l: self.call(l, "POST", "%s/%d/actions" % (CASES, cid), {"action": "accept"}))
        self.in_every_language(
            "no such action", 400, "BAD_FIELD", "action",
            lambda l: self.call(l, "POST", "%s/%d/actions" % (CASES, cid), {"action": "fly"}))

    def test_each_actions_needs(self):
        """Every action the case offers, sent without what it needs: refused in the
        reader's language, naming the field."""
        c = self.create()
        seen = 0
        fields = {"note": "note", "unit": "unit_id", "case": "target_case_id", "days": "days",
                  "rating": "rating", "tier": "tier", "record": "record"}
        for cid in (c["id"],):
            case = self.get("%s/%d" % (CASES, cid), user="town_101").json
            for a in case["actions"]:
                needs = [n for n in a["needs"] if n in fields]
                if not needs:
                    continue
                seen += 1
                self.in_every_language(
                    "needs of " + a["action"], 400, "MISSING_FIELD", fields[needs[0]],
                    lambda l, code=a["action"]: self.call(
                        l, "POST", "%s/%d/actions" % (CASES, cid), {"action": code}))
            # and a field an action does not take
            bare = [a for a in case["actions"] if not a["needs"] or a["needs"] == ["holder"]]
            if bare:
                seen += 1
                self.in_every_language(
                    "takes no days", 400, "UNKNOWN_FIELD", "days",
                    lambda l, code=bare[0]["action"]: self.call(
                        l, "POST", "%s/%d/actions" % (CASES, cid), {"action": code, "days": 3}))
        self.assertGreaterEqual(seen, 2)

    def test_english_is_not_the_default_for_other_headers(self):
        """A header the server cannot read is Chinese, never a 400."""
        r = self.call("*;q=0.5, ??", "GET", CASES + "/999999999")
        e = self.assertError(r, 404, "NOT_FOUND")
        self.assertRegex(e["message"], CJK)


if __name__ == "__main__":
    unittest.main()
