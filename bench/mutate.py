"""make mutate: mutation testing of the core (firmware/socbar/) with mutmut, on CPython.

    python bench/mutate.py [--jobs N] [MUTANT_GLOB ...]

mutmut names each mutant after its file's path and checks that the tests
import it under that name, while the tests import the core as ``socbar``. So
the run happens in a copy, ``build/mutate/``, with the core at its top
(``socbar/``) and the rest of the project beside it; the sources are never
touched. Each mutant runs only the core tests that reach the mutated
function (CPython only: ``test_pc_*`` files and the MicroPython half stay
out, and so does ``test_readonly.py``, which reads the decoders' attribute
names and so would take mutmut's renamed copies for write builders).

Writes ``build/mutate/report.txt``: the score of each module, then the name
and the diff of every surviving mutant. Prints the scores; exits 1 when mutmut is missing or
its run fails. docs/benchmarks.md lists the survivors and why they live.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutate"
# Copied beside the core: the rest of the firmware, the tests and what they import.
BESIDE = ("host_tests", "tools", "pclib", "bench", "boards")
# Test files left out of the mutation run (see the module docstring).
LEFT_OUT = ("test_readonly.py",)


def core_tests():
    return sorted(p.name for p in (ROOT / "host_tests").glob("test_*.py")
                  if not p.name.startswith("test_pc_") and p.name not in LEFT_OUT)


def lay_out():
    """A fresh build/mutate/: socbar/ at the top, the other firmware under firmware/."""
    if WORK.exists():
        shutil.rmtree(WORK)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "firmware" / "socbar", WORK / "socbar", ignore=ignore)
    shutil.copytree(ROOT / "firmware", WORK / "firmware", ignore=shutil.ignore_patterns(
        "socbar", "__pycache__", "*.pyc"))
    for name in BESIDE:
        shutil.copytree(ROOT / name, WORK / name, ignore=ignore)
    tests = ", ".join('"host_tests/%s"' % name for name in core_tests())
    also = ", ".join('"%s"' % name for name in ("firmware",) + BESIDE)
    (WORK / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        'testpaths = ["host_tests"]\n'
        'addopts = "-q -p no:cacheprovider"\n\n'
        "[tool.mutmut]\n"
        'source_paths = ["socbar"]\n'
        "also_copy = [%s]\n"
        "pytest_add_cli_args_test_selection = [%s]\n"
        # A mutant that loops runs into the timeout; mutmut's default of 15 times the
        # tests' own time costs minutes per loop on a slow machine.
        "timeout_multiplier = 3.0\n" % (also, tests)
    )


def mutmut():
    path = Path(sys.executable).parent / "mutmut"
    if not path.exists():
        sys.exit("mutmut is not installed: run `make mutate`, which installs requirements-mutate.txt")
    return str(path)


def statuses(tool):
    """{mutant name: status} of every mutant, from ``mutmut results --all``."""
    out = subprocess.run([tool, "results", "--all", "true"], cwd=str(WORK), capture_output=True,
                         text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("socbar."):
            found[name] = status
    return found


def module_of(name):
    return re.split(r"\.x[_ǁ]", name, maxsplit=1)[0]


def report(found):
    """(the score table, the surviving mutants one a line)."""
    by_module = {}
    for name, status in found.items():
        by_module.setdefault(module_of(name), []).append(status)
    lines = ["module                 mutants  killed  survived  other  score"]
    row = "%-22s %7d %7d %9d %6d  %5.1f %%"
    for module in sorted(by_module) + ["all"]:
        got = list(found.values()) if module == "all" else by_module[module]
        killed = sum(1 for s in got if s in ("killed", "timeout"))
        survived = got.count("survived")
        lines.append(row % (module, len(got), killed, survived, len(got) - killed - survived,
                            100 * killed / max(len(got), 1)))
    survivors = sorted(n for n, s in found.items() if s == "survived")
    return "\n".join(lines), "\n".join(survivors)


# Run inside build/mutate/ by mutmut's own interpreter: the diff of each named mutant.
_DIFFS = """
import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
for name in sys.stdin.read().split():
    print(get_diff_for_mutant(name, path=find_mutant(name).path).rstrip())
    print()
"""


def diffs(survivors):
    """The diffs of the surviving mutants in one process, or "" if mutmut cannot give them."""
    proc = subprocess.run([sys.executable, "-c", _DIFFS], cwd=str(WORK), input=survivors,
                          capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants run at once")
    parser.add_argument("mutants", nargs="*", help="only these mutants (globs such as 'socbar.bar.*')")
    args = parser.parse_args(argv)
    tool = mutmut()
    lay_out()
    run = subprocess.run([tool, "run", "--max-children", str(args.jobs), *args.mutants], cwd=str(WORK),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    (WORK / "run.log").write_text(run.stdout)
    if run.returncode != 0:
        tail = run.stdout.strip().splitlines()[-1:] or ["no output"]
        sys.exit("mutate: mutmut run failed (exit %d): %s; see %s"
                 % (run.returncode, tail[0][-200:], WORK / "run.log"))
    scores, survivors = report(statuses(tool))
    (WORK / "report.txt").write_text("%s\n\nSurviving mutants:\n%s\n\n%s" % (scores, survivors,
                                                                          diffs(survivors)))
    print(scores)
    print("the surviving mutants: %s" % (WORK / "report.txt"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
