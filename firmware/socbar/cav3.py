"""Streaming decoder of the Cycle Analyst data log (docs/protocol.md section 4).

The log is text: an optional header line of column names, then one row of
numbers per sample. Lines end in CR, LF or CR LF; fields are separated by
runs of TABs or spaces (the CA writes TABs, some loggers and Grin's manual
spaces).

What is read from the stream and what is inferred:

- A header maps the columns by name and stays in force until the next one.
  The first line after start-up or ``reset()`` is taken as a header only if
  it begins with ``Ah`` (every CA header does), since it may be a fragment.
- Without a header (a board that powers up after the CA joins mid-stream)
  the layout comes from a row's field count: the configured column list
  (``cav3.columns``) when the count matches it, else the 5 columns of a V2
  unit (Ah V A S D) or the 14 of a V3.1 unit (``VALUE_NAMES``). Any other
  count needs the configured list: such rows are counted bad, and when they
  are numbers their field count is kept in ``unmapped`` so the tools can say
  so. The first row
  accepted fixes the layout until a header comes, so a row damaged on the
  line cannot be read as the other layout.
- A first row that begins the stream may be cut inside its first number
  (``12.345`` read as ``2.345``). It is held until the next line and kept
  only when that row has the same layout and a first field of the same
  shape (sign, integer digits, decimals): a cut removes leading characters
  and changes that shape. Otherwise it is counted bad.
- The ``Flgs`` column is the preset number and letters: B brake, X throttle
  fault, A W T V S s the limit that is active. It lands in
  ``reading.preset``, ``reading.ca_flags`` and ``reading.limit``
  (``F_CA_FLAGS``); a Flgs text of any other form is left out of the record.
- A record carries only the columns its row had: every other known column
  lands in ``reading.values`` at its index in ``VALUE_NAMES`` with its bit
  set in ``reading.value_mask``; Ah, V, A, S and Deg also fill the Reading's
  slots. A column the row lacks keeps no value and no flag.

Numbers become integer milli-units digit by digit (at most six integer
digits and three decimals are kept; further decimals are dropped), so a row
allocates nothing. A mapped column other than Flgs that holds no number
makes the row bad.
"""

from array import array

from .compat import const
from .fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_AH,
    F_CA_FLAGS,
    F_CURRENT,
    F_SPEED,
    F_TEMPS,
    F_VALUES,
    F_VOLTAGE,
)

try:
    import micropython
except ImportError:  # CPython
    from .compat import micropython

VALUE_NAMES = ("Ah", "V", "A", "S", "D", "Deg", "RPM", "HW", "Nm", "ThI", "ThO", "AuxA", "AuxD", "Flgs")
_NAMES = tuple(name.encode() for name in VALUE_NAMES)
_AH = const(0)
_V = const(1)
_A = const(2)
_S = const(3)
_DEG = const(5)
_FLGS = const(13)
_COUNT = const(14)
V2_COLUMNS = const(5)  # Ah V A S D: the first five of VALUE_NAMES
V3_COLUMNS = const(14)

LINE_MAX = const(160)  # bytes; a V3.1 row is about 100
MAX_COLUMNS = const(32)  # as many as the configuration accepts

_NOT_NUMBER = const(-0x40000000)  # below any parsed value (six integer digits at most)
_UNKNOWN = const(0xFF)  # a column with a name this decoder does not know

# What a field holds, in _kind.
_NUMBER = const(0)
_NAME = const(1)
_OTHER = const(2)
_FLAGS = const(3)

# Where a row's layout comes from (_fit): none, the column map, VALUE_NAMES order.
_NO_FIT = const(0)
_MAPPED = const(1)
_INFERRED = const(2)

_CR = const(13)
_LF = const(10)
_TAB_B = b"\t"
_SPACE_B = b" "
_TEMP_MAX = const(32767)
_PRESET_MAX = const(99)


