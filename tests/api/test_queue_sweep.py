"""test_queue_sweep.py: the workbench's queues swept over the class, on the demo city and
after a scenario that drives a case of every type through its lifecycle by whatever the
accounts are offered.

(a) For every account of the sweep and every queue: each listed case offers that account an
    action of the queue's kind now (GET the case: its actions, each naming its queue), and
    no case in the account's list that offers one is missing; the overdue, supervised and
    sent-back queues hold exactly the cases meeting their condition on which the account
    may act; each count is its list.
(b) Every case that is not terminal is in a queue of each account that may act on it now
    (its holding unit's, the region's over its grid, the city centre's), and someone may.
"""
import time
import unittest
from datetime import datetime

from common import ApiTest, GRID, VILLAGE

ACTION_QUEUES = ["to_accept", "to_dispatch", "to_sign", "in_hand", "to_verify", "callback",
                 "to_close"]
QUEUES = ACTION_QUEUES + ["overdue", "supervised", "sent_back"]
# the accounts of one town's corner of the city, and those of the units cases go to
AREA = ["town_101", "village_101_001", "grid_101_001_001", "grid_101_001_002",
        "mediator_family", "police", "legal"]
CITY = ["city_staff", "city_admin"]


class Sweep:
    """What the sweep shares: the lifecycles from /case-types and the checks."""

    def lifecycles(self):
        if not hasattr(self, "_types"):
            r = self.get("/api/v1/case-types", user="city_staff")
            self.assertStatus(r, 200)
            self._types = {t["code"]: t for t in r.json["items"]}
        return self._types

    def terminal(self, c):
        t = self.lifecycles()[c["type"]]
        return {s["code"]: s["kind"] for s in t["states"]}[c["status"]] == "terminal"

    def effect(self, type_code, action):
        for tr in self.lifecycles()[type_code]["transitions"]:
            if tr["action"] == action:
                return tr["effect"]
        return None  # the system's own steps (marks of the sweeper …)

    def queue_lists(self, user):
        r = self.get("/api/v1/queues", user=user)
        self.assertStatus(r, 200)
        self.assertEqual([x["queue"] for x in r.json["items"]], QUEUES)
        lists = {}
        for x in r.json["items"]:
            items, _ = self.walk(user, limit=200, queue=x["queue"])
            ids = [c["id"] for c in items]
            self.assertEqual(len(ids), len(set(ids)), (user, x["queue"], "listed twice"))
            lists[x["queue"]] = set(ids)
            self.assertFalse(x["capped"], (user, x["queue"]))
            self.assertEqual(x["count"], len(ids), (user, x["queue"], "count is not its list"))
        return lists

    def offered(self, user, case_id):
        """The case as user reads it, or None when it is not theirs to read."""
        r = self.get("/api/v1/cases/%d" % case_id, user=user)
        if r.status == 404:
            return None
        self.assertStatus(r, 200)
        return r.json

    def expected(self, case, now):
        """The queues of its reader that case must be in, from what it offers them."""
        kinds = {a["queue"] for a in case["actions"] if a["queue"]}
        want = set(kinds)
        main = bool(kinds) or any(self.effect(case["type"], a["action"]) == "supervise"
                                  for a in case["actions"])
        d = case["deadline"]
        red = (d is not None and d["paused_since"] is None and
               datetime.fromisoformat(d["red_at"]).timestamp() <= now)
        if main and red:
            want.add("overdue")
        sup = ((d is not None and d["supervision"] != "none") or
               any(v["level"] == "manual" and v["reported_at"] is None
                   for v in case["supervisions"]))
        if main and sup:
            want.add("supervised")
        steps = case["steps"]
        if ("to_dispatch" in kinds and steps and
                self.effect(case["type"], steps[-1]["action"]) == "send_back"):
            want.add("sent_back")
        return want

    def sweep(self, user, region=None):
        """(a) for user: every queue is exactly the cases of their list that offer them its
        kind of action (within region, when given, to keep a city account's sweep short)."""
        lists = self.queue_lists(user)
        filters = {"region": region} if region else {}
        items, _ = self.walk(user, limit=200, **filters)
        seen, now, checked = set(), time.time(), 0
        for row in items:
            seen.add(row["id"])
            if self.terminal(row):
                for name in QUEUES:
                    self.assertNotIn(row["id"], lists[name], (user, name, row["number"]))
                continue
            case = self.offered(user, row["id"])
            self.assertIsNotNone(case, (user, row["number"]))
            want = self.expected(case, now)
            for name in QUEUES:
                if name == "overdue" and abs(self._red(case) - now) < 120:
                    continue  # turning red while the sweep runs
                self.assertEqual(row["id"] in lists[name], name in want,
                                 (user, name, row["number"], case["status"],
                                  [(a["action"], a["queue"]) for a in case["actions"]]))
            checked += 1
        if not region:
            for name in QUEUES:  # nothing listed from outside the account's own list
                self.assertEqual(lists[name] - seen, set(), (user, name))
        return checked

    def _red(self, case):
        d = case["deadline"]
        return datetime.fromisoformat(d["red_at"]).timestamp() if d else 0


