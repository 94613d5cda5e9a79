"""Runs after every reset, also in the raw REPL that mpremote and Thonny use.

The firmware's watchdog outlives a soft reset and cannot be stopped; when it
is found running, a soft timer feeds it until main.py's watchdog takes over,
so the REPL and ``make deploy`` keep the board (docs/firmware.md). When
nothing runs (power-up, or a reset by the watchdog itself) the keeper is
dropped again: its code would only take heap from the loop.
"""


def _keep():
    import sys

    import hw
    from hw import keeper

    if not keeper.keep_if_running():
        del sys.modules["hw.keeper"]
        del hw.keeper  # pyright: ignore[reportAttributeAccessIssue]


_keep()
del _keep
