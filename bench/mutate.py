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

A survivor is either a missing test or an equivalent mutant, one that no
test can tell from the original. ``bench/mutants-explained.txt`` lists the
equivalent ones with the reason, each by its function and the line it
changes (``socbar.bar.BarRenderer.__init__: self.lit = 0 => self.lit = None``),
so the list survives edits that renumber mutmut's mutants; ``FUNCTION: *``
covers every mutant of a function. A key line, or a run of them, is
followed by its reason, indented.

Writes ``build/mutate/report.txt``: the score of each module, then every
unexplained survivor with its diff, then the explained ones. Prints the
scores; exits 1 when a survivor is unexplained, when mutmut is missing or
when its run fails.
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


# mutmut leaves decorated functions alone, and the hot paths are the ones decorated
# @micropython.native or @micropython.viper: decorators that do nothing on CPython, so the copy
# drops them and those functions are mutated like the rest.
_NATIVE = re.compile(r"^[ \t]*@micropython\.(native|viper)[ \t]*(#.*)?\n", re.M)


def lay_out():
    """A fresh build/mutate/: socbar/ at the top (without the native and viper decorators), the
    other firmware under firmware/."""
    if WORK.exists():
        shutil.rmtree(WORK)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "firmware" / "socbar", WORK / "socbar", ignore=ignore)
    for path in (WORK / "socbar").glob("*.py"):
        path.write_text(_NATIVE.sub("", path.read_text()))
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
    return "\n".join(lines), survivors


# Run inside build/mutate/ by mutmut's own interpreter: the diff of each named mutant.
_DIFFS = """
import sys
from mutmut.__main__ import find_mutant, get_diff_for_mutant
for name in sys.stdin.read().split():
    print("=== " + name)
    print(get_diff_for_mutant(name, path=find_mutant(name).path).rstrip())
"""


def diffs(survivors):
    """{mutant name: its diff}, in one process; empty if mutmut cannot give them."""
    proc = subprocess.run([sys.executable, "-c", _DIFFS], cwd=str(WORK), input="\n".join(survivors),
                          capture_output=True, text=True)
    found = {}
    if proc.returncode == 0:
        for chunk in proc.stdout.split("=== ")[1:]:
            name, _, diff = chunk.partition("\n")
            found[name.strip()] = diff.rstrip()
    return found


def function_of(name):
    """``socbar.bar.xǁBarRendererǁ__init____mutmut_3`` -> ``socbar.bar.BarRenderer.__init__``."""
    name = re.sub(r"__mutmut_\d+$", "", name)
    module = module_of(name)
    tail = name[len(module) + 1:]
    if tail.startswith("xǁ"):
        cls, _, method = tail[2:].partition("ǁ")
        return "%s.%s.%s" % (module, cls, method)
    return "%s.%s" % (module, tail[2:])


def key_of(name, diff):
    """The mutant as ``function: original line => mutated line``."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++"))]
    old = [line[1:].strip() for line in lines if line.startswith("-")]
    new = [line[1:].strip() for line in lines if line.startswith("+")]
    return "%s: %s => %s" % (function_of(name), " ".join(old), " ".join(new))


def explained(path=ROOT / "bench" / "mutants-explained.txt"):
    """{key: reason} from the list of equivalent mutants."""
    found = {}
    keys = []
    if not path.exists():
        return found
    for line in path.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line[0] in " \t":
            for key in keys:
                found[key] = line.strip()
            keys = []
        else:
            keys.append(line.strip())
    return found


def sort_out(survivors, diff_of, reasons):
    """(unexplained [(name, key)], explained [(key, reason)]) of the survivors."""
    unexplained, known = [], []
    for name in survivors:
        key = key_of(name, diff_of.get(name, ""))
        reason = reasons.get(key) or reasons.get(function_of(name) + ": *")
        if reason:
            known.append((key, reason))
        else:
            unexplained.append((name, key))
    return unexplained, known


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
    diff_of = diffs(survivors)
    unexplained, known = sort_out(survivors, diff_of, explained())
    text = [scores, "", "%d surviving mutants, %d explained as equivalent (bench/mutants-explained.txt), "
            "%d unexplained:" % (len(survivors), len(known), len(unexplained)), ""]
    for name, key in unexplained:
        text += [name, key, diff_of.get(name, "(no diff)"), ""]
    text += ["Explained:"] + ["%s\n    %s" % pair for pair in known]
    (WORK / "report.txt").write_text("\n".join(text) + "\n")
    print(scores)
    print("%d surviving mutants, %d explained, %d unexplained: %s" % (
        len(survivors), len(known), len(unexplained), WORK / "report.txt"))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
