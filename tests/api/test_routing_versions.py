"""test_routing_versions.py: the routing rules as recorded versions. data/routing.conf is
recorded when it changes on disk (found at start-up); the city administrator puts new rules
in force through PUT /api/v1/routing, with a reason; readers see the version in force and
the history; each case records the rule and the version that routed it."""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

from common import ApiTest, GRID
from harness import PINGAN, ROOT

NEIGHBOUR_TO_TOWN = "neighbour dispute neighbour - - tier:town town dispute"


def data_with_rules(edit):
    """A copy of data/ whose routing.conf has gone through edit(text) -> text."""
    data = os.path.join(tempfile.mkdtemp(prefix="pingan-data-"), "data")
    shutil.copytree(os.path.join(ROOT, "data"), data)
    path = os.path.join(data, "routing.conf")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(edit(text))
    return data


def neighbour_to_town(text):
    """The neighbour rule sends cases to the town centre instead of the village's."""
    out = re.sub(r"(?m)^neighbour\s.*$", NEIGHBOUR_TO_TOWN, text)
    assert out != text
    return out


class RoutingStartupTest(ApiTest):
    """One database through restarts: the same file, an edited one, the first again."""

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        for d in getattr(cls, "datadirs", []):
            shutil.rmtree(os.path.dirname(d), ignore_errors=True)

    def restart(self, data=None):
        self.s.stop()
        self.s.extra = [a for a in self.s.extra if a != "--data" and a not in self.datadirs]
        if data:
            self.s.extra += ["--data", data]
        self.s.start()

    def routed(self):
        c = self.create(title="路由版本", category="neighbour")
        return c["routing_rule"], c["routing_version"], c["tier"]

    def versions(self):
        r = self.get("/api/v1/routing/versions", user="auditor")
        self.assertStatus(r, 200)
        return [(x["version"], x["source"], x["in_force"]) for x in r.json["items"]]

    def test_file_versions_across_restarts(self):
        type(self).datadirs = []
        # the demo database recorded data/routing.conf as version 1 when it was made
        self.assertEqual(self.routed(), ("neighbour", 1, "village"))
        first = self.create(title="旧版本路由")
        self.restart()
        self.assertEqual(self.routed(), ("neighbour", 1, "village"))
        self.assertEqual(self.versions(), [(1, "file", True)])
        # an edit on disk is a new version, in force from the start that finds it
        edited = data_with_rules(neighbour_to_town)
        self.datadirs.append(edited)
        self.restart(edited)
        self.assertEqual(self.routed(), ("neighbour", 2, "town"))
        self.restart(edited)
        self.assertEqual(self.routed(), ("neighbour", 2, "town"))
        self.assertEqual(self.versions(), [(2, "file", True), (1, "file", False)])
        v = self.get("/api/v1/routing", user="city_admin").json
        self.assertEqual((v["version"], v["by"], v["reason"]),
                         (2, None, "data/routing.conf changed on disk"))
        # a case keeps the version that routed it
        r = self.get("/api/v1/cases/%d" % first["id"], user="town_101")
        self.assertEqual((r.json["routing_rule"], r.json["routing_version"]), ("neighbour", 1))
        # the file as it first was is a change again, recorded anew
        self.restart()
        self.assertEqual(self.routed(), ("neighbour", 3, "village"))
        self.assertEqual(self.versions()[0], (3, "file", True))


def shipped_rules():
    with open(os.path.join(ROOT, "data", "routing.conf"), encoding="utf-8") as f:
        return f.read()


