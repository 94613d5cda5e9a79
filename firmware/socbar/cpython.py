"""CPython's stand-ins for the MicroPython built-ins of socbar/compat.py.

Only CPython imports this module (a board never loads it). The tick functions
keep MicroPython's semantics: a counter that wraps at 2**30 and is compared
only through ``ticks_diff``. ``micropython.viper`` / ``micropython.native``
leave a function as it is, and the viper casts ``ptr8`` / ``ptr16`` /
``ptr32`` become built-in names (as they are in viper code) that return their
argument, so the same source runs as plain Python.
"""

import builtins
import time

TICKS_PERIOD = 1 << 30
_TICKS_MAX = TICKS_PERIOD - 1
_TICKS_HALF = TICKS_PERIOD // 2


def const(value):
    return value


class micropython:  # noqa: N801 - stands in for the module of that name
    """``@micropython.viper`` and ``@micropython.native`` leave the function as it is."""

    @staticmethod
    def viper(f):
        return f

    @staticmethod
    def native(f):
        return f


def _cast(buf):
    return buf


builtins.ptr8 = builtins.ptr16 = builtins.ptr32 = _cast  # type: ignore[attr-defined]


def ticks_ms():
    return int(time.monotonic() * 1000) & _TICKS_MAX  # pyright: ignore[reportAttributeAccessIssue]


def ticks_add(ticks, delta):
    return (ticks + delta) & _TICKS_MAX


def ticks_diff(end, start):
    return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF
