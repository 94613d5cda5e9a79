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
    """Repeat the MicroPython runner's own closing line after pytest's."""
    import mpy_suite

    if mpy_suite.SUMMARY:
        terminalreporter.write_line(mpy_suite.SUMMARY)
