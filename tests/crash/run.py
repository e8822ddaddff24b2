"""run.py: the crash-safety test. A safe run (CRASH_KILLS kills, 50 by default) must lose
nothing; a negative control on a server told to answer before it commits
(`serve --unsafe-early-ack`) must be caught losing something, or the harness proves
nothing. Writes the counts for the project's summary line: one test per check of the safe
run (after each kill and at the end) and one for the control.
Usage: python3 tests/crash/run.py [RESULTS_DIR]   (env CRASH_KILLS, CRASH_SEED)"""
import os
import random
import sys

from rounds import CrashRun


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else "build/test-results"
    kills = int(os.environ.get("CRASH_KILLS", "50"))
    seed = int(os.environ.get("CRASH_SEED", str(random.randrange(1, 1000000))))
    os.makedirs(results, exist_ok=True)
    count = os.path.join(results, "crash.count")
    with open(count, "w") as f:
        f.write("0 1\n")  # until the runs below finish: a run that breaks off is a failure
    passed = failed = 0

    safe = CrashRun("crash", kills, seed)
    try:
        safe.run()
    except BaseException:
        print("crash: the run broke off; its files are kept in %s" % safe.server.dir)
        raise
    print(safe.summary(), flush=True)
    checks = kills + 1
    failed += safe.rounds_failed
    passed += checks - safe.rounds_failed
    if safe.ledger.acknowledged() == 0 or safe.checked != safe.ledger.acknowledged():
        print("crash: FAIL — %d acknowledged but %d checked"
              % (safe.ledger.acknowledged(), safe.checked))
        failed += 1
    if failed:
        print("crash: FAIL — the database and server log are kept in %s" % safe.server.dir)
    else:
        safe.server.cleanup()

    # killed until it is seen losing something, 10 times at most
    control = CrashRun("crash control (serve --unsafe-early-ack)", 10, seed + 1, unsafe=True,
                       show=2, until_caught=True)
    try:
        control.run()
    finally:
        control.server.cleanup()
    lost, dup, _ = control.counts()
    caught = lost + dup > 0
    print(control.summary()
          + (" — caught" if caught else " — NOT CAUGHT: this harness cannot see a loss"))
    passed, failed = passed + caught, failed + (not caught)

    with open(count, "w") as f:
        f.write("%d %d\n" % (passed, failed))
    print("crash: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