class DemoSweepTest(Sweep, ApiTest):
    def test_a_every_queue_of_every_account_is_exactly_what_it_may_do(self):
        for user in AREA:
            self.sweep(user)
        for user in CITY:  # the city centre over two towns (a city sweep reads every case)
            for town in ("429006101", "429006102"):
                self.assertGreater(self.sweep(user, region=town), 0)

    def test_b_every_open_case_is_in_a_queue_of_each_unit_that_may_act(self):
        users, role = {}, {}
        for u in self.pages("/api/v1/users", "sys_admin"):
            users.setdefault(u["unit_id"], []).append(u["username"])
            role[u["username"]] = u["role"]
        items, _ = self.walk("city_staff", limit=200)

        def readers(c):
            """The accounts of its holding unit, of the region over its grid and of the
            city centre, whose role the lifecycle lets act in its state at all."""
            g = c["grid"]
            names = set(users.get(c["unit_id"], [])) | set(CITY) | {
                "town_%s" % g[6:9], "village_%s_%s" % (g[6:9], g[9:12]),
                "grid_%s_%s_%s" % (g[6:9], g[9:12], g[12:15])}
            roles = {r for tr in self.lifecycles()[c["type"]]["transitions"]
                     if tr["from"] in (c["status"], "*") for r in tr["roles"]}
            return {n for n in names if role.get(n) in roles}
        # every (type, state) the demo holds, two cases each: those whose readers are
        # logged in already first (a log-in costs a password hash)
        by_state, sample, logged = {}, [], set(CITY)
        for c in items:
            if not self.terminal(c):
                by_state.setdefault((c["type"], c["status"]), []).append(c)
        self.assertGreater(len(by_state), 5)
        for cases in by_state.values():
            for _ in range(min(2, len(cases))):
                c = min(cases, key=lambda x: len(readers(x) - logged))
                cases.remove(c)
                logged |= readers(c)
                sample.append(c)
        lists = {}
        now = time.time()
        for c in sample:
            acting = []
            for user in sorted(readers(c)):
                case = self.offered(user, c["id"])
                if case is None or "actions" not in case:
                    continue
                want = {a["queue"] for a in case["actions"] if a["queue"]}
                if not want:
                    continue
                acting.append(user)
                if user not in lists:
                    lists[user] = self.queue_lists(user)
                self.assertTrue(any(c["id"] in lists[user][n] for n in want),
                                (user, c["number"], c["status"], want))
                for name in want:
                    self.assertIn(c["id"], lists[user][name], (user, c["number"], name))
            self.assertTrue(acting, ("nobody may act on", c["number"], c["type"],
                                     c["status"], c["unit_name"], now))


def fill(field, n):
    """A value of a form field of the given type (catalog's field types)."""
    t = field["type"]
    if t == "choice":
        return field["choices"][0]
    if t in ("int", "money"):
        return n
    if t == "bool":
        return True
    if t == "date":
        return "2026-01-05"
    if t == "phone":
        return "13800000000"
    return "测试%s" % field["name"]


