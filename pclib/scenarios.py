"""The situations ``make sim`` can play, as data.

A scenario sets up the simulated BMS and the firmware configuration, and
lists what happens when, in virtual milliseconds. Actions are the same ones
the interactive keys trigger (see ``sim.Session.act``), so a scenario is a
recording of a user at the keyboard. Seeds are fixed: a scenario always
plays out the same way.
"""


class Scenario:
    def __init__(self, name, about, seconds, events=(), bms=None, config=None, key=True):
        self.name = name
        self.about = about
        self.seconds = seconds  # long enough to see the whole story
        self.events = events  # (t_ms, action) in time order
        self.bms = bms or {}  # TinyBmsSim keyword arguments
        self.config = config or {}  # firmware configuration overrides
        self.key = key  # ignition key at the start


# The firmware asks for status, SOC, voltage, current and temperatures (poll
# mode, only while the ignition is on), so every state of protocol.md section 6
# can be shown. Periods are short so stories play out in seconds.
FIRMWARE = {
    "input": {"mode": "poll", "format": "tinybms", "baud": 115200, "poll_period_ms": 500},
    "timing": {"period_ms": 500, "stale_periods": 3, "lost_periods": 6},
    "display": {"enabled": True, "refresh_ms": 500},
}

BMS = {"capacity_mah": 10000, "cells": 13, "chemistry": "nmc", "soc_pct": 80, "current_ma": -8000,
       "broadcast": "none", "sleep_after_ms": 5000}

_LIST = (
    Scenario(
        "drive",
        "Riding with the key on; try the keys.",
        120,
    ),
    Scenario(
        "discharge",
        "Full to empty with a big current: the bar steps down and blanks at 0 %.",
        40,
        bms={"capacity_mah": 500, "soc_pct": 100, "current_ma": -60000},
    ),
    Scenario(
        "sleep",
        "Key off: the firmware stops polling, the BMS falls asleep, the bar goes blank.",
        20,
        events=((3000, "key"),),
    ),
    Scenario(
        "unplug",
        "Cable pulled with the key on: link lost, never the last SOC; then plugged back.",
        20,
        events=((3000, "unplug"), (12000, "unplug")),
    ),
    Scenario(
        "noise",
        "1 % of the bytes corrupted: frames are lost and counted, the bar keeps working.",
        20,
        events=((2000, "noise"),),
    ),
    Scenario(
        "charge",
        "Charger connected: the charging pattern, SOC rising.",
        15,
        events=((3000, "charge"),),
        bms={"soc_pct": 60},
    ),
    Scenario(
        "fault",
        "The BMS reports a fault: the warning pattern beats everything; then it clears.",
        15,
        events=((3000, "fault"), (10000, "fault")),
    ),
)

SCENARIOS = {s.name: s for s in _LIST}
NAMES = tuple(s.name for s in _LIST)
