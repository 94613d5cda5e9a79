"""Private copies of another module's constants agree with the original.

A name imported from another module is a globals lookup at every use on the board, and a
globals entry of its own; a module's private ``_NAME = const(...)`` is folded into its code by
mpy-cross. So the hot modules keep private copies of the constants they read (socbar/fields.py's
frame flags, limits and status codes, socbar/states.py's states, line.py's read size), and this
test holds every ``_NAME`` to the public ``NAME`` of the module that defines it. The modules a
board loads by default import nothing of socbar/fields.py, which keeps its names off the heap.
"""

import ast
from pathlib import Path

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"


def constants(path):
    """{name: value} of the module's ``NAME = const(...)`` assignments of literal values; a name
    assigned twice fails (the copies must not shadow a constant of the module's own)."""
    out = {}
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", None) == "const"):
            name = node.targets[0].id
            assert name not in out, "%s assigns %s twice" % (path.name, name)
            expr = compile(ast.Expression(node.value.args[0]), str(path), "eval")
            try:  # literals and arithmetic on them; a const of other names is no copy
                out[name] = eval(expr, {})
            except NameError:
                out[name] = None
    return out


# module -> the modules whose constants it keeps private copies of
COPIES = {
    "socbar/reading.py": ("socbar/fields.py",),
    "socbar/tinybms.py": ("socbar/fields.py",),
    "socbar/state.py": ("socbar/fields.py", "socbar/states.py"),
    "socbar/bar.py": ("socbar/states.py",),
    "app.py": ("socbar/states.py", "line.py"),
}


def test_every_private_copy_equals_the_public_original():
    copies = 0
    for module, sources in COPIES.items():
        mine = constants(FIRMWARE / module)
        for source in sources:
            theirs = {k: v for k, v in constants(FIRMWARE / source).items() if not k.startswith("_")}
            for name, value in theirs.items():
                if "_" + name in mine:
                    copies += 1
                    assert mine["_" + name] == value, "%s: _%s = %r, but %s has %s = %r" % (
                        module, name, mine["_" + name], source, name, value)
    assert copies == 51  # reading 5, tinybms 17, state 21, bar 6, app 2: a copy renamed away is noticed


def test_the_hot_modules_import_none_of_those_constants():
    for module, sources in COPIES.items():
        theirs = set()
        for source in sources:
            theirs.update(k for k in constants(FIRMWARE / source) if not k.startswith("_"))
        imported = {alias.name for node in ast.parse((FIRMWARE / module).read_text()).body
                    if isinstance(node, ast.ImportFrom) for alias in node.names}
        assert not imported & theirs, (module, imported & theirs)


def test_the_register_frames_copy_the_decoders_private_constants():
    # socbar/registers.py, loaded only with such a frame, shares the decoder's outcomes and bounds.
    mine = constants(FIRMWARE / "socbar/registers.py")
    theirs = constants(FIRMWARE / "socbar/tinybms.py")
    shared = [name for name in mine if name.startswith("_")]
    assert len(shared) == 6, shared
    for name in shared:
        assert mine[name] == theirs[name], name
