"""The closed loop (事件闭环) driven end to end through the API: whole cases from report to
archive, with the units they pass between, their tiers and every step recorded; report up
and skip-level; send back and re-route; extensions; suspension; urgency, leader
instructions and supervision with working-day deadlines; merges and links; call-backs that
reopen; the petition lifecycle; and, for every action of the standard lifecycle (read from
data/lifecycles/standard.conf), the 403 of a role not listed, the 409 of a state that does
not allow it and the 400 of a missing or unexpected parameter."""
import datetime
import glob
import os
import shlex
import unittest

from common import ApiTest, GRID, OTHER_GRID, TOWN, VILLAGE
from harness import ROOT

NOTE = "测试说明"

# the parameter each need of the lifecycle data asks for in a request
NEED_FIELD = {"note": "note", "unit": "unit_id", "case": "target_case_id", "days": "days",
              "rating": "rating", "tier": "tier", "record": "record"}
PARAMS = ("unit_id", "target_case_id", "days", "rating", "tier", "record")

# a valid record for each record-keeping action of a dispute (data/case-types/dispute.conf),
# dated by day(offset), the server's date: what happened lies in the past, whatever today is
def records(day):
    return {
        "mediation_session": {"held_on": day(-18), "attendees": "双方当事人、调解员",
                              "facts": "双方因宅基地界址争执", "outcome": "继续调解"},
        "agreement": {"signed_on": day(-17), "terms": "甲方退让0.5米", "due_on": day(-7)},
        "mediation_failed": {"advice": "告知诉讼", "reason": "双方分歧过大"},
        "fulfilment": {"checked_on": day(-6), "fulfilled": "已履行"},
    }

# the accounts the matrix tests use, with the unit they belong to (filled in setUpClass)
USERS = ("city_admin", "city_staff", "town_101", "village_101_001", "grid_101_001_001",
         "auditor", "mediator_family")


# ---- the lifecycle as data, read independently of the server ----

def load_lifecycle(name):
    """{states: {code: kind}, phases: {code: phase}, actions: {code: set(needs)},
    transitions: [(action, from, to, set(roles))]} from data/lifecycles/<name>.conf."""
    path = os.path.join(ROOT, "data", "lifecycles", name + ".conf")
    states, phases, actions, trans, section = {}, {}, {}, [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            cols = shlex.split(line)
            if section == "states":
                states[cols[0]] = cols[1]
                phases[cols[0]] = cols[2]
            elif section == "actions":
                # code name name_en needs effect [counts]
                needs = set() if cols[3] == "-" else set(cols[3].split(","))
                actions[cols[0]] = needs
            elif section == "transitions":
                trans.append((cols[0], cols[1], cols[2], set(cols[3].split(","))))
    return {"states": states, "phases": phases, "actions": actions, "transitions": trans}


STANDARD = load_lifecycle("standard")


def applies(lc, tr, state):
    """Whether transition tr may be taken from state."""
    frm = tr[1]
    if frm == "-":
        return False
    if frm == "*":
        return lc["states"][state] != "terminal"
    return frm == state


def roles_for(lc, action, state):
    """The roles that may take action from state (None: the state does not allow it)."""
    for tr in lc["transitions"]:
        if tr[0] == action and applies(lc, tr, state):
            return tr[3]
    return None


def handled_by(lc, case):
    """The unit that handled the case: the from_unit of its last step that left a state of
    the handle phase for a state of another (the feedback); None if none yet."""
    unit = None
    for st in case["steps"]:
        if (lc["phases"].get(st["from_state"]) == "handle"
                and lc["phases"].get(st["to_state"]) != "handle"):
            unit = st["from_unit"]["id"]
    return unit


def allowed_states(lc, action):
    return [s for s in lc["states"] if roles_for(lc, action, s) is not None]


# ---- the routing table, read independently of the server ----

def load_routing():
    """[(type, category, region, channel, target, tier)] from data/routing.conf, in order."""
    rules, section = [], None
    with open(os.path.join(ROOT, "data", "routing.conf"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "rules":
                cols = shlex.split(line)
                rules.append(tuple(cols[1:7]))
    return rules


ROUTING = load_routing()


def route(type_, category, grid, channel):
    """(target, tier) of the first rule that matches a new case."""
    for t, k, region, ch, target, tier in ROUTING:
        if ((t == "-" or t == type_) and (k == "-" or k == category)
                and (region == "-" or grid.startswith(region)) and (ch == "-" or ch == channel)):
            return target, tier
    raise AssertionError("no routing rule for %s/%s" % (type_, category))


# ---- the working-day calendar, read independently of the server ----

def load_calendar():
    """{date: is_workday} for every date the mainland files list (the server loads no city
    file: see src/service/app.c)."""
    days = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "data", "calendar", "mainland-*.tsv"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line or line.startswith("#") or line.startswith("date\t"):
                    continue
                cols = line.split("\t")
                days[datetime.date.fromisoformat(cols[0])] = cols[1] == "workday"
    return days


CALENDAR = load_calendar()


def is_workday(d):
    if d in CALENDAR:
        return CALENDAR[d]
    return d.weekday() < 5


def due_after(at_iso, n):
    """The deadline of n working days counted from the CST day of at_iso: 00:00 CST of the
    day after the n-th working day after it, as the API renders times."""
    d = datetime.date.fromisoformat(at_iso[:10])
    counted = 0
    while counted < n:
        d += datetime.timedelta(days=1)
        if is_workday(d):
            counted += 1
    return (d + datetime.timedelta(days=1)).isoformat() + "T00:00:00+08:00"



def blocked(action, case):
    """Whether an action's effect cannot apply to the case as it is (written apart from the
    server's own rule in src/service/effects.c): such actions are not offered."""
    tier, urgent, pending = case["tier"], case["urgent"], case["extension_pending_days"]
    return {"report_up": tier == "city",
            "skip_level": tier != "village",
            "apply_extension": pending > 0,
            "approve_extension": pending == 0,
            "deny_extension": pending == 0,
            "urgent_on": urgent,
            "urgent_off": not urgent,
            "callback": case.get("rating") is not None,
            "supervision_report": not any(v["level"] == "manual" and v["reported_at"] is None
                                          for v in case.get("supervisions", [])),
            "flag_unreasonable": case.get("unreasonable", False)}.get(action, False)

class LoopTest(ApiTest):
    """What the scenario classes share: units, users, cases moved into a given state, and
    assertions on steps and offered actions."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        r = s.get("/api/v1/units", user="city_admin")
        assert r.status == 200, r
        cls.units = {u["code"]: u for u in r.json["items"]}
        cls.town_centre = cls.units["town-" + TOWN]["id"]
        cls.city_centre = cls.units["city-centre"]["id"]
        cls.family = cls.units["committee-family"]["id"]
        cls.medical = cls.units["committee-medical"]["id"]
        cls.unit_region = {u["id"]: u["region"] for u in cls.units.values()}
        cls.users = {}
        for name in USERS + ("mediator_medical", "legal", "police"):
            r = s.get("/api/v1/session", user=name)
            assert r.status == 200, r
            cls.users[name] = r.json["user"]
        # the village centre, as its coordinator's account names it (see VillageLoopTest.
        # test_village_centre_listed for the unit list)
        cls.village_centre = cls.users["village_101_001"]["unit_id"]

    # ---- helpers ----

    def who_may(self, user, action, c, lc=STANDARD):
        """Whether user passes the lifecycle's rules of who may take action on case c (the
        reference, written apart from src/service/may.c): holder = of the unit holding it;
        above = of a unit whose region contains the holder's and is larger; not_reporter =
        not the account that reported it; not_handler = not of the unit that handled it."""
        needs, me = lc["actions"][action], self.users[user]
        unit = me["unit_id"]
        if "holder" in needs and (not unit or unit != c["unit_id"]):
            return False
        if "above" in needs:
            mine, theirs = self.unit_region.get(unit), self.unit_region.get(c["unit_id"])
            if not (mine and theirs and len(mine) < len(theirs) and theirs.startswith(mine)):
                return False
        if "not_reporter" in needs and me["id"] == c["steps"][0]["actor"]["id"]:
            return False
        if "not_handler" in needs and unit and unit == handled_by(lc, c):
            return False
        return True

    def uid(self, name):
        return self.users[name]["id"]

    def case(self, cid, user="town_101"):
        r = self.get("/api/v1/cases/%d" % cid, user=user)
        self.assertStatus(r, 200)
        return r.json

    def try_act(self, cid, user, action, **extra):
        body = {"action": action}
        body.update(extra)
        return self.post("/api/v1/cases/%d/actions" % cid, body, user=user)

    def offered(self, c):
        return {a["action"] for a in c["actions"]}

    def assertOffered(self, cid, user, present=(), absent=()):
        got = self.offered(self.case(cid, user))
        self.assertTrue(set(present) <= got, "%s is not offered %s (offered %s)"
                        % (user, sorted(set(present) - got), sorted(got)))
        self.assertFalse(set(absent) & got, "%s is offered %s" % (user, sorted(set(absent) & got)))

    def assertStep(self, st, action, from_state, to_state, from_unit, to_unit, actor, note=None):
        """One step: to_unit None = the case stayed with its unit (the step names no unit
        or the same one)."""
        where = "step %s: %r" % (st.get("seq"), st)
        self.assertEqual(st["action"], action, where)
        self.assertEqual(st["from_state"], from_state, where)
        self.assertEqual(st["to_state"], to_state, where)
        self.assertEqual(st["from_unit"]["id"], from_unit, where)
        if to_unit is None:
            self.assertIn(st["to_unit"]["id"], (None, from_unit), where)
        else:
            self.assertEqual(st["to_unit"]["id"], to_unit, where)
            self.assertTrue(st["to_unit"]["name"], where)
        self.assertEqual(st["actor"]["id"], self.uid(actor), where)
        self.assertEqual(st["actor"]["role"], self.users[actor]["role"], where)
        self.assertEqual(st["note"], note, where)

    def assertSteps(self, c, expected):
        """The case's steps after the report, each as a tuple for assertStep."""
        steps = c["steps"]
        self.assertEqual([s["action"] for s in steps[1:]], [e[0] for e in expected],
                         "steps of case %d" % c["id"])
        self.assertEqual([s["seq"] for s in steps], list(range(1, len(steps) + 1)))
        for st, e in zip(steps[1:], expected):
            self.assertStep(st, *e)

    def intake(self, type_="dispute", category="neighbour", channel="walk_in"):
        """(unit id, tier) a new case in GRID goes to, by the routing table."""
        target, tier = route(type_, category, GRID, channel)
        kind, _, what = target.partition(":")
        if kind == "unit":
            return self.units[what]["id"], tier
        unit = {"village": self.village_centre, "town": self.town_centre,
                "city": self.city_centre}[what]
        return unit, tier

    def new_case(self, category="family", user="town_101", grid=GRID, **over):
        return self.create(user=user, grid=grid, category=category, **over)

    # the way into each state of the standard lifecycle, for a case of the family
    # committee (dispatched there, so mediator_family sees it from "dispatched" on)
    PATH = {
        "reported": [],
        "accepted": [("accept", "town_101", {})],
        "dispatched": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True})],
        "handling": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True}),
                     ("sign", "mediator_family", {})],
        "suspended": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True}),
                      ("sign", "mediator_family", {}),
                      ("suspend", "mediator_family", {"note": "等待鉴定"})],
        "verifying": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True}),
                      ("sign", "mediator_family", {}),
                      ("feedback", "mediator_family", {"note": "已调解"})],
        "closed": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True}),
                   ("sign", "mediator_family", {}),
                   ("feedback", "mediator_family", {"note": "已调解"}),
                   ("verify_pass", "town_101", {})],
        "archived": [("accept", "town_101", {}), ("dispatch", "town_101", {"unit": True}),
                     ("sign", "mediator_family", {}),
                     ("feedback", "mediator_family", {"note": "已调解"}),
                     ("verify_pass", "town_101", {}), ("archive", "town_101", {})],
        "rejected": [("reject", "town_101", {"note": "不属于受理范围"})],
        "merged": [("merge", "town_101", {"case": True, "note": "重复上报"})],
        "transferred": [("accept", "town_101", {}),
                        ("transfer", "town_101", {"note": "涉嫌犯罪，移交公安", "police": True})],
    }

    def case_in(self, state, title="状态测试"):
        """A fresh family-dispute case moved into state through the API."""
        c = self.new_case(title="%s:%s" % (title, state))
        for action, user, extra in self.PATH[state]:
            body = {}
            if "note" in extra:
                body["note"] = extra["note"]
            if "unit" in extra:
                body["unit_id"] = self.family
            if "case" in extra:
                body["target_case_id"] = self.new_case(title="合并目标")["id"]
            if "police" in extra:
                body["unit_id"] = self.units["city-police"]["id"]
            c = self.act(c["id"], action, user=user, **body)
        c = self.case(c["id"])
        self.assertEqual(c["status"], state)
        return c


