"""test_hardening.py: inputs that once crashed the server or broke its promises — invalid
UTF-8 in queries, error bodies that must always be {"error": …}, log lines a request must
not be able to forge, dispatches to units that could never act on the case."""
import json
import urllib.parse
import unittest

from common import ApiTest, GRID

CASES = "/api/v1/cases"


class HardeningTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    def test_invalid_utf8_query_is_refused_and_server_survives(self):
        for q in ("%80" * 6000, "%ff", "abc%c3", "%ed%a0%80"):
            r = self.get(CASES + "?q=" + q, user="town_101")
            self.assertError(r, 400, "BAD_QUERY", "q")
        r = self.get(CASES + "?status=%ff", user="town_101")
        self.assertError(r, 400, "BAD_QUERY", "status")
        self.assertStatus(self.s.request("GET", "/healthz"), 200)
        # valid multi-byte text still works
        self.assertStatus(self.get(CASES + "?q=%E7%BA%A0%E7%BA%B7", user="town_101"), 200)

    def test_error_body_is_never_empty(self):
        long_cat = urllib.parse.quote("纠" * 200)
        r = self.get(CASES + "?category=" + long_cat, user="town_101")
        self.assertError(r, 400, "BAD_QUERY", "category")
        r = self.s.request("GET", "/api/v1/%ff")
        self.assertError(r, 404, "NOT_FOUND")
        self.assertTrue(r.json["error"]["message"])

    def test_requests_cannot_forge_log_lines(self):
        forged = ("/api/v1/x%22,%22level%22:%22error%22,%22forged%22:%22yes%0a"
                  "%7B%22ts%22:%22fake")
        self.s.request("GET", forged)
        self.s.request("GET", "/api/v1/%ff%fe")
        # an overlong form and a surrogate: UTF-8 in shape only, which JSON parsers refuse
        self.s.request("GET", "/api/v1/%E0%93%8C/%ED%A0%80")
        with open(self.s.log_path, "rb") as f:
            lines = f.read().decode("utf-8").splitlines()
        for line in lines:
            if line.startswith("{"):
                obj = json.loads(line)  # every log line is one whole JSON object
                self.assertNotIn("forged", obj)
        self.assertFalse(any(l.startswith('{"ts":"fake') for l in lines))

    def test_dispatch_only_to_units_that_cover_the_case(self):
        units = self.get("/api/v1/units", user="town_101").json["items"]
        other_centre = [u for u in units if u["code"] == "town-429006102"][0]
        family = [u for u in units if u["code"] == "committee-family"][0]
        c = self.create(title="跨镇派遣测试")
        self.act(c["id"], "accept")
        r = self.post("%s/%d/actions" % (CASES, c["id"]),
                      {"action": "dispatch", "unit_id": other_centre["id"]}, user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "unit_id")
        self.assertEqual(self.get("%s/%d" % (CASES, c["id"]), user="town_101")
                         .json["status"], "accepted")
        # a city-wide committee covers every town
        self.assertEqual(self.act(c["id"], "dispatch", unit_id=family["id"])["status"],
                         "dispatched")


if __name__ == "__main__":
    unittest.main()
