"""The few MicroPython built-ins the core needs, with CPython stand-ins.

On MicroPython the real ``micropython.const`` and ``time.ticks_*`` are used.
On CPython the tick functions keep MicroPython's semantics: a counter that
wraps at 2**30 and is compared only through ``ticks_diff``.

``micropython`` and the viper casts ``ptr8`` / ``ptr16`` / ``ptr32`` are
stand-ins for CPython only: a hot function is written once, decorated with
``@micropython.viper`` or ``@micropython.native`` (which MicroPython's
compiler recognises by name and compiles to machine code), and on CPython
the same source runs as plain Python, the casts returning their argument.
A module imports them as::

    try:
        import micropython
    except ImportError:
        from .compat import micropython, ptr8, ptr16, ptr32
"""

try:
    from micropython import const  # pyright: ignore[reportAssignmentType]
except ImportError:  # CPython

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

    def ptr8(buf):
        return buf

    ptr16 = ptr32 = ptr8


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
