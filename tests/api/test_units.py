"""The handling units: GET /api/v1/units (every unit, or pages filtered by region and kind,
each with its accounts counted, the kinds pingan knows, may_manage); POST /api/v1/units and
PATCH /api/v1/units/{id} by the units administrator (units_admin) alone: kinds, tiers and
regions checked, the admin's own region the bound, code and region fixed once made, each
change audited with actor and address (unit.create, unit.update), once per
Idempotency-Key."""
import unittest

from common import ApiTest, q

UNITS = "/api/v1/units"
TOWN = "429006101"
VILLAGE = "429006101001"


class UnitsTest(ApiTest):

    def patch(self, uid, body, user="city_admin", headers=None):
        return self.s._as(user, lambda tok: self.s.request("PATCH", "%s/%d" % (UNITS, uid),
                                                           body=body, token=tok,
                                                           headers=headers))

    def add(self, user="city_admin", status=201, headers=None, **over):
        body = {"code": "unit-test-1", "name": "岳口镇矛盾纠纷调处中心", "kind": "committee",
                "region": TOWN, "tier": "town"}
        body.update(over)
        r = self.post(UNITS, body, user=user, headers=headers)
        self.assertStatus(r, status)
        return r

    def every(self, user="city_admin", **filters):
        return self.pages(UNITS, user, **filters)

    def audit_of(self, uid):
        r = self.get(q("/api/v1/audit", subject="unit:%d" % uid, limit=50), user="auditor")
        self.assertStatus(r, 200)
        return r.json["items"]

    def me(self, user):
        return self.get("/api/v1/session", user=user).json["user"]

    def test_list_pages_filters_and_counts(self):
        r = self.get(UNITS, user="town_101")
        self.assertStatus(r, 200)
        every = r.json["items"]
        self.assertIsNone(r.json["next_cursor"])
        self.assertFalse(r.json["may_manage"])
        self.assertIn("town_centre", [k["code"] for k in r.json["kinds"]])
        self.assertTrue(self.get(UNITS, user="city_admin").json["may_manage"])
        paged = self.every(limit=7)
        self.assertEqual([u["id"] for u in paged], [u["id"] for u in every])
        town = self.every(limit=5, region=TOWN)
        self.assertTrue(town)
        self.assertEqual({u["id"] for u in town},
                         {u["id"] for u in every if u["region"].startswith(TOWN)})
        centres = self.every(limit=50, kind="town_centre")
        self.assertTrue(centres and all(u["kind"] == "town_centre" for u in centres))
        mine = self.me("town_101")["unit_id"]
        self.assertGreaterEqual({u["id"]: u for u in every}[mine]["users"], 1)
        for bad in ({"kind": "castle"}, {"region": "x"}, {"limit": "0"}, {"cursor": "-1"}):
            self.assertError(self.get(q(UNITS, **bad), user="town_101"), 400, "BAD_QUERY",
                             list(bad)[0])

    def test_create_edit_audited_once_per_key(self):
        key = {"Idempotency-Key": "units-test-create-1"}
        made = self.add(headers=key).json
        self.assertEqual((made["code"], made["kind"], made["region"], made["tier"]),
                         ("unit-test-1", "committee", TOWN, "town"))
        again = self.add(headers=key)
        self.assertEqual(again.json["id"], made["id"])
        self.assertEqual(len([u for u in self.every() if u["code"] == "unit-test-1"]), 1)
        self.add(headers=key, status=409, name="另一个")
        listed = [u for u in self.every(region=TOWN, kind="committee")
                  if u["id"] == made["id"]]
        self.assertEqual(listed[0]["users"], 0)

        r = self.patch(made["id"], {"name": "岳口镇人民调解委员会", "tier": "village"},
                       headers={"Idempotency-Key": "units-test-patch-1"})
        self.assertStatus(r, 200)
        self.assertEqual((r.json["name"], r.json["tier"], r.json["code"]),
                         ("岳口镇人民调解委员会", "village", "unit-test-1"))
        again = self.patch(made["id"], {"name": "岳口镇人民调解委员会", "tier": "village"},
                           headers={"Idempotency-Key": "units-test-patch-1"})
        self.assertEqual(again.json, r.json)

        admin = self.me("city_admin")["id"]
        rows = self.audit_of(made["id"])
        self.assertEqual([x["action"] for x in rows], ["unit.update", "unit.create"])
        for x in rows:
            self.assertEqual(x["actor"]["id"], admin)
            self.assertEqual(x["detail"]["from"], "127.0.0.1")
        self.assertEqual(rows[0]["detail"]["was"]["name"], "岳口镇矛盾纠纷调处中心")
        self.assertEqual(rows[1]["detail"]["code"], "unit-test-1")

    def test_checked(self):
        cases = [({"kind": "castle"}, 400, "BAD_FIELD", "kind"),
                 ({"tier": "province"}, 400, "BAD_FIELD", "tier"),
                 ({"region": "429006999"}, 400, "BAD_FIELD", "region"),
                 ({"region": VILLAGE + "001"}, 400, "BAD_FIELD", "region"),
                 ({"kind": "town_centre", "region": VILLAGE, "tier": "town"}, 400,
                  "BAD_FIELD", "kind"),
                 ({"kind": "town_centre", "tier": "city"}, 400, "BAD_FIELD", "tier"),
                 ({"code": "A B"}, 400, "BAD_FIELD", "code"),
                 ({"code": "city-centre"}, 409, "CONFLICT", "code"),
                 ({"name": "  "}, 400, "BAD_FIELD", "name"),
                 ({"colour": "red"}, 400, "UNKNOWN_FIELD", "colour")]
        for over, status, code, field in cases:
            r = self.add(status=status, **dict(over, code=over.get("code", "unit-bad")))
            self.assertError(r, status, code, field)
        self.assertNotIn("unit-bad", [u["code"] for u in self.every()])
        uid = self.add(code="unit-test-2").json["id"]
        for body, field in (({"code": "x-2"}, "code"), ({"region": VILLAGE}, "region"),
                            ({"kind": "village_centre"}, "kind"), ({"tier": "x"}, "tier")):
            r = self.patch(uid, body)
            self.assertEqual((r.status, r.json["error"]["field"]), (400, field), body)
        self.assertError(self.patch(999999, {"name": "无"}), 404, "NOT_FOUND")

    def test_only_units_admins_in_their_region(self):
        for user in ("town_101", "city_staff", "sec_admin", "auditor"):
            self.assertError(self.add(user=user, status=403, code="unit-x"), 403, "FORBIDDEN")
        self.add(user="sys_admin", code="unit-by-sys")
        centre = [u for u in self.every(kind="city_centre")][0]["id"]
        self.assertError(self.patch(centre, {"name": "x"}, user="town_101"), 403, "FORBIDDEN")
        self.s.ready_user("admin_101", "city_admin", TOWN)
        self.assertError(self.add(user="admin_101", status=403, code="unit-y",
                                  region="429006102"), 403, "FORBIDDEN", "region")
        self.add(user="admin_101", code="unit-z", region=VILLAGE, tier="village")
        # a unit outside the admin's region is not theirs to see changed
        self.assertError(self.patch(centre, {"name": "x"}, user="admin_101"), 404, "NOT_FOUND")
        self.assertError(self.post(UNITS, {}), 401, "UNAUTHENTICATED")


if __name__ == "__main__":
    unittest.main()
