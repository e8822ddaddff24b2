"""run.py: runs every tests/api/test_*.py with unittest and writes the counts for the
project's summary line. Usage: python3 tests/api/run.py [RESULTS_DIR] [PATTERN] [NAME]
PATTERN: a glob, or file names separated by blanks; NAME: the counts' name (api; api-pg
for the run on PostgreSQL)."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "build", "test-results")
    pattern = sys.argv[2] if len(sys.argv) > 2 else "test_*.py"
    name = sys.argv[3] if len(sys.argv) > 3 else "api"
    os.makedirs(results, exist_ok=True)
    if " " in pattern.strip() or "\n" in pattern:
        loader = unittest.defaultTestLoader
        suite = unittest.TestSuite(loader.loadTestsFromName(f[:-len(".py")])
                                   for f in pattern.split())
    else:
        suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors)
    passed = res.testsRun - failed - len(res.skipped)
    with open(os.path.join(results, name + ".count"), "w") as f:
        f.write("%d %d\n" % (passed, failed))
    print("%s: %d passed, %d failed" % (name, passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
