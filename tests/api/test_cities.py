"""Several cities in one database (a province's): the demo city 天门市 (429006) and a second
one made beside it with `pingan demo --city`. Each city's staff see only their city's cases —
in lists, search, queues, statistics, the map and grid lookup, units, users, reads by id and
attachments — case numbers run per city, routing rules name units within the case's city,
the province's account sees both cities' statistics, and the portal asks a resident for the
city first."""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from common import ApiTest, CITY, GRID, q
from harness import PG, PINGAN, demo_db, pg_demo_db, pg_drop, sql

B = "420982"                   # 安陆市, the second city
B_GRID = B + "101001001"
B_TOWN = B + "101"
SFX = "_" + B                  # its demo usernames end so


class CitiesTest(ApiTest):

    @classmethod
    def make_db(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pingan-cities-")
        if PG:
            cls.db = pg_demo_db()
        else:
            cls.db = os.path.join(cls.tmp, "cities.db")
            demo_db(cls.db)
        subprocess.run([PINGAN, "demo", "--db", cls.db, "--seed", "7", "--city", B, "--name",
                        "安陆市", "--centre", "113.69,31.26"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return cls.db

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        if PG:
            pg_drop(cls.db)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def point_of(self, grid, user):
        g = self.get("/api/v1/regions/" + grid, user=user)
        self.assertStatus(g, 200)
        return g.json["lng"], g.json["lat"]

    def create_in(self, grid, user, **over):
        lng, lat = self.point_of(grid, user)
        body = {"type": "dispute", "category": "neighbour", "title": "城市测试",
                "description": "两市同库的测试案件。", "lng": lng, "lat": lat,
                "channel": "walk_in"}
        body.update(over)
        r = self.post("/api/v1/cases", body, user=user)
        self.assertStatus(r, 201)
        return r.json

    def first_page(self, user, **filters):
        r = self.get(q("/api/v1/cases", limit=200, **filters), user=user)
        self.assertStatus(r, 200)
        return r.json["items"]

    def test_lists_and_search_see_one_city(self):
        for user, city in (("city_admin", CITY), ("city_admin" + SFX, B)):
            items = self.first_page(user)
            self.assertEqual(len(items), 200)
            self.assertEqual([i["number"] for i in items if not i["grid"].startswith(city)], [])
            self.assertTrue(all(i["number"].startswith("PA-%s-" % city) for i in items))
        # a word only the second city's new case holds is found there alone
        c = self.create_in(B_GRID, "town_101" + SFX, title="安陆独有的字样")
        self.assertEqual(self.walk("city_admin", q="安陆独有")[0], [])
        self.assertEqual([i["id"] for i in self.walk("city_admin" + SFX, q="安陆独有")[0]],
                         [c["id"]])
        # nor does a region filter of the other city widen a list
        r = self.get(q("/api/v1/cases", region=B), user="city_admin")
        if r.status == 200:
            self.assertEqual(r.json["items"], [])
        else:
            self.assertError(r, 403, "FORBIDDEN")

    def test_reads_by_id_are_404_without_a_hint(self):
        c = self.create_in(B_GRID, "town_101" + SFX)
        other = self.get("/api/v1/cases/%d" % c["id"], user="city_admin")
        e = self.assertError(other, 404, "NOT_FOUND")
        missing = self.get("/api/v1/cases/%d" % 999999999, user="city_admin")
        self.assertEqual(e["message"].replace(str(c["id"]), "N"),
                         self.assertError(missing, 404, "NOT_FOUND")["message"].replace(
                             "999999999", "N"))
        self.assertStatus(self.get("/api/v1/cases/%d" % c["id"], user="city_admin" + SFX), 200)
        # nor may the other city act on it
        r = self.post("/api/v1/cases/%d/actions" % c["id"], {"action": "accept"},
                      user="city_staff")
        self.assertError(r, 404, "NOT_FOUND")

    def test_no_merge_across_cities(self):
        # a report of one city is never merged into another city's case: neither city's
        # staff can name the other's (as if it did not exist), and the step is not written
        a = self.create_in(GRID, "town_101", title="跨市合并甲")
        b = self.create_in(B_GRID, "town_101" + SFX, title="跨市合并乙")
        for user, mine, theirs in (("city_admin", a, b), ("city_admin" + SFX, b, a)):
            r = self.post("/api/v1/cases/%d/actions" % mine["id"],
                          {"action": "merge", "target_case_id": theirs["id"], "note": "重复"},
                          user=user)
            self.assertError(r, 400, "BAD_FIELD", "target_case_id")
            got = self.get("/api/v1/cases/%d" % mine["id"], user=user).json
            self.assertEqual((got["status"], len(got["steps"])), ("reported", 1))

    def test_attachments_stay_in_their_city(self):
        c = self.create_in(B_GRID, "town_101" + SFX)
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        r = self.s.request("POST", "/api/v1/cases/%d/attachments?name=a.png" % c["id"],
                           raw=png, headers={"Content-Type": "image/png"},
                           token=self.s.login("town_101" + SFX))
        self.assertStatus(r, 201)
        sha = hashlib.sha256(png).hexdigest()
        path = "/api/v1/cases/%d/attachments/%s" % (c["id"], sha)
        self.assertStatus(self.get(path, user="town_101" + SFX), 200)
        self.assertError(self.get(path, user="city_admin"), 404, "NOT_FOUND")

    def test_queues_see_one_city(self):
        for user, city in (("town_101", CITY), ("town_101" + SFX, B)):
            r = self.get("/api/v1/queues", user=user)
            self.assertStatus(r, 200)
            for x in r.json["items"]:
                items, _ = self.walk(user, limit=200, max_pages=20, queue=x["queue"])
                self.assertEqual([i["number"] for i in items
                                  if not i["grid"].startswith(city)], [], x["queue"])

    def test_statistics_per_city_and_for_the_province(self):
        a = self.stats(CITY)
        b = self.stats(B, user="city_admin" + SFX)
        self.assertGreater(a["total"], 0)
        self.assertGreater(b["total"], 0)
        # one city's account may not ask for another's
        r = self.get(q("/api/v1/stats", region=B), user="city_admin")
        self.assertError(r, 403, "FORBIDDEN")
        p = self.stats("42", user="province_42")
        self.assertEqual(p["total"], a["total"] + b["total"])
        self.assertEqual(self.stats(B, user="province_42")["total"], b["total"])
        # … and reads, never acts: the province's role has no action in any lifecycle
        items = self.first_page("province_42", region=B)
        self.assertTrue(items and all(i["grid"].startswith(B) for i in items))
        r = self.post("/api/v1/cases/%d/actions" % items[0]["id"], {"action": "accept"},
                      user="province_42")
        self.assertIn(r.status, (403, 409), r)

    def test_map_and_grid_lookup_see_one_city(self):
        lng, lat = self.point_of(B_GRID, "city_admin" + SFX)
        path = q("/api/v1/grids/locate", lng=lng, lat=lat)
        self.assertEqual(self.get(path, user="city_admin" + SFX).json["code"], B_GRID)
        self.assertError(self.get(path, user="city_admin"), 404, "NOT_FOUND")
        for p in ("/api/v1/regions/" + B, "/api/v1/regions/" + B_GRID,
                  q("/api/v1/regions", parent=B_TOWN)):
            self.assertError(self.get(p, user="city_admin"), 404, "NOT_FOUND")
        self.assertStatus(self.get(q("/api/v1/regions", parent=B_TOWN),
                                   user="city_admin" + SFX), 200)
        # the province's region holds its cities
        r = self.get(q("/api/v1/regions", parent="42"), user="province_42")
        self.assertStatus(r, 200)
        self.assertEqual(sorted(c["code"] for c in r.json["items"]), [B, CITY])

    def test_units_and_users_per_city(self):
        for user, city in (("city_admin", CITY), ("city_admin" + SFX, B)):
            units = self.get("/api/v1/units", user=user).json["items"]
            self.assertTrue(units)
            self.assertEqual([u["code"] for u in units if not u["region"].startswith(city)], [])
        # the same codes in both cities, each its own unit
        a = {u["code"]: u["id"] for u in self.get("/api/v1/units", user="city_admin").json["items"]}
        b = {u["code"]: u["id"]
             for u in self.get("/api/v1/units", user="city_admin" + SFX).json["items"]}
        self.assertIn("city-petition", a)
        self.assertNotEqual(a["city-petition"], b["city-petition"])
        for user, city in (("sys_admin", CITY), ("sys_admin" + SFX, B)):
            r = self.get(q("/api/v1/users", limit=200), user=user)
            self.assertStatus(r, 200)
            self.assertTrue(r.json["items"])
            self.assertEqual([u["username"] for u in r.json["items"]
                              if not u["region"].startswith(city)], [])

    def walk_users(self, user):
        out, cursor = [], None
        while True:
            r = self.get(q("/api/v1/users", limit=200, **({"cursor": cursor} if cursor else {})),
                         user=user)
            self.assertStatus(r, 200)
            out += r.json["items"]
            cursor = r.json.get("next_cursor")
            if not cursor:
                return out

    def test_audit_and_security_events_per_city(self):
        """Each city's auditor reads the rows of their city's cases and accounts alone;
        each city's security administrator the security events of their city's accounts."""
        c = self.create_in(B_GRID, "town_101" + SFX, title="审计分城")
        subject = "case:%d" % c["id"]
        mine = self.get(q("/api/v1/audit", subject=subject), user="auditor" + SFX)
        self.assertStatus(mine, 200)
        self.assertIn("case.report", [i["action"] for i in mine.json["items"]])
        theirs = self.get(q("/api/v1/audit", subject=subject), user="auditor")
        self.assertStatus(theirs, 200)
        self.assertEqual(theirs.json["items"], [])
        # a failed log-in to an account of the second city
        b_users = self.walk_users("sys_admin" + SFX)
        who = [u["id"] for u in b_users if u["username"] == "town_101" + SFX][0]
        r = self.s.request("POST", "/api/v1/session",
                           {"username": "town_101" + SFX, "password": "Wrong@2026x"})
        self.assertEqual(r.status, 401)
        subjects = lambda user: [i["subject"] for i in self.get(
            q("/api/v1/security/events", limit=200), user=user).json["items"]]
        self.assertIn("user:%d" % who, subjects("sec_admin" + SFX))
        b_ids = {"user:%d" % u["id"] for u in b_users}
        self.assertEqual([s for s in subjects("sec_admin") if s in b_ids], [])
        self.assertEqual([i["subject"] for i in self.get(q("/api/v1/audit", limit=200),
                                                         user="auditor").json["items"]
                          if i["subject"] in b_ids or i["subject"] == subject], [])

    def test_numbers_run_per_city(self):
        a1 = self.create_in(GRID, "town_101")["number"]
        b1 = self.create_in(B_GRID, "town_101" + SFX)["number"]
        a2 = self.create_in(GRID, "town_101")["number"]
        m = [re.match(r"^PA-(\d{6})-(\d{4})-(\d{6})$", n) for n in (a1, b1, a2)]
        self.assertTrue(all(m), (a1, b1, a2))
        self.assertEqual([x.group(1) for x in m], [CITY, B, CITY])
        self.assertEqual(int(m[2].group(3)), int(m[0].group(3)) + 1)
        counters = dict(sql(self.db, "SELECT name, value FROM counters"
                                     " WHERE name LIKE 'case_number:%'"))
        self.assertIn("case_number:%s:%s" % (B, m[1].group(2)), counters)
        self.assertNotIn("case_number:%s" % m[1].group(2), counters)

    def test_routing_names_units_within_the_city(self):
        units = {u["code"]: u["id"]
                 for u in self.get("/api/v1/units", user="city_admin" + SFX).json["items"]}
        lng, lat = self.point_of(B_GRID, "city_staff" + SFX)
        body = {"type": "petition", "category": "labour", "title": "信访件",
                "description": "来信反映问题。", "lng": lng, "lat": lat, "channel": "letter",
                "fields": {"form": "来信"}}
        r = self.post("/api/v1/cases", body, user="city_staff" + SFX)
        self.assertStatus(r, 201)
        self.assertEqual(r.json["unit_id"], units["city-petition"])

    def test_one_city_may_not_change_the_rules_of_all(self):
        cur = self.get("/api/v1/routing", user="city_admin")
        self.assertStatus(cur, 200)
        body = {"rules": cur.json["text"], "reason": "试图改动全省的分拨规则"}
        for user in ("city_admin", "city_admin" + SFX):
            r = self.s.request("PUT", "/api/v1/routing", body, token=self.s.login(user))
            self.assertError(r, 403, "FORBIDDEN")

    def test_the_portal_asks_for_the_city(self):
        r = self.s.request("GET", "/api/v1/portal/catalog")
        self.assertStatus(r, 200)
        self.assertEqual(sorted(c["code"] for c in r.json["cities"]), [B, CITY])
        self.assertEqual(r.json["grids"], [])
        self.assertTrue(r.json["items"])
        r = self.s.request("GET", q("/api/v1/portal/catalog", city=B))
        self.assertStatus(r, 200)
        grids = [g["code"] for g in r.json["grids"]]
        self.assertIn(B_GRID, grids)
        self.assertTrue(all(g.startswith(B) for g in grids))
        self.assertError(self.s.request("GET", q("/api/v1/portal/catalog", city="110101")),
                         404, "NOT_FOUND", "city")


if __name__ == "__main__":
    unittest.main()
