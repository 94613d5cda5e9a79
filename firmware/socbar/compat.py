"""The few MicroPython built-ins the core needs, with CPython stand-ins.

On MicroPython the real ``micropython.const`` and ``time.ticks_*`` are used.
On CPython the tick functions keep MicroPython's semantics: a counter that
wraps at 2**30 and is compared only through ``ticks_diff``.
"""

try:
    from micropython import const  # pyright: ignore[reportAssignmentType]
except ImportError:  # CPython

    def const(value):
        return value


try:
    from time import ticks_add, ticks_diff, ticks_ms  # pyright: ignore[reportAssignmentType]
except ImportError:  # CPython
    import time as _time

    TICKS_PERIOD = 1 << 30
    _TICKS_MAX = TICKS_PERIOD - 1
    _TICKS_HALF = TICKS_PERIOD // 2

    def ticks_ms():
        return int(_time.monotonic() * 1000) & _TICKS_MAX  # pyright: ignore[reportAttributeAccessIssue]

    def ticks_add(ticks, delta):
        return (ticks + delta) & _TICKS_MAX

    def ticks_diff(end, start):
        return ((end - start + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF
