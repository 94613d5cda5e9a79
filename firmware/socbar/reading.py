"""The latest values heard from the BMS, as integer fixed-point slots.

One ``Reading`` is created at start-up and every decoder writes into it, so
decoding a frame allocates nothing. What each slot holds, in which unit, and
the ``F_*`` flags a decoder reports it with: socbar/fields.py.

``values`` holds named extra columns (Cycle Analyst, custom frames);
``value_mask`` has bit i set when ``values[i]`` came with the last record, so
a column the stream did not carry is absent rather than 0.
"""

from array import array

from .compat import const

# socbar/fields.py's limits, as private copies (host_tests/test_pc_constants.py checks them).
_MAX_CELLS = const(16)
_MAX_REGS = const(127)
_MAX_VALUES = const(16)
_MAX_VERSION = const(8)
_NO_SENSOR = const(-32768)


class Reading:
    """Slots for every value a decoder can deliver; see the module docstring."""

    def __init__(self):
        self.temps = array("h", (_NO_SENSOR, _NO_SENSOR, _NO_SENSOR))
        self.cells = array("H", bytes(2 * _MAX_CELLS))
        # The large slots: registers, named values, version words; made by slots().
        self.regs = None
        self.reg_addrs = None
        self.values = None
        self.version = None
        self.clear()

    def slots(self):
        """Make the large slots at their first use: ``regs`` and ``reg_addrs`` (the address of
        each register; -1 when the response did not say and no request was seen), ``values``
        and ``version``. A board that hears only the Tiny BMS's plain replies never needs them,
        and they would take 0.6 KB of its heap."""
        if self.regs is None:
            self.regs = array("H", bytes(2 * _MAX_REGS))
            self.reg_addrs = array("h", bytes(2 * _MAX_REGS))
            self.values = array("i", bytes(4 * _MAX_VALUES))
            self.version = array("H", bytes(2 * _MAX_VERSION))

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
            self.temps[i] = _NO_SENSOR
