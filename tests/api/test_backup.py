"""test_backup.py: never losing a case beyond the disk. A backup taken while pingan serves
under concurrent intake, actions and uploads restores into a fresh database that checks
whole, holds every case and action acknowledged before the backup began, and serves; check
catches each kind of damage to a copy with a line naming it; restore refuses what it must."""
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import unittest

from common import ApiTest, GRID, OTHER_GRID
from harness import PINGAN, Server, audit_key_of

CASES = "/api/v1/cases"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 13


def pingan(*args):
    return subprocess.run([PINGAN] + list(args), capture_output=True, text=True, timeout=300)


def files_of(db):
    return db + ".files"


def attachment_path(db, sha):
    return os.path.join(files_of(db), sha[:2], sha[2:4], sha)


class BackupUnderLoadTest(ApiTest):
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    WORKERS = [("town_101", GRID), ("town_102", OTHER_GRID), ("town_101", GRID),
               ("town_102", OTHER_GRID)]
    PER_WORKER = 25

    def upload(self, cid, data, user):
        r = self.s.request("POST", "%s/%d/attachments" % (CASES, cid), raw=data,
                           token=self.s.login(user),
                           headers={"Content-Type": "application/octet-stream"})
        self.assertStatus(r, 201)
        return r.json["sha256"]

    def test_backup_under_load_restores_whole(self):
        for u, _ in self.WORKERS:
            self.s.login(u)
        first = self.create(title="备份前的附件")
        first_sha = self.upload(first["id"], PNG + b"first", "town_101")

        lock = threading.Lock()
        acked = []       # (kind, case id, steps the answer showed), in the order answered
        errors = []
        started = threading.Event()  # enough acknowledged: take the backup now
        bodies = {u: self.case_body(grid=g) for u, g in self.WORKERS}

        def worker(k):
            user, _ = self.WORKERS[k]
            try:
                for i in range(self.PER_WORKER):
                    body = dict(bodies[user], title="备份负载%d-%d" % (k, i))
                    r = self.s.post(CASES, body, user=user)
                    if r.status != 201:
                        errors.append(("create", r.status, r.raw[:200]))
                        continue
                    with lock:
                        acked.append(("case", r.json["id"], 1))
                    cid = r.json["id"]
                    a = self.s.post("%s/%d/actions" % (CASES, cid),
                                    {"action": "accept", "note": "受理"}, user=user)
                    if a.status != 200:
                        errors.append(("accept", a.status, a.raw[:200]))
                        continue
                    with lock:
                        acked.append(("action", cid, len(a.json["steps"])))
                    if i % 5 == 0:
                        sha = hashlib.sha256(PNG + b"%d-%d" % (k, i)).hexdigest()
                        self.assertEqual(self.upload(cid, PNG + b"%d-%d" % (k, i), user), sha)
                        with lock:
                            acked.append(("file", cid, sha))
                    if len(acked) >= 40:
                        started.set()
            except Exception as e:  # noqa: BLE001 — reported below
                errors.append(("exception", repr(e)))
            finally:
                started.set()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(self.WORKERS))]
        for t in threads:
            t.start()
        started.wait(120)
        with lock:
            before = list(acked)
        out = os.path.join(self.s.dir, "backup", "pingan-backup.db")
        os.makedirs(os.path.dirname(out))
        made = pingan("backup", "--db", self.s.db, "--out", out)
        with lock:
            answered_by_backup_end = len(acked)
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
        self.assertIn("backup written to", made.stdout)
        self.assertGreaterEqual(len(before), 40)
        # the load went on past the backup: the server was not held up by it
        self.assertGreater(len(acked), len(before))
        self.assertLessEqual(answered_by_backup_end, len(acked))
        # no temporary names left behind
        self.assertEqual(sorted(os.listdir(os.path.dirname(out))),
                         ["pingan-backup.db", "pingan-backup.db.audit-key",
                          "pingan-backup.db.files"])

        self.s.stop()
        # the live database itself checks whole after the concurrent load
        live = pingan("check", "--db", self.s.db)
        self.assertEqual(live.returncode, 0, live.stdout + live.stderr)

        fresh = tempfile.mkdtemp(prefix="pingan-restore-")
        self.addCleanup(shutil.rmtree, fresh, True)
        db = os.path.join(fresh, "restored.db")
        r = pingan("restore", "--from", out, "--db", db)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        c = pingan("check", "--db", db)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        self.assertRegex(c.stdout, r"checked .*: \d+ cases, \d+ steps, \d+ attachments .*: "
                                   r"no problems")

        # everything acknowledged before the backup began is in it
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        steps = dict(con.execute("SELECT case_id, count(*) FROM case_steps GROUP BY case_id"))
        files = set(con.execute("SELECT case_id, sha256 FROM case_attachments"))
        con.close()
        self.assertIn((first["id"], first_sha), files)
        for kind, cid, what in before:
            self.assertIn(cid, steps, "case %d acknowledged before the backup is lost" % cid)
            if kind == "file":
                self.assertIn((cid, what), files)
                self.assertTrue(os.path.exists(attachment_path(db, what)))
            else:
                self.assertGreaterEqual(steps[cid], what, "an acknowledged step is lost")
        for _, sha in files:
            with open(attachment_path(db, sha), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), sha)

        # the backup holds no key: without it the restored database does not start, with
        # the key file (kept apart) beside it, it serves
        self.assertFalse(any(n.endswith("pii-key") for n in os.listdir(os.path.dirname(out))))
        with self.assertRaises(RuntimeError):
            Server(db=db).start()
        shutil.copy(self.s.db + ".pii-key", db + ".pii-key")
        with Server(db=db) as srv:
            got = srv.get("%s/%d" % (CASES, first["id"]), user="town_101")
            self.assertStatus(got, 200)
            self.assertEqual(got.json["number"], first["number"])
            f = srv.get("%s/%d/attachments/%s" % (CASES, first["id"], first_sha),
                        user="town_101")
            self.assertStatus(f, 200)
            self.assertEqual(f.raw, PNG + b"first")


