"""Run the core tests under the MicroPython unix port.

    micropython host_tests/mpy_runner.py [--list] [module ...]

Without modules it runs every ``host_tests/test_*.py`` that is not a
CPython-only ``test_pc_*`` file. It prints one ``PASS`` / ``FAIL`` / ``SKIP``
line per test (a failure is followed by its traceback, indented), then
``micropython: N passed, N failed, N skipped``, and exits 1 if anything
failed. ``--list`` prints the test ids without running them.
"""

import io
import os
import sys
import unittest

HERE = __file__.rpartition("/")[0] or "."


def modules():
    names = []
    for name in os.listdir(HERE):
        if name.startswith("test_") and name.endswith(".py") and not name.startswith("test_pc_"):
            names.append(name[:-3])
    names.sort()
    return names


def cases(module_name):
    module = __import__(module_name)
    found = []
    for cls_name in sorted(dir(module)):
        cls = getattr(module, cls_name)
        if isinstance(cls, type) and issubclass(cls, unittest.TestCase) and cls is not unittest.TestCase:
            for attr in sorted(dir(cls)):
                if attr.startswith("test"):
                    found.append((cls, attr, "%s.%s.%s" % (module_name, cls_name, attr)))
    return found


def run_one(cls, attr):
    test = cls()
    test.setUp()
    try:
        getattr(test, attr)()
    finally:
        test.tearDown()


def traceback_text(exc):
    out = io.StringIO()
    sys.print_exception(exc, out)
    return "".join("    " + line + "\n" for line in out.getvalue().splitlines())


def main(argv):
    listing = "--list" in argv
    names = [a for a in argv if not a.startswith("--")] or modules()
    passed = failed = skipped = 0
    for module_name in names:
        try:
            found = cases(module_name)
        except Exception as exc:  # an import error fails the whole module
            print("FAIL %s" % module_name)
            print(traceback_text(exc), end="")
            failed += 1
            continue
        for cls, attr, test_id in found:
            if listing:
                print(test_id)
                continue
            try:
                run_one(cls, attr)
            except unittest.SkipTest as exc:
                print("SKIP %s: %s" % (test_id, exc))
                skipped += 1
            except Exception as exc:
                print("FAIL %s" % test_id)
                print(traceback_text(exc), end="")
                failed += 1
            else:
                print("PASS %s" % test_id)
                passed += 1
    if not listing:
        print("micropython: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


sys.exit(main(sys.argv[1:]))
