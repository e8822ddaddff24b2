"""Who may act on a case, beside the role (issue 13): the holder acts and no one else does,
save a unit above by the explicit, audited take-over (提级办理); no one checks their own
work (verification not by the unit that handled the case, the call-back neither by the
handler nor by the reporter); a case is sent only where someone may take it on. Each rule
is swept from the lifecycle data (data/lifecycles/standard.conf: the needs holder, above,
not_reporter, not_handler, the effect assign) against the holder, a unit above, a unit
below, a sibling unit and another town — not shown by one example."""
import unittest

import reference as ref
from common import TOWN
from test_loop import NOTE, STANDARD, LoopTest, allowed_states, records, roles_for

LC = ref.LIFECYCLES["standard"]
# the states a case held by one unit passes through before its work is reported done
OPEN_STATES = ("reported", "accepted", "dispatched", "handling", "suspended")


def needing(word):
    return sorted(a for a, n in STANDARD["actions"].items() if word in n)


class HolderTest(LoopTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for name in ("village_101_002", "town_102", "dept_env", "grid_101_001_001"):
            r = cls.server.get("/api/v1/session", user=name)
            assert r.status == 200, (name, r)
            cls.users[name] = r.json["user"]
        cls.env = cls.units["dept-1"]["id"]

    # ---- cases held by one unit in each open state ----

    def held(self, holder, state, title):
        """A fresh case held by holder's unit ("town": the town centre, "village": the
        village centre, each taking it in and handling it itself) in state."""
        user, category, unit = {"town": ("town_101", "family", self.town_centre),
                                "village": ("village_101_001", "neighbour",
                                            self.village_centre)}[holder]
        c = self.new_case(category=category, title="%s:%s:%s" % (title, holder, state))
        self.assertEqual(c["unit_id"], unit, "routing.conf sends a %s case elsewhere" % category)
        path = {"reported": [], "accepted": [("accept", {})],
                "dispatched": [("accept", {}), ("dispatch", {"unit_id": unit})],
                "handling": [("accept", {}), ("dispatch", {"unit_id": unit}), ("sign", {})],
                "suspended": [("accept", {}), ("dispatch", {"unit_id": unit}), ("sign", {}),
                              ("suspend", {"note": "等待鉴定"})]}[state]
        for action, extra in path:
            c = self.act(c["id"], action, user=user, **extra)
        c = self.case(c["id"], "city_admin")
        self.assertEqual((c["status"], c["unit_id"]), (state, unit))
        return c

    # each holder with the accounts standing in each relation to it
    RELATIONS = {
        "village": {"holder": "village_101_001", "above": ["town_101", "city_staff"],
                    "below": ["grid_101_001_001"], "sibling": ["village_101_002"],
                    "other_town": ["town_102"]},
        "town": {"holder": "town_101", "above": ["city_staff", "city_admin"],
                 "below": ["village_101_001", "grid_101_001_001"],
                 "sibling": ["mediator_family"], "other_town": ["town_102"]},
    }

    def body(self, action, target):
        needs = STANDARD["actions"][action]
        values = {"note": NOTE, "unit": self.town_centre, "case": target, "days": 3,
                  "rating": "satisfied", "tier": "city", "record": records(self.day).get(action)}
        keys = {"note": "note", "unit": "unit_id", "case": "target_case_id", "days": "days",
                "rating": "rating", "tier": "tier", "record": "record"}
        return {keys[n]: values[n] for n in needs if n in keys}

    def test_the_holder_acts_others_do_not(self):
        """Every action the data gives to the holder alone, in every open state it applies
        in: offered to the holder's account; refused (403 naming the holder, or 404 out of
        scope) and not offered to the unit above, below, beside and in another town."""
        target = self.new_case(title="合并目标")["id"]
        actions = needing("holder")
        self.assertTrue({"accept", "reject", "dispatch", "reroute", "sign", "handle",
                         "feedback", "transfer", "route"} <= set(actions), actions)
        checked = refused = offered = 0
        for holder, rel in self.RELATIONS.items():
            for state in OPEN_STATES:
                todo = [a for a in actions if state in allowed_states(STANDARD, a)]
                if not todo:
                    continue
                c = self.held(holder, state, "承办")
                for action in todo:
                    roles = roles_for(STANDARD, action, state)
                    hu = rel["holder"]
                    with self.subTest(holder=holder, state=state, action=action, who="holder"):
                        if self.users[hu]["role"] in roles and not ref.blocked(c, action):
                            self.assertIn(action, self.offered(self.case(c["id"], hu)))
                            offered += 1
                    if ref.blocked(c, action):
                        continue  # the case's condition rules it out for anyone (409)
                    for relation in ("above", "below", "sibling", "other_town"):
                        for user in rel[relation]:
                            if self.users[user]["role"] not in roles:
                                continue  # the role alone rules it out (test_loop)
                            with self.subTest(holder=holder, state=state, action=action,
                                              who=relation, user=user):
                                r = self.try_act(c["id"], user, action,
                                                 **self.body(action, target))
                                checked += 1
                                if relation in ("sibling", "other_town") and r.status == 404:
                                    continue  # it does not exist for them
                                self.assertError(r, 403, "FORBIDDEN", "action")
                                self.assertIn("当前承办单位", r.json["error"]["message"])
                                self.assertNotIn(action, self.offered(self.case(c["id"], user)))
                                refused += 1
                after = self.case(c["id"], "city_admin")
                self.assertEqual(len(after["steps"]), len(c["steps"]), "a refusal wrote a step")
        self.assertGreater(refused, 40)
        self.assertGreater(offered, 20)

    def test_take_over_from_below(self):
        """提级办理: in every state the data allows it, a unit above takes the case into its
        own hands (its unit and tier), with a reason, audited; the holder itself, a unit
        below, beside or in another town may not; afterwards the old holder acts no more."""
        states = allowed_states(STANDARD, "take_over")
        self.assertEqual(set(states), set(OPEN_STATES))
        self.assertIn("above", STANDARD["actions"]["take_over"])
        taken = 0
        for holder, takers in (("village", ("town_101", "city_staff")),
                               ("town", ("city_staff",))):
            rel = self.RELATIONS[holder]
            for state in states:
                for taker in takers:
                    c = self.held(holder, state, "提级")
                    cid = c["id"]
                    with self.subTest(holder=holder, state=state, taker=taker):
                        for user in ([rel["holder"]] + rel["below"] + rel["sibling"]
                                     + rel["other_town"]):
                            r = self.try_act(cid, user, "take_over", note="提级")
                            self.assertIn(r.status, (403, 404), (user, r))
                            if r.status == 404:
                                continue
                            self.assertError(r, 403, "FORBIDDEN", "action")
                            if self.users[user]["role"] in roles_for(STANDARD, "take_over",
                                                                     state):
                                self.assertIn("上级单位", r.json["error"]["message"])
                            self.assertNotIn("take_over", self.offered(self.case(cid, user)))
                        self.assertIn("take_over", self.offered(self.case(cid, taker)))
                        r = self.try_act(cid, taker, "take_over")
                        self.assertError(r, 400, "MISSING_FIELD", "note")
                        c = self.act(cid, "take_over", user=taker, note="案情复杂，提级办理")
                        unit = self.users[taker]["unit_id"]
                        tier = "city" if taker == "city_staff" else "town"
                        self.assertEqual((c["status"], c["unit_id"], c["tier"]),
                                         (state, unit, tier))
                        self.assertStep(c["steps"][-1], "take_over", state, state,
                                        self.users[rel["holder"]]["unit_id"], unit, taker,
                                        "案情复杂，提级办理")
                        # the old holder no longer acts; the new one does
                        old = self.offered(self.case(cid, rel["holder"]))
                        self.assertFalse(old & set(needing("holder")), old)
                        if state == "reported":
                            self.assertIn("accept", self.offered(self.case(cid, taker)))
                        r = self.get("/api/v1/audit?subject=case:%d" % cid, user="auditor")
                        self.assertStatus(r, 200)
                        self.assertIn("case.take_over", [x["action"] for x in r.json["items"]])
                        taken += 1
        self.assertEqual(taken, 3 * len(states))

    def test_no_one_checks_their_own_work(self):
        """One account reports, accepts, handles; it may not verify, rate or flag the case:
        each refused with a 403 naming why (the data's not_handler and not_reporter), each
        done by the city centre instead."""
        c = self.new_case(title="自查自纠")
        cid = c["id"]
        for action, extra in (("accept", {}), ("dispatch", {"unit_id": self.town_centre}),
                              ("sign", {}), ("handle", {"note": "已调解"}),
                              ("feedback", {"note": "已办结"})):
            self.act(cid, action, user="town_101", **extra)
        for action, body in (("verify_pass", {}), ("verify_fail", {"note": "x"})):
            r = self.try_act(cid, "town_101", action, **body)
            self.assertError(r, 403, "FORBIDDEN", "action")
            self.assertIn("由您的单位办理", r.json["error"]["message"])
        self.assertFalse({"verify_pass", "verify_fail"} & self.offered(self.case(cid)))
        self.act(cid, "verify_pass", user="city_staff")
        r = self.try_act(cid, "town_101", "callback", rating="satisfied")
        self.assertError(r, 403, "FORBIDDEN", "action")
        self.assertIn("由您上报", r.json["error"]["message"])
        r = self.try_act(cid, "town_101", "flag_unreasonable", note="x")
        self.assertError(r, 403, "FORBIDDEN", "action")
        self.assertIn("由您的单位办理", r.json["error"]["message"])
        c = self.act(cid, "callback", user="city_staff", rating="satisfied")
        self.assertEqual(c["rating"], "satisfied")

    def test_not_handler_and_not_reporter_swept(self):
        """Every action the data keeps from the reporter or the handling unit, in every state
        it applies in: refused to them (403 naming which), offered to a centre that is
        neither; and allowed to the town when it only reported or only handled what the
        rule does not name."""
        actions = sorted(set(needing("not_handler")) | set(needing("not_reporter")))
        self.assertTrue({"verify_pass", "verify_fail", "callback"} <= set(actions), actions)
        # by the town: reported and handled by the town centre itself
        both = self.new_case(title="本单位办理")
        for action, extra in (("accept", {}), ("dispatch", {"unit_id": self.town_centre}),
                              ("sign", {}), ("feedback", {"note": "已办结"})):
            self.act(both["id"], action, **extra)
        # handled by the family committee, reported by the city centre: the town may check
        other = self.new_case(user="city_staff", title="他人办理")
        for action, user, extra in (("accept", "town_101", {}),
                                    ("dispatch", "town_101", {"unit_id": self.family}),
                                    ("sign", "mediator_family", {}),
                                    ("feedback", "mediator_family", {"note": "已调解"})):
            self.act(other["id"], action, user=user, **extra)
        checked = 0
        for state in ("verifying", "closed"):
            if state == "closed":
                self.act(both["id"], "verify_pass", user="city_staff")
                self.act(other["id"], "verify_pass", user="village_101_001")
            for action in actions:
                roles = roles_for(STANDARD, action, state)
                if roles is None:
                    continue
                needs = STANDARD["actions"][action]
                with self.subTest(state=state, action=action):
                    r = self.try_act(both["id"], "town_101", action, **self.body(action, 0))
                    self.assertError(r, 403, "FORBIDDEN", "action")
                    why = "由您上报" if "not_reporter" in needs else "由您的单位办理"
                    self.assertIn(why, r.json["error"]["message"])
                    self.assertIn(action, self.offered(self.case(both["id"], "city_staff")))
                    got = self.offered(self.case(other["id"], "town_101"))
                    self.assertIn(action, got)
                    # the committee that handled it may not, whatever its role allows
                    self.assertNotIn(action, self.offered(self.case(other["id"],
                                                                     "mediator_family")))
                    checked += 1
        self.assertGreaterEqual(checked, 4)

    def test_demo_history_follows_the_rules(self):
        """The demo city's generated history (src/demo/) keeps the same rules: every step of
        its standard cases that needs the holder is taken by an account of the unit holding
        the case, and no verification, call-back or flag by whom the data rules out."""
        from harness import sql
        db = self.server.db
        unit_of = {i: u for i, u in sql(db, "SELECT id, unit_id FROM users")}
        std = {t for t, in sql(db, "SELECT DISTINCT type FROM cases")
               if t in ref.TYPES and ref.TYPES[t].lifecycle is LC}
        reporter = {i: r for i, r, t in sql(db, "SELECT id, reporter_id, type FROM cases")
                    if t in std}
        steps = sql(db, "SELECT case_id, action, from_state, to_state, from_unit, actor_id"
                        " FROM case_steps ORDER BY case_id, id")
        handled, checked, wrong = {}, 0, []
        for cid, action, frm, to, from_unit, actor in steps:
            if cid not in reporter or action not in LC.actions or not frm:
                continue
            needs = LC.actions[action]["needs"]
            unit = unit_of.get(actor)
            if "holder" in needs and unit != from_unit:
                wrong.append((cid, action, "not the holder"))
            if "not_reporter" in needs and actor == reporter[cid]:
                wrong.append((cid, action, "by its reporter"))
            if "not_handler" in needs and unit and unit == handled.get(cid):
                wrong.append((cid, action, "by the unit that handled it"))
            checked += 1
            if LC.phases.get(frm) == "handle" and LC.phases.get(to) != "handle":
                handled[cid] = from_unit
        self.assertGreater(checked, 5000)
        self.assertFalse(wrong, "%d steps break the rules, e.g. %s" % (len(wrong), wrong[:5]))

    def test_dispatch_only_to_someone_who_can_act(self):
        """Every action of effect assign whose target state asks something of its holder:
        refused (400 naming unit_id and why) towards a unit with no account that may take it
        on (the town's police station has none); a department with its accounts takes the
        case on, handles it and answers it, and the town verifies."""
        empty = self.units["police-" + TOWN]["id"]
        assigning = sorted(a for a, v in LC.actions.items() if v["effect"] == "assign")
        self.assertTrue({"dispatch", "reroute", "transfer"} <= set(assigning), assigning)
        checked = 0
        for action in assigning:
            for state in allowed_states(STANDARD, action):
                tr = LC.transition(action, state)
                to = state if tr["to"] == "=" else tr["to"]
                asks = any("holder" in LC.actions[t["action"]]["needs"]
                           for t in LC.transitions if t["from"] == to)
                if state not in ("accepted", "dispatched", "handling"):
                    continue
                c = self.held("town", state, "派无人单位")
                with self.subTest(action=action, state=state):
                    r = self.try_act(c["id"], "town_101", action, unit_id=empty, note=NOTE)
                    if asks:
                        self.assertError(r, 400, "BAD_FIELD", "unit_id")
                        self.assertIn("没有可以接手此案件的在用账号", r.json["error"]["message"])
                        self.assertEqual(len(self.case(c["id"])["steps"]), len(c["steps"]))
                        checked += 1
                    else:
                        self.assertStatus(r, 200)  # nothing asked of the receiver here
        self.assertGreaterEqual(checked, 2)
        # a department: signs for, handles and answers its case
        c = self.held("town", "accepted", "派职能部门")
        c = self.act(c["id"], "dispatch", unit_id=self.env, note="请生态环境局处理")
        self.assertEqual(c["unit_id"], self.env)
        self.assertOffered(c["id"], "dept_env", present={"sign", "send_back"})
        for action, extra in (("sign", {}), ("handle", {"note": "现场检查，责令整改"}),
                              ("feedback", {"note": "已整改到位"})):
            c = self.act(c["id"], action, user="dept_env", **extra)
        self.assertEqual(c["status"], "verifying")
        c = self.act(c["id"], "verify_pass", user="town_101")
        self.assertEqual(c["status"], "closed")


if __name__ == "__main__":
    unittest.main()
