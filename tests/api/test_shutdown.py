"""test_shutdown.py: SIGTERM while requests are in flight — the server stops accepting at
once, every request it had begun gets its whole answer, every case it answered 201 is in
the database after it exits, and it exits 0."""
import json
import os
import signal
import socket
import sqlite3
import time

from common import ApiTest, GRID
from harness import free_port
import promtext


class ShutdownTest(ApiTest):
    N = 4

    @classmethod
    def setUpClass(cls):
        cls.mport = free_port()
        cls.server_args = ("--metrics-listen", "127.0.0.1:%d" % cls.mport)
        super().setUpClass()

    def in_flight(self):
        samples, _ = promtext.parse(promtext.scrape(self.mport)[2])
        return promtext.value(samples, "pingan_http_requests_in_flight")

    def wait_for(self, what, cond):
        deadline = time.time() + 30
        while not cond():
            self.assertLess(time.time(), deadline, "waited in vain for " + what)
            time.sleep(0.05)

    def begin(self, token, title):
        """A POST /api/v1/cases whose headers and first half of the body are sent: the
        request is in flight until the rest comes."""
        body = json.dumps(self.case_body(title=title), ensure_ascii=False).encode("utf-8")
        head = ("POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                "Content-Length: %d\r\n\r\n" % (token, len(body))).encode("ascii")
        sock = socket.create_connection(("127.0.0.1", self.s.port), timeout=60)
        sock.sendall(head + body[: len(body) // 2])
        return sock, body[len(body) // 2:]

    @staticmethod
    def finish(sock, rest):
        """Send the rest of the body; (status, headers, body) of the whole answer."""
        sock.sendall(rest)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        while len(body) < int(headers["content-length"]):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        sock.close()
        return status, headers, body

    def refused(self):
        try:
            socket.create_connection(("127.0.0.1", self.s.port), timeout=5).close()
            return False
        except ConnectionRefusedError:
            return True

    def test_sigterm_finishes_requests_in_flight(self):
        token = self.s.login("town_101")
        self.case_body()  # look the grid's point up before the stop
        self.wait_for("an idle server", lambda: self.in_flight() == 0)
        pending = [self.begin(token, "停机测试 %d" % i) for i in range(self.N)]
        self.wait_for("%d requests in flight" % self.N, lambda: self.in_flight() == self.N)

        self.s.proc.send_signal(signal.SIGTERM)
        self.wait_for("the stop to begin", lambda: '"event":"stopping"' in self.s.read_log())
        # no new connection is taken while the old ones finish
        self.wait_for("new connections refused", self.refused)
        self.assertIsNone(self.s.proc.poll(), "exited with requests in flight")

        ids = []
        for i, (sock, rest) in enumerate(pending):
            status, headers, body = self.finish(sock, rest)
            self.assertEqual(status, 201, body)
            self.assertEqual(headers.get("connection", "").lower(), "close")
            case = json.loads(body)  # the whole answer: it parses
            self.assertEqual(case["title"], "停机测试 %d" % i)
            ids.append(case["id"])
        self.assertEqual(self.s.proc.wait(30), 0)
        log = self.s.read_log()
        self.assertIn('"event":"stopped"', log)

        # every case answered 201 was committed: read the database the server left
        db = sqlite3.connect(self.s.db)
        try:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            rows = db.execute("SELECT id, title FROM cases WHERE id IN (%s)"
                              % ",".join("?" * len(ids)), ids).fetchall()
        finally:
            db.close()
        self.assertEqual(sorted(rows), sorted((i, "停机测试 %d" % n) for n, i in enumerate(ids)))
