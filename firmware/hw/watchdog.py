"""The hardware watchdog, and its keeper while the REPL has the board.

A hung loop must reset the MCU so that the ignition output returns to
following its input; so the loop feeds the watchdog only after a good pass.
Once started, an RP2040 (or RP2350) watchdog cannot be stopped: after Ctrl-C
it would reset the board under the user's REPL, or in the middle of a
``make deploy``. The keeper feeds it from a slow soft timer instead: main.py
starts one when the loop is interrupted, boot.py (run after every soft reset,
also in the raw REPL that mpremote uses) starts one when it finds the
watchdog already running, and ``Watchdog()`` stops it and takes over. A soft
timer runs only while the interpreter runs, so a REPL stuck in a C call
still resets.
"""

import sys

from machine import WDT, Timer, mem32
from socbar.compat import const

MAX_MS = const(8388)  # the RP2040 watchdog counter's limit (the RP2350's is twice that)
_KEEPER_MS = const(1000)  # the keeper's feeding period, well inside any timeout used here
_CTRL_RP2040 = const(0x40058000)  # WATCHDOG CTRL register
_CTRL_RP2350 = const(0x400D8000)
_ENABLE = const(1 << 30)  # CTRL.ENABLE: the counter runs

_keeper = None  # the keeper's timer while one runs


def running():
    """True when the watchdog was started since the last hard reset (read from its register)."""
    ctrl = _CTRL_RP2350 if "RP2350" in getattr(sys.implementation, "_machine", "") else _CTRL_RP2040
    return mem32[ctrl] & _ENABLE != 0


def keep(timeout_ms=MAX_MS):
    """Feed the watchdog every second from a soft timer until ``Watchdog()`` takes over."""
    global _keeper
    if _keeper is not None:
        return
    wdt = WDT(timeout=_clamp(timeout_ms))

    def feed(t):
        wdt.feed()

    try:
        _keeper = Timer(-1, period=_KEEPER_MS, callback=feed, hard=False)
    except TypeError:  # a build whose Timer has no ``hard``: its timers are soft
        _keeper = Timer(-1, period=_KEEPER_MS, callback=feed)


def keep_if_running():
    """boot.py's one call: keep a running watchdog fed while the REPL or a deploy has the board."""
    if running():
        keep()


def stop_keeper():
    global _keeper
    if _keeper is not None:
        _keeper.deinit()
        _keeper = None


def _clamp(timeout_ms):
    if timeout_ms > MAX_MS:
        return MAX_MS
    return timeout_ms if timeout_ms > 0 else 1


class Watchdog:
    def __init__(self, timeout_ms):
        """Start the watchdog (or take it over from a keeper); it cannot be stopped.
        Timeouts are clamped to 1..8388 ms."""
        self._wdt = WDT(timeout=_clamp(timeout_ms))  # also reloads the counter
        stop_keeper()

    def feed(self):
        self._wdt.feed()
