"""test_metrics.py: GET /metrics on its own listener (--metrics-listen) — Prometheus text
that parses, counters that move by what was done, nothing personal in it, and nothing of
it on the API port."""
import time
import unittest

from common import ApiTest, GRID, idno_ending
from harness import free_port
import promtext
from promtext import value

REQ = "pingan_http_requests_total"
DUR = "pingan_http_request_duration_seconds"


class MetricsTest(ApiTest):
    ID = idno_ending("417X")
    PHONE = "13955501234"
    # the demo's history is judged as of the day it was made: a month on, its open cases
    # have passed limits the sweeper marks at start
    server_clock = True
    server_ahead = 30 * 86400

    @classmethod
    def setUpClass(cls):
        cls.mport = free_port()
        # the sweeper runs once at start, then not for an hour
        cls.server_args = ("--metrics-listen", "127.0.0.1:%d" % cls.mport,
                           "--sweep-interval", "3600")
        super().setUpClass()

    def scrape(self):
        status, ctype, text = promtext.scrape(self.mport)
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        samples, types = promtext.parse(text)
        return samples, types, text

    def test_counters_move_by_what_was_done(self):
        before, _, _ = self.scrape()
        token = self.s.login("town_101")  # POST /api/v1/session, unless already logged in
        for _ in range(3):
            self.assertStatus(self.s.request("GET", "/healthz"), 200)
        self.assertStatus(self.s.request("GET", "/api/v1/nowhere"), 404)
        self.assertStatus(self.s.request("GET", "/api/v1/cases"), 401)
        parties = [{"role": "applicant", "name": "张三", "id_number": self.ID,
                    "phone": self.PHONE}]
        c = self.create(parties=parties)
        for _ in range(2):
            self.assertStatus(self.s.request("GET", "/api/v1/cases/%d" % c["id"], token=token),
                              200)
        self.assertStatus(self.s.request("HEAD", "/healthz"), 200)
        # a job the requests left behind (a session's last use reaching the store) may still
        # be on its way through the writer: read the counters once it has gone quiet
        for _ in range(100):
            after, types, text = self.scrape()
            if value(after, "pingan_writer_queue_depth") == 0:
                break
            time.sleep(0.05)

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(moved(REQ, route="/healthz", method="GET", status="2xx"), 3)
        self.assertEqual(moved(REQ, route="/healthz", method="HEAD", status="2xx"), 1)
        self.assertEqual(moved(REQ, route="none", method="GET", status="4xx"), 1)
        self.assertEqual(moved(REQ, route="/api/v1/cases", method="GET", status="4xx"), 1)
        self.assertEqual(moved(REQ, route="/api/v1/cases", method="POST", status="2xx"), 1)
        self.assertEqual(moved(REQ, route="/api/v1/cases/{id}", method="GET", status="2xx"), 2)
        self.assertEqual(moved(DUR + "_count", route="/healthz", method="GET"), 4)  # HEAD too
        self.assertEqual(moved(DUR + "_count", route="/api/v1/cases/{id}", method="GET"), 2)
        self.assertEqual(moved(DUR + "_count", route="/api/v1/cases", method="POST"), 1)
        self.assertEqual(moved(DUR + "_count", route="none", method="any"), 1)
        self.assertGreater(moved(DUR + "_sum", route="/api/v1/cases/{id}", method="GET"), 0)
        # the case's intake was a writer job, committed in a batch
        self.assertGreaterEqual(moved("pingan_writer_jobs_total", result="committed"), 1)
        self.assertGreaterEqual(moved("pingan_writer_batch_size_count"), 1)
        self.assertEqual(value(after, "pingan_writer_batch_size_sum"),
                         value(after, "pingan_writer_jobs_total", result="committed")
                         + value(after, "pingan_writer_jobs_total", result="failed"))
        # two reads of one case: at least the second found its rendering kept
        cache = [moved("pingan_case_cache_requests_total", result=r) for r in ("hit", "miss")]
        self.assertEqual(sum(cache), 2)
        self.assertGreaterEqual(cache[0], 1)
        self.assertEqual(value(after, "pingan_writer_queue_depth"), 0)
        self.assertEqual(types[REQ], "counter")
        self.assertEqual(types[DUR], "histogram")
        self.assertEqual(types["pingan_writer_batch_size"], "histogram")
        self.assertEqual(types["pingan_writer_queue_depth"], "gauge")
        started = value(after, "process_start_time_seconds")
        self.assertTrue(0 < started <= time.time(), started)
        # nothing personal: only patterns, never the paths or bodies
        for secret in (self.ID, self.PHONE, "张三", "/api/v1/cases/%d" % c["id"], token):
            self.assertNotIn(secret, text)

    def test_sweeper_runs_counted(self):
        deadline = time.time() + 30
        while True:
            samples, _, _ = self.scrape()
            if value(samples, "pingan_sweeper_runs_total", result="ok") >= 1:
                break
            self.assertLess(time.time(), deadline, "the sweeper at start never ran")
            time.sleep(0.1)
        self.assertEqual(value(samples, "pingan_sweeper_runs_total", result="failed"), 0)
        # a month on, the demo city has cases past their limits: the first run marked some
        self.assertGreater(value(samples, "pingan_sweeper_cases_looked_total"), 0)
        self.assertGreater(value(samples, "pingan_sweeper_cases_marked_total", mark="yellow"), 0)

    def test_only_metrics_on_its_port_and_none_on_the_api(self):
        self.assertEqual(promtext.scrape(self.mport, "/")[0], 404)
        self.assertEqual(promtext.scrape(self.mport, "/api/v1/cases")[0], 404)
        self.assertEqual(promtext.scrape(self.mport, "/metrics", "POST")[0], 405)
        self.assertEqual(promtext.scrape(self.mport, "/metrics", "HEAD")[0], 200)
        self.assertError(self.s.request("GET", "/metrics"), 404, "NOT_FOUND")

    def test_the_parser_can_fail(self):
        _, _, text = self.scrape()
        bad = [text.replace("\n# TYPE pingan_writer_queue_depth gauge", "", 1) +
               "# TYPE pingan_writer_queue_depth gauge\n",  # TYPE after its samples
               text + text.split("\n")[2] + "\n",  # a series twice
               text.replace('le="+Inf"', 'le="+Inf2"', 1),
               text + "x{a=1} 2\n",  # a label value without quotes
               text + 'pingan_writer_queue_depth{a="1"} two\n',  # not a number
               text[:-1]]
        for b in bad:
            with self.assertRaises(promtext.FormatError):
                promtext.parse(b)


class MetricsListenTest(unittest.TestCase):
    def test_bad_address_stops_start(self):
        import subprocess
        from harness import PINGAN, Server
        s = Server(extra_args=["--metrics-listen", "nowhere"])
        try:
            p = subprocess.run([PINGAN, "serve", "--db", s.db, "--listen",
                                "127.0.0.1:%d" % s.port] + s.extra,
                               capture_output=True, text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("cannot serve metrics", p.stderr)
            self.assertIn("nowhere", p.stderr)
        finally:
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