class CheckAndRestoreTest(ApiTest):
    """A clean backup of a served demo city with a file on a case and a fraud warning; each
    test damages a copy of it and runs check or restore."""
    CATEGORY = "family"  # held by the town centre: town_101 takes it in

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        s = cls.server
        tok = s.login("town_101")
        body = {"type": "dispute", "category": "family", "title": "检查测试",
                "description": "楼上漏水", "channel": "walk_in"}
        g = s.get("/api/v1/regions/" + GRID, user="city_admin").json
        body.update(lng=g["lng"], lat=g["lat"])
        c = s.post(CASES, body, user="town_101").json
        cls.case_id, cls.case_number = c["id"], c["number"]
        s.post("%s/%d/actions" % (CASES, cls.case_id), {"action": "accept", "note": "受理"},
               user="town_101")
        r = s.request("POST", "%s/%d/attachments" % (CASES, cls.case_id), raw=PNG + b"check",
                      token=tok, headers={"Content-Type": "application/octet-stream"})
        cls.sha = r.json["sha256"]
        # a fraud warning: its cases count in no indicator (indicators = no), which check
        # must know from the lifecycles, not take for missing counts
        w = s.post("/api/v1/warnings", {"title": "冒充客服诈骗预警", "description": "请入户提醒",
                                        "category": "telecom_fraud", "grids": [GRID]},
                   user="town_101")
        assert w.status == 201, w
        cls.base = os.path.join(s.dir, "base.db")
        made = pingan("backup", "--db", s.db, "--out", cls.base)
        assert made.returncode == 0, made.stdout + made.stderr

    def copy(self):
        d = tempfile.mkdtemp(prefix="pingan-check-")
        self.addCleanup(shutil.rmtree, d, True)
        db = os.path.join(d, "copy.db")
        shutil.copy(self.base, db)
        shutil.copytree(files_of(self.base), files_of(db))
        shutil.copy(audit_key_of(self.base), audit_key_of(db))
        return db

    def edit(self, db, *sql):
        con = sqlite3.connect(db)
        for s in sql:
            con.execute(s[0], s[1:]) if isinstance(s, tuple) else con.execute(s)
        con.commit()
        con.close()

    def one(self, db, sql, *args):
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        row = con.execute(sql, args).fetchone()
        con.close()
        return row

    def assertCaught(self, db, pattern):
        r = pingan("check", "--db", db)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertRegex(r.stdout, re.compile("^problem: " + pattern, re.M))
        self.assertRegex(r.stdout, r"\d+ problems?\n$")
        return r.stdout

    def test_a_clean_copy_checks_whole(self):
        # the control: the damage below is what each test's check catches
        r = pingan("check", "--db", self.copy())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("problem:", r.stdout)
        self.assertRegex(r.stdout, r"\d+ cases, \d+ steps, 1 attachment in .*: no problems")

    def test_status_that_disagrees_with_its_last_step(self):
        db = self.copy()
        self.edit(db, ("UPDATE cases SET status = 'closed' WHERE id = ?", self.case_id))
        self.assertCaught(db, r'history: case %s is "closed" but its last step \(#\d+ attach\) '
                              r'led to "accepted"' % self.case_number)

    def test_a_deleted_step(self):
        db = self.copy()
        sid, = self.one(db, "SELECT id FROM case_steps WHERE case_id = ? AND action = 'accept'",
                        self.case_id)
        self.edit(db, ("DELETE FROM case_steps WHERE id = ?", sid))
        self.assertCaught(db, r'history: case %s: step #\d+ \(attach\) starts from "accepted" '
                              r'but the step before it \(#\d+ report\) led to "reported"'
                          % self.case_number)

    def test_a_deleted_first_step_and_all_steps(self):
        db = self.copy()
        other, = self.one(db, "SELECT min(id) FROM cases")
        self.edit(db, ("DELETE FROM case_steps WHERE case_id = ? AND action = 'report'",
                       self.case_id),
                  ("DELETE FROM case_steps WHERE case_id = ?", other))
        self.assertCaught(db, r"history: case %s: its first step #\d+ \(accept\) starts from "
                              r'"reported", not from the report' % self.case_number)
        self.assertCaught(db, r"history: case PA-\d{6}-\d{4}-\d{6} has no steps")

    def test_steps_out_of_time_order(self):
        db = self.copy()
        self.edit(db, ("UPDATE case_steps SET at = at - 86400 WHERE case_id = ?"
                       " AND action = 'attach'", self.case_id))
        self.assertCaught(db, r"history: case %s: step #\d+ \(attach\) is dated before"
                          % self.case_number)

    def test_a_bumped_counter(self):
        db = self.copy()
        grid, typ, cat, st, n = self.one(
            db, "SELECT grid, type, category, status, n FROM stat_counts WHERE n > 0"
                " AND substr(status, 1, 1) <> '~' ORDER BY grid LIMIT 1")
        self.edit(db, ("UPDATE stat_counts SET n = n + 1 WHERE grid = ? AND type = ?"
                       " AND category = ? AND status = ?", grid, typ, cat, st))
        self.assertCaught(db, r"counters: %s %s/%s %s: the counters say %d, the cases %d$"
                          % (grid, typ, cat, st, n + 1, n))

    def test_a_bumped_report_count(self):
        db = self.copy()
        grid, month, typ, cat = self.one(
            db, "SELECT grid, month, type, category FROM stat_month WHERE metric = 'reported'"
                " AND n > 0 LIMIT 1")
        self.edit(db, ("UPDATE stat_month SET n = n + 2 WHERE grid = ? AND month = ? AND"
                       " type = ? AND category = ? AND metric = 'reported'"
                       " AND unit_id = (SELECT max(unit_id) FROM stat_month WHERE grid = ?"
                       " AND month = ? AND type = ? AND category = ? AND metric = 'reported')",
                       grid, month, typ, cat, grid, month, typ, cat))
        self.assertCaught(db, r"counters: %s %d %s/%s reported: the counters say \d+"
                          % (grid, month, typ, cat))

    def test_open_past_red_and_case_numbers(self):
        db = self.copy()
        self.edit(db, ("UPDATE cases SET overdue = 1 WHERE id = ?", self.case_id),
                  "UPDATE counters SET value = value - 1 WHERE name LIKE 'case_number:%'")
        self.assertCaught(db, r"counters: %s dispute/family open past red: the counters say "
                              r"0, the cases 1" % GRID)
        self.assertCaught(db, r"counters: case numbers of \d{6} \d{4} reach \d+ but their counter is "
                              r"at \d+")

    def test_a_step_of_no_case(self):
        db = self.copy()
        self.edit(db, "INSERT INTO case_steps (case_id, action, to_state, at)"
                      " VALUES (99999999, 'report', 'reported', 0)")
        self.assertCaught(db, r"foreign keys: case_steps row \d+ refers to a cases row that "
                              r"does not exist")

    def test_a_missing_or_changed_attachment(self):
        db = self.copy()
        os.remove(attachment_path(db, self.sha))
        self.assertCaught(db, r"attachments: case id %d: the file .*%s is missing"
                          % (self.case_id, self.sha))
        with open(attachment_path(self.base, self.sha), "rb") as f:
            data = f.read()
        with open(attachment_path(db, self.sha), "wb") as f:
            f.write(data[:-1] + b"X")
        self.assertCaught(db, r"attachments: case id %d: .*%s holds other bytes"
                          % (self.case_id, self.sha))

    def test_not_a_database(self):
        db = self.copy()
        with open(db, "wb") as f:
            f.write(b"not a database at all\n" * 100)
        r = pingan("check", "--db", db)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a database", r.stderr)

    def test_restore_refuses_to_overwrite_without_force(self):
        d = tempfile.mkdtemp(prefix="pingan-restore-")
        self.addCleanup(shutil.rmtree, d, True)
        db = os.path.join(d, "target.db")
        first = pingan("restore", "--from", self.base, "--db", db)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.edit(db, ("UPDATE cases SET title = '改过' WHERE id = ?", self.case_id))
        again = pingan("restore", "--from", self.base, "--db", db)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("--force", again.stderr)
        self.assertEqual(self.one(db, "SELECT title FROM cases WHERE id = ?", self.case_id),
                         ("改过",))
        forced = pingan("restore", "--from", self.base, "--db", db, "--force")
        self.assertEqual(forced.returncode, 0, forced.stdout + forced.stderr)
        self.assertEqual(self.one(db, "SELECT title FROM cases WHERE id = ?", self.case_id),
                         ("检查测试",))
        self.assertEqual([n for n in os.listdir(d) if "restoring" in n], [])
        self.assertEqual(pingan("check", "--db", db).returncode, 0)

    def test_restore_refuses_what_is_no_pingan_backup(self):
        d = tempfile.mkdtemp(prefix="pingan-restore-")
        self.addCleanup(shutil.rmtree, d, True)
        text = os.path.join(d, "notes.txt")
        with open(text, "w") as f:
            f.write("这不是备份\n")
        other = os.path.join(d, "other.db")
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
        for bad in (text, other, os.path.join(d, "absent.db")):
            r = pingan("restore", "--from", bad, "--db", os.path.join(d, "target.db"))
            self.assertNotEqual(r.returncode, 0, bad)
            self.assertRegex(r.stderr, "not a pingan backup|no backup at")
            self.assertFalse(os.path.exists(os.path.join(d, "target.db")))

    def test_restore_refuses_a_damaged_backup(self):
        db = self.copy()
        self.edit(db, ("UPDATE cases SET status = 'closed' WHERE id = ?", self.case_id))
        target = os.path.join(os.path.dirname(db), "target.db")
        r = pingan("restore", "--from", db, "--db", target)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("problem: history: case %s" % self.case_number, r.stdout)
        self.assertIn("nothing was restored", r.stderr)
        self.assertEqual(sorted(os.listdir(os.path.dirname(db))),
                         ["copy.db", "copy.db.audit-key", "copy.db.files"])

    def test_an_audit_row_edited_or_cut(self):
        db = self.copy()
        last, = self.one(db, "SELECT max(idx) FROM audit_log")
        self.edit(db, "DROP TRIGGER audit_log_no_update",
                  ("UPDATE audit_log SET detail = '{}' WHERE idx = ?", last - 3))
        self.assertCaught(db, r"audit: row %d: edited" % (last - 3))
        db = self.copy()
        self.edit(db, "DROP TRIGGER audit_log_no_delete",
                  ("DELETE FROM audit_log WHERE idx > ?", last - 2))
        self.assertCaught(db, r"audit: row %d: truncated" % (last - 1))

    def test_the_audit_key_goes_with_the_backup(self):
        # check needs the key: a copy without it is not whole
        db = self.copy()
        os.remove(audit_key_of(db))
        self.assertCaught(db, r"audit: no audit key at .*copy\.db\.audit-key")
        # restore puts the backup's key beside the database, and the log verifies with it
        d = tempfile.mkdtemp(prefix="pingan-restore-")
        self.addCleanup(shutil.rmtree, d, True)
        target = os.path.join(d, "target.db")
        r = pingan("restore", "--from", self.base, "--db", target)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(audit_key_of(target), "rb") as a, open(audit_key_of(self.base), "rb") as b:
            self.assertEqual(a.read(), b.read())
        self.assertEqual(os.stat(audit_key_of(target)).st_mode & 0o777, 0o600)
        v = pingan("audit", "verify", "--db", target)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        # a backup whose key is gone cannot be restored: its log could not be verified
        shutil.copy(self.base, os.path.join(d, "nokey.db"))
        shutil.copytree(files_of(self.base), files_of(os.path.join(d, "nokey.db")))
        r = pingan("restore", "--from", os.path.join(d, "nokey.db"), "--db",
                   os.path.join(d, "other.db"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("no audit key at", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "other.db")))
        # nor can a database be served with a key that is not its own
        b = pingan("backup", "--db", target, "--out", os.path.join(d, "b.db"), "--audit-key",
                   os.path.join(d, "absent.key"))
        self.assertEqual(b.returncode, 1, b.stdout + b.stderr)
        self.assertIn("the audit key was not copied", b.stdout)

    def test_backup_never_replaces_a_backup(self):
        r = pingan("backup", "--db", self.s.db, "--out", self.base)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("exists already", r.stderr)
        self.assertEqual(pingan("check", "--db", self.base).returncode, 0)

    def test_help(self):
        for cmd in ("backup", "restore", "check"):
            r = pingan(cmd, "--help")
            self.assertEqual(r.returncode, 0)
            self.assertIn("usage: pingan " + cmd, r.stdout)
            self.assertIn("--db PATH", r.stdout)


if __name__ == "__main__":
    unittest.main()
