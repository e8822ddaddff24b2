"""Bad input of every kind gets a 4xx with {"error": {"code", "message"[, "field"]}}:
never a crash, never a partial write."""
import http.client
import json
import unittest

from common import ApiTest, CITY, q

CASES = "/api/v1/cases"


class BadInputTest(ApiTest):
    """Every test here sends requests that must be refused; the last test checks that
    none of them wrote anything and that the server is still healthy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        cls.tok = s.login("town_101")
        cls.total0 = s.get(q("/api/v1/stats", region=CITY), user="city_admin").json["total"]
        cls.top0 = s.get(q(CASES, limit=1), user="city_admin").json["items"][0]["id"]
        cls.case_id = s.get(q(CASES, limit=1), user="town_101").json["items"][0]["id"]

    def send(self, raw, path=CASES, method="POST", ctype="application/json", headers=None):
        h = dict(headers or {})
        if ctype:
            h["Content-Type"] = ctype
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        return self.s.request(method, path, token=self.tok, headers=h, raw=raw)

    def send_body(self, body, **kw):
        return self.send(json.dumps(body, ensure_ascii=False), **kw)

    # ---- the body as a whole ----

    def test_malformed_json(self):
        for raw in ['{"title": "x",', "{title: 1}", "{'a': 1}", "not json", "{}}",
                    '{"a":1} trailing', "", "{\"a\": NaN}", '{"lng": Infinity}']:
            self.assertError(self.send(raw), 400, "BAD_JSON")

    def test_not_an_object(self):
        for raw in ["[]", '[{"title": "x"}]', '"a string"', "42", "null", "true"]:
            r = self.send(raw)
            self.assertEqual(r.status, 400, "%s → %r" % (raw, r))
            self.assertError(r, 400, r.json["error"]["code"])
            self.assertIn(r.json["error"]["code"], ("BAD_JSON", "BAD_REQUEST"))

    def test_duplicate_keys(self):
        body = json.dumps(self.case_body())[:-1] + ', "title": "second title"}'
        self.assertError(self.send(body), 400, "BAD_JSON")

    def test_invalid_utf8(self):
        raw = json.dumps(self.case_body(title="TITLE_HERE")).encode().replace(
            b"TITLE_HERE", b"bad \xff\xfe utf8")
        self.assertError(self.send(raw), 400, "BAD_JSON")

    def test_deeply_nested(self):
        raw = '{"fields": ' + "[" * 100000 + "]" * 100000 + "}"
        r = self.send(raw)
        self.assertEqual(r.status, 400, r)
        self.assertIn(r.json["error"]["code"], ("BAD_JSON", "BAD_FIELD"))

    def test_oversize_body(self):
        big = self.case_body(description="纠" * (2 * 1024 * 1024 // 3 + 10))
        raw = json.dumps(big, ensure_ascii=False).encode("utf-8")
        self.assertGreater(len(raw), 2 * 1024 * 1024)
        self.assertError(self.send(raw), 413, "TOO_LARGE")

    def test_oversize_body_chunked(self):
        # no Content-Length: the cap must hold while the body streams in
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        chunk = b" " * 65536

        def gen():
            yield b'{"title": "'
            for _ in range(40):  # 2.5 MiB
                yield chunk
            yield b'"}'
        conn.request("POST", CASES, body=gen(), encode_chunked=True,
                     headers={"Content-Type": "application/json",
                              "Transfer-Encoding": "chunked",
                              "Authorization": "Bearer " + self.tok})
        resp = conn.getresponse()
        body = json.loads(resp.read())
        conn.close()
        self.assertEqual(resp.status, 413)
        self.assertEqual(body["error"]["code"], "TOO_LARGE")

    def test_wrong_content_type(self):
        body = json.dumps(self.case_body())
        for ct in ["text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                   "multipart/form-data; boundary=x", None]:
            self.assertError(self.send(body, ctype=ct), 415, "UNSUPPORTED_MEDIA")
        # the charset parameter is fine
        r = self.send(json.dumps({"action": "bogus_action"}),
                      path="%s/%d/actions" % (CASES, self.case_id),
                      ctype="application/json; charset=utf-8")
        self.assertError(r, 400, "BAD_FIELD", "action")

    def test_body_on_get(self):
        r = self.send("{}", path=CASES, method="GET")
        self.assertEqual(r.status, 400, r)
        self.assertError(r, 400, r.json["error"]["code"])

    # ---- fields ----

    def test_wrong_types(self):
        for field, value in [("lng", "113.24"), ("lat", "30.4"), ("lng", True),
                             ("title", 42), ("title", ["a"]), ("description", {}),
                             ("type", 1), ("channel", False), ("parties", {}),
                             ("parties", "张三"), ("fields", []), ("address", 7)]:
            body = self.case_body()
            body[field] = value
            self.assertError(self.send_body(body), 400, "BAD_FIELD", field)

    def test_unknown_field(self):
        for field in ["priority", "Title", "grid", "status", "id"]:
            body = self.case_body()
            body[field] = "x"
            self.assertError(self.send_body(body), 400, "UNKNOWN_FIELD", field)

    def test_missing_required(self):
        for field in ["type", "category", "title", "description", "lng", "lat", "channel"]:
            body = self.case_body()
            del body[field]
            self.assertError(self.send_body(body), 400, "MISSING_FIELD", field)
            body[field] = None
            self.assertError(self.send_body(body), 400, "MISSING_FIELD", field)

    def test_empty_title(self):
        r = self.send_body(self.case_body(title=""))
        e = self.assertError(r, 400, r.json["error"]["code"], "title")
        self.assertIn(e["code"], ("MISSING_FIELD", "BAD_FIELD"))

    def test_title_too_long(self):
        self.assertError(self.send_body(self.case_body(title="纠" * 101)), 400, "BAD_FIELD",
                         "title")
        self.assertError(self.send_body(self.case_body(title="a" * 1000)), 400, "BAD_FIELD",
                         "title")
        self.assertError(self.send_body(self.case_body(description="述" * 5001)), 400,
                         "BAD_FIELD", "description")

    def test_nul_and_control_characters(self):
        for bad in ["a\u0000b", "a\u0001b", "a\u001bb", "\u0007", "a\rb"]:
            r = self.send_body(self.case_body(title=bad))
            self.assertEqual(r.status, 400, "%r → %r" % (bad, r))
            self.assertError(r, 400, r.json["error"]["code"])
            self.assertIn(r.json["error"]["code"], ("BAD_FIELD", "BAD_JSON"))
        r = self.send_body(self.case_body(description="line\u0002two"))
        self.assertError(r, 400, "BAD_FIELD", "description")
        parties = [{"role": "applicant", "name": "张\u0000三"}]
        r = self.send_body(self.case_body(parties=parties))
        self.assertEqual(r.status, 400, r)

    def test_unknown_codes(self):
        self.assertError(self.send_body(self.case_body(type="crime")), 400, "BAD_FIELD", "type")
        self.assertError(self.send_body(self.case_body(category="fire")), 400, "BAD_FIELD",
                         "category")  # fire is a hazard category, not a dispute one
        self.assertError(self.send_body(self.case_body(category="bogus")), 400, "BAD_FIELD",
                         "category")
        self.assertError(self.send_body(self.case_body(channel="pigeon")), 400, "BAD_FIELD",
                         "channel")

    def test_bad_coordinates(self):
        for lng, lat in [(200, 30), (113, -91), (1e308, 30)]:
            r = self.send_body(self.case_body(lng=lng, lat=lat))
            self.assertEqual(r.status, 400, r)
            self.assertError(r, 400, "BAD_FIELD")
        r = self.send_body(self.case_body(lng=100.0, lat=20.0))
        self.assertError(r, 400, "BAD_FIELD", "lng")

    def test_type_fields(self):
        for fields, code, name in [
                ({"colour": "red"}, "UNKNOWN_FIELD", "fields.colour"),
                ({"risk_signs": "bogus"}, "BAD_FIELD", "fields.risk_signs"),
                ({"people_involved": -1}, "BAD_FIELD", "fields.people_involved"),
                ({"people_involved": 2.5}, "BAD_FIELD", "fields.people_involved"),
                ({"amount": "100"}, "BAD_FIELD", "fields.amount"),
                ({"occurred_on": "yesterday"}, "BAD_FIELD", "fields.occurred_on"),
                ({"occurred_on": "2026-13-01"}, "BAD_FIELD", "fields.occurred_on"),
                ({"occurred_on": "2026-00-10"}, "BAD_FIELD", "fields.occurred_on"),
                ({"occurred_on": "2026-01-32"}, "BAD_FIELD", "fields.occurred_on")]:
            r = self.send_body(self.case_body(fields=fields))
            self.assertError(r, 400, code, name)

    def test_too_many_parties(self):
        parties = [{"role": "other", "name": "甲%d" % i} for i in range(21)]
        self.assertError(self.send_body(self.case_body(parties=parties)), 400, "BAD_FIELD",
                         "parties")

    def test_bad_idempotency_key(self):
        for key in ["short", "x" * 129, "has space here"]:
            r = self.send_body(self.case_body(), headers={"Idempotency-Key": key})
            self.assertError(r, 400, "BAD_REQUEST", "Idempotency-Key")

    def test_action_bad_bodies(self):
        path = "%s/%d/actions" % (CASES, self.case_id)
        self.assertError(self.send("[]", path=path), 400, "BAD_JSON")
        self.assertError(self.send_body({"action": 3}, path=path), 400, "BAD_FIELD", "action")
        self.assertError(self.send_body({"action": "accept", "unit_id": "5"}, path=path), 400,
                         "BAD_FIELD", "unit_id")
        self.assertError(self.send_body({"action": "accept", "unit_id": 1.5}, path=path), 400,
                         "BAD_FIELD", "unit_id")
        self.assertError(self.send_body({"action": "accept", "extra": 1}, path=path), 400,
                         "UNKNOWN_FIELD", "extra")
        self.assertError(self.send_body({"action": "reject", "note": "x" * 2001}, path=path),
                         400, "BAD_FIELD", "note")

    # ---- query strings ----

    def test_unknown_query_parameter(self):
        self.assertError(self.get(CASES + "?sort=id", user="town_101"), 400, "BAD_QUERY",
                         "sort")
        self.assertError(self.get(q("/api/v1/stats", region=CITY, year=2026), user="city_admin"),
                         400, "BAD_QUERY", "year")
        self.assertError(self.get("/api/v1/case-types?x=1", user="town_101"), 400, "BAD_QUERY",
                         "x")

    def test_bad_limit_and_cursor(self):
        for k, v in [("limit", 0), ("limit", 1000), ("limit", 201), ("limit", "abc"),
                     ("limit", -5), ("limit", "1.5"), ("limit", ""), ("cursor", -1),
                     ("cursor", 0), ("cursor", "abc"), ("cursor", "99999999999999999999999")]:
            r = self.get(q(CASES, **{k: v}), user="town_101")
            self.assertError(r, 400, "BAD_QUERY", k)
        self.assertStatus(self.get(q(CASES, limit=200), user="town_101"), 200)
        self.assertStatus(self.get(q(CASES, limit=1), user="town_101"), 200)

    # ---- paths and methods ----

    def test_unknown_path(self):
        # (every other path is the web face's: test_web_static.py)
        for path in ["/api/v1/nothing", "/api/v2/cases", "/api", "/api/v1/cases/1/steps",
                     "/api/v1/cases/", "/api/v1/casesx", "/healthz/x", "/metrics"]:
            r = self.s.request("GET", path, token=self.tok)
            self.assertError(r, 404, "NOT_FOUND")

    def test_wrong_method(self):
        for method, path, allowed in [("PUT", CASES, {"GET", "POST"}),
                                      ("DELETE", CASES + "/1", {"GET"}),
                                      ("GET", CASES + "/1/actions", {"POST"}),
                                      ("POST", "/healthz", {"GET"}),
                                      ("PATCH", "/api/v1/session", {"GET", "POST", "DELETE"}),
                                      ("POST", "/api/v1/stats", {"GET"})]:
            r = self.s.request(method, path, token=self.tok)
            self.assertError(r, 405, "METHOD_NOT_ALLOWED")
            allow = r.header("Allow")
            self.assertIsNotNone(allow, "%s %s: no Allow header" % (method, path))
            self.assertEqual({m.strip() for m in allow.split(",")} - {"HEAD"}, allowed)

    def test_case_id_not_a_number(self):
        for cid in ["abc", "1x", "0", "-1", "1.0", "1e3", "%20", "99999999999999999999999",
                    "0x10"]:
            self.assertError(self.get("%s/%s" % (CASES, cid), user="town_101"), 404,
                             "NOT_FOUND")
            r = self.send_body({"action": "accept"}, path="%s/%s/actions" % (CASES, cid))
            self.assertError(r, 404, "NOT_FOUND")

    def test_nul_in_path_and_query(self):
        # a percent-encoded NUL must not cut the path or the query short
        wrong = []
        for path, status, code in [
                ("%s/%d%%00" % (CASES, self.case_id), 404, "NOT_FOUND"),
                ("%s/%d%%00junk" % (CASES, self.case_id), 404, "NOT_FOUND"),
                ("/api/v1/regions/%s%%00" % CITY, 404, "NOT_FOUND"),
                (CASES + "?q=%00abc", 400, "BAD_QUERY")]:
            r = self.get(path, user="town_101")
            if r.status != status:
                wrong.append("%s -> %d" % (path, r.status))
            else:
                self.assertError(r, status, code)
        self.assertEqual(wrong, [], "NUL-truncated requests were answered")

    def test_unauthenticated_before_body(self):
        r = self.s.request("POST", CASES, raw=b"not json",
                           headers={"Content-Type": "application/json"})
        self.assertError(r, 401, "UNAUTHENTICATED")
        r = self.s.request("POST", CASES, raw=b"{}", token="x" * 43,
                           headers={"Content-Type": "application/json"})
        self.assertError(r, 401, "UNAUTHENTICATED")

    def test_keep_alive_after_errors(self):
        # errors (even a refused oversize body) leave the connection usable
        conn = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=30)
        auth = {"Authorization": "Bearer " + self.tok}
        seq = [("POST", CASES, b"x" * (1024 * 1024 + 10),
                dict(auth, **{"Content-Type": "application/json"}), 413),
               ("GET", "/api/v1/session", None, auth, 200),
               ("GET", "/api/v1/session", None, {}, 401),
               ("POST", CASES, b"{bad", dict(auth, **{"Content-Type": "application/json"}), 400),
               ("GET", q(CASES, limit=1), None, auth, 200)]
        try:
            for method, path, body, headers, status in seq:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.assertEqual(resp.status, status, "%s %s: %r" % (method, path, data[:200]))
                self.assertIsInstance(json.loads(data), dict)
        finally:
            conn.close()

    # ---- afterwards ----

    def test_zz_no_partial_write_and_healthy(self):
        total = self.get(q("/api/v1/stats", region=CITY), user="city_admin").json["total"]
        self.assertEqual(total, self.total0, "a refused request changed the counts")
        top = self.get(q(CASES, limit=1), user="city_admin").json["items"][0]["id"]
        self.assertEqual(top, self.top0, "a refused request created a case")
        r = self.s.request("GET", "/healthz")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["status"], "ok")
        self.assertIsNone(self.s.proc.poll(), "the server exited")
        # and it still takes a good case
        r = self.send_body(self.case_body(title="坏请求之后的正常上报"))
        self.assertStatus(r, 201)


class CalendarDateTest(ApiTest):
    """A date field must hold a date that exists (its own class: if the server wrongly
    takes one, the case it writes must not spoil BadInputTest's no-write check)."""

    def test_impossible_dates(self):
        before = self.stats(CITY)["total"]
        taken = []
        for date in ["2026-02-30", "2026-04-31", "2025-02-29", "2026-06-31"]:
            r = self.post(CASES, self.case_body(fields={"occurred_on": date}), user="town_101")
            if r.status == 201:
                taken.append(date)
            else:
                self.assertError(r, 400, "BAD_FIELD", "fields.occurred_on")
        self.assertEqual(taken, [], "impossible dates were taken as occurred_on")
        self.assertEqual(self.stats(CITY)["total"], before)

    def test_real_dates(self):
        # dates of what happened: up to the server's today
        for date in ["2024-02-29", self.day(0)[:4] + "-01-01", self.day(0)]:
            c = self.create(fields={"occurred_on": date})
            self.assertEqual(c["fields"]["occurred_on"], date)


class BoundaryTest(ApiTest):
    """The largest inputs that are still valid are taken whole."""

    def test_longest_title_and_description(self):
        title = "纠" * 100
        desc = "述" * 5000
        c = self.create(title=title, description=desc)
        self.assertEqual(c["title"], title)
        self.assertEqual(c["description"], desc)

    def test_optional_null_and_empty(self):
        c = self.create(address=None, parties=[], fields={})
        self.assertEqual(c.get("parties"), [])
        self.assertIsNone(c.get("address"))
        self.assertEqual(c.get("fields"), {})

    def test_newline_and_tab_allowed(self):
        c = self.create(description="第一行\n第二行\t制表")
        self.assertEqual(c["description"], "第一行\n第二行\t制表")

    def test_every_type_category_channel(self):
        types = self.get("/api/v1/case-types", user="town_101").json["items"]
        channels = ["grid_worker", "walk_in", "phone", "hotline_12345", "online", "letter",
                    "police_transfer", "department"]
        # a value of each form-field type, for the fields a type requires
        sample = {"text": "某某", "longtext": "详细情况", "int": 3, "money": 1000,
                  "date": "2026-03-01", "bool": True, "phone": "13812345678"}
        n = 0
        for t in types:
            if t["intake"]:  # created by an endpoint of its own (test_warnings.py)
                continue
            fields = {f["code"]: f["choices"][0] if f["type"] == "choice" else sample[f["type"]]
                      for f in t["fields"] if f["required"]}
            for k in t["categories"]:
                c = self.create(type=t["code"], category=k["code"],
                                channel=channels[n % len(channels)], fields=fields,
                                title="%s-%s" % (t["code"], k["code"]))
                self.assertEqual((c["type"], c["category"]), (t["code"], k["code"]))
                n += 1
        self.assertGreater(n, 15)


if __name__ == "__main__":
    unittest.main()