# ---- 1. a neighbour dispute resolved at village level ----

class VillageLoopTest(LoopTest):

    def test_village_centre_listed(self):
        # a town centre dispatches to its village centres: the unit list must offer them
        u = self.units.get("village-" + VILLAGE)
        self.assertIsNotNone(u, "GET /api/v1/units lists no village-%s (kinds listed: %s)"
                             % (VILLAGE, sorted({u["kind"] for u in self.units.values()})))
        self.assertEqual(u["id"], self.village_centre)
        self.assertEqual(u["tier"], "village")
        self.assertEqual(u["region"], VILLAGE)

    def test_neighbour_dispute_resolved_at_village(self):
        c = self.create(category="neighbour", title="邻里纠纷：院墙排水")
        cid = c["id"]
        U0, t0 = self.intake("dispute", "neighbour")  # as routing.conf says
        self.assertEqual(c["status"], "reported")
        self.assertEqual((c["unit_id"], c["tier"]), (U0, t0))

        # the unit holding it accepts it, no one else (the town above takes it over only by
        # 提级办理)
        holder = "village_101_001" if t0 == "village" else "town_101"
        if t0 == "village":
            r = self.try_act(cid, "town_101", "accept")
            self.assertError(r, 403, "FORBIDDEN", "action")
            self.assertIn("当前承办单位", r.json["error"]["message"])
        c = self.act(cid, "accept", user=holder, note="受理")
        self.assertEqual(c["status"], "accepted")
        self.assertEqual(c["unit_id"], U0)

        # triage: simple → the village tier, with a reason, by the unit holding it
        r = self.try_act(cid, holder, "triage", tier="village")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, holder, "triage", tier="province", note="x")
        self.assertError(r, 400, "BAD_FIELD", "tier")
        triaged = []
        if t0 != "village":
            c = self.act(cid, "triage", user=holder, tier="village", note="事实清楚，村级可调")
            self.assertEqual(c["status"], "accepted")
            self.assertEqual(c["tier"], "village")
            self.assertEqual(c["unit_id"], U0)
            triaged = [("triage", "accepted", "accepted", U0, None, "town_101",
                        "事实清楚，村级可调")]
        # (routed to the village tier at intake, or triaged there: not again)
        r = self.try_act(cid, holder, "triage", tier="village", note="再次分流")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertEqual(self.case(cid)["tier"], "village")

        # dispatched to the village centre: the village signs for it (or passes it on), the
        # town above may only take it over
        c = self.act(cid, "dispatch", user=holder, unit_id=self.village_centre,
                     note="请村调委调解")
        self.assertEqual(c["status"], "dispatched")
        self.assertEqual(c["unit_id"], self.village_centre)
        self.assertEqual(c["tier"], "village")
        self.assertOffered(cid, "village_101_001", present={"sign", "send_back", "reroute"},
                           absent={"dispatch", "feedback", "handle", "take_over"})
        self.assertOffered(cid, "town_101", present={"take_over"},
                           absent={"sign", "send_back", "reroute"})
        r = self.try_act(cid, "town_101", "sign")
        self.assertError(r, 403, "FORBIDDEN")

        c = self.act(cid, "sign", user="village_101_001")
        self.assertEqual(c["status"], "handling")
        self.assertOffered(cid, "village_101_001",
                           present={"handle", "feedback", "suspend", "apply_extension",
                                    "send_back", "report_up"},
                           absent={"sign", "verify_pass", "archive"})
        c = self.act(cid, "handle", user="village_101_001", note="上门调解一次，双方同意修排水沟")
        self.assertEqual(c["status"], "handling")
        c = self.act(cid, "feedback", user="village_101_001", note="已修好排水沟")
        self.assertEqual(c["status"], "verifying")
        self.assertEqual(c["unit_id"], self.village_centre)

        # the town checks: not done yet
        r = self.try_act(cid, "town_101", "verify_fail")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(cid, "verify_fail", note="现场核查：排水沟仍渗水")
        self.assertEqual(c["status"], "handling")
        self.assertEqual(c["unit_id"], self.village_centre)
        self.assertOffered(cid, "village_101_001", present={"feedback"})
        c = self.act(cid, "feedback", user="village_101_001", note="已重新修缮")
        self.assertEqual(c["status"], "verifying")
        c = self.act(cid, "verify_pass", note="核查通过")
        self.assertEqual(c["status"], "closed")
        # the town reported it: the centre of the city calls the resident back
        self.assertOffered(cid, "town_101", present={"archive", "reopen"},
                           absent={"feedback", "verify_pass", "callback"})
        self.assertOffered(cid, "city_staff", present={"callback"})
        r = self.try_act(cid, "town_101", "callback", rating="satisfied")
        self.assertError(r, 403, "FORBIDDEN", "action")
        self.assertIn("由您上报", r.json["error"]["message"])

        r = self.try_act(cid, "city_staff", "callback", rating="very_happy")
        self.assertError(r, 400, "BAD_FIELD", "rating")
        c = self.act(cid, "callback", user="city_staff", rating="satisfied",
                     note="电话回访，当事人满意")
        self.assertEqual(c["status"], "closed")
        self.assertEqual(c["rating"], "satisfied")

        c = self.act(cid, "archive")
        self.assertEqual(c["status"], "archived")
        self.assertEqual(c["status_kind"], "terminal")
        for user in ("town_101", "village_101_001", "city_admin", "city_staff"):
            self.assertEqual(self.case(cid, user)["actions"], [], user)
        r = self.try_act(cid, "town_101", "reopen", note="再办")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

        V = self.village_centre
        self.assertSteps(self.case(cid), [
            ("accept", "reported", "accepted", U0, None, holder, "受理")] + triaged + [
            ("dispatch", "accepted", "dispatched", U0, V, holder, "请村调委调解"),
            ("sign", "dispatched", "handling", V, None, "village_101_001", None),
            ("handle", "handling", "handling", V, None, "village_101_001",
             "上门调解一次，双方同意修排水沟"),
            ("feedback", "handling", "verifying", V, None, "village_101_001", "已修好排水沟"),
            ("verify_fail", "verifying", "handling", V, None, "town_101", "现场核查：排水沟仍渗水"),
            ("feedback", "handling", "verifying", V, None, "village_101_001", "已重新修缮"),
            ("verify_pass", "verifying", "closed", V, None, "town_101", "核查通过"),
            ("callback", "closed", "closed", V, None, "city_staff", "电话回访，当事人满意"),
            ("archive", "closed", "archived", V, None, "town_101", None),
        ])


    def test_triage_changes_tier_with_reason(self):
        c = self.case_in("accepted", "繁简分流")
        cid = c["id"]
        U0, t0 = self.intake("dispute", "family")
        self.assertEqual((c["unit_id"], c["tier"]), (U0, t0))
        tiers = [t for t in ("village", "city", "town") if t != t0] + [t0]
        for tier in tiers:
            c = self.act(cid, "triage", tier=tier, note="改为%s级" % tier)
            self.assertEqual((c["status"], c["tier"], c["unit_id"]), ("accepted", tier, U0))
        r = self.try_act(cid, "town_101", "triage", tier=t0, note="同级")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        r = self.try_act(cid, "grid_101_001_001", "triage", tier="city", note="x")
        self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual([(s["action"], s["note"]) for s in self.case(cid)["steps"][2:]],
                         [("triage", "改为%s级" % t) for t in tiers])
        # only while accepted
        d = self.case_in("dispatched", "派遣后分流")
        r = self.try_act(d["id"], "town_101", "triage", tier="city", note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")


# ---- 2. report up the ladder, and skip a level ----

class LadderTest(LoopTest):

    def at_village(self, title):
        # routed to the village centre, which takes it in and handles it itself
        c = self.create(category="neighbour", title=title)
        self.assertEqual(c["unit_id"], self.village_centre)
        self.act(c["id"], "accept", user="village_101_001")
        self.act(c["id"], "dispatch", user="village_101_001", unit_id=self.village_centre)
        c = self.act(c["id"], "sign", user="village_101_001")
        self.assertEqual(c["tier"], "village")
        self.assertEqual(c["status"], "handling")
        return c

    def test_report_up_village_town_city(self):
        cid = self.at_village("逐级上报")["id"]
        r = self.try_act(cid, "village_101_001", "report_up")
        self.assertError(r, 400, "MISSING_FIELD", "note")

        c = self.act(cid, "report_up", user="village_101_001", note="村级调解不成，提请镇级")
        self.assertEqual(c["status"], "accepted")
        self.assertEqual(c["unit_id"], self.town_centre)
        self.assertEqual(c["tier"], "town")
        self.assertOffered(cid, "town_101", present={"dispatch", "report_up"})

        # the city's staff take no part in reporting up
        r = self.try_act(cid, "city_staff", "report_up", note="x")
        self.assertError(r, 403, "FORBIDDEN")

        c = self.act(cid, "report_up", note="涉及多部门，提请市级")
        self.assertEqual(c["status"], "accepted")
        self.assertEqual(c["unit_id"], self.city_centre)
        self.assertEqual(c["tier"], "city")

        r = self.try_act(cid, "town_101", "report_up", note="再上报")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        r = self.try_act(cid, "town_101", "skip_level", note="越级")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        c = self.case(cid)
        self.assertEqual((c["status"], c["unit_id"], c["tier"]),
                         ("accepted", self.city_centre, "city"))

        T, V, C = self.town_centre, self.village_centre, self.city_centre
        U0 = self.intake("dispute", "neighbour")[0]
        self.assertSteps(c, [
            ("accept", "reported", "accepted", U0, None, "village_101_001", None),
            ("dispatch", "accepted", "dispatched", U0, V, "village_101_001", None),
            ("sign", "dispatched", "handling", V, None, "village_101_001", None),
            ("report_up", "handling", "accepted", V, T, "village_101_001", "村级调解不成，提请镇级"),
            ("report_up", "accepted", "accepted", T, C, "town_101", "涉及多部门，提请市级"),
        ])
        # the city centre takes it from there
        c = self.act(cid, "dispatch", user="city_staff", unit_id=self.family)
        self.assertEqual(c["status"], "dispatched")

    def test_skip_level_from_village(self):
        cid = self.at_village("越级上报")["id"]
        r = self.try_act(cid, "village_101_001", "skip_level")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(cid, "skip_level", user="village_101_001", note="群体性风险，直报市级")
        self.assertEqual(c["status"], "accepted")
        self.assertEqual(c["unit_id"], self.city_centre)
        self.assertEqual(c["tier"], "city")
        self.assertStep(c["steps"][-1], "skip_level", "handling", "accepted", self.village_centre,
                        self.city_centre, "village_101_001", "群体性风险，直报市级")

    def test_skip_level_from_town_refused(self):
        c = self.case_in("accepted", "镇级不能越级")
        self.assertEqual((c["unit_id"], c["tier"]), (self.town_centre, "town"))
        r = self.try_act(c["id"], "town_101", "skip_level", note="越级")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        c = self.case(c["id"])
        self.assertEqual((c["status"], c["unit_id"], c["tier"], len(c["steps"])),
                         ("accepted", self.town_centre, "town", 2))

    def test_report_up_from_accepted_at_village(self):
        # accepted and triaged to the village tier at the town centre, then reported up
        c = self.case_in("accepted", "受理后上报")
        self.assertEqual((c["unit_id"], c["tier"]), (self.town_centre, "town"))
        self.act(c["id"], "triage", tier="village", note="简易")
        c = self.act(c["id"], "report_up", note="当事人不服，改由镇级")
        self.assertEqual((c["status"], c["unit_id"], c["tier"]),
                         ("accepted", self.town_centre, "town"))

    def test_only_the_holding_unit_reports_up(self):
        # the case is held by the town centre: a village coordinator cannot push it to the
        # city over the town's head (上报 is the holding unit asking its superior)
        c = self.case_in("accepted", "非承办单位上报")
        self.assertEqual((c["unit_id"], c["tier"]), (self.town_centre, "town"))
        r = self.try_act(c["id"], "village_101_001", "report_up", note="越过镇里上报")
        self.assertIn(r.status, (403, 409), "village coordinator reported up a case the town "
                      "centre holds: %r" % r)
        c = self.case(c["id"])
        self.assertEqual((c["unit_id"], c["tier"]), (self.town_centre, "town"))


# ---- 3. send back and re-route ----

class SendBackTest(LoopTest):

    def test_send_back_and_reroute(self):
        c = self.new_case(title="退单改派：离婚财产")
        cid = c["id"]
        self.act(cid, "accept")
        c = self.act(cid, "dispatch", unit_id=self.family, note="派家调委")
        self.assertEqual((c["status"], c["unit_id"]), ("dispatched", self.family))

        r = self.try_act(cid, "mediator_family", "send_back")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "mediator_family", "send_back", note="")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "mediator_family", "send_back", note="x", unit_id=self.medical)
        self.assertError(r, 400, "UNKNOWN_FIELD", "unit_id")
        c = self.act(cid, "send_back", user="mediator_family", note="涉及医疗过错，非本委受理范围")
        self.assertEqual(c["status"], "accepted")
        c = self.case(cid)
        self.assertEqual(c["unit_id"], self.town_centre)
        self.assertEqual(c["tier"], "town")
        self.assertOffered(cid, "town_101", present={"dispatch"})
        self.assertOffered(cid, "mediator_family", absent={"sign", "send_back", "handle"})

        # dispatched again: the dispatcher may not re-route what another unit holds now
        # (the holder acts); the committee sends it back instead
        c = self.act(cid, "dispatch", unit_id=self.medical, note="改派医调委")
        self.assertEqual((c["status"], c["unit_id"]), ("dispatched", self.medical))
        r = self.try_act(cid, "town_101", "reroute", unit_id=self.family, note="改派")
        self.assertError(r, 403, "FORBIDDEN", "action")
        self.assertIn("当前承办单位", r.json["error"]["message"])
        self.assertOffered(cid, "town_101", absent={"reroute"})
        self.act(cid, "send_back", user="mediator_medical", note="非医疗纠纷")
        # dispatched to the village centre, which passes it on itself (改派 by the holder)
        c = self.act(cid, "dispatch", unit_id=self.village_centre, note="派村调委")
        self.assertOffered(cid, "village_101_001", present={"reroute"})
        r = self.try_act(cid, "village_101_001", "reroute", unit_id=self.family)
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "village_101_001", "reroute", note="改派")
        self.assertError(r, 400, "MISSING_FIELD", "unit_id")
        r = self.try_act(cid, "village_101_001", "reroute", unit_id=987654, note="改派")
        self.assertError(r, 400, "BAD_FIELD", "unit_id")
        c = self.act(cid, "reroute", user="village_101_001", unit_id=self.family,
                     note="经核实为婚姻家庭纠纷")
        self.assertEqual((c["status"], c["unit_id"]), ("dispatched", self.family))
        self.assertEqual(c["tier"], self.units["committee-family"]["tier"])

        # the units it left cannot sign any more; the one it went to can
        for user in ("mediator_medical", "village_101_001"):
            r = self.try_act(cid, user, "sign")
            self.assertIn(r.status, (403, 404), r)
            self.assertError(r, r.status, "FORBIDDEN" if r.status == 403 else "NOT_FOUND")
        self.assertEqual(self.case(cid)["status"], "dispatched")
        c = self.act(cid, "sign", user="mediator_family")
        self.assertEqual((c["status"], c["unit_id"]), ("handling", self.family))

        T, F, M, V = self.town_centre, self.family, self.medical, self.village_centre
        self.assertSteps(self.case(cid), [
            ("accept", "reported", "accepted", T, None, "town_101", None),
            ("dispatch", "accepted", "dispatched", T, F, "town_101", "派家调委"),
            ("send_back", "dispatched", "accepted", F, T, "mediator_family",
             "涉及医疗过错，非本委受理范围"),
            ("dispatch", "accepted", "dispatched", T, M, "town_101", "改派医调委"),
            ("send_back", "dispatched", "accepted", M, T, "mediator_medical", "非医疗纠纷"),
            ("dispatch", "accepted", "dispatched", T, V, "town_101", "派村调委"),
            ("reroute", "dispatched", "dispatched", V, F, "village_101_001",
             "经核实为婚姻家庭纠纷"),
            ("sign", "dispatched", "handling", F, None, "mediator_family", None),
        ])

    def test_send_back_after_reroute_returns_to_dispatcher(self):
        # 退单 returns the case to the centre that dispatched it, also after a re-route —
        # not to the committee it was re-routed away from
        c = self.new_case(title="改派后退单")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "dispatch", unit_id=self.village_centre)
        self.act(cid, "reroute", user="village_101_001", unit_id=self.family, note="改派家调委")
        self.act(cid, "send_back", user="mediator_family", note="非本委受理范围")
        c = self.case(cid)
        self.assertEqual(c["status"], "accepted")
        self.assertEqual(c["unit_id"], self.town_centre,
                         "sent back to %s, not to the dispatching town centre" % c["unit_name"])
        self.assertEqual(c["steps"][-1]["to_unit"]["id"], self.town_centre)
        self.assertIn("dispatch", self.offered(c))

    def test_send_back_from_handling(self):
        c = self.case_in("handling", "签收后退单")
        c = self.act(c["id"], "send_back", user="mediator_family", note="当事人已起诉")
        self.assertEqual((c["status"], c["unit_id"]), ("accepted", self.town_centre))
        self.assertStep(self.case(c["id"])["steps"][-1], "send_back", "handling", "accepted", self.family, self.town_centre,
                        "mediator_family", "当事人已起诉")

    def test_send_back_without_dispatch_is_refused(self):
        # accepted and never dispatched: nothing to send back (not offered, not allowed)
        c = self.case_in("accepted", "未派遣退单")
        r = self.try_act(c["id"], "town_101", "send_back", note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")


# ---- 4. extensions ----

class ExtensionTest(LoopTest):

    def test_extension_apply_approve_deny(self):
        c = self.case_in("handling", "延期")
        cid = c["id"]
        self.assertEqual((c["extension_pending_days"], c["extension_days"]), (0, 0))

        r = self.try_act(cid, "mediator_family", "apply_extension", note="需鉴定")
        self.assertError(r, 400, "MISSING_FIELD", "days")
        r = self.try_act(cid, "mediator_family", "apply_extension", days=10)
        self.assertError(r, 400, "MISSING_FIELD", "note")
        for bad in (91, 366, 0, -5, "10", 2.5):
            r = self.try_act(cid, "mediator_family", "apply_extension", days=bad, note="x")
            self.assertError(r, 400, "BAD_FIELD", "days")
        r = self.try_act(cid, "town_101", "apply_extension", days=10, note="x")
        self.assertError(r, 403, "FORBIDDEN")  # not the unit handling it
        self.assertEqual(self.case(cid)["extension_pending_days"], 0)

        c = self.act(cid, "apply_extension", user="mediator_family", days=10,
                     note="当事人住院，申请延期")
        self.assertEqual((c["status"], c["extension_pending_days"], c["extension_days"]),
                         ("handling", 10, 0))
        r = self.try_act(cid, "mediator_family", "apply_extension", days=5, note="再申请")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

        # approval is the dispatching centre's, not the committee's nor a village's
        r = self.try_act(cid, "mediator_family", "approve_extension")
        self.assertError(r, 403, "FORBIDDEN")
        r = self.try_act(cid, "village_101_001", "approve_extension")
        self.assertError(r, 403, "FORBIDDEN")
        r = self.try_act(cid, "town_101", "approve_extension", days=20)
        self.assertError(r, 400, "UNKNOWN_FIELD", "days")
        c = self.act(cid, "approve_extension", note="同意延期")
        self.assertEqual((c["extension_pending_days"], c["extension_days"]), (0, 10))
        r = self.try_act(cid, "town_101", "approve_extension")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        r = self.try_act(cid, "town_101", "deny_extension", note="无申请")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

        c = self.act(cid, "apply_extension", user="mediator_family", days=5, note="再延5日")
        self.assertEqual((c["extension_pending_days"], c["extension_days"]), (5, 10))
        r = self.try_act(cid, "town_101", "deny_extension")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(cid, "deny_extension", note="理由不充分")
        self.assertEqual((c["status"], c["extension_pending_days"], c["extension_days"]),
                         ("handling", 0, 10))

        # a second approved extension adds up
        self.act(cid, "apply_extension", user="mediator_family", days=7, note="第三次申请")
        c = self.act(cid, "approve_extension", user="city_staff")
        self.assertEqual((c["extension_pending_days"], c["extension_days"]), (0, 17))

        F = self.family
        self.assertSteps(self.case(cid), [
            ("accept", "reported", "accepted", self.town_centre, None, "town_101", None),
            ("dispatch", "accepted", "dispatched", self.town_centre, F, "town_101", None),
            ("sign", "dispatched", "handling", F, None, "mediator_family", None),
            ("apply_extension", "handling", "handling", F, None, "mediator_family",
             "当事人住院，申请延期"),
            ("approve_extension", "handling", "handling", F, None, "town_101", "同意延期"),
            ("apply_extension", "handling", "handling", F, None, "mediator_family", "再延5日"),
            ("deny_extension", "handling", "handling", F, None, "town_101", "理由不充分"),
            ("apply_extension", "handling", "handling", F, None, "mediator_family", "第三次申请"),
            ("approve_extension", "handling", "handling", F, None, "city_staff", None),
        ])

    def test_extension_only_while_handling(self):
        c = self.case_in("verifying", "核查中延期")
        r = self.try_act(c["id"], "mediator_family", "apply_extension", days=5, note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        c = self.case_in("dispatched", "待签收延期")
        r = self.try_act(c["id"], "mediator_family", "apply_extension", days=5, note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_max_extension(self):
        c = self.case_in("handling", "最长延期")
        c = self.act(c["id"], "apply_extension", user="mediator_family", days=90, note="最长")
        self.assertEqual(c["extension_pending_days"], 90)


# ---- 5. suspend and resume ----

class SuspendTest(LoopTest):

    def test_medical_dispute_paused_for_appraisal(self):
        c = self.new_case(category="medical", title="医疗纠纷：术后感染")
        cid = c["id"]
        # the rules send it to the medical committee straight away: it takes it in itself
        self.assertEqual(c["unit_id"], self.medical)
        r = self.try_act(cid, "town_101", "accept")
        self.assertError(r, 403, "FORBIDDEN", "action")
        self.act(cid, "accept", user="mediator_medical")
        self.act(cid, "dispatch", user="mediator_medical", unit_id=self.medical, note="本委调解")
        c = self.act(cid, "sign", user="mediator_medical")
        self.assertEqual(c["status"], "handling")

        r = self.try_act(cid, "mediator_medical", "suspend")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        for user in ("town_101", "city_staff"):
            r = self.try_act(cid, user, "suspend", note="x")
            self.assertError(r, 403, "FORBIDDEN")
        r = self.try_act(cid, "mediator_family", "suspend", note="x")
        self.assertIn(r.status, (403, 404), r)
        c = self.act(cid, "suspend", user="mediator_medical", note="等待医疗损害鉴定")
        self.assertEqual(c["status"], "suspended")
        self.assertEqual(c["status_kind"], "waiting")
        self.assertEqual(c["unit_id"], self.medical)
        self.assertOffered(cid, "mediator_medical", present={"resume"},
                           absent={"handle", "feedback", "suspend", "apply_extension"})

        for action, extra in (("handle", {"note": "x"}), ("feedback", {"note": "x"}),
                              ("suspend", {"note": "x"})):
            r = self.try_act(cid, "mediator_medical", action, **extra)
            self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        for user in ("town_101", "village_101_001"):
            r = self.try_act(cid, user, "resume")
            self.assertError(r, 403, "FORBIDDEN")
        r = self.try_act(cid, "mediator_medical", "resume", days=3)
        self.assertError(r, 400, "UNKNOWN_FIELD", "days")
        self.assertEqual(self.case(cid)["status"], "suspended")

        c = self.act(cid, "resume", user="mediator_medical", note="鉴定意见已出")
        self.assertEqual(c["status"], "handling")
        self.assertEqual(c["status_kind"], "active")
        r = self.try_act(cid, "mediator_medical", "resume")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        M = self.medical
        self.assertEqual([(s["action"], s["from_state"], s["to_state"], s["note"])
                          for s in self.case(cid)["steps"][-2:]],
                         [("suspend", "handling", "suspended", "等待医疗损害鉴定"),
                          ("resume", "suspended", "handling", "鉴定意见已出")])
        for st in self.case(cid)["steps"][-2:]:
            self.assertEqual(st["from_unit"]["id"], M)
            self.assertEqual(st["actor"]["id"], self.uid("mediator_medical"))


# ---- 6. urgency, leader instruction, supervision ----

class UrgentInstructSuperviseTest(LoopTest):

    def test_urgent_on_off(self):
        c = self.create(title="加急测试")
        cid = c["id"]
        self.assertFalse(c["urgent"])
        r = self.try_act(cid, "town_101", "urgent_off")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        r = self.try_act(cid, "village_101_001", "urgent_on")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "urgent_on", note="群体性苗头")
        self.assertTrue(c["urgent"])
        self.assertEqual(c["status"], "reported")
        r = self.try_act(cid, "town_101", "urgent_on")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertTrue(self.case(cid)["urgent"])
        # urgency stays through the loop
        c = self.act(cid, "accept", user="village_101_001")
        self.assertTrue(c["urgent"])
        c = self.act(cid, "urgent_off", user="city_staff")
        self.assertFalse(c["urgent"])
        r = self.try_act(cid, "town_101", "urgent_off")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertEqual([(s["action"], s["from_state"], s["to_state"])
                          for s in self.case(cid)["steps"]],
                         [("report", None, "reported"), ("urgent_on", "reported", "reported"),
                          ("accept", "reported", "accepted"),
                          ("urgent_off", "accepted", "accepted")])
        self.assertEqual(self.case(cid)["steps"][1]["note"], "群体性苗头")

    def test_leader_instruction(self):
        c = self.case_in("handling", "领导批示")
        cid = c["id"]
        r = self.try_act(cid, "city_staff", "instruct")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        for user in ("town_101", "village_101_001", "mediator_family"):
            r = self.try_act(cid, user, "instruct", note="批示")
            self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "instruct", user="city_staff", note="请务必于本周内化解")
        self.assertEqual((c["status"], c["unit_id"]), ("handling", self.family))
        self.assertStep(c["steps"][-1], "instruct", "handling", "handling", self.family, None,
                        "city_staff", "请务必于本周内化解")
        c = self.act(cid, "instruct", user="city_admin", note="再次批示")
        self.assertEqual(c["steps"][-1]["actor"]["id"], self.uid("city_admin"))
        # not on a finished case
        done = self.case_in("archived", "归档后批示")
        r = self.try_act(done["id"], "city_staff", "instruct", note="批示")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_supervise_with_working_day_deadline(self):
        c = self.case_in("handling", "督办")
        cid = c["id"]
        self.assertEqual(c["supervisions"], [])
        r = self.try_act(cid, "city_admin", "supervise", note="督办")
        self.assertError(r, 400, "MISSING_FIELD", "days")
        r = self.try_act(cid, "city_admin", "supervise", days=5)
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "city_admin", "supervise", days=91, note="x")
        self.assertError(r, 400, "BAD_FIELD", "days")
        for user in ("village_101_001", "mediator_family", "auditor"):
            r = self.try_act(cid, user, "supervise", days=5, note="x")
            self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.case(cid)["supervisions"], [])

        c = self.act(cid, "supervise", user="city_admin", days=5, note="限期5个工作日办结并报告")
        self.assertEqual((c["status"], c["unit_id"]), ("handling", self.family))
        self.assertEqual(len(c["supervisions"]), 1)
        v = c["supervisions"][0]
        self.assertEqual(v["level"], "manual")
        self.assertEqual(v["note"], "限期5个工作日办结并报告")
        self.assertEqual(v["by"], self.users["city_admin"]["name"])
        self.assertEqual(v["at"], c["steps"][-1]["at"])
        self.assertEqual(v["due_at"], due_after(v["at"], 5))
        self.assertStep(c["steps"][-1], "supervise", "handling", "handling", self.family, None,
                        "city_admin", "限期5个工作日办结并报告")

        # more notices, from the town too, with other limits; each its own entry
        for user, days in (("town_101", 1), ("city_staff", 90), ("city_admin", 23)):
            c = self.act(cid, "supervise", user=user, days=days, note="督办%d日" % days)
            v = c["supervisions"][-1]
            self.assertEqual(v["due_at"], due_after(v["at"], days), "%d days" % days)
            self.assertEqual(v["by"], self.users[user]["name"])
        self.assertEqual([v["note"] for v in self.case(cid)["supervisions"]],
                         ["限期5个工作日办结并报告", "督办1日", "督办90日", "督办23日"])
        for v in self.case(cid)["supervisions"]:
            due = datetime.date.fromisoformat(v["due_at"][:10]) - datetime.timedelta(days=1)
            self.assertTrue(is_workday(due), "due day %s is not a working day" % due)
            self.assertTrue(v["due_at"].endswith("T00:00:00+08:00"), v["due_at"])

    def test_calendar_helper(self):
        # the test's own reading of the calendar, against the examples of calendar.h
        self.assertEqual(due_after("2025-09-30T15:00:00+08:00", 1), "2025-10-10T00:00:00+08:00")
        self.assertTrue(is_workday(datetime.date(2025, 10, 11)))  # 调休 Saturday
        self.assertFalse(is_workday(datetime.date(2026, 2, 16)))  # 春节
        self.assertEqual(due_after("2026-02-13T09:00:00+08:00", 1), "2026-02-15T00:00:00+08:00")


