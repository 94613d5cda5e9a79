"""pytest set-up: import paths, and the MicroPython half of every run."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The core, the tests and fakes, the user commands, the shared PC-side modules and the harnesses.
for path in (HERE.parent / "firmware", HERE, HERE / "fakes", HERE.parent / "tools", HERE.parent / "pclib",
             HERE.parent / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pytest_terminal_summary(terminalreporter):
    """Repeat the MicroPython runner's own closing line after pytest's, and say so when the
    browser test could not run (its skip would otherwise be one "s" among hundreds of dots)."""
    import mpy_suite

    if mpy_suite.SUMMARY:
        terminalreporter.write_line(mpy_suite.SUMMARY)
    for report in terminalreporter.stats.get("skipped", []):
        if "Chromium is not installed" in str(report.longrepr):
            terminalreporter.write_line("browser: Chromium is not installed, so the dashboard was not "
                                        "opened in a browser (apt-get install chromium)")
            break
