"""test_access_matrix.py: the access matrix — every account of every role (demo accounts and
a few added with `pingan user add`: unit-bound accounts of a town, one without a unit, a
city administrator of a town) × cases inside and outside its scope (its own grid, another
grid of its village, another village of its town, another town; cases that passed through
committees, the police and the justice office; a tip-off; a petition; a residents' matter;
fraud warnings and their visit tasks) × every operation: read, the actions offered, list,
list by region, search, statistics, documents, attachments, warnings, every action name,
intake, the routing rules. Each answer is compared with reference.py, the rule written
apart from the server's check; ids in bodies (merge and link targets, dispatch units,
warning grids, idempotency keys) are tried against other regions' cases too. All
mismatches are reported together in one table (account, case, operation, expected, got).

Everything that writes happens in setUpClass; the tests only read, or try what must be
refused. Requests go out on kept-alive connections from a few threads."""
import hashlib
import http.client
import json
import subprocess
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

import reference as ref
from common import CITY, GRID, OTHER_GRID, OTHER_TOWN, TOWN, VILLAGE, ApiTest, q
from harness import PASSWORD, PINGAN, Response, Server, sql

GRID2 = VILLAGE + "002"             # another grid of the same village
VILLAGE2 = TOWN + "002"             # another village of the same town
V2_GRID = VILLAGE2 + "001"
OTHER_VILLAGE = OTHER_TOWN + "001"
REGIONS = [CITY, TOWN, OTHER_TOWN, VILLAGE, VILLAGE2, OTHER_VILLAGE, GRID, GRID2, V2_GRID,
           OTHER_GRID]
NOTE = "矩阵测试"
REPORTER = "矩阵举报人"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 13
THREADS = 4
MAX_ROWS = 80  # rows of the mismatch table shown

# demo accounts (README), and accounts the demo city lacks: (username, role, region, unit
# code), the unit-bound ones of a town, a committee's member limited to one town, a
# unit-bound account without a unit, a city administrator over one town only
DEMO = ["city_admin", "city_staff", "auditor", "police", "legal", "mediator_family",
        "mediator_medical", "town_101", "town_102", "village_101_001", "village_101_002",
        "grid_101_001_001", "grid_101_001_002", "sys_admin", "sec_admin", "province_42",
        "dept_env"]
EXTRA = [("police_101", "police", TOWN, "police-" + TOWN),
         ("legal_101", "legal", TOWN, "justice-" + TOWN),
         ("mediator_family_101", "mediator", TOWN, "committee-family"),
         ("legal_nounit", "legal", CITY, None),
         ("city_admin_101", "city_admin", TOWN, None)]

# the actions' parameters, and one a probe adds that the action does not take: past every
# access check the server then answers 400 naming it (or a parameter missing), and
# nothing is written
PARAMS = {"note", "unit_id", "target_case_id", "days", "rating", "tier", "record"}


def probe_body(action):
    # only the standard lifecycle has an action needing a tier (triage)
    needs = ref.LIFECYCLES["standard"].actions.get(action, {}).get("needs", set())
    return {"action": action, "rating": "satisfied"} if "tier" in needs else \
        {"action": action, "tier": "city"}


class Client:
    """HTTP on one kept-alive connection per thread."""

    def __init__(self, port):
        self.port = port
        self.local = threading.local()

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = "Bearer " + token
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                                    timeout=60)
            try:
                conn.request(method, path, body=data, headers=h)
                r = conn.getresponse()
                raw_body = r.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # the server closed a kept-alive connection before this request reached it
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        return Response(r.status, r.getheaders(), raw_body)

    def many(self, reqs):
        """Answers to [(method, path, body, token[, headers[, raw]])], in order."""
        with ThreadPoolExecutor(THREADS) as ex:
            return list(ex.map(lambda a: self.request(*a[:4], *a[4:]), reqs))


def err(r):
    """The error object of an answer ({} when it is none)."""
    return (r.json.get("error") or {}) if isinstance(r.json, dict) else {}


def status_field(r):
    """An answer as "STATUS FIELD" (the field its error names, when it names one)."""
    return ("%d %s" % (r.status, err(r).get("field", ""))).strip()


def placed(acct, role_ok, place, place_field, probe_field):
    """The answer due to a request naming a place: the role is judged first, then the
    place (in the account's region?), and past both the probe's own fault is named."""
    if not role_ok:
        return "403"
    if not ref.within(place, acct):
        return "403 " + place_field
    return "400 " + probe_field


