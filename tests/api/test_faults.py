"""Disk full and I/O errors: the store fails its Nth write or sync (the testing-only
fault VFS behind `pingan serve --testing-faults FILE`) for N = 1, 2, 3 … until a request
no longer reaches the Nth. The request that meets the fault gets 503 STORE_IO and leaves
nothing behind; every 2xx answer is there afterwards, across a clean restart and a kill;
writes work again once the fault is lifted, without a restart."""
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import unittest

from common import ApiTest, TOWN, q

CASES = "/api/v1/cases"
# (op, error, mode): a full disk stays full until space returns; an I/O error may pass
FAULTS = [("write", "full", "persist"), ("write", "ioerr", "once"),
          ("sync", "ioerr", "persist"), ("sync", "ioerr", "once")]


class FaultTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    @classmethod
    def setUpClass(cls):
        cls.ctl_dir = tempfile.mkdtemp(prefix="pingan-faults-")
        cls.ctl = os.path.join(cls.ctl_dir, "faults")
        cls.server_args = ("--testing-faults", cls.ctl)
        cls.arm_id = 0
        cls.acked = {}     # case id -> what its last 2xx answer said
        cls.refused = []   # titles of intakes answered 503
        cls.reach = {}     # (what, op, error, mode) -> the first N a request did not reach
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.ctl_dir, ignore_errors=True)

    # ---- the fault switch ----

    def control(self, text):
        type(self).arm_id += 1
        tmp = self.ctl + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %s\n" % (self.arm_id, text))
        os.replace(tmp, self.ctl)  # whole, so the server never reads half a line
        return self.arm_id

    def arm(self, op, n, err, mode):
        return self.control("%s %d %s %s" % (op, n, err, mode))

    def disarm(self):
        self.control("off")

    def fired(self, arm):
        """How many writes or syncs the server failed for this arming (its log says)."""
        n = 0
        for line in self.server.read_log().splitlines():
            if '"fault_injected"' in line and json.loads(line).get("arm") == arm:
                n += 1
        return n

    # ---- what is there ----

    def town_stats(self):
        return self.stats(TOWN)

    def remember(self, c, steps):
        self.acked[c["id"]] = {"number": c["number"], "title": c["title"],
                               "status": c["status"], "steps": steps}

    def titled(self, title):
        items, _ = self.walk("city_admin", limit=50, q=title)
        return [i for i in items if i["title"] == title]

    def assertRefused(self, r, err):
        e = self.assertError(r, 503, "STORE_IO", field=None)
        self.assertIn("未保存任何内容", e["message"])
        if err == "full":
            self.assertIn("磁盘已满", e["message"])
        return e

    def assertLeftNothing(self, title, stats_before):
        self.assertEqual(self.titled(title), [], "a refused intake left a case")
        self.assertEqual(self.town_stats(), stats_before, "a refused write moved the counters")

    def armed(self, what, fault, n, send, steps):
        """Send one request with the Nth write or sync failing. None if it got its 2xx (it
        no longer reaches the Nth; whatever it did reach, e.g. a checkpoint, was not part
        of its commit), else its 503, checked."""
        op, err, mode = fault
        arm = self.arm(op, n, err, mode)
        r = send()
        if r.status in (200, 201):
            self.disarm()
            self.remember(r.json, steps)
            self.reach[(what,) + fault] = n
            return None
        self.assertGreater(self.fired(arm), 0, "503 without a fault: %r" % r)
        self.assertRefused(r, err)
        return r

    # ---- intakes ----

    def intake_faults(self, fault):
        op, err, mode = fault
        for u in ("town_101", "city_admin", "town_102"):
            self.server.login(u)
        for n in range(1, 1000):
            before = self.town_stats()
            title = "故障%s%s%s第%d次" % (op, err, mode, n)
            if not self.armed("intake", fault, n, lambda: self.post(
                    CASES, self.case_body(title=title), user="town_101"), 1):
                return n
            self.refused.append(title)
            self.assertLeftNothing(title, before)
            # reads go on beside the failing store
            self.assertStatus(self.get(q(CASES, limit=5), user="town_101"), 200)
            again = title + "再试"
            r = self.post(CASES, self.case_body(title=again), user="town_101")
            if mode == "persist":
                # a full disk stays full: every write is refused, a log-in too
                self.assertRefused(r, err)
                self.refused.append(again)
                self.assertLeftNothing(again, before)
                r = self.request_login("town_102")
                self.assertRefused(r, err)
                self.disarm()
                again = title + "恢复后"
                r = self.post(CASES, self.case_body(title=again), user="town_101")
            # the space returned (or the error passed): writing works, no restart
            self.assertStatus(r, 201)
            self.remember(r.json, 1)
            self.assertEqual(self.get("%s/%d" % (CASES, r.json["id"]),
                                      user="town_101").json["title"], again)
            self.disarm()
        self.fail("every intake met the fault")

    def request_login(self, user):
        from harness import PASSWORD
        return self.server.request("POST", "/api/v1/session",
                                   {"username": user, "password": PASSWORD})

    def test_1_intake_write_full(self):
        self.assertGreater(self.intake_faults(FAULTS[0]), 2)

    def test_2_intake_write_ioerr(self):
        self.assertGreater(self.intake_faults(FAULTS[1]), 2)

    def test_3_intake_sync_ioerr(self):
        # one commit, one sync of the log (synchronous=FULL)
        self.assertGreaterEqual(self.intake_faults(FAULTS[2]), 2)

    def test_4_intake_sync_ioerr_once(self):
        self.assertGreaterEqual(self.intake_faults(FAULTS[3]), 2)

    # ---- actions ----

    def action_faults(self, fault):
        op, err, mode = fault
        for n in range(1, 1000):
            c = self.create(title="受理故障%s%s%s第%d次" % (op, err, mode, n))
            self.remember(c, 1)
            path = "%s/%d" % (CASES, c["id"])
            case_before = self.get(path, user="town_101").json
            before = self.town_stats()
            if not self.armed("accept", fault, n, lambda: self.post(
                    path + "/actions", {"action": "accept"}, user="town_101"), 2):
                return n
            self.assertEqual(self.get(path, user="town_101").json, case_before,
                             "a refused action changed the case")
            self.assertEqual(self.town_stats(), before)
            self.disarm()
            r = self.post(path + "/actions", {"action": "accept"}, user="town_101")
            self.assertStatus(r, 200)
            self.assertEqual(r.json["status"], "accepted")
            self.remember(r.json, 2)
        self.fail("every action met the fault")

    def test_5_accept_write_full(self):
        self.assertGreater(self.action_faults(FAULTS[0]), 2)

    def test_6_accept_sync_ioerr(self):
        self.assertGreaterEqual(self.action_faults(FAULTS[3]), 2)

    # ---- many at once: batches that fail and are retried one job each ----

    def test_7_concurrent(self):
        for u in ("town_101", "town_102"):
            self.server.login(u)
        results, lock = [], threading.Lock()

        def worker(round_, k):
            for j in range(4):
                title = "并发故障%d-%d-%d" % (round_, k, j)
                r = self.post(CASES, self.case_body(title=title), user="town_101")
                with lock:
                    results.append((title, r))
        for round_, (op, err, mode) in enumerate(FAULTS):
            # the third commit on: by then requests are queued and commit together
            self.arm(op, 3 if op == "sync" else 30, err, mode)
            ts = [threading.Thread(target=worker, args=(round_, k)) for k in range(12)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(120)
            self.disarm()
        self.assertEqual(len(results), 4 * 12 * len(FAULTS))
        # how many jobs the failed batches held (a figure, not a promise: timing decides)
        type(self).batches = [json.loads(line)["jobs"] for line in
                              self.server.read_log().splitlines()
                              if '"writer_batch_failed"' in line]
        ok = 0
        for title, r in results:
            if r.status == 201:
                ok += 1
                self.assertEqual(r.json.get("title"), title, "201 that is not the case: %r" % r)
                self.remember(r.json, 1)
            else:
                self.assertRefused(r, "")
                self.refused.append(title)
        self.assertGreater(ok, 0)
        self.assertLess(ok, len(results))
        # each answered intake is there exactly once, each refused one not at all
        for title, r in results:
            self.assertEqual(len(self.titled(title)), 1 if r.status == 201 else 0, title)

    # ---- afterwards ----

    def check_acked(self):
        for cid, want in self.acked.items():
            r = self.get("%s/%d" % (CASES, cid), user="city_admin")
            self.assertStatus(r, 200, "acknowledged case %d lost: %r" % (cid, r))
            got = r.json
            self.assertEqual((got["number"], got["title"], got["status"], len(got["steps"])),
                             (want["number"], want["title"], want["status"], want["steps"]))
        ours = {a["title"] for a in self.acked.values()} | set(self.refused)
        items, _ = self.walk("city_admin", limit=200, q="故障")
        titles = [i["title"] for i in items if i["title"] in ours]
        self.assertEqual(len(titles), len(set(titles)), "a case was written twice")
        self.assertEqual(set(self.refused) & set(titles), set(), "a refused intake is there")

    def check_file(self):
        """The database file itself, the server stopped: whole, no case without its step,
        the counters agree with the cases."""
        con = sqlite3.connect(self.server.db)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
            self.assertEqual(con.execute(
                "SELECT count(*) FROM cases c WHERE NOT EXISTS"
                " (SELECT 1 FROM case_steps s WHERE s.case_id = c.id)").fetchone()[0], 0)
            by_status = dict(con.execute(
                "SELECT status, count(*) FROM cases WHERE grid LIKE ? || '%'"
                " GROUP BY status", (TOWN,)).fetchall())
        finally:
            con.close()
        return by_status

    def restart(self, abrupt=False):
        if abrupt:
            self.server.kill()
        else:
            self.server.stop()
        self.server._tokens = {}
        by_status = self.check_file()
        self.server.start()
        self.assertEqual({k: v for k, v in self.town_stats()["by_status"].items() if v},
                         by_status, "the counters disagree with the cases")

    def test_8_kill_after_failed_sync(self):
        # A commit whose sync failed left its frames in the log; dying before the next
        # commit must not bring back what was answered "nothing was saved".
        self.server.login("town_101")
        key = {"Idempotency-Key": "faults-kill-after-sync-1"}
        body = self.case_body(title="同步失败后掉电")
        self.arm("sync", 1, "ioerr", "persist")
        r = self.post(CASES, body, user="town_101", headers=key)
        self.assertRefused(r, "ioerr")
        self.disarm()
        self.restart(abrupt=True)
        self.assertEqual(self.titled("同步失败后掉电"), [])
        # the client sends it again, with its key: one case
        r = self.post(CASES, body, user="town_101", headers=key)
        self.assertStatus(r, 201)
        self.remember(r.json, 1)
        self.assertEqual(len(self.titled("同步失败后掉电")), 1)

    def test_9_restart_keeps_everything(self):
        self.disarm()
        self.check_acked()
        self.restart()
        self.check_acked()
        self.restart(abrupt=True)
        self.check_acked()
        # and it goes on writing
        c = self.create(title="故障之后重启")
        self.remember(c, 1)
        batches = getattr(self, "batches", [])
        print("\n  faults: first N not reached: %s; %d acknowledged, %d refused; failed "
              "batches %d, largest %d jobs" % (
                  ", ".join("%s %s %s %s: %d" % (k + (v,)) for k, v in sorted(self.reach.items())),
                  len(self.acked), len(self.refused), len(batches), max(batches or [0])))


if __name__ == "__main__":
    unittest.main()