class RoutingReadTest(ApiTest):
    """GET /api/v1/routing and its history: who may read, and what they read."""

    def test_version_in_force(self):
        text = shipped_rules()
        for user in ("city_admin", "city_staff", "auditor"):
            r = self.get("/api/v1/routing", user=user)
            self.assertStatus(r, 200)
            v = r.json
            self.assertEqual((v["version"], v["source"], v["by"]), (1, "file", None))
            self.assertEqual(v["sha256"], hashlib.sha256(text.encode("utf-8")).hexdigest())
            self.assertEqual(v["text"], text)
        ids = [line.split()[0] for line in text.split("[rules]", 1)[1].splitlines()
               if line.strip() and not line.lstrip().startswith("#")]
        self.assertEqual([x["id"] for x in v["rules"]], ids)
        rule = {x["id"]: x for x in v["rules"]}["medical"]
        self.assertEqual(rule, {"id": "medical", "line": rule["line"], "type": "dispute",
                                "category": "medical", "region": None, "channel": None,
                                "target": "unit:committee-medical", "tier": "city",
                                "profile": "medical"})
        self.assertTrue(text.splitlines()[rule["line"] - 1].startswith("medical "))
        r = self.get("/api/v1/routing/versions", user="auditor")
        self.assertStatus(r, 200)
        self.assertEqual([(x["version"], x["in_force"]) for x in r.json["items"]], [(1, True)])
        self.assertIsNone(r.json["next_cursor"])
        self.assertNotIn("text", r.json["items"][0])

    def test_who_may_not_read(self):
        for user in ("grid_101_001_001", "town_101", "mediator_family"):
            self.assertError(self.get("/api/v1/routing", user=user), 403, "FORBIDDEN")
            self.assertError(self.get("/api/v1/routing/versions", user=user), 403,
                             "FORBIDDEN")
        self.assertError(self.get("/api/v1/routing/versions?limit=0", user="city_admin"),
                         400, "BAD_QUERY", "limit")


class RoutingPutTest(ApiTest):
    """PUT /api/v1/routing: who may, what is refused (and changes nothing), what a new
    version does to intake, and that it outlives a restart."""

    def put(self, body, user="city_admin", headers=None):
        return self.s.request("PUT", "/api/v1/routing", body=body, headers=headers,
                              token=self.s.login(user))

    def versions(self):
        r = self.get("/api/v1/routing/versions", user="city_admin")
        self.assertStatus(r, 200)
        return [x["version"] for x in r.json["items"]]

    def in_force(self):
        r = self.get("/api/v1/routing", user="city_admin")
        self.assertStatus(r, 200)
        return r.json

    def test_put_routes_new_cases_and_survives_restart(self):
        edited = neighbour_to_town(shipped_rules())
        good = {"rules": edited, "reason": "邻里纠纷先由镇综治中心受理"}
        # only the city administrator
        for user in ("city_staff", "town_101", "auditor"):
            self.assertError(self.put(good, user=user), 403, "FORBIDDEN")
        # a city administrator's role over one town only does not route the whole city
        self.s.ready_user("town_admin", "city_admin", GRID[:9])
        self.assertError(self.put(good, user="town_admin"), 403, "FORBIDDEN")
        # a reason is required
        self.assertError(self.put({"rules": edited}), 400, "MISSING_FIELD", "reason")
        self.assertError(self.put(dict(good, reason=" \n")), 400, "MISSING_FIELD", "reason")
        self.assertError(self.put(dict(good, colour="red")), 400, "UNKNOWN_FIELD", "colour")
        # malformed rules: 400 naming the line and the field; a unit that does not exist
        for rules, words in [
                ("a dispute - - - tier:town town ordinary\nb - - - - tier:town town nope\n",
                 "rules:2: profile: 未知时限方案“nope”"),
                ("# x\n\nb - - - - tier:moon town ordinary\n", "rules:3: target:"),
                ("[rules]\nb dispute - - - tier:town town ordinary\n", "rules:2: rules: 最后一条规则"),
                ("b - - - - unit:no-such-unit city ordinary\n",
                 "rules:1: target: 没有单位“no-such-unit”")]:
            e = self.assertError(self.put(dict(good, rules=rules)), 400, "BAD_FIELD", "rules")
            self.assertIn(words, e["message"])
        # … and nothing was written or changed
        self.assertEqual(self.versions(), [1])
        self.assertEqual(self.create(title="旧规则", category="neighbour")["tier"], "village")

        r = self.put(good)
        self.assertStatus(r, 200)
        v = r.json
        self.assertEqual((v["version"], v["source"], v["reason"], v["text"]),
                         (2, "api", good["reason"], edited))
        self.assertEqual(v["by"]["name"], "市综治中心主任 王强")
        self.assertEqual(v["sha256"], hashlib.sha256(edited.encode("utf-8")).hexdigest())
        self.assertEqual(self.in_force(), v)
        c = self.create(title="新规则", category="neighbour")
        town = self.unit_by_code("town-" + GRID[:9])
        self.assertEqual((c["routing_rule"], c["routing_version"], c["tier"], c["unit_id"]),
                         ("neighbour", 2, "town", town["id"]))

        # the rows of [rules] alone will do; a retry with the same key changes nothing more
        rows = "neighbour dispute neighbour - - tier:village village dispute\n" \
               "rest - - - - tier:town town ordinary\n"
        key = {"Idempotency-Key": "routing-put-rows-1"}
        body = {"rules": rows, "reason": "只留两条"}
        first = self.put(body, headers=key)
        self.assertStatus(first, 200)
        self.assertEqual([x["id"] for x in first.json["rules"]], ["neighbour", "rest"])
        again = self.put(body, headers=key)
        self.assertEqual((again.status, again.json), (200, first.json))
        self.assertError(self.put(dict(body, reason="别的"), headers=key), 409, "CONFLICT")
        self.assertEqual(self.versions(), [3, 2, 1])
        c = self.create(title="两条规则", type="request", category="livelihood",
                        channel="hotline_12345")
        self.assertEqual((c["routing_rule"], c["routing_version"]), ("rest", 3))
        r = self.get("/api/v1/routing/versions?limit=2", user="city_staff")
        self.assertEqual([x["version"] for x in r.json["items"]], [3, 2])
        self.assertEqual([x["in_force"] for x in r.json["items"]], [True, False])
        r = self.get("/api/v1/routing/versions?limit=2&cursor=" + r.json["next_cursor"],
                     user="city_staff")
        self.assertEqual(([x["version"] for x in r.json["items"]], r.json["next_cursor"]),
                         ([1], None))

        # the file has not changed: after a restart the API's version is still in force
        self.s.stop()
        self.s.start()
        self.assertEqual(self.versions(), [3, 2, 1])
        self.assertEqual(self.in_force()["version"], 3)
        c = self.create(title="重启之后", type="request", category="livelihood",
                        channel="hotline_12345")
        self.assertEqual((c["routing_rule"], c["routing_version"]), ("rest", 3))