def _name_index(buf, start, end):
    """Index in VALUE_NAMES of the name in ``buf[start:end]``, or _UNKNOWN."""
    size = end - start
    for k in range(_COUNT):
        name = _NAMES[k]
        if len(name) == size:
            i = 0
            while i < size and buf[start + i] == name[i]:
                i += 1
            if i == size:
                return k
    return _UNKNOWN


def _is_letter(c):
    return 65 <= c <= 90 or 97 <= c <= 122


class CaV3Decoder:
    """Turns Cycle Analyst log rows into the slots of a Reading; see the module docstring."""

    name = "cav3"
    value_names = VALUE_NAMES

    def __init__(self, reading, columns):
        self.reading = reading
        reading.slots()  # the named values' slots
        self.on_record = None
        self.good = 0
        self.bad = 0
        self.skipped = 0
        self.overlong = 0
        self.unmapped = 0  # field count of the last row that fitted no layout, 0 if none
        self._line = bytearray(LINE_MAX)
        self._n = 0
        self._dropping = False  # inside an over-long line
        self._first = True  # no line end seen since start or reset
        self._values = array("i", bytes(4 * MAX_COLUMNS))  # parsed number (or flags code) per field
        self._kind = bytearray(MAX_COLUMNS)
        self._starts = bytearray(MAX_COLUMNS)  # field bounds in the line (LINE_MAX < 256)
        self._ends = bytearray(MAX_COLUMNS)
        self._map = bytearray(MAX_COLUMNS)  # value index per column, _UNKNOWN for unknown names
        self._held = array("i", bytes(4 * MAX_COLUMNS))  # the first row, until the next line
        self._held_kind = bytearray(MAX_COLUMNS)
        self._held_fields = 0  # 0: nothing held
        self._held_fit = _NO_FIT
        self._held_shape = 0
        self._held_bytes = 0
        self._configured = 0
        for name in columns[:MAX_COLUMNS]:
            raw = name.encode()
            self._map[self._configured] = _name_index(raw, 0, len(raw))
            self._configured += 1
        self._locked = _NO_FIT  # how rows are mapped once a header or a first row decided
        self._columns = 0  # the locked field count

    def reset(self):
        """Drop a partial line (counted as skipped); the next line may be a fragment."""
        self.skipped += self._n
        self._n = 0
        self._dropping = False
        self._first = True
        self._drop_held()

    @micropython.native
    def feed(self, data, n):
        """Consume ``data[0:n]``; return the OR of the F_* flags of the rows completed."""
        line = self._line
        flags = 0
        for i in range(n):
            c = data[i]
            if c == _LF or c == _CR:
                if self._dropping:
                    self._dropping = False
                    self.overlong += 1
                    self._drop_held()
                elif self._n:
                    flags |= self._end_line()
                    self._n = 0
                self._first = False
            elif self._dropping:
                self.skipped += 1
            elif self._n < LINE_MAX:
                line[self._n] = c
                self._n += 1
            else:
                self.skipped += self._n + 1
                self._n = 0
                self._dropping = True
        return flags

    @micropython.native
    def _end_line(self):
        """Decide on the line in the buffer, and on a row held before it; return the rows' flags."""
        n = self._n
        fields = self._split(n)
        kind = self._kind
        names = 0
        for f in range(fields):
            if kind[f] == _NAME:
                names += 1
        flags = 0
        if self._held_fields:
            if (names < fields and self._held_fields == fields and self._held_fit == self._fit(fields)
                    and self._held_shape == self._shape()):
                flags = self._row(self._held, self._held_kind, fields, self._held_fit)
                if flags < 0:
                    flags = self._reject(self._held_bytes)
                self._held_fields = 0
            else:
                self._drop_held()
        if fields <= 0:
            if fields < 0:
                return flags | self._reject(n)
            self.skipped += n  # blanks only
            return flags
        if names == fields:
            if self._header(fields):
                return flags
            return flags | self._reject(n)
        fit = self._fit(fields)
        if fit == _NO_FIT:
            if not self._locked and fields > 1 and self._numbers(fields) >= fields - 1:
                self.unmapped = fields  # a row of numbers (and Flgs) in want of a layout
            return flags | self._reject(n)
        if self._first:
            self._hold(fields, fit, n)
            return flags
        row = self._row(self._values, kind, fields, fit)
        if row < 0:
            return flags | self._reject(n)
        return flags | row

    def _numbers(self, fields):
        kind = self._kind
        count = 0
        for f in range(fields):
            if kind[f] == _NUMBER:
                count += 1
        return count

    def _fit(self, fields):
        """How a row of ``fields`` fields is mapped: _MAPPED, _INFERRED or _NO_FIT."""
        if self._locked:
            return self._locked if fields == self._columns else _NO_FIT
        if fields == self._configured:
            return _MAPPED
        if fields == V2_COLUMNS or fields == V3_COLUMNS:
            return _INFERRED
        return _NO_FIT

    def _hold(self, fields, fit, n):
        """Keep the stream's first row until the next line says whether it was whole."""
        held = self._held
        held_kind = self._held_kind
        values = self._values
        kind = self._kind
        for f in range(fields):
            held[f] = values[f]
            held_kind[f] = kind[f]
        self._held_fields = fields
        self._held_fit = fit
        self._held_shape = self._shape()
        self._held_bytes = n

    def _drop_held(self):
        if self._held_fields:
            self._held_fields = 0
            self._reject(self._held_bytes)

    def _reject(self, n):
        self.bad += 1
        self.skipped += n
        return 0

    @micropython.native
    def _split(self, n):
        """Classify every field of the line and parse the numbers; return the field count or -1.

        Separators are found with ``find`` (in C): tabs, and spaces only when the line has any.
        """
        line = self._line
        kind = self._kind
        values = self._values
        starts = self._starts
        ends = self._ends
        spaced = line.find(_SPACE_B, 0, n) >= 0
        start = 0
        f = 0
        while start < n:
            end = line.find(_TAB_B, start, n)
            if end < 0:
                end = n
            if spaced:
                space = line.find(_SPACE_B, start, end)
                if space >= 0:
                    end = space
            if end == start:  # one more separator of a run
                start += 1
                continue
            if f == MAX_COLUMNS:
                return -1
            starts[f] = start
            ends[f] = end
            value = self._number(start, end)
            if value != _NOT_NUMBER:
                kind[f] = _NUMBER
            else:
                value = self._flags(start, end)
                if _is_letter(line[start]) and self._word(start, end):
                    kind[f] = _NAME
                elif value >= 0:
                    kind[f] = _FLAGS
                else:
                    kind[f] = _OTHER
            values[f] = value
            f += 1
            start = end + 1
        return f

    def _word(self, start, end):
        """True when ``line[start:end]`` is letters and digits."""
        line = self._line
        for i in range(start, end):
            c = line[i]
            if not (_is_letter(c) or 48 <= c <= 57):
                return False
        return True

    @micropython.native
    def _number(self, start, end):
        """``line[start:end]`` as milli-units, or _NOT_NUMBER."""
        line = self._line
        negative = False
        c = line[start]
        if c == 45 or c == 43:  # '-' '+'
            negative = c == 45
            start += 1
        value = 0
        digits = 0
        decimals = -1  # -1 until the '.'
        for i in range(start, end):
            c = line[i]
            if 48 <= c <= 57:
                if decimals < 0:
                    if digits == 6:
                        return _NOT_NUMBER
                    value = value * 10 + c - 48
                elif decimals < 3:
                    value = value * 10 + c - 48
                    decimals += 1
                digits += 1
            elif c == 46 and decimals < 0:  # '.'
                decimals = 0
            else:
                return _NOT_NUMBER
        if not digits:
            return _NOT_NUMBER
        if decimals < 0:
            decimals = 0
        while decimals < 3:
            value *= 10
            decimals += 1
        return -value if negative else value

    @micropython.native
    def _flags(self, start, end):
        """A Flgs text (preset digits, then B, X or limit letters) as a code, or -1.

        The code is preset | CA_* bits << 8 | limit letter << 16.
        """
        line = self._line
        preset = 0
        bits = 0
        limit = 0
        i = start
        while i < end and 48 <= line[i] <= 57:
            preset = preset * 10 + line[i] - 48
            if preset > _PRESET_MAX:
                return -1
            i += 1
        while i < end:
            c = line[i]
            if c == 66:  # 'B'
                bits |= CA_BRAKE
            elif c == 88:  # 'X'
                bits |= CA_THROTTLE_FAULT
            elif c == 65 or c == 87 or c == 84 or c == 86 or c == 83 or c == 115:  # A W T V S s
                limit = c
            else:
                return -1
            i += 1
        return preset | (bits << 8) | (limit << 16)

    def _shape(self):
        """Sign, integer digits and decimals of the line's first field, as one int.

        One byte each (a field is shorter than LINE_MAX < 256), so no two shapes are the same int.
        """
        line = self._line
        i = self._starts[0]
        end = self._ends[0]
        shape = 0
        if line[i] == 45:
            shape = 0x10000
            i += 1
        while i < end and line[i] != 46:
            shape += 0x100
            i += 1
        if i < end:
            shape += end - i  # the point and the decimals
        return shape

    def _header(self, fields):
        """Take a line of names as the column list; False if it is not a plausible header."""
        line = self._line
        starts = self._starts
        ends = self._ends
        start = starts[0]
        if self._first and not (ends[0] - start == 2 and line[start] == 65 and line[start + 1] == 104):
            return False  # the first line must start with "Ah"
        known = 0
        for f in range(fields):
            if _name_index(line, starts[f], ends[f]) != _UNKNOWN:
                known += 1
        if not known:
            return False
        cmap = self._map
        for f in range(fields):
            cmap[f] = _name_index(line, starts[f], ends[f])
        self._locked = _MAPPED
        self._columns = fields
        return True

    @micropython.native
    def _row(self, values, kind, fields, fit):
        """Check a row against its layout, then write it into the Reading; -1 if it is bad."""
        cmap = self._map
        got = 0
        code = -1
        for f in range(fields):
            k = f if fit == _INFERRED else cmap[f]
            if k == _UNKNOWN:
                continue
            if k == _FLGS:
                value = values[f]
                if kind[f] == _NUMBER:
                    if 0 <= value <= _PRESET_MAX * 1000 and value % 1000 == 0:
                        code = value // 1000
                elif kind[f] != _OTHER:
                    code = value
            elif kind[f] == _NUMBER:
                got |= 1 << k
            else:
                return -1
        if not self._locked:
            self._locked = fit
            self._columns = fields
        r = self.reading
        out = r.values
        for f in range(fields):
            k = f if fit == _INFERRED else cmap[f]
            if k != _UNKNOWN and got & (1 << k):
                out[k] = values[f]
        r.value_count = _COUNT
        r.value_mask = got
        flags = F_VALUES
        if got & (1 << _AH):
            r.ah_used_mah = out[_AH]
            flags |= F_AH
        if got & (1 << _V):
            r.voltage_mv = out[_V]
            flags |= F_VOLTAGE
        if got & (1 << _A):
            r.current_ma = out[_A]
            flags |= F_CURRENT
        if got & (1 << _S):
            r.speed = out[_S]
            flags |= F_SPEED
        if got & (1 << _DEG):
            r.temps[1] = _tenths(out[_DEG])
            flags |= F_TEMPS
        if code >= 0:
            r.preset = code & 0xFF
            r.ca_flags = (code >> 8) & 0xFF
            r.limit = code >> 16
            flags |= F_CA_FLAGS
        self.good += 1
        r.have |= flags
        if self.on_record is not None:
            self.on_record(flags)
        return flags


def _tenths(milli):
    """Milli-degrees to 0.1 degC, rounded half away from zero, within the int16 slot."""
    if milli < 0:
        value = -((50 - milli) // 100)
    else:
        value = (milli + 50) // 100
    if value > _TEMP_MAX:
        return _TEMP_MAX
    if value < -_TEMP_MAX:
        return -_TEMP_MAX
    return value
