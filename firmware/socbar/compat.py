"""The few MicroPython built-ins the core needs, with CPython stand-ins.

On MicroPython the real ``micropython.const`` and ``time.ticks_*`` are used;
on CPython the stand-ins of socbar/cpython.py, which a board never loads.

A hot function is written once, decorated with ``@micropython.viper`` or
``@micropython.native`` (which MicroPython's compiler recognises by name and
compiles to machine code); on CPython the same source runs as plain Python.
A module imports the decorators' namespace as::

    try:
        import micropython
    except ImportError:
        from .compat import micropython
"""

# ruff: noqa: F401 - every name here is imported from here by the modules

try:
    from micropython import const  # pyright: ignore[reportAssignmentType]
except ImportError:  # CPython
    from .cpython import const, micropython

try:
    from time import ticks_add, ticks_diff, ticks_ms  # pyright: ignore[reportAssignmentType]
except ImportError:  # CPython
    from .cpython import ticks_add, ticks_diff, ticks_ms
