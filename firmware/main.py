"""Board entry: the ignition output first, then the App, then the loop.

The board compiles this file from source at every boot and keeps it for as
long as the loop runs, so it only sequences: ``startup`` (precompiled) makes
the ignition output follow the key before anything slow is imported, then
builds the App, and is dropped once it has, which gives its heap back.

On the host the same file runs under the MicroPython unix port with the fake
``machine``; ``start(clock)`` builds everything and returns the App without
running it, so tests drive it on a virtual clock.
"""

import gc
import sys

import startup

_EARLY = startup.early()  # (config text, ignition pins, their settings), before anything slow
del startup  # sys.modules holds it until start() has built the App
_timer = None  # the ignition timer, kept here so it lives as long as the board runs


def start(clock=None, log=print, watchdog=True):
    """Build the App on the board's adapters and start the ignition timer; return the App."""
    global _EARLY, _timer

    if clock is None:
        from time import ticks_ms as clock
    try:
        from startup import build

        app, _timer, name = build(_EARLY, clock, log, watchdog)
    finally:
        sys.modules.pop("startup", None)
    _EARLY = None  # config.json's text with it
    gc.collect()
    log("socbar: %s, %s mode; %d bytes of heap in use" % (name, "poll" if app.line.poll else "listen",
                                                          gc.mem_alloc()))
    return app


def main(app=None):
    """Run the loop; after Ctrl-C hand the board to the REPL with the watchdog kept fed
    (the ignition passthrough's timer and pin interrupt keep running)."""
    try:
        (app or start()).run()
    except KeyboardInterrupt:
        from hw.keeper import keep_if_running

        keep_if_running()
        print("socbar: stopped; the watchdog is fed and the ignition passes through until a reset")


if __name__ == "__main__":
    main()
