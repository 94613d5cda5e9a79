"""What the user must be told about the BMS: the display states of protocol.md section 6.

The states are small ints so the renderer and the loop compare them without
allocating; ``STATE_NAMES[state]`` is the word the console, the display page
and the PC tools use.
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
