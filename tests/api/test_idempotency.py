"""Idempotency-Key: a repeated request gets the first answer and writes nothing more."""
import datetime
import re
import subprocess
import threading
import unittest
import uuid

from common import ApiTest, CITY, TOWN, q
from harness import PINGAN

CASES = "/api/v1/cases"


def key():
    return "test-" + uuid.uuid4().hex


class IdempotencyTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    def total(self, region=CITY):
        return self.stats(region)["total"]

    def find(self, title, user="town_101"):
        items, _ = self.walk(user, limit=200, q=title)
        return [i for i in items if i["title"] == title]

    def test_create_twice_same_key(self):
        k = key()
        body = self.case_body(title="幂等上报测试一")
        before = self.total()
        a = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(a, 201)
        b = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        self.assertIn(b.status, (200, 201), b)
        self.assertEqual(b.json["id"], a.json["id"])
        self.assertEqual(b.json["number"], a.json["number"])
        self.assertEqual(b.json["status"], "reported")
        self.assertEqual(self.total(), before + 1)
        self.assertEqual(len(self.find("幂等上报测试一")), 1)

    def sweep(self, days_ahead, *extra):
        """Run `pingan sweep` as if days_ahead days from now; the keys it forgot."""
        at = (datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))) +
              datetime.timedelta(days=days_ahead)).strftime("%Y-%m-%dT%H:%M:%S")
        out = subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--at", at, *extra],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        return int(re.search(r"(\d+) idempotency keys and", out.stdout).group(1))

    def test_keys_kept_for_their_retention_then_forgotten(self):
        # a phone offline for days still gets its first answer; a month later the key is
        # forgotten and the same key is a new request
        k = key()
        body = self.case_body(title="幂等保留期测试")
        first = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(first, 201)
        self.sweep(29)
        again = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        self.assertEqual(again.json["id"], first.json["id"])
        r = subprocess.run([PINGAN, "sweep", "--db", self.s.db, "--idempotency-days", "0"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--idempotency-days", r.stderr)
        self.assertGreaterEqual(self.sweep(31), 1)
        later = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(later, 201)
        self.assertNotEqual(later.json["id"], first.json["id"])

    def test_without_key_twice_gives_two(self):
        body = self.case_body(title="无幂等键测试")
        before = self.total()
        a = self.post(CASES, body, user="town_101")
        b = self.post(CASES, body, user="town_101")
        self.assertStatus(a, 201)
        self.assertStatus(b, 201)
        self.assertNotEqual(a.json["id"], b.json["id"])
        self.assertEqual(self.total(), before + 2)

    def test_same_key_different_body(self):
        k = key()
        before = self.total()
        a = self.post(CASES, self.case_body(title="幂等键冲突测试"), user="town_101",
                      headers={"Idempotency-Key": k})
        self.assertStatus(a, 201)
        b = self.post(CASES, self.case_body(title="幂等键冲突测试（改）"), user="town_101",
                      headers={"Idempotency-Key": k})
        self.assertError(b, 409, "CONFLICT")
        self.assertEqual(self.total(), before + 1)
        self.assertEqual(self.find("幂等键冲突测试（改）"), [])
        # the original key still replays the original answer
        c = self.post(CASES, self.case_body(title="幂等键冲突测试"), user="town_101",
                      headers={"Idempotency-Key": k})
        self.assertEqual(c.json["id"], a.json["id"])

    def test_key_belongs_to_its_user(self):
        k = key()
        body = self.case_body(title="两个用户同一个键")
        a = self.post(CASES, body, user="town_101", headers={"Idempotency-Key": k})
        b = self.post(CASES, body, user="village_101_001", headers={"Idempotency-Key": k})
        self.assertStatus(a, 201)
        self.assertStatus(b, 201)
        self.assertNotEqual(a.json["id"], b.json["id"])
        self.assertEqual(b.json["steps"][0]["actor"]["id"],
                         self.get("/api/v1/session", user="village_101_001").json["user"]["id"])

    def test_action_repeated(self):
        c = self.create(title="幂等动作测试")
        path = "%s/%d/actions" % (CASES, c["id"])
        k = key()
        before = self.stats(TOWN)
        a = self.post(path, {"action": "accept"}, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(a, 200)
        self.assertEqual(a.json["status"], "accepted")
        b = self.post(path, {"action": "accept"}, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(b, 200)
        self.assertEqual(b.json["id"], c["id"])
        self.assertEqual(b.json["status"], "accepted")
        self.assertEqual(b.json["steps"], a.json["steps"])
        steps = self.get("/api/v1/cases/%d" % c["id"], user="town_101").json["steps"]
        self.assertEqual([s["action"] for s in steps], ["report", "accept"])
        after = self.stats(TOWN)
        self.assertEqual(after["by_status"].get("accepted", 0),
                         before["by_status"].get("accepted", 0) + 1)
        # without the key the same action is refused: the case moved on
        r = self.post(path, {"action": "accept"}, user="town_101")
        self.assertError(r, 409, "ACTION_NOT_ALLOWED")
        # the same key on another case's action is a different request
        other = self.create(title="幂等动作测试二")
        r = self.post("%s/%d/actions" % (CASES, other["id"]), {"action": "accept"},
                      user="town_101", headers={"Idempotency-Key": k})
        self.assertError(r, 409, "CONFLICT")
        self.assertEqual(self.get("/api/v1/cases/%d" % other["id"], user="town_101")
                         .json["status"], "reported")

    def test_failed_request_is_not_remembered(self):
        k = key()
        bad = self.case_body(title="先失败后成功", channel="pigeon")
        r = self.post(CASES, bad, user="town_101", headers={"Idempotency-Key": k})
        self.assertError(r, 400, "BAD_FIELD", "channel")
        good = self.case_body(title="先失败后成功")
        r = self.post(CASES, good, user="town_101", headers={"Idempotency-Key": k})
        self.assertStatus(r, 201)

    def run_threads(self, n, fn):
        results = [None] * n
        errors = []
        start = threading.Barrier(n)

        def worker(i):
            try:
                start.wait()
                results[i] = fn(i)
            except Exception as e:  # noqa: BLE001 — reported below
                errors.append(repr(e))
        ts = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        self.assertEqual(errors, [])
        return results

    def test_concurrent_duplicates(self):
        k = key()
        body = self.case_body(title="并发幂等测试")
        self.server.login("town_101")
        before = self.total()
        res = self.run_threads(10, lambda i: self.post(CASES, body, user="town_101",
                                                       headers={"Idempotency-Key": k}))
        statuses = [r.status for r in res]
        self.assertTrue(all(s in (200, 201) for s in statuses), res)
        ids = {r.json["id"] for r in res}
        numbers = {r.json["number"] for r in res}
        self.assertEqual(len(ids), 1, "10 requests with one key made %d cases" % len(ids))
        self.assertEqual(len(numbers), 1)
        self.assertEqual(self.total(), before + 1)
        self.assertEqual(len(self.find("并发幂等测试")), 1)

    def test_concurrent_duplicate_actions(self):
        c = self.create(title="并发幂等动作")
        k = key()
        path = "%s/%d/actions" % (CASES, c["id"])
        res = self.run_threads(10, lambda i: self.post(path, {"action": "accept"},
                                                       user="town_101",
                                                       headers={"Idempotency-Key": k}))
        self.assertEqual([r.status for r in res], [200] * 10, res)
        steps = self.get("/api/v1/cases/%d" % c["id"], user="town_101").json["steps"]
        self.assertEqual([s["action"] for s in steps], ["report", "accept"])


if __name__ == "__main__":
    unittest.main()