# ---- 7. merge duplicates, link cases ----

class MergeLinkTest(LoopTest):

    def test_merge_three_duplicate_reports(self):
        main = self.create(title="重复上报：广场噪音", user="grid_101_001_001")
        dup1 = self.create(title="广场舞噪音扰民", user="village_101_001")
        dup2 = self.create(title="广场噪音投诉")
        self.act(main["id"], "accept", user="village_101_001")
        self.act(dup2["id"], "accept", user="village_101_001")

        r = self.try_act(dup1["id"], "town_101", "merge", note="重复")
        self.assertError(r, 400, "MISSING_FIELD", "target_case_id")
        r = self.try_act(dup1["id"], "town_101", "merge", target_case_id=main["id"])
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(dup1["id"], "town_101", "merge", target_case_id=dup1["id"], note="重复")
        self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        r = self.try_act(dup1["id"], "town_101", "merge", target_case_id=99999999, note="重复")
        self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        other = self.create(user="city_admin", grid=OTHER_GRID, title="他镇案件")
        r = self.try_act(dup1["id"], "town_101", "merge", target_case_id=other["id"], note="重复")
        self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        r = self.try_act(dup1["id"], "grid_101_001_001", "merge", target_case_id=main["id"],
                         note="重复")
        self.assertError(r, 403, "FORBIDDEN")
        self.assertEqual(self.case(dup1["id"])["status"], "reported")

        c = self.act(dup1["id"], "merge", target_case_id=main["id"], note="同一事项重复上报")
        self.assertEqual(c["status"], "merged")
        self.assertEqual(c["status_kind"], "terminal")
        self.assertEqual(c["merged_into"], main["id"])
        self.assertEqual(c["actions"], [])
        c = self.act(dup2["id"], "merge", user="village_101_001", target_case_id=main["id"],
                     note="同一噪音投诉")
        self.assertEqual((c["status"], c["merged_into"]), ("merged", main["id"]))

        for d in (dup1, dup2):
            c = self.case(d["id"])
            self.assertEqual(c["merged_into"], main["id"])
            self.assertEqual([(l["case_id"], l["kind"]) for l in c["links"]],
                             [(main["id"], "merged")])
            self.assertEqual(c["links"][0]["number"], main["number"])
        U0 = self.intake("dispute", "neighbour")[0]
        # the step names both cases by number, and the reason
        self.assertStep(self.case(dup1["id"])["steps"][-1], "merge", "reported", "merged",
                        U0, None, "town_101",
                        "案件 %s 作为重复件并入案件 %s：同一事项重复上报"
                        % (dup1["number"], main["number"]))
        self.assertStep(self.case(dup2["id"])["steps"][-1], "merge", "accepted", "merged",
                        U0, None, "village_101_001",
                        "案件 %s 作为重复件并入案件 %s：同一噪音投诉"
                        % (dup2["number"], main["number"]))

        m = self.case(main["id"])
        self.assertEqual(m["status"], "accepted")
        self.assertIsNone(m["merged_into"])
        self.assertEqual(sorted((l["case_id"], l["kind"]) for l in m["links"]),
                         sorted([(dup1["id"], "merged_report"), (dup2["id"], "merged_report")]))
        # the village centre holds it and dispatches it; the town does not
        self.assertIn("dispatch", self.offered(self.case(main["id"], "village_101_001")))
        self.assertNotIn("dispatch", self.offered(m))

        # a merged report is finished: no further actions, and nothing merges into it
        r = self.try_act(dup1["id"], "town_101", "accept")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        r = self.try_act(dup1["id"], "town_101", "link", target_case_id=main["id"])
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        third = self.create(title="又一重复上报")
        r = self.try_act(third["id"], "town_101", "merge", target_case_id=dup1["id"], note="重复")
        self.assertEqual(r.status, 409, r)
        self.assertIn(r.json["error"]["code"], ("CONFLICT", "ACTION_NOT_ALLOWED"), r)
        self.assertError(r, 409, r.json["error"]["code"], "target_case_id")
        archived = self.case_in("archived", "已归档目标")
        r = self.try_act(third["id"], "town_101", "merge", target_case_id=archived["id"],
                         note="重复")
        self.assertEqual(r.status, 409, r)
        self.assertEqual(self.case(third["id"])["status"], "reported")
        # a case being handled is not merged away
        busy = self.case_in("handling", "处置中合并")
        r = self.try_act(busy["id"], "town_101", "merge", target_case_id=main["id"], note="重复")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_merge_into_closed_case(self):
        # a report of a matter already closed joins that case (closed is not terminal)
        closed = self.case_in("closed", "已办结目标")
        dup = self.create(title="已办结事项再次上报")
        c = self.act(dup["id"], "merge", target_case_id=closed["id"], note="已办结事项")
        self.assertEqual((c["status"], c["merged_into"]), ("merged", closed["id"]))

    def test_link_cases(self):
        a = self.create(title="关联案件甲")
        b = self.case_in("handling", "关联案件乙")
        r = self.try_act(a["id"], "town_101", "link")
        self.assertError(r, 400, "MISSING_FIELD", "target_case_id")
        r = self.try_act(a["id"], "town_101", "link", target_case_id=a["id"])
        self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        other = self.create(user="city_admin", grid=OTHER_GRID, title="他镇关联")
        r = self.try_act(a["id"], "town_101", "link", target_case_id=other["id"])
        self.assertError(r, 400, "BAD_FIELD", "target_case_id")
        r = self.try_act(a["id"], "grid_101_001_001", "link", target_case_id=b["id"])
        self.assertError(r, 403, "FORBIDDEN")

        c = self.act(a["id"], "link", target_case_id=b["id"], note="同一当事人")
        self.assertEqual(c["status"], "reported")
        self.assertIsNone(c["merged_into"])
        self.assertEqual([(l["case_id"], l["kind"]) for l in c["links"]],
                         [(b["id"], "related")])
        bb = self.case(b["id"])
        self.assertEqual([(l["case_id"], l["kind"]) for l in bb["links"]],
                         [(a["id"], "related")])
        self.assertEqual(bb["status"], "handling")
        self.assertStep(c["steps"][-1], "link", "reported", "reported",
                        self.intake("dispute", "neighbour")[0], None, "town_101", "同一当事人")

        r = self.try_act(a["id"], "town_101", "link", target_case_id=b["id"])
        self.assertEqual(r.status, 409, r)
        r = self.try_act(b["id"], "town_101", "link", target_case_id=a["id"])
        self.assertEqual(r.status, 409, r)
        self.assertEqual(len(self.case(a["id"])["links"]), 1)
        self.assertEqual(len(self.case(b["id"])["links"]), 1)
        # a refused link writes no step
        self.assertEqual(self.case(a["id"])["steps"][-1]["action"], "link")
        self.assertEqual(len(self.case(a["id"])["steps"]), 2)
        # a mediator of the committee sees the link on the case it handles, also to a case
        # it cannot open
        self.assertEqual([l["case_id"] for l in self.case(b["id"], "mediator_family")["links"]],
                         [a["id"]])

    def test_merge_a_linked_case(self):
        # two reports first linked as related, then found to be the same matter: the
        # duplicate can still be merged into the other
        a = self.create(title="先关联后合并甲")
        b = self.create(title="先关联后合并乙")
        self.act(a["id"], "link", target_case_id=b["id"])
        r = self.try_act(b["id"], "town_101", "merge", target_case_id=a["id"], note="同一事项")
        self.assertStatus(r, 200, "merging a linked duplicate: %r" % r)
        c = self.case(b["id"])
        self.assertEqual((c["status"], c["merged_into"]), ("merged", a["id"]))
        self.assertIn((a["id"], "merged"), [(l["case_id"], l["kind"]) for l in c["links"]])


