"""test_restore_pg.py: `pingan restore` of a PostgreSQL backup through the command — staged
in a scratch database, checked, then put into the target; refused without --force over a
pingan database, refused for a file that is no pg_dump archive. PostgreSQL only (SQLite's
restore: test_backup.py)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from common import ApiTest
from harness import PG, PINGAN, _pg_admin, pg_drop, pg_url, sql


def pingan(*args):
    return subprocess.run([PINGAN] + list(args), capture_output=True, text=True, timeout=300)


@unittest.skipUnless(PG, "PostgreSQL only: set PINGAN_API_PG (tests/with-pg.sh)")
class PgRestoreTest(ApiTest):

    def empty_db(self, name):
        _pg_admin("CREATE DATABASE %s" % name)
        url = pg_url(name)
        self.addCleanup(pg_drop, url)
        return url

    def counts(self, db):
        return sql(db, "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM case_steps),"
                       " (SELECT count(*) FROM audit_log)")

    def test_a_backup_is_restored_through_the_command(self):
        d = tempfile.mkdtemp(prefix="pingan-pgrestore-")
        self.addCleanup(shutil.rmtree, d, True)
        out = os.path.join(d, "city.dump")
        made = pingan("backup", "--db", self.s.db, "--out", out)
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        target = self.empty_db("pingan_restored_%d" % os.getpid())
        files = os.path.join(d, "files")
        r = pingan("restore", "--from", out, "--db", target, "--files", files)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("restored", r.stdout)
        self.assertEqual(self.counts(target), self.counts(self.s.db))
        c = pingan("check", "--db", target, "--files", files, "--audit-key", out + ".audit-key")
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        self.assertIn("no problems", c.stdout)
        # no scratch database left behind
        self.assertEqual(sql(PG, "SELECT datname FROM pg_database"
                                 " WHERE datname LIKE '%restoring%'"), [])

        # over a pingan database only with --force
        r = pingan("restore", "--from", out, "--db", target, "--files", files)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--force", r.stderr)
        r = pingan("restore", "--from", out, "--db", target, "--files", files, "--force")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.counts(target), self.counts(self.s.db))

    def test_what_is_no_archive_is_refused(self):
        d = tempfile.mkdtemp(prefix="pingan-pgrestore-")
        self.addCleanup(shutil.rmtree, d, True)
        bad = os.path.join(d, "not-a-dump")
        with open(bad, "w") as f:
            f.write("SQLite format 3\0 or anything else\n")
        target = self.empty_db("pingan_refused_%d" % os.getpid())
        r = pingan("restore", "--from", bad, "--db", target)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a pingan backup", r.stderr)
        self.assertEqual(sql(target, "SELECT to_regclass('cases') IS NULL"), [("t",)])
