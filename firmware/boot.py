"""Runs after every reset, also in the raw REPL that mpremote and Thonny use.

The firmware's watchdog outlives a soft reset and cannot be stopped; when it
is found running, a soft timer feeds it until main.py's watchdog takes over,
so the REPL and ``make deploy`` keep the board (docs/firmware.md).
"""

from hw.watchdog import keep_if_running

keep_if_running()
