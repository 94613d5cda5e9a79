"""The watchdog's keeper while the REPL or a deploy has the board.

Once started, an RP2040 (or RP2350) watchdog cannot be stopped: after Ctrl-C
it would reset the board under the user's REPL, or in the middle of a
``make deploy``. The keeper feeds it from a slow soft timer instead: main.py
starts one when the loop is interrupted, boot.py (run after every soft reset,
also in the raw REPL that mpremote uses) starts one when it finds the
watchdog already running, and ``hw.watchdog.Watchdog()`` stops it and takes
over. A soft timer runs only while the interpreter runs, so a REPL stuck in a
C call still resets.

After a power-up or a watchdog reset nothing runs, and boot.py drops this
module again: the loop never needs it. ``tools/deploy.py`` sends this file as
source to a board before copying, so it imports nothing of the firmware but
``socbar.compat``.
"""

import sys

from machine import WDT, Timer, mem32
from socbar.compat import const

_MAX_MS = const(8388)  # the RP2040 watchdog counter's limit (the RP2350's is twice that)
_KEEPER_MS = const(1000)  # the feeding period, well inside the timeout
_CTRL_RP2040 = const(0x40058000)  # WATCHDOG CTRL register
_CTRL_RP2350 = const(0x400D8000)
_ENABLE = const(1 << 30)  # CTRL.ENABLE: the counter runs

_timer = None  # the keeper's timer while one runs


def running():
    """True when the watchdog was started since the last hard reset (read from its register)."""
    ctrl = _CTRL_RP2350 if "RP2350" in getattr(sys.implementation, "_machine", "") else _CTRL_RP2040
    return mem32[ctrl] & _ENABLE != 0


def keep():
    """Feed the watchdog every second from a soft timer until ``Watchdog()`` takes over."""
    global _timer
    if _timer is not None:
        return
    wdt = WDT(timeout=_MAX_MS)

    def feed(t):
        wdt.feed()

    try:
        _timer = Timer(-1, period=_KEEPER_MS, callback=feed, hard=False)
    except TypeError:  # a build whose Timer has no ``hard``: its timers are soft
        _timer = Timer(-1, period=_KEEPER_MS, callback=feed)


def keep_if_running():
    """Keep a running watchdog fed while the REPL or a deploy has the board; True when one runs."""
    if running():
        keep()
        return True
    return False


def stop():
    """End the feeding: the firmware's own Watchdog takes over (or a test is done)."""
    global _timer
    if _timer is not None:
        _timer.deinit()
        _timer = None
