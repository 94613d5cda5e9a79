"""pytest set-up: import paths, and the MicroPython half of every run."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The core, the tests and fakes, the user commands, the shared PC-side modules and the harnesses.
for path in (HERE.parent / "firmware", HERE, HERE / "fakes", HERE.parent / "tools", HERE.parent / "pclib",
             HERE.parent / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import alloc  # noqa: E402  (found through the paths above)

# The only skips a run may have: the allocation tests need MicroPython's gc.mem_alloc, and the
# browser test needs Chromium (.ci/run installs it; a local run says plainly that it is missing).
_NO_BROWSER = "Chromium is not installed"
_unexpected_skips = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if alloc.UNMEASURABLE not in reason and _NO_BROWSER not in reason:
            _unexpected_skips.append("%s: %s" % (report.nodeid, reason))


def pytest_sessionfinish(session, exitstatus):
    """A skip other than the allocation tests' hides a test that never ran: fail the run."""
    if _unexpected_skips and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    """Repeat the MicroPython runner's own closing line after pytest's; say so when the browser
    test could not run; name the skips that fail the run."""
    import mpy_suite

    if mpy_suite.SUMMARY:
        terminalreporter.write_line(mpy_suite.SUMMARY)
    for report in terminalreporter.stats.get("skipped", []):
        if _NO_BROWSER in str(report.longrepr):
            terminalreporter.write_line("browser: Chromium is not installed, so the dashboard was not "
                                        "opened in a browser (apt-get install chromium)")
            break
    if _unexpected_skips:
        terminalreporter.write_line("FAILED: %d test(s) skipped; only the allocation tests (%s) and the "
                                    "browser test may skip:" % (len(_unexpected_skips), alloc.UNMEASURABLE),
                                    red=True)
        for line in _unexpected_skips:
            terminalreporter.write_line("  " + line, red=True)
