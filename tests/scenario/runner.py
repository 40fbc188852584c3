#!/usr/bin/env python3
"""Runs the Python scenario and integration tests (tests/scenario/test_*.py).

They drive the real `concierge` program (the sanitizer build) through its
command line and its network interfaces. Prints one line per test and a
closing "scenario: N passed, M failed".
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))


class Result(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.time()
        super().startTest(test)

    def _line(self, test, word):
        self.stream.write("  %-6s %s (%.1fs)\n" % (word, test.id().split(".", 1)[-1],
                                                   time.time() - self._t0))
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self._line(test, "ok")

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._line(test, "FAIL")

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        self._line(test, "ERROR")

    def addExpectedFailure(self, test, err):
        unittest.TestResult.addExpectedFailure(self, test, err)
        self._line(test, "xfail")

    def addUnexpectedSuccess(self, test):
        unittest.TestResult.addUnexpectedSuccess(self, test)
        self._line(test, "XPASS")

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._line(test, "skip")


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    loader = unittest.TestLoader()
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    if pattern:
        def keep(s):
            out = unittest.TestSuite()
            for t in s:
                if isinstance(t, unittest.TestSuite):
                    out.addTests(keep(t))
                elif any(p in t.id() for p in pattern.split(",")):
                    out.addTest(t)
            return out
        suite = keep(suite)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=0, resultclass=Result)
    res = runner.run(suite)
    # A known failure is not a pass, and a test passing that should fail is news.
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    passed = res.testsRun - failed - len(res.skipped) - len(res.expectedFailures)
    if res.expectedFailures or res.skipped:
        print("scenario: %d known failures, %d skipped" % (len(res.expectedFailures),
                                                          len(res.skipped)))
    print("scenario: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