def act_label(r):
    """What an answer to an action means, in the words of reference.act."""
    e = err(r)
    if r.status == 404:
        return "not_found"
    if r.status == 403:
        return "forbidden"
    if r.status == 409 and e.get("code") == "ACTION_NOT_ALLOWED":
        return "not_now"
    if r.status == 400 and e.get("field") == "action":
        return "unknown_action"
    if r.status == 400 and e.get("field") in PARAMS:
        return "allowed"
    return "%d %s" % (r.status, e.get("code", ""))


class Matrix:
    """Checks counted, mismatches kept for the table."""

    def __init__(self):
        self.checks = 0
        self.rows = []

    def check(self, acct, case, op, expected, got):
        self.checks += 1
        if expected != got:
            self.rows.append((acct, case, op, str(expected), str(got)))

    def table(self):
        w = [max([len(h)] + [len(r[i]) for r in self.rows[:MAX_ROWS]])
             for i, h in enumerate(("account", "case", "op", "expected", "got"))]
        lines = ["%d mismatches in %d checks" % (len(self.rows), self.checks)]
        for r in [("account", "case", "op", "expected", "got")] + self.rows[:MAX_ROWS]:
            lines.append("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
        if len(self.rows) > MAX_ROWS:
            lines.append("… and %d more" % (len(self.rows) - MAX_ROWS))
        return "\n".join(lines)


class AccessMatrixTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls._points = {}
        try:
            cls.server.start()
            cls.add_accounts()
            cls.http = Client(cls.server.port)
            cls.log_in()
            cls.build()
            cls.read_world()
        except Exception:
            cls.server.cleanup()
            raise

    # ---- set-up: accounts ----

    @classmethod
    def add_accounts(cls):
        units = dict(sql(cls.server.db, "SELECT code, id FROM units"))
        # each made ready as its owner would (password replaced, second factor enrolled):
        # the server keeps its token for the log-ins below
        for name, role, region, unit in EXTRA:
            cls.server.ready_user(name, role, region, unit=units[unit] if unit else None)

    @classmethod
    def log_in(cls):
        names = DEMO + [e[0] for e in EXTRA]
        with ThreadPoolExecutor(THREADS) as ex:
            list(ex.map(cls.server.login, names))
        cls.accounts = {}
        # each unit's region: whether an account's unit lies above a case's holder
        cls.unit_region = {i: str(r) for i, r in sql(cls.server.db,
                                                     "SELECT id, region FROM units")}
        for name in names:
            tok = cls.server.login(name)
            u = cls.http.request("GET", "/api/v1/session", token=tok).json["user"]
            cls.accounts[name] = {"name": name, "token": tok, "role": u["role"],
                                  "region": u["region"], "unit_id": u["unit_id"],
                                  "scope": u["scope"], "id": u["id"],
                                  "unit_region": cls.unit_region.get(u["unit_id"])}
        roles = {a["role"] for a in cls.accounts.values()}
        # every role has an account here but the public portal's, which no account may have
        # (test_portal)
        staff = set(ref.ROLES) - {"resident"}
        assert roles == staff, "roles without an account: %s" % (staff - roles)

    # ---- set-up: the cases ----

    @classmethod
    def call(cls, method, path, user, body=None, status=200, headers=None):
        r = cls.http.request(method, path, body=body, token=cls.accounts[user]["token"],
                             headers=headers)
        assert r.status == status, "%s %s as %s: %r" % (method, path, user, r)
        return r.json

    @classmethod
    def new_case(cls, label, user, grid, type_="dispute", category="neighbour", **over):
        g = cls.call("GET", "/api/v1/regions/" + grid, "city_admin")
        cls.word[label] = "zq%02dmx" % len(cls.word)
        body = {"type": type_, "category": category, "channel": "walk_in",
                "title": "矩阵 %s %s" % (cls.word[label], label), "description": NOTE,
                "lng": g["lng"], "lat": g["lat"]}
        body.update(over)
        c = cls.call("POST", "/api/v1/cases", user, body, status=201)
        cls.ids[label] = c["id"]
        return c

    @classmethod
    def steps(cls, label, *steps):
        for action, user, params in steps:
            body = dict(params, action=action)
            cls.call("POST", "/api/v1/cases/%d/actions" % cls.ids[label], user, body)

    @classmethod
    def build(cls):
        cls.ids, cls.word = {}, {}
        units = cls.call("GET", "/api/v1/units", "city_admin")["items"]
        cls.units = {u["code"]: u for u in units}
        uid = {k: u["id"] for k, u in cls.units.items()}
        fam, police, justice = uid["committee-family"], uid["city-police"], uid["city-justice"]
        accept = ("accept", "town_101", {})
        to_family = [accept, ("dispatch", "town_101", {"unit_id": fam}),
                     ("sign", "mediator_family", {})]
        closed = to_family + [("feedback", "mediator_family", {"note": NOTE}),
                              ("verify_pass", "town_101", {})]
        new, steps = cls.new_case, cls.steps
        new("own_reported", "town_101", GRID)
        new("own_accepted_urgent", "town_101", GRID)
        steps("own_accepted_urgent", ("accept", "village_101_001", {}),
              ("urgent_on", "town_101", {}))
        new("village_dispatched", "town_101", GRID2, category="family")
        steps("village_dispatched", *to_family[:2])
        new("village_handling", "town_101", GRID2, category="family")
        steps("village_handling", *to_family,
              ("apply_extension", "mediator_family", {"days": 5, "note": NOTE}),
              ("supervise", "city_staff", {"days": 5, "note": NOTE}))
        new("town_verifying", "town_101", V2_GRID, category="family")
        steps("town_verifying", *closed[:-1])
        new("town_closed", "town_101", V2_GRID, category="family")
        steps("town_closed", *closed)
        new("own_archived", "town_101", GRID, category="family")
        steps("own_archived", *closed, ("archive", "town_101", {}))
        new("own_rejected", "town_101", GRID)
        steps("own_rejected", ("reject", "village_101_001", {"note": NOTE}))
        new("own_merged", "town_101", GRID)
        steps("own_merged", ("merge", "village_101_001",
                             {"target_case_id": cls.ids["own_reported"], "note": NOTE}))
        # the town's police station held it, and sent it back: it passed through
        new("police_sent_back", "town_101", GRID, category="family")
        steps("police_sent_back", accept,
              ("dispatch", "town_101", {"unit_id": uid["police-" + TOWN]}),
              ("sign", "police_101", {}), ("send_back", "police_101", {"note": NOTE}))
        new("legal_transferred", "town_101", V2_GRID, category="family")
        steps("legal_transferred", accept,
              ("transfer", "town_101", {"unit_id": justice, "note": NOTE}))
        new("own_medical", "town_101", GRID, category="medical")  # straight to a committee
        cls.query_code = new("tipoff", "town_101", GRID, "tipoff", "village_bully",
                             parties=[{"role": "reporter", "name": REPORTER,
                                       "phone": "13912345678"},
                                      {"role": "respondent", "name": "矩阵被举报人"}]
                             )["query_code"]
        new("petition", "town_101", GRID2, "petition", "labour", fields={"form": "来访"})
        steps("petition", accept,
              ("assign", "town_101", {"unit_id": uid["justice-" + TOWN], "note": NOTE}),
              ("sign", "legal_101", {}))
        new("resident", "town_101", V2_GRID, "resident", "public_works")
        new("other_reported", "town_102", OTHER_GRID)
        new("other_medical", "town_102", OTHER_GRID, category="medical")
        new("other_family", "town_102", OTHER_GRID, category="family")
        steps("other_family", ("accept", "town_102", {}),
              ("dispatch", "town_102", {"unit_id": fam}), ("sign", "mediator_family", {}))
        new("other_police", "town_102", OTHER_GRID, category="family")
        steps("other_police", ("accept", "town_102", {}),
              ("dispatch", "town_102", {"unit_id": police}), ("sign", "police", {}))
        # one action with an idempotency key: nobody else may get its answer by the key
        new("keyed", "town_101", GRID)
        cls.key = "matrix-idem-key-0001"
        cls.keyed_answer = cls.call("POST", "/api/v1/cases/%d/actions" % cls.ids["keyed"],
                                    "town_101", {"action": "urgent_on"},
                                    headers={"Idempotency-Key": cls.key})
        for label, user, grids in (("warning", "town_101", [GRID, GRID2]),
                                   ("other_warning", "town_102", [OTHER_GRID])):
            cls.word[label] = "zq%02dmx" % len(cls.word)
            w = cls.call("POST", "/api/v1/warnings", user,
                         {"title": "矩阵 %s 预警" % cls.word[label], "description": NOTE,
                          "category": "telecom_fraud", "grids": grids}, status=201)
            cls.ids[label] = w["id"]
            for t in w["tasks"]:
                cls.ids["%s_task_%s" % (label, t["grid"][-6:])] = t["case_id"]
        # a file on every case, each its own
        cls.sha = {}
        for label, cid in cls.ids.items():
            data = PNG + label.encode()
            r = cls.http.request("POST", "/api/v1/cases/%d/attachments" % cid, raw=data,
                                 token=cls.accounts["city_admin"]["token"])
            assert r.status == 201, (label, r)
            cls.sha[label] = hashlib.sha256(data).hexdigest()
        cls.label = {cid: label for label, cid in cls.ids.items()}

    @classmethod
    def read_world(cls):
        """Every case as an account that sees the whole city reads it; which cases exist
        comes from the database file itself, not from any listing."""
        ids = [r[0] for r in sql(cls.server.db, "SELECT id FROM cases ORDER BY id")]
        tok = cls.accounts["city_admin"]["token"]
        answers = cls.http.many([("GET", "/api/v1/cases/%d" % i, None, tok) for i in ids])
        cls.world = {}
        for i, r in zip(ids, answers):
            assert r.status == 200, "city_admin cannot read case %d: %r" % (i, r)
            c = r.json
            c["_units"] = ref.case_units(c)
            c["_holder_region"] = cls.unit_region.get(c["unit_id"])
            c["_text"] = " ".join((c["title"], c["description"], c["address"] or "")).lower()
            cls.world[i] = c
        cls.fixture = [cls.world[cls.ids[label]] for label in cls.ids]
        cls._visible = {}

    # ---- helpers ----

    def name(self, case):
        return "%s #%d" % (self.label.get(case["id"], "demo"), case["id"])

    def visible_ids(self, acct, prefix=""):
        """The ids of the cases the reference lets acct see, within a region."""
        seen = self._visible.get(acct["name"])
        if seen is None:
            seen = self._visible[acct["name"]] = {i for i, c in self.world.items()
                                                  if ref.visible(acct, c)}
        return {i for i in seen if self.world[i]["grid"].startswith(prefix)}

    def each(self, make, check, m=None):
        """Every account × every fixture case: make(acct, case) → a request or None (none
        sent); check(matrix, acct, case, answer). Adds to m when given."""
        m = m or Matrix()
        jobs = [(a, c) for a in self.accounts.values() for c in self.fixture]
        jobs = [(a, c, make(a, c)) for a, c in jobs]
        jobs = [j for j in jobs if j[2] is not None]
        for (a, c, _), r in zip(jobs, self.http.many([j[2] for j in jobs])):
            check(m, a, c, r)
        return m

    def assertClean(self, m):
        self.assertGreater(m.checks, 0)
        if m.rows:
            self.fail("\n" + m.table())

    # ---- the accounts themselves ----

    def test_accounts_have_the_scope_of_their_role(self):
        m = Matrix()
        for a in self.accounts.values():
            m.check(a["name"], "-", "session scope", ref.ROLES[a["role"]], a["scope"])
        self.assertClean(m)

    # ---- reading a case ----

    def test_read(self):
        gone = self.http.request("GET", "/api/v1/cases/999999999",
                                 token=self.accounts["town_101"]["token"])
        self.assertStatus(gone, 404)

        def check(m, a, c, r):
            want = ref.visible(a, c)
            m.check(a["name"], self.name(c), "read", 200 if want else 404, r.status)
            if r.status == 404:
                # the same answer as a case that does not exist: no existence oracle
                m.check(a["name"], self.name(c), "read 404 body", err(gone)["code"],
                        err(r).get("code"))
                m.check(a["name"], self.name(c), "read 404 message",
                        err(gone)["message"].replace("999999999", "N"),
                        err(r).get("message", "").replace(str(c["id"]), "N"))
            if r.status != 200:
                return
            got = {x["action"] for x in r.json["actions"]}
            m.check(a["name"], self.name(c), "actions offered",
                    sorted(ref.offered(a, c)), sorted(got))
            rep = [p["name"] for p in r.json["parties"] if p["role"] == "reporter"]
            if rep:
                m.check(a["name"], self.name(c), "reporter shown",
                        ref.reporter_shown(a, c["type"]), REPORTER in rep)

        self.assertClean(self.each(lambda a, c: ("GET", "/api/v1/cases/%d" % c["id"], None,
                                                 a["token"]), check))

    # ---- lists, search, statistics ----

    def walk(self, acct, **params):
        ids, cursor = [], None
        for _ in range(200):
            p = dict(params, limit=200)
            if cursor:
                p["cursor"] = cursor
            r = self.http.request("GET", q("/api/v1/cases", **p), token=acct["token"])
            if r.status != 200:
                return r.status
            ids += [i["id"] for i in r.json["items"]]
            cursor = r.json["next_cursor"]
            if not cursor:
                return ids
        self.fail("the list did not end")

    def check_ids(self, m, acct, op, expected, got):
        """A list against the cases the reference lets acct see: each case missing or
        leaked is a row."""
        if isinstance(got, int):
            m.check(acct["name"], "-", op, 200, got)
            return
        self.assertEqual(len(got), len(set(got)), "%s: %s lists a case twice" % (op, acct))
        got = set(got)
        for i in sorted(expected | got):
            m.check(acct["name"], self.name(self.world[i]) if i in self.world else "#%d" % i,
                    op, "listed" if i in expected else "absent",
                    "listed" if i in got else "absent")

    def test_list(self):
        m = Matrix()
        with ThreadPoolExecutor(THREADS) as ex:
            walks = list(ex.map(lambda a: self.walk(a), self.accounts.values()))
        for a, got in zip(self.accounts.values(), walks):
            self.check_ids(m, a, "list", self.visible_ids(a), got)
        self.assertClean(m)

    def test_list_filtered(self):
        # filters only narrow: a region outside the account's own is an empty list, never
        # another's rows
        filters = [{"region": r} for r in REGIONS] + [
            {"type": "tipoff"}, {"status": "handling"}, {"category": "family"},
            {"type": "fraud_visit", "region": VILLAGE}]
        m = Matrix()
        jobs = [(a, f) for a in self.accounts.values() for f in filters]
        with ThreadPoolExecutor(THREADS) as ex:
            walks = list(ex.map(lambda j: self.walk(j[0], **j[1]), jobs))
        for (a, f), got in zip(jobs, walks):
            want = {i for i in self.visible_ids(a, f.get("region", ""))
                    if all(self.world[i][k] == v for k, v in f.items() if k != "region")}
            self.check_ids(m, a, "list " + q("", **f)[1:], want, got)
        self.assertClean(m)

    def test_search(self):
        m = Matrix()
        words = list(self.word.items())
        jobs = [(a, label, w) for a in self.accounts.values() for label, w in words]
        answers = self.http.many([("GET", q("/api/v1/cases", q=w, limit=200), None,
                                   a["token"]) for a, _, w in jobs])
        for (a, label, w), r in zip(jobs, answers):
            want = {i for i in self.visible_ids(a) if w in self.world[i]["_text"]}
            got = [i["id"] for i in r.json["items"]] if r.status == 200 else r.status
            self.check_ids(m, a, "search q=" + w, want, got)
        # the protected reporter's name finds nothing for those who may not see it
        for a in self.accounts.values():
            r = self.http.request("GET", q("/api/v1/cases", q=REPORTER), token=a["token"])
            found = self.ids["tipoff"] in [i["id"] for i in r.json["items"]]
            if not ref.reporter_shown(a, "tipoff"):
                m.check(a["name"], "tipoff", "search reporter's name", False, found)
        self.assertClean(m)

    def test_stats(self):
        m = Matrix()
        jobs = [(a, r) for a in self.accounts.values() for r in REGIONS + [None]]
        answers = self.http.many([("GET", q("/api/v1/stats", **({"region": r} if r else {})),
                                   None, a["token"]) for a, r in jobs])
        for (a, region), r in zip(jobs, answers):
            op = "stats region=%s" % region
            if region and not ref.within(region, a):
                m.check(a["name"], "-", op, 403, r.status)
                continue
            m.check(a["name"], "-", op, 200, r.status)
            if r.status != 200:
                continue
            cases = [self.world[i] for i in self.visible_ids(a, region or a["region"])]
            m.check(a["name"], "-", op + " total", len(cases), r.json["total"])
            for key, field in (("by_status", "status"), ("by_type", "type"),
                               ("by_category", "category")):
                want = {}
                for c in cases:
                    want[c[field]] = want.get(c[field], 0) + 1
                for k in sorted(set(want) | set(r.json[key])):
                    m.check(a["name"], "-", "%s %s.%s" % (op, key, k), want.get(k, 0),
                            r.json[key].get(k, 0))
        self.assertClean(m)

    # ---- documents and files ----

    def test_documents(self):
        # the agreement prints the parties in full: a reveal, so a role without pii_reveal
        # is refused (403) before the case is read, as POST …/reveal is; then the scoped
        # read decides: 404 outside; inside, a case with no agreement recorded is a 409
        # (cheap), and the dossier is printed (sampled: a document takes a third of a
        # second)
        def check(m, a, c, r):
            m.check(a["name"], self.name(c), "documents/agreement",
                    403 if not ref.may(a, "pii_reveal") else
                    409 if ref.visible(a, c) else 404, r.status)

        m = self.each(lambda a, c: ("GET", q("/api/v1/cases/%d/documents/agreement" % c["id"],
                                             reason="矩阵打印协议书"), None, a["token"]),
                      check)
        # what each case prints, listed for those who may read it alone
        self.each(lambda a, c: ("GET", "/api/v1/cases/%d/documents" % c["id"], None,
                                a["token"]),
                  lambda m_, a, c, r: m_.check(a["name"], self.name(c), "documents",
                                               200 if ref.visible(a, c) else 404, r.status),
                  m)
        self.each(lambda a, c: None if ref.visible(a, c) else
                  ("GET", "/api/v1/cases/%d/documents/dossier" % c["id"], None, a["token"]),
                  lambda m_, a, c, r: m_.check(a["name"], self.name(c), "documents/dossier",
                                               404, r.status), m)
        # the tip-off's dossier, printed for a reader who may not know who reported it
        tip = self.world[self.ids["tipoff"]]
        a = self.accounts["town_101"]
        self.assertTrue(ref.visible(a, tip) and not ref.reporter_shown(a, "tipoff"))
        r = self.http.request("GET", "/api/v1/cases/%d/documents/dossier" % tip["id"],
                              token=a["token"])
        m.check(a["name"], "tipoff", "documents/dossier", 200, r.status)
        if r.status == 200:
            text = subprocess.run(["pdftotext", "-", "-"], input=r.raw, capture_output=True,
                                  check=True).stdout.decode("utf-8")
            m.check(a["name"], "tipoff", "dossier names the reporter", False,
                    REPORTER in "".join(text.split()))
            m.check(a["name"], "tipoff", "dossier names the respondent", True,
                    "矩阵被举报人" in "".join(text.split()))
        self.assertClean(m)

    def test_attachments(self):
        def get(a, c):
            return ("GET", "/api/v1/cases/%d/attachments/%s" % (c["id"], self.sha[self.label[
                c["id"]]]), None, a["token"])

        def check(m, a, c, r):
            m.check(a["name"], self.name(c), "attachment get",
                    200 if ref.visible(a, c) else 404, r.status)

        m = self.each(get, check)
        # a case the account sees, with another case's file: not found
        jobs = []
        for a in self.accounts.values():
            seen = [c for c in self.fixture if ref.visible(a, c)]
            for c in (self.fixture if seen else []):
                if c["id"] != seen[0]["id"]:
                    jobs.append((a, c, ("GET", "/api/v1/cases/%d/attachments/%s" % (
                        seen[0]["id"], self.sha[self.label[c["id"]]]), None, a["token"])))
        for (a, c, _), r in zip(jobs, self.http.many([j[2] for j in jobs])):
            m.check(a["name"], self.name(c), "attachment of it via another case", 404,
                    r.status)

        # adding a file: 404 outside, 403 for a role that reports no such case; where it
        # would be allowed nothing is sent (it would write)
        def add(a, c):
            if ref.visible(a, c) and ref.may_report(a, c["type"]):
                return None
            data = PNG + ("probe %s %d" % (a["name"], c["id"])).encode()
            return ("POST", "/api/v1/cases/%d/attachments" % c["id"], None, a["token"], None,
                    data)

        def add_check(m_, a, c, r):
            m_.check(a["name"], self.name(c), "attachment add",
                     403 if ref.visible(a, c) else 404, r.status)

        self.each(add, add_check, m)
        self.assertClean(m)

    # ---- warnings ----

    def test_warning_progress(self):
        def check(m, a, c, r):
            is_warning = c["type"] == "fraud_warning"
            want = 200 if is_warning and ref.visible(a, c) else 404
            m.check(a["name"], self.name(c), "warning progress", want, r.status)
            if r.status == 200 and want == 200:
                tasks = {t["case_id"] for t in r.json["tasks"]}
                want_tasks = {x["case_id"] for x in c["links"] if x["kind"] == "task"}
                m.check(a["name"], self.name(c), "warning tasks listed",
                        sorted(i for i in want_tasks if ref.visible(a, self.world[i])),
                        sorted(tasks))

        self.assertClean(self.each(lambda a, c: ("GET", "/api/v1/warnings/%d" % c["id"], None,
                                                 a["token"]), check))

    def test_warning_grids(self):
        # grids outside the account's region: refused; inside, a second grid that is no
        # grid code stops the request after the first one passed (nothing is written)
        issue = ref.TYPES["fraud_warning"].lifecycle.report_roles() & \
            ref.TYPES["fraud_visit"].lifecycle.report_roles()
        m = Matrix()
        jobs = [(a, g) for a in self.accounts.values() for g in (GRID, GRID2, V2_GRID,
                                                                 OTHER_GRID)]
        body = {"title": "矩阵越权预警", "description": NOTE, "category": "telecom_fraud"}
        answers = self.http.many([("POST", "/api/v1/warnings", dict(body, grids=[g, "12345"]),
                                   a["token"]) for a, g in jobs])
        for (a, g), r in zip(jobs, answers):
            m.check(a["name"], g, "warning grids",
                    placed(a, a["role"] in issue, g, "grids[0]", "grids[1]"), status_field(r))
        self.assertClean(m)

    # ---- actions ----

    def test_actions(self):
        names = ref.ACTIONS + ["no_such_action"]
        jobs = [(a, c, n) for a in self.accounts.values() for c in self.fixture for n in names]
        answers = self.http.many([("POST", "/api/v1/cases/%d/actions" % c["id"], probe_body(n),
                                   a["token"]) for a, c, n in jobs])
        m = Matrix()
        for (a, c, n), r in zip(jobs, answers):
            want = ref.act(a, c, n) if n in ref.ACTIONS else \
                ("unknown_action" if ref.visible(a, c) else "not_found")
            m.check(a["name"], self.name(c), "act " + n, want, act_label(r))
        self.assertClean(m)

    def test_role_never_allowed_is_forbidden_in_any_state(self):
        # authority is judged before the moment: an auditor accepting a closed case is
        # refused as one who may never accept, not told "not now"
        c = self.ids["town_closed"]
        for user, action, status, code in (("auditor", "accept", 403, "FORBIDDEN"),
                                           ("city_admin", "sign", 403, "FORBIDDEN"),
                                           ("town_101", "sign", 409, "ACTION_NOT_ALLOWED"),
                                           ("town_101", "report", 409, "ACTION_NOT_ALLOWED")):
            r = self.http.request("POST", "/api/v1/cases/%d/actions" % c,
                                  body={"action": action}, token=self.accounts[user]["token"])
            with self.subTest(user=user, action=action):
                self.assertError(r, status, code, "action")

    def test_idempotency_key_is_the_callers_own(self):
        # another account sending the same key and body gets its own answer
        c = self.world[self.ids["keyed"]]
        m = Matrix()
        for a in self.accounts.values():
            r = self.http.request("POST", "/api/v1/cases/%d/actions" % c["id"],
                                  body={"action": "urgent_on"}, token=a["token"],
                                  headers={"Idempotency-Key": self.key})
            if a["name"] == "town_101":
                m.check(a["name"], "keyed", "replay own key", self.keyed_answer, r.json)
            else:
                m.check(a["name"], "keyed", "someone else's key", ref.act(a, c, "urgent_on"),
                        act_label(r))
        self.assertClean(m)

    # ---- ids in bodies ----

    def test_related_case_in_body(self):
        # merge and link may name only a case the account sees; one it does not see is
        # refused as a case that does not exist would be
        m = Matrix()
        before = self.snapshot()
        jobs = []
        for a in self.accounts.values():
            for c in self.fixture:
                for action in ("merge", "link"):
                    if ref.act(a, c, action) != "allowed":
                        continue
                    for o in self.fixture + [{"id": 999999999}]:
                        if o["id"] not in self.world or not ref.visible(a, o):
                            jobs.append((a, c, action, o))
        answers = self.http.many([("POST", "/api/v1/cases/%d/actions" % c["id"],
                                   {"action": action, "target_case_id": o["id"], "note": NOTE},
                                   a["token"])
                                  for a, c, action, o in jobs])
        self.assertGreater(len(jobs), 50)
        for (a, c, action, o), r in zip(jobs, answers):
            e = err(r)
            got = "%d %s %s %s" % (r.status, e.get("code"), e.get("field"),
                                   e.get("message", "").replace(str(o["id"]), "N"))
            m.check(a["name"], self.name(c), "%s target %s" % (action, self.label.get(
                o["id"], "none")), "400 BAD_FIELD target_case_id 您的管辖范围内没有案件 N", got)
        self.assertClean(m)
        self.assertEqual(self.snapshot(), before, "a refusal wrote")

    def test_unit_in_body(self):
        # a unit that does not work where the case lies cannot be sent it
        m = Matrix()
        before = self.snapshot()
        # the units of the towns, and of villages near and far
        units = [u for u in self.units.values() if u["kind"] != "village_centre"
                 or u["region"] in (VILLAGE, VILLAGE2, OTHER_VILLAGE)]
        jobs = []
        for a in self.accounts.values():
            for c in self.fixture:
                for action in ("dispatch", "reroute", "transfer", "assign"):
                    lc = ref.TYPES[c["type"]].lifecycle
                    if action not in lc.actions or ref.act(a, c, action) != "allowed":
                        continue
                    jobs += [(a, c, action, u) for u in units
                             if not c["grid"].startswith(u["region"])]
        answers = self.http.many([("POST", "/api/v1/cases/%d/actions" % c["id"],
                                   {"action": action, "unit_id": u["id"], "note": NOTE},
                                   a["token"]) for a, c, action, u in jobs])
        self.assertGreater(len(jobs), 50)
        for (a, c, action, u), r in zip(jobs, answers):
            e = err(r)
            m.check(a["name"], self.name(c), "%s unit %s" % (action, u["code"]),
                    "400 BAD_FIELD unit_id", "%d %s %s" % (r.status, e.get("code"),
                                                           e.get("field")))
        self.assertClean(m)
        self.assertEqual(self.snapshot(), before, "a refusal wrote")

    def snapshot(self):
        """What refusals must leave as it was: each fixture case's steps, links, state."""
        tok = self.accounts["city_admin"]["token"]
        now = self.http.many([("GET", "/api/v1/cases/%d" % c["id"], None, tok)
                              for c in self.fixture])
        return {self.name(c): (len(r.json["steps"]), r.json["links"], r.json["status"])
                for c, r in zip(self.fixture, now)}

    # ---- intake ----

    def test_create(self):
        # every type anyone reports, in every kind of place: the role first, then the
        # place; a field the type lacks stops an allowed request before anything is
        # written
        types = [t for t in ref.TYPES.values() if not t.intake]
        points = {g: self.call("GET", "/api/v1/regions/" + g, "city_admin")
                  for g in (GRID, GRID2, V2_GRID, OTHER_GRID)}
        jobs = [(a, t, g) for a in self.accounts.values() for t in types for g in points]

        def body(t, g):
            return {"type": t.code, "category": t.categories[0], "channel": "walk_in",
                    "title": "矩阵越权上报", "description": NOTE, "lng": points[g]["lng"],
                    "lat": points[g]["lat"], "fields": {"matrix_probe": 1}}

        answers = self.http.many([("POST", "/api/v1/cases", body(t, g), a["token"])
                                  for a, t, g in jobs])
        m = Matrix()
        for (a, t, g), r in zip(jobs, answers):
            m.check(a["name"], g, "create " + t.code,
                    placed(a, ref.may_report(a, t.code), g, "lng", "fields.matrix_probe"),
                    status_field(r))
        self.assertClean(m)

    # ---- the routing rules: a permission, not a scope ----

    def test_routing_permissions(self):
        m = Matrix()
        for a in self.accounts.values():
            read = ref.may(a, "routing_read")
            for path in ("/api/v1/routing", "/api/v1/routing/versions"):
                r = self.http.request("GET", path, token=a["token"])
                m.check(a["name"], "-", "GET " + path, 200 if read else 403, r.status)
            # the rules route the whole city: only an account over all of it changes them
            # (the city centre's head, or the system administrator, who sees no case); an
            # empty body stops an allowed request before anything is written
            admin = ref.may(a, "routing_admin") and ref.ROLES[a["role"]] != "unit" and \
                a["region"] == CITY
            r = self.http.request("PUT", "/api/v1/routing", body={}, token=a["token"])
            m.check(a["name"], "-", "PUT /api/v1/routing", 400 if admin else 403, r.status)
        self.assertClean(m)

    # ---- units: a permission bounded by the administrator's region ----

    def test_units_permissions(self):
        m = Matrix()
        units = {u["code"]: u for u in self.http.request(
            "GET", "/api/v1/units", token=self.accounts["city_admin"]["token"]).json["items"]}
        centres = [units["town-" + TOWN], units["town-" + OTHER_TOWN]]
        for a in self.accounts.values():
            admin = ref.may(a, "units_admin")
            r = self.http.request("GET", "/api/v1/units", token=a["token"])
            m.check(a["name"], "-", "GET /api/v1/units", 200, r.status)
            m.check(a["name"], "-", "GET /api/v1/units may_manage", admin,
                    r.json["may_manage"] if r.status == 200 else None)
            # a kind no unit has stops an allowed request before anything is written,
            # after the region is checked against the administrator's own
            body = {"code": "matrix-unit", "name": NOTE, "kind": "castle",
                    "region": OTHER_TOWN, "tier": "town"}
            r = self.http.request("POST", "/api/v1/units", body=body, token=a["token"])
            m.check(a["name"], OTHER_TOWN, "POST /api/v1/units",
                    (400 if ref.within(OTHER_TOWN, a) else 403) if admin else 403, r.status)
            for u in centres:
                r = self.http.request("PATCH", "/api/v1/units/%d" % u["id"],
                                      body={"tier": "nowhere"}, token=a["token"])
                m.check(a["name"], u["region"], "PATCH /api/v1/units/{id}",
                        (400 if ref.within(u["region"], a) else 404) if admin else 403,
                        r.status)
        self.assertClean(m)

    # ---- the reporter's query code ----

    def test_track_shows_no_one(self):
        tip = self.world[self.ids["tipoff"]]
        r = self.http.request("GET", "/api/v1/track?code=ABCDEFGHJKLMNPQR")
        self.assertStatus(r, 404)
        # what the tracking answer may say of the tip-off: no person, no unit
        r = self.http.request("GET", "/api/v1/track?code=" + self.query_code)
        self.assertStatus(r, 200)
        self.assertEqual(r.json["number"], tip["number"])
        text = r.raw.decode("utf-8")
        for s in [REPORTER, "矩阵被举报人"] + [u["name"] for u in self.units.values()]:
            self.assertNotIn(s, text)


if __name__ == "__main__":
    unittest.main()
