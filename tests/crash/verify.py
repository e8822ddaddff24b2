"""verify.py: what the crash harness checks in the database file after each kill, opened
read-only before the server starts again: the file is sound, everything acknowledged is
there as it was answered, nothing is there twice, and no change is half-written (each
case's steps chain from its report to its status, the counters agree with the cases). The
same checks on PostgreSQL (a postgres:// URL), through psql: SQL common to both."""
import hashlib
import os

from harness import connect_ro


class Report:
    def __init__(self):
        self.checked = 0
        self.lost = {}        # tag of a request acknowledged -> how it is missing or changed
        self.duplicates = {}  # tag of a request -> where it is found twice
        self.broken = {}      # integrity and invariants of the whole store: text -> text


def broke(rep, text):
    rep.broken[text] = text


def verify(db_path, files_dir, ledger):
    con = connect_ro(db_path)
    try:
        rep = Report()
        with ledger.lock:  # the clients are idle; copy under the lock all the same
            cases, steps = dict(ledger.cases), list(ledger.steps)
            files, keys = list(ledger.files), dict(ledger.keys)
        sound(con, rep)
        whole(con, rep)
        acknowledged(con, ledger.prefix, cases, steps, files, keys, files_dir, rep)
        return rep
    finally:
        con.close()


def sound(con, rep):
    rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        broke(rep, "integrity_check: %s" % "; ".join(rows[:5]))
    for r in con.execute("PRAGMA foreign_key_check"):
        broke(rep, "foreign key: %r" % (r,))


def whole(con, rep):
    """Invariants of every case in the store, the demo city's as well as the harness's."""
    # each case's steps chain from its report to its status (in SQL: a long run makes
    # hundreds of thousands of steps, checked after every kill)
    for cid, action, frm, prev, n in con.execute(
            "WITH s AS (SELECT case_id, action, from_state, lag(to_state) OVER w AS prev,"
            " row_number() OVER w AS n FROM case_steps"
            " WINDOW w AS (PARTITION BY case_id ORDER BY id))"
            " SELECT case_id, action, from_state, prev, n FROM s"
            " WHERE (n = 1 AND (action != 'report' OR from_state IS NOT NULL))"
            " OR (n > 1 AND from_state IS DISTINCT FROM prev)"):
        if n == 1:
            broke(rep, "case %d does not begin with its report step (%s)" % (cid, action))
        else:
            broke(rep, "case %d: step %s from %s follows a step to %s" % (cid, action, frm, prev))
    for cid, status, last in con.execute(
            "SELECT id, status, last FROM (SELECT c.id, c.status, (SELECT to_state"
            " FROM case_steps s WHERE s.case_id = c.id ORDER BY s.id DESC LIMIT 1) AS last"
            " FROM cases c) x WHERE last IS DISTINCT FROM status"):
        broke(rep, "case %d is %s, its last step went to %s" % (cid, status, last))
    n = con.execute("SELECT count(*) FROM case_steps WHERE case_id NOT IN"
                    " (SELECT id FROM cases)").fetchone()[0]
    if n:
        broke(rep, "%d steps of no case" % n)
    # the counters written beside every change agree with the cases they count
    counted = ("SELECT grid, type, category, status, count(*) FROM cases GROUP BY 1, 2, 3, 4",
               "SELECT grid, type, category, status, n FROM stat_counts WHERE n != 0"
               " AND substr(status, 1, 1) != '~'")  # ~overdue: a count of its own
    for a, b in (counted, counted[::-1]):
        for r in con.execute("%s EXCEPT %s" % (a, b)):
            broke(rep, "stat_counts disagree with the cases at %r" % (r,))
    reported = con.execute("SELECT (SELECT count(*) FROM cases), (SELECT coalesce(sum(n), 0)"
                           " FROM stat_month WHERE metric = 'reported')").fetchone()
    if reported[0] != reported[1]:
        broke(rep, "%d cases but %d reported in stat_month" % reported)
    for name, value, top in con.execute(
            "SELECT name, value, (SELECT max(CAST(substr(number, 16) AS INTEGER)) FROM cases"
            " WHERE number LIKE 'PA-' || replace(substr(name, 13), ':', '-') || '-%')"
            " FROM counters"
            " WHERE name LIKE 'case\\_number:%' ESCAPE '\\'"):
        if top is not None and value < top:
            broke(rep, "counter %s is %d, behind case number %d" % (name, value, top))