# ---- 8. call-back, reopen, unreasonable ----

class CallbackTest(LoopTest):

    def test_unsatisfied_callback_reopens(self):
        c = self.case_in("closed", "回访不满意")
        cid = c["id"]
        self.assertIsNone(c["rating"])
        # the town reported it, the committee handled it: the city centre calls back
        r = self.try_act(cid, "city_staff", "callback")
        self.assertError(r, 400, "MISSING_FIELD", "rating")
        for user in ("mediator_family", "town_101", "village_101_001"):
            r = self.try_act(cid, user, "callback", rating="satisfied")
            self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "callback", user="city_staff", rating="unsatisfied",
                     note="当事人称对方未履行协议")
        self.assertEqual((c["status"], c["rating"]), ("closed", "unsatisfied"))

        r = self.try_act(cid, "town_101", "reopen")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "village_101_001", "reopen", note="重办")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "reopen", note="回访不满意，重新办理")
        self.assertEqual(c["status"], "handling")
        self.assertEqual(c["unit_id"], self.family)
        self.assertStep(c["steps"][-1], "reopen", "closed", "handling", self.family, None,
                        "town_101", "回访不满意，重新办理")
        self.assertOffered(cid, "mediator_family", present={"handle", "feedback"})

        # handled again and closed, then called back satisfied
        self.act(cid, "handle", user="mediator_family", note="督促履行")
        self.act(cid, "feedback", user="mediator_family", note="已履行")
        self.act(cid, "verify_pass")
        c = self.act(cid, "callback", user="city_staff", rating="basically_satisfied")
        self.assertEqual((c["status"], c["rating"]), ("closed", "basically_satisfied"))
        self.assertEqual([s["action"] for s in c["steps"][-7:]],
                         ["verify_pass", "callback", "reopen", "handle", "feedback",
                          "verify_pass", "callback"])

    def test_reopen_only_when_closed(self):
        c = self.case_in("verifying", "核查中重办")
        r = self.try_act(c["id"], "town_101", "reopen", note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        c = self.case_in("handling", "处置中回访")
        r = self.try_act(c["id"], "town_101", "callback", rating="satisfied")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_flag_unreasonable(self):
        c = self.case_in("closed", "不合理诉求")
        cid = c["id"]
        self.assertFalse(c["unreasonable"])
        r = self.try_act(cid, "town_101", "flag_unreasonable")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        for user in ("village_101_001", "mediator_family"):
            r = self.try_act(cid, user, "flag_unreasonable", note="x")
            self.assertError(r, 403, "FORBIDDEN")
        self.assertFalse(self.case(cid)["unreasonable"])
        self.act(cid, "callback", user="city_staff", rating="unsatisfied", note="要求超出法定范围")
        c = self.act(cid, "flag_unreasonable", note="诉求超出法律政策规定，经研判为不合理诉求")
        self.assertTrue(c["unreasonable"])
        self.assertEqual((c["status"], c["rating"]), ("closed", "unsatisfied"))
        self.assertStep(c["steps"][-1], "flag_unreasonable", "closed", "closed", self.family,
                        None, "town_101", "诉求超出法律政策规定，经研判为不合理诉求")
        # the other closed case is untouched
        other = self.case_in("closed", "未标记")
        self.assertFalse(other["unreasonable"])
        # not on a case still open
        busy = self.case_in("handling", "处置中标记")
        r = self.try_act(busy["id"], "town_101", "flag_unreasonable", note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        self.assertFalse(self.case(busy["id"])["unreasonable"])


# ---- 9. the petition lifecycle ----

class PetitionTest(LoopTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.justice = cls.users["legal"]["unit_id"]

    def petition(self, title="信访：拖欠工资", user="town_101", **over):
        over.setdefault("fields", {"form": "来访", "petitioners": 2})
        return self.create(user=user, type="petition", category="labour", title=title,
                           channel="walk_in", **over)

    def test_register_needs_form(self):
        body = self.case_body(type="petition", category="labour", title="缺少信访形式")
        r = self.post("/api/v1/cases", body, user="town_101")
        self.assertError(r, 400, "MISSING_FIELD", "fields.form")
        body["fields"] = {"form": "上访"}
        r = self.post("/api/v1/cases", body, user="town_101")
        self.assertError(r, 400, "BAD_FIELD", "fields.form")

    def test_petition_reply_review_conclude(self):
        c = self.petition()
        cid = c["id"]
        self.assertEqual((c["type"], c["status"], c["status_kind"]),
                         ("petition", "registered", "initial"))
        self.assertEqual((c["unit_id"], c["tier"]), self.intake("petition", "labour"))
        self.assertEqual(c["fields"]["form"], "来访")
        self.assertTrue({"accept", "refuse", "refer_reconsideration"} <= self.offered(c))
        r = self.try_act(cid, "town_101", "dispatch", unit_id=self.justice)
        self.assertError(r, 400, "BAD_FIELD", "action")  # a petition has no such action
        r = self.try_act(cid, "village_101_001", "accept")
        self.assertError(r, 403, "FORBIDDEN")

        c = self.act(cid, "accept", note="符合受理条件")
        self.assertEqual(c["status"], "accepted")
        r = self.try_act(cid, "town_101", "assign", unit_id=self.justice)
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(cid, "assign", unit_id=self.justice, note="交市司法局办理")
        self.assertEqual((c["status"], c["unit_id"]), ("assigned", self.justice))

        r = self.try_act(cid, "town_101", "sign")
        self.assertError(r, 403, "FORBIDDEN")
        self.assertOffered(cid, "legal", present={"sign", "send_back"})
        c = self.act(cid, "sign", user="legal")
        self.assertEqual(c["status"], "handling")
        self.act(cid, "handle", user="legal", note="约谈用人单位")
        r = self.try_act(cid, "legal", "reply")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(cid, "town_101", "reply", note="x")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "reply", user="legal", note="书面答复：用人单位限期支付")
        self.assertEqual(c["status"], "replied")

        # the petitioner asks for review: recorded by the city, not the town
        r = self.try_act(cid, "town_101", "request_review", note="x")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "request_review", user="city_staff", note="信访人不服答复，申请复查")
        self.assertEqual(c["status"], "review")
        r = self.try_act(cid, "city_staff", "conclude", note="x")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        c = self.act(cid, "reply_review", user="city_staff", note="复查维持原答复")
        self.assertEqual(c["status"], "review_replied")
        r = self.try_act(cid, "town_101", "conclude", note="x")
        self.assertError(r, 403, "FORBIDDEN")
        c = self.act(cid, "conclude", user="city_staff", note="信访人未申请复核，办结")
        self.assertEqual((c["status"], c["status_kind"]), ("concluded", "terminal"))
        self.assertEqual(c["actions"], [])

        J, U0 = self.justice, self.intake("petition", "labour")[0]
        self.assertSteps(self.case(cid), [
            ("accept", "registered", "accepted", U0, None, "town_101", "符合受理条件"),
            ("assign", "accepted", "assigned", U0, J, "town_101", "交市司法局办理"),
            ("sign", "assigned", "handling", J, None, "legal", None),
            ("handle", "handling", "handling", J, None, "legal", "约谈用人单位"),
            ("reply", "handling", "replied", J, None, "legal", "书面答复：用人单位限期支付"),
            ("request_review", "replied", "review", J, None, "city_staff", "信访人不服答复，申请复查"),
            ("reply_review", "review", "review_replied", J, None, "city_staff", "复查维持原答复"),
            ("conclude", "review_replied", "concluded", J, None, "city_staff",
             "信访人未申请复核，办结"),
        ])

    def test_rereview(self):
        c = self.petition(title="信访：复核")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "assign", unit_id=self.village_centre, note="交村办理")
        self.act(cid, "sign", user="village_101_001")
        self.act(cid, "reply", user="village_101_001", note="答复")
        self.act(cid, "request_review", user="city_staff", note="申请复查")
        self.act(cid, "reply_review", user="city_staff", note="复查答复")
        c = self.act(cid, "request_rereview", user="city_admin", note="申请复核")
        self.assertEqual(c["status"], "rereview")
        c = self.act(cid, "reply_rereview", user="city_admin", note="复核维持")
        self.assertEqual(c["status"], "concluded")

    def test_refuse_with_reason(self):
        c = self.petition(title="信访：不予受理")
        r = self.try_act(c["id"], "town_101", "refuse")
        self.assertError(r, 400, "MISSING_FIELD", "note")
        c = self.act(c["id"], "refuse", note="已经或者依法应当通过诉讼解决")
        self.assertEqual((c["status"], c["status_kind"]), ("refused", "terminal"))
        self.assertEqual(c["steps"][-1]["note"], "已经或者依法应当通过诉讼解决")
        r = self.try_act(c["id"], "town_101", "accept")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_refer_reconsideration(self):
        """A petition that belongs to administrative reconsideration is referred there and
        stays linked (S17): where it went, then the body's number and decision, recorded on
        the petition and told to the petitioner; only then is it concluded."""
        c = self.petition(title="信访：转行政复议")
        told = {"organ": "天门市人民政府行政复议办公室", "told_on": "2026-12-01"}
        r = self.try_act(c["id"], "town_101", "refer_reconsideration", record=told)
        self.assertError(r, 400, "MISSING_FIELD", "note")
        r = self.try_act(c["id"], "town_101", "refer_reconsideration", note="告知申请复议")
        self.assertError(r, 400, "MISSING_FIELD", "record")
        c = self.act(c["id"], "refer_reconsideration", note="属行政复议受理范围，已告知向复议机关申请",
                     record=told)
        # waiting for the decision: open, its clock stopped, the referral on record
        self.assertEqual((c["status"], c["status_kind"]), ("reconsideration", "waiting"))
        self.assertEqual(c["records"][-1]["data"]["organ"], told["organ"])
        r = self.try_act(c["id"], "town_101", "reconsideration_result", note="复议维持",
                         record={"number": "天政复〔2026〕18号", "decided_on": "2026-12-02",
                                 "outcome": "不存在的决定"})
        self.assertError(r, 400, "BAD_FIELD", "record.outcome")
        c = self.act(c["id"], "reconsideration_result",
                     note="复议机关决定维持原行政行为，已书面告知信访人",
                     record={"number": "天政复〔2026〕18号", "decided_on": "2026-12-02",
                             "outcome": "维持"})
        self.assertEqual((c["status"], c["status_kind"]), ("concluded", "terminal"))
        self.assertEqual([r["data"].get("number") for r in c["records"]][-1], "天政复〔2026〕18号")
        # also after acceptance
        c = self.petition(title="信访：受理后转复议")
        self.act(c["id"], "accept")
        c = self.act(c["id"], "refer_reconsideration", user="city_staff", note="转行政复议",
                     record=told)
        self.assertEqual(c["status"], "reconsideration")
        # not once it is being handled
        c = self.petition(title="信访：办理中转复议")
        self.act(c["id"], "accept")
        self.act(c["id"], "assign", unit_id=self.justice, note="交办")
        self.act(c["id"], "sign", user="legal")
        r = self.try_act(c["id"], "legal", "refer_reconsideration", note="x", record=told)
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")

    def test_petition_extension(self):
        c = self.petition(title="信访：延期")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "assign", unit_id=self.justice, note="交办")
        self.act(cid, "sign", user="legal")
        c = self.act(cid, "apply_extension", user="legal", days=30, note="情况复杂，申请延长30日")
        self.assertEqual(c["extension_pending_days"], 30)
        r = self.try_act(cid, "town_101", "approve_extension")
        self.assertError(r, 403, "FORBIDDEN")  # the petition lifecycle: the city approves
        c = self.act(cid, "approve_extension", user="city_staff")
        self.assertEqual((c["extension_pending_days"], c["extension_days"]), (0, 30))

    def test_petition_extension_at_most_30_days(self):
        # 信访条例: 60 days to handle, extended by at most 30 on approval
        c = self.petition(title="信访：超期延期")
        cid = c["id"]
        self.act(cid, "accept")
        self.act(cid, "assign", unit_id=self.justice, note="交办")
        self.act(cid, "sign", user="legal")
        r = self.try_act(cid, "legal", "apply_extension", days=45, note="申请延长45日")
        self.assertError(r, 400, "BAD_FIELD", "days")


