"""Heap allocation of a piece of work, for the core's zero-allocation tests.

``gc.mem_alloc`` is MicroPython's, so these measurements run under the unix
port and are skipped on CPython (``UNMEASURABLE`` is the reason given).
"""

import gc

UNMEASURABLE = "gc.mem_alloc is MicroPython's"


def measurable():
    return hasattr(gc, "mem_alloc")


def allocated(work, n, warm=100):
    """Bytes the heap grew while ``work(n)`` ran, after ``work(warm)`` and a collection."""
    work(warm)
    gc.collect()
    before = gc.mem_alloc()
    work(n)
    return gc.mem_alloc() - before
