"""Heap allocation of a piece of work, for the core's zero-allocation tests.

``gc.mem_alloc`` is MicroPython's, so these measurements run under the unix
port and are skipped on CPython (``UNMEASURABLE`` is the reason given).

Gross, not net: where the port counts every allocation (``micropython.mem_total``, the unix
port), that count is used, so a bytecode function's call state that does not fit on the C
stack (more than 11 machine words: the heap holds it for the call and frees it on return)
counts too, though ``gc.mem_alloc`` never sees it.
"""

import gc

try:
    from micropython import mem_total
except ImportError:  # CPython, or a port that keeps no total: net growth only
    mem_total = None

UNMEASURABLE = "gc.mem_alloc is MicroPython's"


def measurable():
    return hasattr(gc, "mem_alloc")


def allocated(work, n, warm=100):
    """Bytes the heap grew while ``work(n)`` ran, after ``work(warm)`` and a collection."""
    work(warm)
    gc.collect()
    if mem_total is not None:
        # work(0) measures what calling the work's own loop costs (its call state, if large),
        # which is the test's, not the code's under test.
        before = mem_total()
        work(0)
        loop = mem_total() - before
        before = mem_total()
        work(n)
        return mem_total() - before - loop
    before = gc.mem_alloc()
    work(n)
    return gc.mem_alloc() - before
