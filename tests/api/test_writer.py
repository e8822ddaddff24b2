"""The group-commit writer under load: many concurrent creations all succeed with distinct
numbers, and every answered case survives a restart (clean or abrupt)."""
import threading
import unittest

from common import ApiTest, CITY, NUMBER_RE, q

CASES = "/api/v1/cases"
USERS = [("town_101", "429006101001001"), ("town_102", "429006102001001"),
         ("village_103_001", "429006103001002"), ("grid_201_001_001", "429006201001001"),
         ("city_staff", "429006001001001"), ("town_001", "429006001002003")]


class WriterTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    def total(self):
        return self.stats(CITY)["total"]

    def create_many(self, n, threads, tag):
        for u, _ in USERS:
            self.server.login(u)
        bodies = []
        for i in range(n):
            user, grid = USERS[i % len(USERS)]
            bodies.append((user, self.case_body(grid=grid, title="并发写入%s-%03d" % (tag, i),
                                                category=["neighbour", "land", "wage"][i % 3])))
        results = [None] * n
        errors = []
        lock = threading.Lock()
        nxt = [0]

        def worker():
            while True:
                with lock:
                    i = nxt[0]
                    nxt[0] += 1
                if i >= n:
                    return
                user, body = bodies[i]
                try:
                    results[i] = self.post(CASES, body, user=user)
                except Exception as e:  # noqa: BLE001 — reported below
                    errors.append((i, repr(e)))
        ts = [threading.Thread(target=worker) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        self.assertEqual(errors, [])
        bad = [(i, r) for i, r in enumerate(results) if r is None or r.status != 201]
        self.assertEqual(bad, [], "failed creations")
        for i, r in enumerate(results):
            self.assertEqual(r.json["title"], bodies[i][1]["title"])
            self.assertRegex(r.json["number"], NUMBER_RE)
        return [r.json for r in results]

    def check_present(self, made):
        for c in made:
            r = self.get("%s/%d" % (CASES, c["id"]), user="city_admin")
            self.assertStatus(r, 200, "case %d lost: %r" % (c["id"], r))
            self.assertEqual(r.json["number"], c["number"])
            self.assertEqual(r.json["title"], c["title"])
            self.assertEqual(r.json["status"], "reported")
            self.assertEqual(len(r.json["steps"]), 1)

    def test_200_concurrent_then_restart(self):
        before = self.total()
        made = self.create_many(200, 32, "A")
        self.assertEqual(len({c["id"] for c in made}), 200)
        self.assertEqual(len({c["number"] for c in made}), 200, "duplicate case numbers")
        self.assertEqual(self.total(), before + 200)
        self.check_present(made)
        # all of them are listed, too
        items, _ = self.walk("city_admin", limit=200, q="并发写入a-")
        self.assertEqual(sorted(i["id"] for i in items), sorted(c["id"] for c in made))

        # a clean restart on the same database keeps them all
        self.server.stop()
        self.server.start()
        self.check_present(made)
        self.assertEqual(self.total(), before + 200)
        # and numbering goes on without reuse
        c = self.create(title="重启之后")
        self.assertNotIn(c["number"], {m["number"] for m in made})
        self.assertGreater(c["id"], max(m["id"] for m in made))

    def test_reads_beside_writes(self):
        # readers are not blocked or failed by a busy writer
        for u in ("city_admin", "town_101"):
            self.server.login(u)
        some = self.get(q(CASES, limit=50), user="city_admin").json["items"]
        failures = []
        lock = threading.Lock()

        def reader(k):
            for j in range(15):
                c = some[(k * 15 + j) % len(some)]
                for path in ("%s/%d" % (CASES, c["id"]), q(CASES, limit=20, status="closed"),
                             q("/api/v1/stats", region=CITY)):
                    r = self.get(path, user="city_admin")
                    if r.status != 200:
                        with lock:
                            failures.append((path, r.status))

        def writer(k):
            for j in range(8):
                r = self.post(CASES, self.case_body(title="读写并发%d-%d" % (k, j)),
                              user="town_101")
                if r.status != 201:
                    with lock:
                        failures.append(("POST", r.status))
        ts = [threading.Thread(target=reader, args=(k,)) for k in range(16)] + \
             [threading.Thread(target=writer, args=(k,)) for k in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        self.assertEqual(failures, [])
        items, _ = self.walk("town_101", limit=200, q="读写并发")
        self.assertEqual(len(items), 16 * 8)

    def test_racing_actions_on_one_case(self):
        # accept and reject sent at once: exactly one wins, the other is refused
        for n in range(5):
            c = self.create(title="并发动作%d" % n)
            path = "%s/%d/actions" % (CASES, c["id"])
            bodies = [{"action": "accept"}, {"action": "reject", "note": "重复"}] * 4
            res = [None] * len(bodies)
            barrier = threading.Barrier(len(bodies))

            def go(i):
                barrier.wait()
                res[i] = self.post(path, bodies[i], user="town_101")
            ts = [threading.Thread(target=go, args=(i,)) for i in range(len(bodies))]
            for t in ts:
                t.start()
            for t in ts:
                t.join(60)
            ok = [r for r in res if r.status == 200]
            self.assertEqual(len(ok), 1, [r.status for r in res])
            for r in res:
                if r.status != 200:
                    self.assertEqual(r.status, 409, r)
                    self.assertIn(r.json["error"]["code"], ("ACTION_NOT_ALLOWED", "CONFLICT"))
            got = self.get("%s/%d" % (CASES, c["id"]), user="town_101").json
            self.assertEqual(len(got["steps"]), 2)
            self.assertEqual(got["status"], ok[0].json["status"])

    def test_answered_means_committed(self):
        # every case answered with 201 is there after an abrupt kill (no clean shut-down)
        before = self.total()
        made = self.create_many(60, 16, "B")
        self.server.kill()
        self.server.start()
        self.check_present(made)
        self.assertEqual(self.total(), before + 60)
        self.assertEqual(len({c["number"] for c in made}), 60)

    def test_zz_counts_agree_with_cases(self):
        # after every concurrent write above, the counters still match the cases
        st = self.stats(CITY)
        items, _ = self.walk("city_admin", limit=200)
        self.assertEqual(len(items), st["total"])
        by_status, by_category = {}, {}
        for i in items:
            by_status[i["status"]] = by_status.get(i["status"], 0) + 1
            by_category[i["category"]] = by_category.get(i["category"], 0) + 1
        self.assertEqual(by_status, {k: v for k, v in st["by_status"].items() if v})
        self.assertEqual(by_category, {k: v for k, v in st["by_category"].items() if v})
        self.assertEqual(len({i["number"] for i in items}), len(items), "duplicate numbers")


if __name__ == "__main__":
    unittest.main()