class ScenarioSweepTest(Sweep, ApiTest):
    """A case of every type reported in one village, each driven a few steps by whichever
    account of the area is offered an action of a queue first; then the sweep."""

    ACTORS = ["town_101", "village_101_001", "grid_101_001_001", "mediator_family", "police",
              "legal", "city_staff"]

    def body_for(self, t):
        lng, lat = self.point(GRID)
        fields = {f["code"]: fill(f, 2) for f in t["fields"] if f["required"]}
        b = {"type": t["code"], "category": t["categories"][0]["code"],
             "title": "队列巡检：%s" % t["name"], "description": "队列测试用例。",
             "lng": lng, "lat": lat, "channel": "walk_in"}
        if fields:
            b["fields"] = fields
        return b

    def report(self, t):
        roles = next(tr["roles"] for tr in t["transitions"] if tr["from"] is None)
        for user, role in (("town_101", "town_staff"), ("village_101_001", "village_coordinator"),
                           ("grid_101_001_001", "grid_worker")):
            if role in roles:
                r = self.post("/api/v1/cases", self.body_for(t), user=user)
                self.assertStatus(r, 201, (t["code"], r))
                return r.json["id"]
        return None

    def params(self, t, action, needs, n):
        p = {}
        for need in needs:
            if need == "note":
                p["note"] = "队列测试"
            elif need == "unit":
                p["unit_id"] = self.units[n % len(self.units)]
            elif need == "rating":
                p["rating"] = "satisfied"
            elif need == "days":
                p["days"] = 3
            elif need == "tier":
                p["tier"] = "town"
            elif need == "record":
                spec = next(r for r in t["records"] if r["action"] == action)
                p["record"] = {f["code"]: fill(f, 3) for f in spec["fields"]}
            elif need == "case":
                return None
        return p

    def step(self, cid, n):
        """One action of a queue on case cid by the first actor offered one; False if none."""
        for user in self.ACTORS:
            case = self.offered(user, cid)
            if case is None:
                continue
            t = self.lifecycles()[case["type"]]
            for a in case["actions"]:
                if not a["queue"]:
                    continue
                p = self.params(t, a["action"], a["needs"], n)
                if p is None:
                    continue
                r = self.post("/api/v1/cases/%d/actions" % cid, dict(p, action=a["action"]),
                              user=user)
                # what the offer says is allowed is allowed: never refused for who or when
                self.assertNotIn(r.status, (403, 409), (user, a["action"], r))
                if r.status == 200:
                    return True
        return False

    def test_after_every_type_is_driven_through_its_lifecycle(self):
        own = self.get("/api/v1/session", user="mediator_family").json["user"]["unit_id"]
        town = self.get("/api/v1/session", user="town_101").json["user"]["unit_id"]
        village = self.get("/api/v1/session", user="village_101_001").json["user"]["unit_id"]
        police = self.get("/api/v1/session", user="police").json["user"]["unit_id"]
        self.units = [own, town, village, police]
        made, driven = [], set()
        for t in self.lifecycles().values():
            if t["intake"]:
                continue
            # the first type of each lifecycle to every depth; the others of it a few steps
            depths = range(0, 9) if t["lifecycle"] not in driven else (0, 3)
            driven.add(t["lifecycle"])
            for depth in depths:
                cid = self.report(t)
                if cid is None:
                    break
                made.append(cid)
                for n in range(depth):
                    if not self.step(cid, n + depth):
                        break
        # a warning's visit tasks, as its own intake makes them
        r = self.post("/api/v1/warnings", {"title": "冒充客服诈骗预警", "description": "请入户提醒。",
                                           "category": "telecom_fraud",
                                           "grids": [VILLAGE + "001", VILLAGE + "002"]},
                      user="town_101")
        self.assertStatus(r, 201)
        # a resident's report on the portal, and a case sent back to its dispatcher
        b = self.body_for(self.lifecycles()["request"])
        del b["channel"]
        self.assertStatus(self.s.request("POST", "/api/v1/portal/cases", b), 201)
        self.assertGreater(len(made), 20)
        states = {(c["type"], c["status"]) for c in self.walk("town_101", limit=200)[0]}
        self.assertGreater(len(states), 25, sorted(states))
        for user in AREA:
            self.sweep(user)
        self.sweep("city_staff", region=VILLAGE)


if __name__ == "__main__":
    unittest.main()
