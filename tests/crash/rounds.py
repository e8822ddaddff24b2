"""rounds.py: one crash run — a real `pingan serve` on a copy of the demo city, client
threads writing to it, SIGKILL at a random moment, the database checked read-only, the
server started again; round after round. Then the requests still unanswered are sent again,
the server stops cleanly and everything is checked a last time."""
import os
import random
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from harness import Server  # noqa: E402  (tests/api/harness.py)
from verify import verify  # noqa: E402
from workload import GRID, LOST_ANSWER, USERS, VILLAGE, Client, Ledger  # noqa: E402


class CrashRun:
    def __init__(self, name, kills, seed, threads=6, unsafe=False, max_up=0.6, show=10,
                 until_caught=False):
        """show: at most this many problems printed per check; until_caught: stop killing
        once a loss or a duplicate is seen (the negative control)."""
        self.name, self.until_caught = name, until_caught
        self.kills, self.seed, self.nthreads, self.max_up = kills, seed, threads, max_up
        self.show = show
        self.rnd = random.Random(seed)
        extra = ["--quiet"] + (["--unsafe-early-ack"] if unsafe else [])
        self.server = Server(extra_args=extra)
        self.files_dir = self.server.db + ".files"
        self.ledger = Ledger("crash%d" % seed)
        self.cv = threading.Condition()
        self.active = self.stopping = False
        self.busy = 0
        self.replays = []  # acknowledged keyed requests, sent again after the next kill
        self.lost, self.duplicates, self.broken = {}, {}, {}  # as verify.Report's, all rounds
        self.checked = 0
        self.rounds_failed = 0
        self.start_kills = 0
        self.told = 0  # the clients' problems printed so far

    # ---- what the clients call ----

    def begin_step(self):
        with self.cv:
            while not self.active and not self.stopping:
                self.cv.wait()
            if self.stopping:
                return False
            self.busy += 1
            return True

    def end_step(self):
        with self.cv:
            self.busy -= 1
            self.cv.notify_all()

    def replay_later(self, job):
        with self.cv:
            self.replays.append(job)

    # ---- the run ----

    def run(self):
        started = time.time()
        try:
            self.server.start()
            self.setup()
            clients = [Client(self, self.seed * 100 + i) for i in range(self.nthreads)]
            for c in clients:
                c.start()
            for n in range(self.kills):
                self.round(n)
                if self.until_caught and sum(self.counts()[:2]):
                    self.kills = n + 1
                    break
            with self.cv:
                self.stopping = True
                self.cv.notify_all()
            for c in clients:
                c.join(30)
            self.finish(Client(self, self.seed))
        finally:
            self.server.stop()
        self.seconds = time.time() - started
        return self

    def setup(self):
        """Log-ins and the facts the clients need, before the first kill."""
        self.tokens = {u: self.server.login(u) for u in USERS}
        g = self.settled("/api/v1/regions/" + GRID, USERS[0])
        self.point = (g["lng"], g["lat"])
        self.village_unit = self.settled("/api/v1/session", VILLAGE)["user"]["unit_id"]

    def settled(self, path, user):
        """A read once the log-in is committed (a moment late under --unsafe-early-ack)."""
        for _ in range(100):
            r = self.server.get(path, user=user)
            if r.status != 401:
                break
            time.sleep(0.05)
        if r.status != 200:
            raise RuntimeError("GET %s: %r" % (path, r))
        return r.json

    def round(self, n):
        if self.rnd.random() < 0.1:
            # killed while starting up (opening the store, recovering its log)
            self.start_kills += 1
            self.kill_during_start(self.rnd.uniform(0, 0.3))
        else:
            if n:
                self.server.start()
            with self.cv:
                self.active = True
                self.cv.notify_all()
            time.sleep(self.rnd.uniform(0.02, self.max_up))
            with self.cv:
                self.active = False
            self.server.kill()
            with self.cv:
                while self.busy:
                    self.cv.wait()
        self.check("after kill %d" % (n + 1))
        with self.cv:  # keys acknowledged before this kill are asked for once more
            self.ledger.retry.extend(self.replays)
            self.replays = []

    def kill_during_start(self, delay):
        if self.server.proc and self.server.proc.poll() is None:
            self.server.kill()
        t = threading.Timer(delay, self.server.kill)
        t.start()
        try:
            self.server.start()
        except RuntimeError:
            pass  # it died before it answered: that is the point
        t.join()
        self.server.kill()  # if it came up before the timer, it dies now

    def finish(self, client):
        """The server once more: every retry settled, a clean stop, the last check."""
        self.server.start()
        with self.cv:
            todo, self.ledger.retry = self.ledger.retry, []
        for job in todo:
            try:
                client.resend(job)
            except LOST_ANSWER as e:
                self.ledger.problem("a retry on a running server: %r" % e)
        self.server.stop()
        self.check("at the end")

    def check(self, when):
        rep = verify(self.server.db, self.files_dir, self.ledger)
        self.checked = rep.checked
        new = [text for seen, now in ((self.lost, rep.lost), (self.duplicates, rep.duplicates),
                                      (self.broken, rep.broken))
               for tag, text in now.items() if tag not in seen]
        self.lost.update(rep.lost)
        self.duplicates.update(rep.duplicates)
        self.broken.update(rep.broken)
        with self.ledger.lock:
            new += self.ledger.problems[self.told:]
            self.told = len(self.ledger.problems)
        if new:
            self.rounds_failed += 1
            for p in new[:self.show]:
                print("  %s, %s: %s" % (self.name, when, p), flush=True)
            if len(new) > self.show:
                print("  %s, %s: … and %d more" % (self.name, when, len(new) - self.show),
                      flush=True)

    # ---- the figures ----

    def counts(self):
        """(lost, duplicates, other problems); a client that saw a key answered with a
        second case reports a duplicate."""
        told = self.ledger.problems
        dup = sum(1 for p in told if p.startswith("duplicate"))
        return (len(self.lost), len(self.duplicates) + dup,
                len(self.broken) + len(told) - dup)

    def summary(self):
        led, name = self.ledger, self.name
        lost, dup, other = self.counts()
        return ("{name}: {kills} kill{s} ({starting} while starting), {acked} acknowledged "
                "({cases} cases, {steps} actions, {files} files), {checked} checked, "
                "{lost} lost, {dup} duplicates, {other} other problems; {sent} requests sent, "
                "{unknown} answers lost in a kill, {refused} refused; seed {seed}, {secs:.0f} s"
                ).format(name=name, kills=self.kills, s="" if self.kills == 1 else "s",
                         starting=self.start_kills, acked=led.acknowledged(),
                         cases=len(led.cases), steps=len(led.steps), files=len(led.files),
                         checked=self.checked, lost=lost, dup=dup, other=other, sent=led.sent,
                         unknown=led.unknown, refused=led.refused, seed=self.seed,
                         secs=self.seconds)
