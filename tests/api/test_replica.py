"""test_replica.py: serve --db-replica — a streaming replica of the test server started on
loopback (tests/pg-server.sh replica); case lists, search and statistics are read from it,
writes and the reads back after them from the primary. Replay on the replica is paused to
show which server answered what, then resumed: the new case appears there once replayed
(polled, no fixed wait). PostgreSQL only."""
import os
import subprocess
import time
import unittest

from common import ApiTest, q
from harness import PG, PINGAN, ROOT, Server, sql

# (the head of a case list's statement: pg_stat_activity keeps its first 1024 bytes)
LIST_SQL = "%FROM cases c WHERE c.city >= substr($1::text, 1, 6)%c.grid >= $1::text%"


@unittest.skipUnless(PG, "PostgreSQL only: set PINGAN_API_PG (tests/with-pg.sh)")
class ReplicaTest(ApiTest):

    @classmethod
    def setUpClass(cls):
        # the database first, so the replica's base backup holds it
        cls.server = Server()
        cls._points = {}
        try:
            out = subprocess.run([os.path.join(ROOT, "tests", "pg-server.sh"), "replica",
                                  os.environ["PINGAN_TEST_PG_DIR"]], check=True,
                                 capture_output=True, text=True).stdout.split()
            cls.replica_dir, url = out[0], out[1]
            cls.replica = url.rsplit("/", 1)[0] + "/" + cls.server.db.rsplit("/", 1)[1]
            cls.server.extra += ["--db-replica", cls.replica]
            cls.server.start()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()
        if getattr(cls, "replica_dir", None):
            subprocess.run([os.path.join(ROOT, "tests", "pg-server.sh"), "stop",
                            cls.replica_dir], capture_output=True)

    def listing(self, db):
        """pingan's connections to db whose last statement was a case list."""
        return sql(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                       " 'pingan' AND datname = current_database() AND query LIKE '%s'"
                   % LIST_SQL.replace("'", "''"))[0][0]

    def titles(self, title, user="city_admin"):
        r = self.get(q("/api/v1/cases", q=title), user=user)
        self.assertStatus(r, 200)
        return [c["id"] for c in r.json["items"]]

    def test_lists_read_the_replica_writes_the_primary(self):
        sql(self.replica, "SELECT pg_wal_replay_pause()")
        # the pause is only asked for: replay goes on until the standby has paused
        for _ in range(600):
            if sql(self.replica, "SELECT pg_get_wal_replay_pause_state()") == [("paused",)]:
                break
            time.sleep(0.1)
        try:
            case = self.create(title="复制测试：楼道堆物")
            # read back after writing: from the primary, at once
            self.assertStatus(self.get("/api/v1/cases/%d" % case["id"], user="town_101"), 200)
            # the dashboard and the list from the replica, which has not replayed it
            before = self.stats("429006")["total"]
            self.assertEqual(self.titles("复制测试"), [])
            self.assertGreater(self.listing(self.replica), 0)
            self.assertEqual(self.listing(self.server.db), 0)
        finally:
            sql(self.replica, "SELECT pg_wal_replay_resume()")
        # once replayed, there
        for _ in range(600):
            if self.titles("复制测试") == [case["id"]]:
                break
            time.sleep(0.1)
        self.assertEqual(self.titles("复制测试"), [case["id"]])
        self.assertEqual(self.stats("429006")["total"], before + 1)

    def caught_up(self, title, case_id):
        for _ in range(600):
            if self.titles(title) == [case_id]:
                return
            time.sleep(0.1)
        self.fail("the replica never replayed case %d" % case_id)

    def test_users_read_their_own_writes(self):
        sql(self.replica, "SELECT pg_wal_replay_pause()")
        try:
            mine = self.create(title="自写自读：占道经营")["id"]
            # the writer's own list comes from the primary: the replica lags
            self.assertEqual(self.titles("自写自读", user="town_101"), [mine])
            # everyone else's from the replica, which has not replayed it yet
            self.assertEqual(self.titles("自写自读"), [])
        finally:
            sql(self.replica, "SELECT pg_wal_replay_resume()")
        self.caught_up("自写自读", mine)
        # once the replica has replayed the write, the writer reads it again: a case
        # another user writes while replay is paused is not in the writer's list
        self.assertEqual(self.titles("自写自读", user="town_101"), [mine])
        sql(self.replica, "SELECT pg_wal_replay_pause()")
        try:
            other = self.create(user="city_staff", title="自写自读：他人所写")["id"]
            self.assertEqual(self.titles("他人所写", user="city_staff"), [other])
            self.assertEqual(self.titles("他人所写", user="town_101"), [])
        finally:
            sql(self.replica, "SELECT pg_wal_replay_resume()")

    def test_a_replica_that_cannot_be_reached_is_said_at_start(self):
        p = subprocess.run([PINGAN, "serve",
                            "--db", self.server.db, "--db-replica",
                            "postgresql://postgres@127.0.0.1:1/none", "--listen",
                            "127.0.0.1:0"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot reach the replica", p.stderr)
