"""The display states of docs/protocol.md section 6: their numbers and names.

The states are small ints so the renderer and the loop compare them without
allocating; ``STATE_NAMES[state]`` is the word the display page, the
dashboard and the PC tools use. socbar/state.py decides them; it, the bar
and the App keep private copies (host_tests/test_pc_constants.py holds them
to these), so this module stays off the board's heap.
"""

from .compat import const

LIVE = const(0)
CHARGING = const(1)
FULL = const(2)
REGEN = const(3)
FAULT = const(4)
EMPTY = const(5)
ASLEEP = const(6)
LINK_LOST = const(7)
STALE = const(8)

STATE_NAMES = ("live", "charging", "full", "regen", "fault", "empty", "asleep", "link_lost", "stale")