# ---- 10. every action: role, state, parameters ----

class ActionMatrixTest(LoopTest):
    """Driven by data/lifecycles/standard.conf."""

    STATES = ("reported", "accepted", "dispatched", "handling", "suspended", "verifying",
              "closed", "archived", "rejected", "merged", "transferred")

    def test_lifecycle_file_read(self):
        # the test's reading of the data file sees the loop the issue describes
        acts = set(STANDARD["actions"])
        self.assertTrue({"accept", "reject", "dispatch", "send_back", "reroute", "sign",
                         "handle", "apply_extension", "approve_extension", "deny_extension",
                         "report_up", "skip_level", "instruct", "feedback", "verify_pass",
                         "verify_fail", "callback", "reopen", "flag_unreasonable", "archive",
                         "urgent_on", "urgent_off", "merge", "link", "supervise", "suspend",
                         "resume", "triage"} <= acts, acts)
        self.assertEqual(set(self.STATES), set(STANDARD["states"]))
        for tr in STANDARD["transitions"]:
            self.assertIn(tr[0], acts)

    def params_for(self, action, target):
        """Valid values for everything action needs."""
        needs = STANDARD["actions"][action]
        body = {}
        values = {"note": NOTE, "unit_id": self.medical, "target_case_id": target,
                  "days": 5, "rating": "satisfied", "tier": "village",
                  "record": records(self.day).get(action)}
        for n in needs:
            if n in NEED_FIELD:
                body[NEED_FIELD[n]] = values[NEED_FIELD[n]]
        return body

    def visible_users(self, c):
        users = [u for u in USERS if u != "mediator_family"]
        if any(s["to_unit"]["id"] == self.family for s in c["steps"]):
            users.append("mediator_family")
        return users

    def start_state(self, action):
        states = allowed_states(STANDARD, action)
        return "accepted" if "accepted" in states else states[0]

    def prepared(self, action, title):
        """A fresh case where action would go through: in a state that allows it, and with
        what its effect needs (an extension asked for, urgency set, the village tier)."""
        # a re-route is the holder's: dispatched to a unit that may pass it on (below)
        c = self.case_in("accepted" if action == "reroute" else self.start_state(action), title)
        if action in ("approve_extension", "deny_extension"):
            self.act(c["id"], "apply_extension", user="mediator_family", days=3, note="申请")
        elif action == "urgent_off":
            self.act(c["id"], "urgent_on")
        elif action == "skip_level":
            self.act(c["id"], "triage", tier="village", note="简易")
        elif action == "supervision_report":
            self.act(c["id"], "supervise", user="city_admin", days=3, note="督办")
        elif action in ("route", "reroute"):
            # held elsewhere than the rules say (routing moves it), by a unit that may pass
            # it on itself
            self.act(c["id"], "dispatch", unit_id=self.village_centre)
        return self.case(c["id"])

    def actor_for(self, action, c):
        """A user whose role may take action in the case's state and who passes its rules of
        who (the holder, a unit above, not the reporter, not the handler)."""
        roles = roles_for(STANDARD, action, c["status"])
        for u in ("town_101", "city_staff", "mediator_family", "village_101_001", "city_admin",
                  "police"):
            if self.users[u]["role"] in roles and self.who_may(u, action, c):
                return u
        self.fail("no account may %s a case in %s" % (action, c["status"]))

    def test_offered_actions_follow_the_data(self):
        """For a case in each state, every account is offered exactly the transitions of the
        data that its role may take and whose rules of who it meets (the holder, a unit
        above, not the reporter, not the handler: who_may)."""
        for state in self.STATES:
            c = self.case_in(state, "可办动作")
            for user in self.visible_users(c):
                got = self.case(c["id"], user)
                expected = set()
                for tr in STANDARD["transitions"]:
                    if not applies(STANDARD, tr, state):
                        continue
                    if self.users[user]["role"] not in tr[3]:
                        continue
                    if not self.who_may(user, tr[0], got):
                        continue
                    if blocked(tr[0], got):
                        continue
                    expected.add(tr[0])
                with self.subTest(state=state, user=user):
                    self.assertEqual(self.offered(got), expected)
                    for a in got["actions"]:
                        needs = STANDARD["actions"][a["action"]]
                        self.assertEqual(set(a["needs"]), needs, a)
                        self.assertEqual(a["needs_note"], "note" in needs, a)
                        self.assertEqual(a["needs_unit"], "unit" in needs, a)
                        tr = next(t for t in STANDARD["transitions"]
                                  if t[0] == a["action"] and applies(STANDARD, t, state))
                        self.assertEqual(a["to"], state if tr[2] == "=" else tr[2], a)

    def test_role_not_listed_is_forbidden(self):
        target = self.new_case(title="越权目标")
        checked = 0
        for action in STANDARD["actions"]:
            if action == "report":
                continue
            state = self.start_state(action)
            c = self.prepared(action, "越权:" + action)  # its effect could apply
            roles = roles_for(STANDARD, action, state)
            body = self.params_for(action, target["id"])
            for user in self.visible_users(c):
                if self.users[user]["role"] in roles:
                    continue
                with self.subTest(action=action, state=state, user=user):
                    r = self.try_act(c["id"], user, action, **body)
                    self.assertError(r, 403, "FORBIDDEN")
                    checked += 1
            after = self.case(c["id"])
            with self.subTest(action=action, what="unchanged"):
                self.assertEqual((after["status"], len(after["steps"])),
                                 (c["status"], len(c["steps"])))
        self.assertGreater(checked, 80)

    def test_holder_only(self):
        """Actions that need the holder: a listed role of another unit is refused."""
        target = self.new_case(title="非承办目标")
        checked = 0
        for action, needs in STANDARD["actions"].items():
            if "holder" not in needs:
                continue
            for state in allowed_states(STANDARD, action):
                c = self.case_in(state, "非承办:" + action)
                if c["unit_id"] != self.family or blocked(action, c):
                    continue  # the town centre holds it here, or the effect is ruled out
                roles = roles_for(STANDARD, action, state)
                for user in ("town_101", "village_101_001", "city_staff"):
                    if self.users[user]["role"] not in roles:
                        continue
                    with self.subTest(action=action, state=state, user=user):
                        r = self.try_act(c["id"], user, action,
                                         **self.params_for(action, target["id"]))
                        self.assertError(r, 403, "FORBIDDEN")
                        checked += 1
                        self.assertNotIn(action, self.offered(self.case(c["id"], user)))
        self.assertGreater(checked, 15)

    def test_not_allowed_in_state(self):
        target = self.new_case(title="状态目标")
        cases = {s: self.case_in(s, "状态矩阵") for s in self.STATES}
        checked = 0
        for action in STANDARD["actions"]:
            roles = set()
            for tr in STANDARD["transitions"]:
                if tr[0] == action:
                    roles |= tr[3]
            if not {"town_staff", "city_staff"} & roles:
                continue  # an agency's own (unit scope): the cases here never reached it
            user = "town_101" if "town_staff" in roles else "city_staff"
            body = self.params_for(action, target["id"])
            for state, c in cases.items():
                if action != "report" and roles_for(STANDARD, action, state) is not None:
                    continue
                with self.subTest(action=action, state=state):
                    r = self.try_act(c["id"], user, action, **body)
                    self.assertError(r, 409, "ACTION_NOT_ALLOWED", "action")
                    checked += 1
        for state, c in cases.items():
            after = self.case(c["id"])
            self.assertEqual((after["status"], len(after["steps"])), (state, len(c["steps"])),
                             state)
        self.assertGreater(checked, 150)

    def test_parameters(self):
        """Each action: a parameter it does not take → UNKNOWN_FIELD naming it; each one it
        needs, left out → MISSING_FIELD naming it; a note is welcome everywhere."""
        target = self.new_case(title="参数目标")
        extra = {"unit_id": self.medical, "target_case_id": target["id"], "days": 5,
                 "rating": "satisfied", "tier": "village", "record": {"x": 1}}
        checked = 0
        for action, needs in STANDARD["actions"].items():
            if action == "report":
                continue
            c = self.prepared(action, "参数:" + action)
            user = self.actor_for(action, c)
            body = self.params_for(action, target["id"])
            for p in PARAMS:
                if p in body:
                    continue
                with self.subTest(action=action, unknown=p):
                    r = self.try_act(c["id"], user, action, **dict(body, **{p: extra[p]}))
                    self.assertError(r, 400, "UNKNOWN_FIELD", p)
                    checked += 1
            for p in body:
                with self.subTest(action=action, missing=p):
                    r = self.try_act(c["id"], user, action,
                                     **{k: v for k, v in body.items() if k != p})
                    self.assertError(r, 400, "MISSING_FIELD", p)
                    checked += 1
            after = self.case(c["id"])
            with self.subTest(action=action, what="unchanged"):
                self.assertEqual(len(after["steps"]), len(c["steps"]))
            # and with exactly what it needs (plus a note) it goes through
            with self.subTest(action=action, what="accepted"):
                r = self.try_act(c["id"], user, action, **dict(body, note=NOTE))
                self.assertStatus(r, 200)
                after = self.case(c["id"])
                self.assertEqual(after["steps"][-1]["action"], action)
                # a merge's note also names the two cases (test_records)
                self.assertTrue(after["steps"][-1]["note"].endswith(NOTE))
        self.assertGreater(checked, 120)

    def test_offered_actions_can_be_taken(self):
        # what GET offers is what the caller can do now: toggles, extension decisions and
        # reporting up are offered only when they would not be refused with a 409
        wrong = []

        def check(what, cid, user, present=(), absent=()):
            got = self.offered(self.case(cid, user))
            for a in present:
                if a not in got:
                    wrong.append("%s: %s is not offered %s" % (what, user, a))
            for a in absent:
                if a in got:
                    wrong.append("%s: %s is offered %s" % (what, user, a))

        c = self.case_in("handling", "可办即可行")
        cid = c["id"]
        self.assertFalse(c["urgent"])
        check("not urgent", cid, "town_101", present={"urgent_on"}, absent={"urgent_off"})
        self.act(cid, "urgent_on")
        check("urgent", cid, "town_101", present={"urgent_off"}, absent={"urgent_on"})
        check("no extension asked for", cid, "town_101",
              absent={"approve_extension", "deny_extension"})
        check("no extension asked for", cid, "mediator_family", present={"apply_extension"})
        self.act(cid, "apply_extension", user="mediator_family", days=3, note="申请")
        check("extension asked for", cid, "town_101",
              present={"approve_extension", "deny_extension"})
        check("extension asked for", cid, "mediator_family", absent={"apply_extension"})
        top = self.case_in("accepted", "市级不可上报")
        self.act(top["id"], "report_up", note="上报市级")
        self.assertEqual(self.case(top["id"])["tier"], "city")
        check("at the city tier", top["id"], "town_101", absent={"report_up", "skip_level"})
        town = self.case_in("accepted", "镇级不可越级")
        self.assertEqual(town["tier"], "town")
        check("at the town tier", town["id"], "town_101", present={"report_up"},
              absent={"skip_level"})
        self.assertFalse(wrong, "offered actions that would be refused (or not offered ones "
                         "that would work):\n" + "\n".join(wrong))


if __name__ == "__main__":
    unittest.main()
