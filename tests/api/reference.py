"""reference.py: who may see and do what, written from the domain's own words (README,
data/README.md) and the data files read here, apart from the server's check (SCOPE_WHERE in
src/store/sqlite.c, the role and holder tests in src/service/actions.c). The access matrix
(test_access_matrix.py) compares every answer of the server with what this says.

The rule, as the domain states it:
- a region-scoped account sees a case iff the case's grid code starts with the account's
  region code (its region subtree);
- an account whose role has scope none (the system and security administrators,
  separation of duties) sees no case at all;
- a unit-bound account (roles.conf: scope unit) sees a case iff the case lies in its region
  subtree and has passed through its unit: the unit took part in one of the case's steps,
  at either end (it held the case and passed it on, received it, reported it, or added a
  file to it), as the steps read by an account that sees everything show it;
- a case it may not see does not exist for it: 404, never 403;
- an action: a role listed on no transition of it may never take it (403, whatever state
  the case is in: authority is judged before the moment); for the others the case's state
  must allow it (a transition from that state, "*" being any state that is not terminal)
  and the case's condition must not rule it out (409); then the account's role must be
  listed on that transition and, where the action needs "holder", the account's unit
  must hold the case now (403). The report, no action on an existing case, is a 409."""
import os
import shlex

from harness import ROOT

DATA = os.path.join(ROOT, "data")


