"""test_config.py: `pingan serve --config FILE` — every option from the file, the command
line over it, and a bad file refused at start naming file, line and key."""
import os
import subprocess
import time
import unittest

from harness import PINGAN, Server, free_port
import promtext


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.s = Server()  # a demo database in a scratch directory; not started
        self.conf = os.path.join(self.s.dir, "pingan.conf")

    def tearDown(self):
        self.s.cleanup()

    def write(self, text):
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(text)

    def test_serve_from_the_file_alone(self):
        mport = free_port()
        self.write("# pingan serve\ndb = %s\nlisten = 127.0.0.1:%d\nsweep-interval = 0\n"
                   "metrics-listen = 127.0.0.1:%d\nquiet = true\nlisten = 127.0.0.1:1\n"
                   % (self.s.db, self.s.port, mport))
        # listen twice: refused, naming line 7
        p = subprocess.run([PINGAN, "serve", "--config", self.conf], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("%s:7: listen: given twice (first on line 3)" % self.conf, p.stderr)
        self.write("# pingan serve\ndb = %s\nlisten = 127.0.0.1:1\nsweep-interval = 0\n"
                   "metrics-listen = 127.0.0.1:%d\nquiet = true\n" % (self.s.db, mport))
        # the command line's --listen wins over the file's
        self.s.proc = subprocess.Popen(
            [PINGAN, "serve", "--listen", "127.0.0.1:%d" % self.s.port, "--config", self.conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        up = False
        for _ in range(400):
            try:
                if self.s.request("GET", "/healthz").status == 200:
                    up = True
                    break
            except OSError:
                if self.s.proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.assertTrue(up, "serve --config did not come up")
        status, _, text = promtext.scrape(mport)  # metrics-listen came from the file
        self.assertEqual(status, 200)
        self.assertIn("pingan_http_requests_total", text)

    def test_unknown_key_stops_start(self):
        self.write("db = %s\n\nlisten = 127.0.0.1:%d\nlisten_addr = 127.0.0.1:1\n"
                   % (self.s.db, self.s.port))
        p = subprocess.run([PINGAN, "serve", "--config", self.conf], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("%s:4: listen_addr: unknown option" % self.conf, p.stderr)

    def test_every_command_takes_config(self):
        for cmd in (["serve"], ["demo"], ["migrate"], ["sweep"], ["user", "add"]):
            p = subprocess.run([PINGAN] + cmd + ["--help"], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, cmd)
            self.assertIn("--config FILE", p.stdout, cmd)
        self.write("db = %s\n" % self.s.db)
        p = subprocess.run([PINGAN, "migrate", "--config", self.conf], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("schema is up to date", p.stdout)

    def test_example_names_every_serve_option(self):
        import re
        from harness import ROOT
        help_text = subprocess.run([PINGAN, "serve", "--help"], capture_output=True,
                                   text=True).stdout
        options = set(re.findall(r"^  --([a-z-]+)", help_text, re.M)) - {"config", "help"}
        with open(os.path.join(ROOT, "contrib", "pingan.conf.example"), encoding="utf-8") as f:
            # set, or shown commented out as "#key = value"
            keys = re.findall(r"^#?([a-z-]+) = ", f.read(), re.M)
        self.assertEqual(sorted(keys), sorted(options))


if __name__ == "__main__":
    unittest.main()
