"""The region tree (city → town → village → grid) and the grid lookup by point."""
import unittest

from common import ApiTest, CITY, GRID, TOWN, VILLAGE, q


class RegionsTest(ApiTest):

    def test_city(self):
        c = self.region(CITY, user="town_101")
        self.assertEqual(c["code"], CITY)
        self.assertEqual(c["level"], 1)
        self.assertEqual(c["parent"], "42")  # the province, level 0
        self.assertEqual(c["children"], 25)
        self.assertEqual(c["name"], "天门市")
        self.assertEqual([p["code"] for p in c["path"]], [CITY])

    def test_town(self):
        t = self.region(TOWN)
        self.assertEqual((t["code"], t["level"], t["parent"]), (TOWN, 2, CITY))
        self.assertEqual(t["children"], 30)
        self.assertTrue(t["name"])
        self.assertEqual([p["code"] for p in t["path"]], [CITY, TOWN])
        self.assertNotIn("boundary", t)

    def test_village(self):
        v = self.region(VILLAGE)
        self.assertEqual((v["code"], v["level"], v["parent"]), (VILLAGE, 3, TOWN))
        self.assertEqual(v["children"], 4)
        self.assertEqual([p["code"] for p in v["path"]], [CITY, TOWN, VILLAGE])

    def test_grid(self):
        g = self.region(GRID)
        self.assertEqual((g["code"], g["level"], g["parent"], g["kind"]),
                         (GRID, 4, VILLAGE, "grid"))
        self.assertEqual(g["children"], 0)
        self.assertEqual([p["code"] for p in g["path"]], [CITY, TOWN, VILLAGE, GRID])
        self.assertTrue(all(p["name"] for p in g["path"]))
        self.assertEqual(g["path"][-1]["name"], g["name"])
        b = g["boundary"]
        self.assertEqual(b["type"], "Polygon")
        ring = b["coordinates"][0]
        self.assertGreaterEqual(len(ring), 4)
        self.assertEqual(ring[0], ring[-1], "a GeoJSON ring is closed")
        for lng, lat in ring:
            self.assertTrue(112 < lng < 114.5 and 29.5 < lat < 31.5, (lng, lat))
        # the grid's own point lies within its ring's bounding box
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        self.assertTrue(min(xs) <= g["lng"] <= max(xs))
        self.assertTrue(min(ys) <= g["lat"] <= max(ys))

    def test_children_of_city_sorted(self):
        r = self.get(q("/api/v1/regions", parent=CITY), user="town_101")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["parent"], CITY)
        codes = [i["code"] for i in r.json["items"]]
        self.assertEqual(len(codes), 25)
        self.assertEqual(codes, sorted(codes))
        self.assertIn(TOWN, codes)
        for i in r.json["items"]:
            self.assertEqual(i["parent"], CITY)
            self.assertEqual(i["level"], 2)
            self.assertEqual(len(i["code"]), 9)
            self.assertTrue(i["code"].startswith(CITY))

    def test_children_of_town_and_village(self):
        r = self.get(q("/api/v1/regions", parent=TOWN), user="city_admin")
        self.assertStatus(r, 200)
        codes = [i["code"] for i in r.json["items"]]
        self.assertEqual(len(codes), 30)
        self.assertEqual(codes, sorted(codes))
        self.assertTrue(all(c.startswith(TOWN) and len(c) == 12 for c in codes))
        r = self.get(q("/api/v1/regions", parent=VILLAGE), user="city_admin")
        grids = r.json["items"]
        self.assertEqual([g["code"] for g in grids], [VILLAGE + "%03d" % k for k in (1, 2, 3, 4)])
        self.assertTrue(all(g["boundary"]["type"] == "Polygon" for g in grids))

    def test_children_of_grid_empty(self):
        r = self.get(q("/api/v1/regions", parent=GRID), user="city_admin")
        self.assertStatus(r, 200)
        self.assertEqual(r.json["items"], [])

    def test_bad_codes_404(self):
        for code in ["abc", "4290061", "42900610100", "4290061010010011", "429006999",
                     "429006101999", "429006101001999", "999999"]:
            r = self.get("/api/v1/regions/" + code, user="city_admin")
            self.assertError(r, 404, "NOT_FOUND")

    def test_bad_parent_400(self):
        for parent in ["abc", "4290", "42900610x", ""]:
            r = self.get(q("/api/v1/regions", parent=parent), user="city_admin")
            self.assertError(r, 400, "BAD_QUERY", "parent")
        r = self.get("/api/v1/regions", user="city_admin")
        self.assertError(r, 400, "BAD_QUERY", "parent")

    def test_unknown_parent_404(self):
        for parent in ["429006999", "999999", "429006101999"]:
            r = self.get(q("/api/v1/regions", parent=parent), user="city_admin")
            self.assertError(r, 404, "NOT_FOUND")

    def locate(self, lng, lat, user="grid_101_001_001"):
        return self.get(q("/api/v1/grids/locate", lng=lng, lat=lat), user=user)

    def test_locate_own_grid(self):
        # the first grid of a few towns, and every grid of one village
        grids = [GRID, "429006001001001", "429006201001001", "429006401001001",
                 "429006120001001"] + [VILLAGE + "%03d" % k for k in (2, 3, 4)]
        for code in grids:
            g = self.region(code)
            r = self.locate(g["lng"], g["lat"])
            self.assertStatus(r, 200, "locate %s: %r" % (code, r))
            self.assertEqual(r.json["code"], code)
            self.assertEqual(r.json["level"], 4)
            self.assertEqual(r.json["boundary"]["type"], "Polygon")

    def test_locate_distinguishes_neighbours(self):
        a = self.region(VILLAGE + "001")
        b = self.region(VILLAGE + "002")
        self.assertNotEqual((a["lng"], a["lat"]), (b["lng"], b["lat"]))
        self.assertEqual(self.locate(a["lng"], a["lat"]).json["code"], a["code"])
        self.assertEqual(self.locate(b["lng"], b["lat"]).json["code"], b["code"])

    def test_locate_outside(self):
        for lng, lat in [(100, 20), (113.17, 35.0), (0, 0), (-113.17, -30.66)]:
            self.assertError(self.locate(lng, lat), 404, "NOT_FOUND")

    def test_locate_not_a_number(self):
        self.assertError(self.locate("abc", 30.66), 400, "BAD_QUERY", "lng")
        self.assertError(self.locate("113.2x", 30.66), 400, "BAD_QUERY", "lng")
        self.assertError(self.locate(113.2, "north"), 400, "BAD_QUERY", "lat")
        self.assertError(self.locate("", 30.66), 400, "BAD_QUERY", "lng")
        r = self.get("/api/v1/grids/locate?lng=113.2", user="city_admin")
        self.assertError(r, 400, "BAD_QUERY", "lat")

    def test_locate_out_of_range(self):
        for lng, lat in [(181, 30), (-181, 30), (113, 91), (113, -90.5), ("nan", 30),
                         (113, "inf"), ("1e999", 30)]:
            r = self.locate(lng, lat)
            self.assertError(r, 400, "BAD_QUERY")

    def test_unknown_query_parameter(self):
        r = self.get("/api/v1/grids/locate?lng=113.2&lat=30.4&zoom=3", user="city_admin")
        self.assertError(r, 400, "BAD_QUERY", "zoom")

    def test_unauthenticated(self):
        for path in ["/api/v1/regions/" + CITY, q("/api/v1/regions", parent=CITY),
                     q("/api/v1/grids/locate", lng=113.24, lat=30.44), "/api/v1/units",
                     "/api/v1/case-types"]:
            self.assertError(self.s.request("GET", path), 401, "UNAUTHENTICATED")


if __name__ == "__main__":
    unittest.main()