def read_conf(path):
    """{section: [columns, …]} and {key: value} of one data file (format: data/README.md)."""
    rows, keys, section = {}, {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                rows.setdefault(section, [])
                continue
            cols = shlex.split(line)
            if len(cols) >= 3 and cols[1] == "=":
                keys[(section, cols[0])] = line.split("=", 1)[1].strip()
            else:
                rows[section].append(cols)
    return rows, keys


def split_list(col):
    return set() if col == "-" else set(col.split(","))


class Lifecycle:
    def __init__(self, path):
        rows, _ = read_conf(path)
        self.states = {c[0]: c[1] for c in rows["states"]}
        self.phases = {c[0]: c[2] for c in rows["states"]}
        self.actions = {c[0]: {"needs": split_list(c[3]), "effect": c[4]}
                        for c in rows["actions"]}
        self.transitions = [{"action": c[0], "from": c[1], "to": c[2],
                             "roles": split_list(c[3])} for c in rows["transitions"]]

    def transition(self, action, state):
        """The transition taking action from state — a row naming the state before one
        for "*" — or None (the report, from "-", is no action on an existing case)."""
        rows = [t for t in self.transitions if t["action"] == action]
        for t in rows:
            if t["from"] == state:
                return t
        for t in rows:
            if t["from"] == "*" and self.states.get(state) != "terminal":
                return t
        return None

    def roles_ever(self, action):
        """The roles listed on any transition of action on an existing case."""
        return set().union(*[t["roles"] for t in self.transitions
                             if t["action"] == action and t["from"] != "-"])

    def report_roles(self):
        return next(t["roles"] for t in self.transitions if t["from"] == "-")


class CaseType:
    def __init__(self, path, lifecycles):
        rows, keys = read_conf(path)
        self.code = keys[("type", "code")]
        self.lifecycle = lifecycles[keys[("type", "lifecycle")]]
        self.intake = keys.get(("type", "intake"))
        self.categories = [c[0] for c in rows["categories"]]
        # [record ACTION] sections: the records this type keeps
        self.records = {s.split(" ", 1)[1] for s in rows if s.startswith("record ")}
        rr = keys.get(("type", "reporter_roles"))
        self.reporter_roles = split_list(rr) if rr else None


def _load():
    rows, _ = read_conf(os.path.join(DATA, "roles.conf"))
    roles = {c[0]: c[1] for c in rows["roles"]}
    perms = {c[0]: split_list(c[1]) for c in rows["permissions"]}
    ldir = os.path.join(DATA, "lifecycles")
    lifecycles = {f[:-5]: Lifecycle(os.path.join(ldir, f))
                  for f in sorted(os.listdir(ldir)) if f.endswith(".conf")}
    tdir = os.path.join(DATA, "case-types")
    types = {}
    for f in sorted(os.listdir(tdir)):
        if f.endswith(".conf"):
            t = CaseType(os.path.join(tdir, f), lifecycles)
            types[t.code] = t
    return roles, perms, lifecycles, types


ROLES, PERMISSIONS, LIFECYCLES, TYPES = _load()
ACTIONS = sorted({a for lc in LIFECYCLES.values() for a in lc.actions})


# ---- what an account sees ----

def case_units(case):
    """The units that took part in a case, from its steps (an all-seeing reader's view)."""
    units = set()
    for s in case["steps"]:
        for end in ("from_unit", "to_unit"):
            if s[end]["id"]:
                units.add(s[end]["id"])
    return units


def visible(acct, case):
    """acct: {role, region, unit_id}; case: the case as an all-seeing account reads it."""
    if ROLES[acct["role"]] == "none":
        return False
    if not case["grid"].startswith(acct["region"]):
        return False
    if ROLES[acct["role"]] == "unit":
        return acct["unit_id"] is not None and acct["unit_id"] in case["_units"]
    return True


def within(region, acct):
    """Whether a region lies inside the account's own region subtree."""
    return region.startswith(acct["region"])


# ---- what an account may do ----

def blocked(case, action):
    """Whether the case's condition rules the action out (data/README.md, the effect
    column): nothing to approve, already urgent, rated already since it was closed …"""
    t = TYPES[case["type"]]
    effect = t.lifecycle.actions[action]["effect"]
    pending = case["extension_pending_days"]
    open_sup = any(v["level"] == "manual" and v["reported_at"] is None
                   for v in case["supervisions"])
    return {"record": action not in t.records,
            "escalate": case["tier"] == "city",
            "skip_level": case["tier"] != "village",
            "ext_request": pending > 0,
            "ext_approve": pending == 0,
            "ext_deny": pending == 0,
            "urgent_on": case["urgent"],
            "urgent_off": not case["urgent"],
            "rate": case["rating"] is not None,
            "unreasonable": case["unreasonable"],
            "supervision_report": not open_sup}.get(effect, False)


def act(acct, case, action):
    """The answer to acct taking action on case: not_found, unknown_action, not_now (the
    state or condition rules it out), forbidden, or allowed."""
    if not visible(acct, case):
        return "not_found"
    lc = TYPES[case["type"]].lifecycle
    if action not in lc.actions:
        return "unknown_action"
    ever = lc.roles_ever(action)
    if ever and acct["role"] not in ever:
        return "forbidden"
    t = lc.transition(action, case["status"])
    if t is None or blocked(case, action):
        return "not_now"
    if acct["role"] not in t["roles"]:
        return "forbidden"
    if not who_may(acct, case, lc.actions[action]["needs"], lc):
        return "forbidden"
    return "allowed"


def handled_by(lc, case):
    """The unit that handled the case: the from_unit of its last step leaving a state of the
    handle phase for a state of another phase (the feedback, the reply); None if none."""
    unit = None
    for s in case["steps"]:
        if (lc.phases.get(s["from_state"]) == "handle"
                and lc.phases.get(s["to_state"]) != "handle"):
            unit = s["from_unit"]["id"]
    return unit


def who_may(acct, case, needs, lc):
    """The lifecycle's rules of who, beside the role: holder = of the unit holding the case;
    above = of a unit whose region contains the holder unit's and is larger (提级办理);
    not_reporter = not the account that reported it; not_handler = not of the unit that
    handled it. acct: {id, unit_id, unit_region}; case: with _holder_region."""
    unit = acct["unit_id"]
    if "holder" in needs and (not unit or unit != case["unit_id"]):
        return False
    if "above" in needs:
        mine, theirs = acct.get("unit_region"), case.get("_holder_region")
        if not (mine and theirs and len(mine) < len(theirs) and theirs.startswith(mine)):
            return False
    if "not_reporter" in needs and acct["id"] == case["steps"][0]["actor"]["id"]:
        return False
    if "not_handler" in needs and unit and unit == handled_by(lc, case):
        return False
    return True


def offered(acct, case):
    """The actions the case page offers acct: those it would be allowed to take now."""
    lc = TYPES[case["type"]].lifecycle
    return {a for a in lc.actions if act(acct, case, a) == "allowed"}


def may_report(acct, type_code):
    return acct["role"] in TYPES[type_code].lifecycle.report_roles()


def reporter_shown(acct, type_code):
    """Whether acct sees who reported a case of this type (whistle-blower protection)."""
    rr = TYPES[type_code].reporter_roles
    return rr is None or acct["role"] in rr


def may(acct, permission):
    return acct["role"] in PERMISSIONS[permission]