class RouteAgainTest(ApiTest):
    """The action route runs the rules in force again on a case already in (after a send
    back, or after the rules changed): unit, tier, rule and version as intake would give."""

    def test_route_by_the_rules_in_force(self):
        c = self.create(title="按规则重新分派", category="neighbour")
        village = c["unit_id"]
        self.assertEqual((c["routing_rule"], c["routing_version"], c["tier"]),
                         ("neighbour", 1, "village"))
        cid = c["id"]
        self.act(cid, "accept", user="village_101_001")
        # the same rules send it where it is: nothing to do
        r = self.post("/api/v1/cases/%d/actions" % cid, {"action": "route", "note": "重新分派"},
                      user="village_101_001")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        # the new rule also names another limit profile: hours, as the hotline's
        rules = neighbour_to_town(shipped_rules()).replace(NEIGHBOUR_TO_TOWN,
                                                           NEIGHBOUR_TO_TOWN[:-len("dispute")] + "hotline")
        self.assertNotEqual(rules, neighbour_to_town(shipped_rules()))
        r = self.s.request("PUT", "/api/v1/routing", token=self.s.login("city_admin"), body={
            "rules": rules, "reason": "邻里纠纷改由镇级受理"})
        self.assertStatus(r, 200)
        self.assertError(self.post("/api/v1/cases/%d/actions" % cid, {"action": "route"},
                                   user="village_101_001"), 400, "MISSING_FIELD", "note")
        self.assertError(self.post("/api/v1/cases/%d/actions" % cid,
                                   {"action": "route", "note": "x"}, user="grid_101_001_001"),
                         403, "FORBIDDEN")
        c = self.act(cid, "route", user="village_101_001", note="按新规则分派")
        town = self.unit_by_code("town-" + GRID[:9])
        self.assertEqual((c["status"], c["unit_id"], c["tier"], c["routing_rule"],
                          c["routing_version"]),
                         ("dispatched", town["id"], "town", "neighbour", 2))
        # its clock starts afresh at the route, by the new rule's profile
        step = c["steps"][-1]
        self.assertEqual(c["profile"], "hotline")
        self.assertEqual(c["deadline"]["phase_started"], step["at"])
        fresh = self.create(title="新规则对照", category="neighbour")
        self.assertEqual(fresh["profile"], "hotline")
        self.assertEqual((c["routing_rule"], c["routing_version"]),
                         (fresh["routing_rule"], fresh["routing_version"]))
        self.assertEqual((step["action"], step["action_name"], step["from_unit"]["id"],
                          step["to_unit"]["id"], step["note"]),
                         ("route", "按规则分派", village, town["id"], "按新规则分派"))
