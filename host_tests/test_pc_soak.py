"""One hour of virtual time of the whole App under MicroPython, faults injected.

``make soak`` runs the same for 24 hours; bench/soak_mpy.py says what is
checked at every tick.
"""

import pytest
import soak


@pytest.fixture(scope="module")
def summary():
    return soak.soak(1, 1)


def test_no_violation(summary):
    assert summary["violations"] == 0, summary["first_violations"]


def test_heap_after_collection_does_not_grow(summary):
    assert len(summary["heap"]) >= 6
    assert summary["heap_growth"] <= soak.HEAP_SLACK, summary["heap"]


def test_listen_mode_wrote_nothing(summary):
    assert summary["uart_written"] == 0


def test_every_fault_and_state_was_exercised(summary):
    assert set(summary["phases"]) == {"normal", "noise", "unplug", "sleep", "empty", "baud", "reload"}
    assert summary["reloads"] >= 2
    for state in ("live", "charging", "stale", "empty", "asleep", "link_lost"):
        assert summary["states"][state] > 0, state
    assert summary["stage_errors"] == 0
