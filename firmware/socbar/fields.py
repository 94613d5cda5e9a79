"""What a Reading can hold: the flag of each field, the limits, and the BMS status codes.

A decoder reports what a frame carried as a bitmask of the ``F_*`` flags;
``Reading.have`` accumulates the flags of every field that has ever been set,
so "0" and "never heard" stay different.

Units: SOC in 0.000001 % (100 % = 100_000_000, as the BMS sends it), volts
and amps in milli-units, temperatures in 0.1 degC, cell voltages in mV (min /
max) or 0.1 mV (the cell list), speed in 0.001 of its unit. A status code
outside ``STATUS_NAMES`` is undocumented and names no state.

These are the names the decoders, the display page, the dashboard and the PC
tools use. The modules a board loads with the default configuration keep
private copies instead (host_tests/test_pc_constants.py holds them to these),
so this module, and a globals entry and an interned name for each constant,
stay off the board's heap.
"""

from .compat import const

F_SOC = const(0x0001)
F_STATUS = const(0x0002)
F_VOLTAGE = const(0x0004)
F_CURRENT = const(0x0008)
F_CELL_MIN = const(0x0010)
F_TEMPS = const(0x0020)
F_CELLS = const(0x0040)
F_REGS = const(0x0080)
F_AH = const(0x0100)
F_SPEED = const(0x0200)
F_VERSION = const(0x0400)
F_ACK = const(0x0800)
F_NACK = const(0x1000)
F_RANGE = const(0x2000)
F_VALUES = const(0x4000)
F_CELL_MAX = const(0x8000)
F_CA_FLAGS = const(0x10000)

# Bits of ``ca_flags``: the letters of the Cycle Analyst's Flgs column.
CA_BRAKE = const(0x01)  # B
CA_THROTTLE_FAULT = const(0x02)  # X

NO_SENSOR = const(-32768)
MAX_CELLS = const(16)
MAX_REGS = const(127)
MAX_VALUES = const(16)
MAX_VERSION = const(8)

# Online status codes of register 50 (docs/protocol.md section 3).
ST_CHARGING = const(0x91)
ST_FULL = const(0x92)
ST_DISCHARGING = const(0x93)
ST_REGEN = const(0x96)
ST_IDLE = const(0x97)
ST_FAULT = const(0x9B)

STATUS_NAMES = {
    ST_CHARGING: "charging",
    ST_FULL: "fully_charged",
    ST_DISCHARGING: "discharging",
    ST_REGEN: "regeneration",
    ST_IDLE: "idle",
    ST_FAULT: "fault",
}

SOC_FULL = const(100_000_000)
