"""The latest values heard from the BMS, as integer fixed-point slots.

One ``Reading`` is created at start-up and every decoder writes into it, so
decoding a frame allocates nothing. A decoder reports what a frame carried as
a bitmask of the ``F_*`` flags below; ``have`` accumulates the flags of every
field that has ever been set, so "0" and "never heard" stay different.

Units: SOC in 0.000001 % (100 % = 100_000_000, as the BMS sends it), volts
and amps in milli-units, temperatures in 0.1 degC, cell voltages in mV (min /
max) or 0.1 mV (the cell list), speed in 0.001 of its unit.

``values`` holds named extra columns (Cycle Analyst, custom frames);
``value_mask`` has bit i set when ``values[i]`` came with the last record, so
a column the stream did not carry is absent rather than 0. A status code
outside ``STATUS_NAMES`` is undocumented and names no state.
"""

from array import array

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


class Reading:
    """Slots for every value a decoder can deliver; see the module docstring."""

    def __init__(self):
        self.temps = array("h", (NO_SENSOR, NO_SENSOR, NO_SENSOR))
        self.cells = array("H", bytes(2 * MAX_CELLS))
        self.regs = array("H", bytes(2 * MAX_REGS))
        # Address of each register in ``regs``; -1 when the response did not
        # say and no request was seen (0x03 / 0x07 replies carry no address).
        self.reg_addrs = array("h", bytes(2 * MAX_REGS))
        self.values = array("i", bytes(4 * MAX_VALUES))
        self.version = array("H", bytes(2 * MAX_VERSION))
        self.clear()

    def clear(self):
        """Forget everything, as after a link loss."""
        self.have = 0
        self.soc = 0
        self.status = 0
        self.voltage_mv = 0
        self.current_ma = 0
        self.cell_min_mv = 0
        self.cell_max_mv = 0
        self.ah_used_mah = 0
        self.speed = 0
        self.distance_km = 0
        self.time_left_s = 0
        self.cell_count = 0
        self.reg_count = 0
        self.value_count = 0
        self.value_mask = 0
        self.preset = 0  # Cycle Analyst preset number, Flgs column
        self.ca_flags = 0  # CA_* bits
        self.limit = 0  # the CA's active limit letter (A W T V S s) as a byte, 0 for none
        self.version_count = 0
        self.ack_cmd = 0
        self.nack_cmd = 0
        self.nack_err = 0
        for i in range(3):
            self.temps[i] = NO_SENSOR