def acknowledged(con, prefix, cases, steps, files, keys, files_dir, rep):
    like = prefix + "-%"
    # cases: every one acknowledged is there as answered, and each tag at most once
    found = {}
    for cid, number, title, desc in con.execute(
            "SELECT id, number, title, description FROM cases WHERE title LIKE ?", (like,)):
        if title in found:
            rep.duplicates[title] = "case %s twice: %s and %d" % (title, found[title][0], cid)
        found[title] = (cid, number, desc)
    parties = {}
    for cid, role, name in con.execute(
            "SELECT p.case_id, p.role, p.name FROM case_parties p JOIN cases c ON c.id ="
            " p.case_id WHERE c.title LIKE ? ORDER BY p.case_id, p.idx", (like,)):
        # names are sealed in the store (the key is the server's): their party, place and
        # sealing are checked here, what they say by the API tests
        parties.setdefault(cid, []).append((role, "sealed" if name.startswith("pa1:") else name))
    for cid, c in cases.items():
        rep.checked += 1
        got = found.get(c["title"])
        if got != (cid, c["number"], c["description"]):
            rep.lost[c["title"]] = ("case %s (id %d, %s) answered, found %r"
                                    % (c["title"], cid, c["number"], got))
        elif parties.get(cid, []) != [(role, "sealed") for role, _ in c["parties"]]:
            rep.lost[c["title"]] = ("case %s: parties %r answered, found %r"
                                    % (c["title"], c["parties"], parties.get(cid, [])))
    have = {(u, k) for u, k in con.execute(
        "SELECT u.username, i.key FROM idempotency i JOIN users u ON u.id = i.user_id"
        " WHERE i.key LIKE ?", (like,))}
    for k, (user, cid) in keys.items():
        if (user, k) not in have:
            rep.lost.setdefault(cases[cid]["title"],
                                "the idempotency key %s of case %d is gone" % (k, cid))

    # actions: each acknowledged step is there at the place it was answered
    seqs, notes = {}, {}
    for cid, action, to, note in con.execute(
            "SELECT s.case_id, s.action, s.to_state, s.note FROM case_steps s JOIN cases c"
            " ON c.id = s.case_id WHERE c.title LIKE ? ORDER BY s.case_id, s.id", (like,)):
        seqs.setdefault(cid, []).append((action, to, note))
        if note and note.startswith(prefix + "-"):
            if note in notes:
                rep.duplicates[note] = "action %s twice (cases %d and %d)" % (note, notes[note],
                                                                               cid)
            notes[note] = cid
    for s in steps:
        rep.checked += 1
        got = seqs.get(s["case"], [])
        got = got[s["seq"] - 1] if len(got) >= s["seq"] else None
        if got != (s["action"], s["to"], s["note"]):
            rep.lost[s["note"]] = ("case %d step %d %s→%s (%s) answered, found %r"
                                   % (s["case"], s["seq"], s["action"], s["to"], s["note"], got))

    # files: the row, the step that records it and the bytes under their hash
    rows = {(cid, sha): (size, name) for cid, sha, size, name in con.execute(
        "SELECT a.case_id, a.sha256, a.size, a.name FROM case_attachments a JOIN cases c"
        " ON c.id = a.case_id WHERE c.title LIKE ?", (like,))}
    attached = {n.split(" (sha256 ")[0] for c in seqs.values() for a, _, n in c
                if a == "attach" and n}
    for f in files:
        rep.checked += 1
        if rows.get((f["case"], f["sha256"])) != (f["size"], f["name"]):
            rep.lost[f["name"]] = "file %s on case %d answered, not recorded" % (f["name"],
                                                                                 f["case"])
        elif f["name"] not in attached:
            rep.lost[f["name"]] = "file %s on case %d has no attach step" % (f["name"], f["case"])
    for (cid, sha), (size, name) in rows.items():
        path = os.path.join(files_dir, sha[:2], sha[2:4], sha)
        try:
            with open(path, "rb") as fh:
                ok = hashlib.sha256(fh.read()).hexdigest() == sha
        except OSError:
            ok = False
        if not ok:
            broke(rep, "file %s of case %d recorded, its bytes missing or wrong"
                              % (name, cid))
