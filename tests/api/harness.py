"""harness.py: starts a real `pingan serve` on a loopback port against a fresh demo
database and gives tests a small HTTP client. Standard library only."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The binary under test: ./pingan, or another build of it (make test-sanitize runs the
# suite against one with sanitizers); the demo city is cached beside a binary of its own.
PINGAN = os.path.abspath(os.environ.get("PINGAN_BIN") or os.path.join(ROOT, "pingan"))
PASSWORD = "Pingan@2026"
# Passwords that meet the policy, for accounts the tests add (the demo's is exempt)
STRONG = "Hanjiang-dusk-4817"
STRONG2 = "Lotus pond, east gate 29"


def totp(secret, at, offset=0):
    """The RFC 6238 code (HMAC-SHA-1, 6 digits, 30 s) of a base32 key at unix time at,
    offset steps away."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(at // 30) + offset), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000)
_DEMO_CACHE = os.path.join(ROOT, "build", "test-demo.db")
_DEMO_CACHE = (os.path.join(os.path.dirname(PINGAN), "test-demo.db") if os.environ.get("PINGAN_BIN")
               else os.path.join(ROOT, "build", "test-demo.db"))
# The demo's audit key: one file every build of the cached demo uses (made by the first), so
# builds racing each other never leave a database beside another build's key.
_DEMO_KEY = _DEMO_CACHE[:-len(".db")] + ".audit-key"


# PINGAN_API_PG: a PostgreSQL server's URL (tests/pg-server.sh): each Server then gets a
# database of its own on it, copied from a template database that `pingan demo` fills once
# per run (CREATE DATABASE … TEMPLATE is a file copy: fast). The keys that go with a
# database live in PINGAN_STATE_DIR, a directory of this run.
PG = os.environ.get("PINGAN_API_PG") or None
_PG_TEMPLATE = "pingan_demo_tpl_%d" % os.getpid()
_pg_lock = threading.Lock()
_pg_made = []
_pg_count = [0]
if PG:
    os.environ["PINGAN_STATE_DIR"] = tempfile.mkdtemp(prefix="pingan-state-")


def _psql():
    for d in ("/usr/lib/postgresql/15/bin", "/usr/bin"):
        if os.path.exists(os.path.join(d, "psql")):
            return os.path.join(d, "psql")
    return "psql"


def pg_url(name):
    return PG.rsplit("/", 1)[0] + "/" + name


def _value(v):
    if v == "\x1e":
        return None
    return int(v) if v.lstrip("-").isdigit() and len(v) < 19 else v


