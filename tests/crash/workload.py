"""workload.py: the clients of the crash harness — threads that report cases, act on them
and attach files while the server may die under them — and the ledger of what the server
acknowledged (a 2xx answer) and what a client still has to retry. Standard library only."""
import hashlib
import http.client
import random
import threading
import traceback

GRID = "429006101001001"
TOWN = "town_101"            # reports, accepts, dispatches, verifies, archives
VILLAGE = "village_101_001"  # signs for what is dispatched to its centre and handles it
USERS = (TOWN, VILLAGE)

# the closed loop of a standard-lifecycle case: its state -> the actions taken from it and
# who takes them (data/lifecycles/standard.conf); urgency may change beside any of them
LOOP = {
    "reported": (("accept", TOWN),),
    "accepted": (("dispatch", TOWN),),
    "dispatched": (("sign", VILLAGE),),
    "handling": (("handle", VILLAGE), ("feedback", VILLAGE)),
    "verifying": (("verify_pass", TOWN), ("verify_fail", TOWN)),
    "closed": (("archive", TOWN),),
}
BESIDE = (("urgent_on", TOWN), ("urgent_off", TOWN))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 13

# what a dead or dying server does to a request: its outcome is unknown
LOST_ANSWER = (OSError, http.client.HTTPException)


class Ledger:
    """What the server acknowledged, shared by the client threads (under lock). Every
    request carries a tag of its own (the title of a case, the note of an action, the name
    of a file), so the database can be searched for it and a duplicate shows."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.lock = threading.Lock()
        self.n = 0
        self.cases = {}     # id -> {"title", "description", "number", "parties", "key"}
        self.steps = []     # {"case", "seq", "action", "to", "note"}
        self.files = []     # {"case", "sha256", "size", "name"}
        self.keys = {}      # idempotency key of a case acknowledged -> (user, case id)
        self.retry = []     # keyed requests to send again once the server is back
        self.state = {}     # case id -> the state last acknowledged (for the next action)
        self.live = []      # ids of acknowledged cases not yet archived
        self.problems = []  # what the clients saw that must not happen
        self.sent = self.unknown = self.refused = 0

    def tag(self, kind):
        with self.lock:
            self.n += 1
            return "%s-%s%06d" % (self.prefix, kind, self.n)

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def acknowledged(self):
        return len(self.cases) + len(self.steps) + len(self.files)


class Client(threading.Thread):
    """One client: takes a retry or makes a new request whenever a round is on; every
    request that fails on the wire is of unknown outcome, never acknowledged."""

    def __init__(self, harness, seed):
        super().__init__(daemon=True)
        self.h = harness
        self.led = harness.ledger
        self.rnd = random.Random(seed)

    def run(self):
        while self.h.begin_step():
            try:
                self.step()
            except LOST_ANSWER:
                with self.led.lock:
                    self.led.unknown += 1
            except Exception:  # noqa: BLE001 — a broken client must fail the run
                self.led.problem("client: %s" % traceback.format_exc(limit=3))
            finally:
                self.h.end_step()

    # ---- requests ----

    def send(self, method, path, user, body=None, raw=None, key=None, ctype=None):
        headers = {}
        if key:
            headers["Idempotency-Key"] = key
        if ctype:
            headers["Content-Type"] = ctype
        with self.led.lock:
            self.led.sent += 1
        r = self.h.server.request(method, path, body=body, raw=raw, headers=headers,
                                  token=self.h.tokens[user])
        if r.status >= 500:
            self.led.problem("%s %s: %r" % (method, path, r))
        elif r.status >= 300:
            with self.led.lock:
                self.led.refused += 1
        return r

    def step(self):
        led, rnd = self.led, self.rnd
        with led.lock:
            job = None
            if led.retry and rnd.random() < 0.5:
                job = led.retry.pop(rnd.randrange(len(led.retry)))
            cases = list(led.live[-40:])
        if job:
            return self.resend(job)
        x = rnd.random()
        if x < 0.35 or not cases:
            return self.create(keyed=rnd.random() < 0.5)
        cid = rnd.choice(cases)
        if x < 0.9:
            return self.act(cid, keyed=rnd.random() < 0.3)
        return self.attach(cid)

    # ---- reporting a case ----

    def case_body(self, tag):
        title = tag + " 邻里纠纷：楼上漏水"
        body = {"type": "dispute", "category": "neighbour", "title": title,
                "description": "崩溃测试：%s 的经过" % tag, "lng": self.h.point[0],
                "lat": self.h.point[1], "channel": "walk_in"}
        n = self.rnd.randrange(3)
        body["parties"] = [{"role": ("applicant", "respondent")[i % 2],
                            "name": "当事人%s-%d" % (tag[-6:], i)} for i in range(n)]
        return body

    def create(self, keyed):
        tag = self.led.tag("c")
        job = {"kind": "create", "body": self.case_body(tag),
               "key": tag + "-key" if keyed else None, "case": None}
        self.post_case(job)

    def post_case(self, job):
        try:
            r = self.send("POST", "/api/v1/cases", TOWN, body=job["body"], key=job["key"])
        except LOST_ANSWER:
            if job["key"]:
                self.later(job)
            raise
        first = job["case"] is None
        if r.status not in (200, 201):
            if not first:
                self.led.problem("key %s answered case %s, after a crash %r"
                                 % (job["key"], job["case"], r))
            return
        c, b = r.json, job["body"]
        if not first and (c["id"], c["number"]) != job["case"]:
            self.led.problem("duplicate: key %s first answered case %s, after a crash %s"
                             % (job["key"], job["case"], (c["id"], c["number"])))
            return
        if c["title"] != b["title"] or c["status"] != "reported":
            self.led.problem("case %s answered as %r" % (b["title"], r))
            return
        with self.led.lock:
            if c["id"] not in self.led.cases:
                self.led.cases[c["id"]] = {
                    "title": b["title"], "description": b["description"], "number": c["number"],
                    "key": job["key"], "parties": [(p["role"], p["name"]) for p in b["parties"]]}
                self.led.state[c["id"]] = c["status"]
                self.led.live.append(c["id"])
            if job["key"]:
                self.led.keys[job["key"]] = (TOWN, c["id"])
        if job["key"] and first:
            job["case"] = (c["id"], c["number"])
            self.h.replay_later(job)

    # ---- acting on it ----

    def act(self, cid, keyed):
        with self.led.lock:
            state = self.led.state.get(cid)
        choices = LOOP.get(state, ())
        if state and self.rnd.random() < 0.15:
            choices = BESIDE
        if not choices:
            return
        action, user = self.rnd.choice(choices)
        note = self.led.tag("a")
        body = {"action": action, "note": note}
        if action == "dispatch":
            body["unit_id"] = self.h.village_unit
        job = {"kind": "act", "case": cid, "user": user, "body": body,
               "key": note + "-key" if keyed else None, "seq": None}
        self.post_action(job)

    def post_action(self, job):
        path = "/api/v1/cases/%d/actions" % job["case"]
        try:
            r = self.send("POST", path, job["user"], body=job["body"], key=job["key"])
        except LOST_ANSWER:
            if job["key"]:
                self.later(job)
            raise
        if r.status != 200 and job["seq"] is not None:
            self.led.problem("key %s answered step %d, after a crash %r"
                             % (job["key"], job["seq"], r))
            return
        if r.status == 409:
            self.refresh(job["case"])
            return
        if r.status != 200:
            return
        steps = r.json.get("steps")
        if not steps:
            self.led.problem("action %s answered without its steps: %r" % (job["body"]["note"], r))
            return
        seq = len(steps)
        if steps[-1].get("note") != job["body"]["note"]:
            # later steps may follow on a replay; find ours by its note
            seq = next((s["seq"] for s in steps if s.get("note") == job["body"]["note"]), None)
        if seq is None or (job["seq"] is not None and seq != job["seq"]):
            self.led.problem("duplicate or lost: action %s first answered as step %s, then %s"
                             % (job["body"]["note"], job["seq"], seq))
            return
        if job["seq"] is not None:
            return  # a replay: the answer is the first one, the state may have moved on
        with self.led.lock:
            self.led.steps.append({"case": job["case"], "seq": seq,
                                   "action": job["body"]["action"],
                                   "to": steps[seq - 1]["to_state"],
                                   "note": job["body"]["note"]})
            self.led.state[job["case"]] = r.json["status"]
            if r.json["status"] == "archived" and job["case"] in self.led.live:
                self.led.live.remove(job["case"])
        if job["key"]:
            job["seq"] = seq
            self.h.replay_later(job)

    def refresh(self, cid):
        """The state a client believed was stale (an answer lost in a crash): read it."""
        r = self.send("GET", "/api/v1/cases/%d" % cid, TOWN)
        if r.status == 200:
            with self.led.lock:
                self.led.state[cid] = r.json["status"]

    # ---- attaching a file ----

    def attach(self, cid):
        name = self.led.tag("f") + ".png"
        data = PNG + name.encode() + self.rnd.randbytes(self.rnd.randrange(16, 2048))
        r = self.send("POST", "/api/v1/cases/%d/attachments?name=%s" % (cid, name), TOWN,
                      raw=data, ctype="image/png")
        if r.status == 201:
            sha = hashlib.sha256(data).hexdigest()
            if r.json.get("sha256") != sha:
                self.led.problem("attachment %s answered with %r" % (name, r))
                return
            with self.led.lock:
                self.led.files.append({"case": cid, "sha256": sha, "size": len(data),
                                       "name": name})

    # ---- retries ----

    def later(self, job):
        with self.led.lock:
            self.led.retry.append(job)

    def resend(self, job):
        if job["kind"] == "create":
            self.post_case(job)
        else:
            self.post_action(job)
