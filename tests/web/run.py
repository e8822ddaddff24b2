"""run.py: runs every tests/web/test_*.mjs against a pingan serve of its own (started as
the API tests start theirs, on a fresh copy of the cached demo city, serving web/dist) and
writes the counts for the project's summary line. Each file prints one "RESULT passed
failed" line at its end. Usage: python3 tests/web/run.py [RESULTS_DIR] [PATTERN]"""
import fnmatch
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
from harness import Server  # noqa: E402

WEB = os.environ.get("PINGAN_WEB") or os.path.join(ROOT, "web", "dist")
CHROMIUM = os.environ.get("PINGAN_CHROMIUM", "/usr/bin/chromium")


def run_file(path):
    """(passed, failed) of one test file."""
    srv = Server(extra_args=["--web", WEB])
    try:
        srv.start()
        env = dict(os.environ, PINGAN_URL="http://127.0.0.1:%d" % srv.port, PINGAN_CHROMIUM=CHROMIUM,
                   PINGAN_DB=srv.db)
        p = subprocess.run(["node", path], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=600)
        sys.stdout.write(p.stdout)
        for line in reversed(p.stdout.splitlines()):
            if line.startswith("RESULT "):
                _, passed, failed = line.split()
                failed = int(failed) + (1 if p.returncode and not int(failed) else 0)
                return int(passed), failed
        print("%s: ended without a RESULT line (exit %d)" % (os.path.basename(path), p.returncode))
        return 0, 1
    except Exception as e:  # a server that does not start, a test that hangs
        print("%s: %s" % (os.path.basename(path), e))
        log = srv.read_log()
        print(log[-2000:])
        return 0, 1
    finally:
        srv.cleanup()


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "test-results")
    pattern = sys.argv[2] if len(sys.argv) > 2 else "test_*.mjs"
    os.makedirs(results, exist_ok=True)
    passed = failed = 0
    if not os.path.exists(os.path.join(WEB, "index.html")):
        print("web: web/dist is not built (make web)")
        failed = 1
    elif not os.access(CHROMIUM, os.X_OK):
        print("web: %s is missing (scripts/setup.sh installs chromium)" % CHROMIUM)
        failed = 1
    else:
        for name in sorted(os.listdir(HERE)):
            if fnmatch.fnmatch(name, pattern):
                p, f = run_file(os.path.join(HERE, name))
                passed += p
                failed += f
    with open(os.path.join(results, "web.count"), "w") as f:
        f.write("%d %d\n" % (passed, failed))
    print("web: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