def sql(db, query):
    """The rows a query answers on the database (a file or a postgres:// URL), as tuples;
    for tests that look inside the store."""
    if "://" in db:
        # fields and rows apart by separators no value holds (notes may hold newlines)
        out = subprocess.run([_psql(), "-X", "-q", "-A", "-t", "-F", "\x1f", "-R", "\x1d",
                              "-P", "null=\x1e", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", query],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(_value(v) for v in row.split("\x1f"))
                for row in out.rstrip("\n").split("\x1d") if row]
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return [tuple(r) for r in con.execute(query)]
    finally:
        con.close()


class _PgCon:
    """Enough of a read-only sqlite3 connection for the tests that look inside the store,
    over psql. SQLite's json_extract(X, '$.K') becomes PostgreSQL's, as a number."""

    def __init__(self, url):
        self.url = url

    def execute(self, query, params=()):
        for p in params:  # the tests' own values: no quote in them
            assert "'" not in str(p)
            query = query.replace("?", "'%s'" % p, 1)
        if query.startswith("PRAGMA integrity_check"):
            return _Rows([("ok",)])  # pages are the server's (data checksums, amcheck)
        if query.startswith("PRAGMA foreign_key_check"):
            return _Rows([])  # enforced by the server at each statement
        query = re.sub(r"json_extract\(([\w.]+), '\$\.(\w+)'\)", r"(\1::json->>'\2')::bigint",
                       query)
        return _Rows(sql(self.url, query))

    def close(self):
        pass


class _Rows(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


def connect_ro(db):
    """A read-only connection to the database, a file or a postgres:// URL."""
    if "://" in db:
        return _PgCon(db)
    import sqlite3
    return sqlite3.connect("file:%s?mode=ro" % db, uri=True)


def raw_bytes(db):
    """Every byte the store keeps of a database: the file and its log, or pg_dump's text of
    it (what a copy of the server's disk would show, less the dead rows VACUUM removes)."""
    if "://" in db:
        dump = os.path.join(os.path.dirname(_psql()), "pg_dump")
        return subprocess.run([dump if os.path.exists(dump) else "pg_dump", "-d", db],
                              check=True, capture_output=True).stdout
    data = b""
    for suffix in ("", "-wal"):
        if os.path.exists(db + suffix):
            with open(db + suffix, "rb") as f:
                data += f.read()
    return data


def _pg_admin(query):
    subprocess.run([_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", PG, "-c", query],
                   check=True, capture_output=True)


def pg_demo_db():
    """A fresh database on the PG server holding the demo city, with its keys."""
    state = os.environ["PINGAN_STATE_DIR"]
    with _pg_lock:
        if not _pg_made:
            _pg_admin("CREATE DATABASE %s" % _PG_TEMPLATE)
            subprocess.run([PINGAN, "demo", "--db", pg_url(_PG_TEMPLATE), "--seed", "7"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _pg_made.append(_PG_TEMPLATE)
        _pg_count[0] += 1
        name = "pingan_t%d_%d" % (os.getpid(), _pg_count[0])
        _pg_admin("CREATE DATABASE %s TEMPLATE %s" % (name, _PG_TEMPLATE))
    for suffix in (".audit-key", ".pii-key"):
        shutil.copy(os.path.join(state, _PG_TEMPLATE + suffix), os.path.join(state, name + suffix))
        os.chmod(os.path.join(state, name + suffix), 0o600)
    return pg_url(name)


def pg_drop(db):
    name = db.rsplit("/", 1)[1]
    _pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
    for suffix in (".audit-key", ".pii-key"):
        try:
            os.remove(os.path.join(os.environ["PINGAN_STATE_DIR"], name + suffix))
        except OSError:
            pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _cache_fresh():
    """The cached demo database exists with its key and is not older than the pingan
    binary."""
    try:
        return (os.path.getmtime(_DEMO_CACHE) >= os.path.getmtime(PINGAN) and
                os.path.exists(_DEMO_KEY))
    except OSError:
        return False


def demo_db(path):
    """A fresh copy of the demo city (built once per test run, then copied). The cache is
    rebuilt when pingan is newer than it; several test runs may build it at once, so each
    builds under its own name and the finished file is swapped in atomically."""
    if not _cache_fresh():
        os.makedirs(os.path.dirname(_DEMO_CACHE), exist_ok=True)
        tmp = "%s.tmp.%d" % (_DEMO_CACHE, os.getpid())
        for suffix in ("", "-wal", "-shm", ".pii-key"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
        subprocess.run([PINGAN, "demo", "--db", tmp, "--seed", "7", "--audit-key", _DEMO_KEY],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if os.path.exists(tmp + "-wal"):
            # fold a left-over write-ahead log into the file before it is copied alone
            import sqlite3
            con = sqlite3.connect(tmp)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
        for suffix in ("-wal", "-shm"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
        os.replace(tmp + ".pii-key", _DEMO_CACHE + ".pii-key")
        os.replace(tmp, _DEMO_CACHE)
    shutil.copy(_DEMO_CACHE, path)
    shutil.copy(_DEMO_KEY, audit_key_of(path))  # with its mode, 0600
    # the personal-data key lives beside the database, never inside it
    shutil.copy(_DEMO_CACHE + ".pii-key", path + ".pii-key")
    os.chmod(path + ".pii-key", 0o600)


def local_of(db):
    """Where the files that go with a database live (pa_store_local_path): a file's own
    path; for a PostgreSQL URL, PINGAN_STATE_DIR / the database name."""
    if "://" in db:
        return os.path.join(os.environ["PINGAN_STATE_DIR"], db.rsplit("/", 1)[1])
    return db


def audit_key_of(db):
    """The audit key pingan uses for a database when given none."""
    return local_of(db) + ".audit-key"


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.sent = {}
        self.raw = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.raw[:300])


class Server:
    """A running pingan serve. Use as a context manager or call start()/stop()."""

    def __init__(self, db=None, extra_args=(), clock=False, limits=False):
        """clock: run the server on a clock the test moves (shift). limits: keep the rate
        limits as they are by default; otherwise they are raised out of the way of tests
        that log in and look up far more often from one address than any person would."""
        self.dir = tempfile.mkdtemp(prefix="pingan-api-")
        self.db = db or os.path.join(self.dir, "pingan.db")
        self.own_pg = db is None and PG is not None
        if self.own_pg:
            self.db = pg_demo_db()
        elif db is None:
            demo_db(self.db)
        self.port = free_port()
        # The server's own sweeper is off unless a test asks for it: demo cases past their
        # limits would otherwise move (escalate) under tests that count them. Tests that
        # need the sweeper run `pingan sweep --at …` on a clock of their own.
        self.extra = list(extra_args)
        if "--sweep-interval" not in self.extra:
            self.extra += ["--sweep-interval", "0"]
        for opt in ("--login-rate", "--public-rate"):
            if not limits and opt not in self.extra:
                self.extra += [opt, "100000"]
        self.proc = None
        # start and kill may run on two threads (the crash test kills a server while it
        # starts): a kill must not close the log while Popen hands it to the child
        self._spawn = threading.Lock()
        self.log_path = os.path.join(self.dir, "server.log")
        self._tokens = {}
        self._served = set()  # tokens that have served a request
        self.ahead = 0
        self.clock_path = None
        if clock:
            self.clock_path = os.path.join(self.dir, "clock")
            self.extra += ["--testing-clock", self.clock_path]

    def start(self):
        with self._spawn:
            self.log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [PINGAN, "serve", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port]
                + self.extra, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("pingan serve exited: " + self.read_log())
            try:
                if self.request("GET", "/healthz").status == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("pingan serve did not become healthy")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()

    def kill(self):
        """Stop the server abruptly (SIGKILL): no clean shut-down, no final flush."""
        with self._spawn:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if getattr(self, "log", None):
                self.log.close()

    def cleanup(self):
        self.stop()
        if self.own_pg:
            pg_drop(self.db)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *a):
        self.cleanup()

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def shift(self, seconds):
        """Move the server's clock on by seconds (a server started with clock=True)."""
        self.ahead += seconds
        tmp = self.clock_path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % self.ahead)
        os.replace(tmp, self.clock_path)  # a new file: the server sees it changed

    def now(self):
        """The server's time."""
        return time.time() + self.ahead

    def add_user(self, username, role, region, password=STRONG, unit=None):
        """Add an account with `pingan user add` (its password to be replaced at first
        log-in); returns the completed process."""
        cmd = [PINGAN, "user", "add", "--db", self.db, "--username", username, "--role", role,
               "--region", region, "--password-stdin"]
        if unit:
            cmd += ["--unit", str(unit)]
        return subprocess.run(cmd, input=(password + "\n").encode(), capture_output=True)

    def ready_user(self, username, role, region, unit=None):
        """An account added and made ready as its owner would: its password replaced
        (STRONG2) and a second factor enrolled. Returns (token, key, recovery codes, the
        time of the code that confirmed the key); the token is kept for username."""
        r = self.add_user(username, role, region, unit=unit)
        if r.returncode:
            raise AssertionError("user add %s: %s" % (username, r.stderr))
        r = self.request("POST", "/api/v1/session", {"username": username, "password": STRONG})
        if r.status != 200:
            raise AssertionError("first log-in of %s: %r" % (username, r))
        tok = r.json["token"]
        r = self.request("POST", "/api/v1/session/password", {"old": STRONG, "new": STRONG2},
                         token=tok)
        if r.status != 200:
            raise AssertionError("new password of %s: %r" % (username, r))
        r = self.request("POST", "/api/v1/session/totp", {"password": STRONG2}, token=tok)
        if r.status != 200:
            raise AssertionError("second factor of %s: %r" % (username, r))
        key = r.json["secret"]
        at = self.now()
        r = self.request("POST", "/api/v1/session/totp/confirm", {"code": totp(key, at)},
                         token=tok)
        if r.status != 200:
            raise AssertionError("confirming the second factor of %s: %r" % (username, r))
        self._tokens[username] = tok
        return tok, key, r.json["recovery_codes"], at

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        """body: a JSON-able object; raw: bytes sent as they are."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = "Bearer " + token
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        resp = Response(r.status, r.getheaders(), r.read())
        resp.sent = h  # the request's headers: which language it asked its messages in
        conn.close()
        return resp

    def login(self, username, password=PASSWORD):
        if username not in self._tokens:
            r = self.request("POST", "/api/v1/session", {"username": username, "password": password})
            if r.status != 200:
                raise AssertionError("log-in of %s failed: %r" % (username, r))
            self._tokens[username] = r.json["token"]
        return self._tokens[username]

    def _as(self, user, send):
        """send(token) as user. `pingan sweep --at LATER` forgets the sessions ended by then,
        a kept token's too; the server's session cache (10 s) hid that only from a test
        fast enough. Such a user logs in again, as a person would, once — only with a token
        that served before: one not yet committed (--unsafe-early-ack) is waited for."""
        if not user:
            return send(None)
        tok = self.login(user)
        r = send(tok)
        if r.status == 401 and "会话已结束" in (r.raw or b"").decode("utf-8", "replace") \
                and tok in self._served:
            self._tokens.pop(user, None)
            tok = self.login(user)
            r = send(tok)
        if r.status != 401:
            self._served.add(tok)
        return r

    def get(self, path, user=None, **kw):
        return self._as(user, lambda tok: self.request("GET", path, token=tok, **kw))

    def post(self, path, body, user=None, **kw):
        return self._as(user, lambda tok: self.request("POST", path, body=body, token=tok, **kw))
