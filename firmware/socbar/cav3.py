"""Streaming decoder of the Cycle Analyst V3 data log (docs/protocol.md section 4).

The log is text: one header line of column names, then one row of numbers
per sample, fields separated by TAB, lines ended by CR, LF or CR LF. Columns
are mapped by header name; until a header is seen the configured column list
stands in for it. A row must have exactly as many fields as the active column
list, so a row cut short by a stream that started mid-line is counted bad and
the next row decodes.

The first line after start-up or ``reset()`` may be a fragment. It is used
only if it is a header that begins with ``Ah`` (every Cycle Analyst header
does); a row there could be cut inside its first number and give a wrong
value, so it is counted bad.

Numbers become integer milli-units digit by digit (at most six integer
digits and three decimals are kept; further decimals are dropped), so a row
allocates nothing. Every known column lands in ``reading.values`` at its
index in ``VALUE_NAMES`` (0 when the active columns lack it); the slots of
the Reading get Ah, V, A, S and Deg.
"""

from array import array

from .compat import const
from .reading import F_AH, F_CURRENT, F_SPEED, F_TEMPS, F_VALUES, F_VOLTAGE

VALUE_NAMES = ("Ah", "V", "A", "S", "D", "Deg", "RPM", "HW", "Nm", "ThI", "ThO", "AuxA", "AuxD", "Flgs")
_NAMES = tuple(name.encode() for name in VALUE_NAMES)
_AH = const(0)
_V = const(1)
_A = const(2)
_S = const(3)
_DEG = const(5)
_FLGS = const(13)
_COUNT = const(14)

LINE_MAX = const(160)  # bytes; a V3.1 row is about 100
MAX_COLUMNS = const(32)  # as many as the configuration accepts

_NOT_NUMBER = const(-0x40000000)  # below any parsed value (six integer digits at most)
_UNKNOWN = const(-1)  # a column with a name this decoder does not know

# What a field holds, in _kind.
_NUMBER = const(0)
_NAME = const(1)
_OTHER = const(2)

_TAB = b"\t"
_CR = const(13)
_LF = const(10)
_TEMP_MAX = const(32767)


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
        self.on_record = None
        self.good = 0
        self.bad = 0
        self.skipped = 0
        self.overlong = 0
        self._line = bytearray(LINE_MAX)
        self._n = 0
        self._dropping = False  # inside an over-long line
        self._first = True  # no line end seen since start or reset
        self._values = array("i", bytes(4 * MAX_COLUMNS))  # parsed number per field
        self._kind = bytearray(MAX_COLUMNS)
        self._got = bytearray(_COUNT)  # 1 where this row set VALUE_NAMES[i]
        self._map = bytearray(MAX_COLUMNS)  # value index per column, 0xFF for unknown
        self._columns = 0  # active column count: the configured list until a header comes
        for name in columns[:MAX_COLUMNS]:
            raw = name.encode()
            self._map[self._columns] = _name_index(raw, 0, len(raw)) & 0xFF
            self._columns += 1

    def reset(self):
        """Drop a partial line (counted as skipped); the next line may be a fragment."""
        self.skipped += self._n
        self._n = 0
        self._dropping = False
        self._first = True

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

    def _end_line(self):
        """Decide on the line in the buffer: header, row or bad; return the row's flags."""
        n = self._n
        fields = self._split(n)
        if fields < 0:
            return self._reject(n)
        kind = self._kind
        names = 0
        for f in range(fields):
            if kind[f] == _NAME:
                names += 1
        if names == fields:
            if self._header(n, fields):
                return 0
            return self._reject(n)
        if self._first or fields != self._columns:
            return self._reject(n)
        return self._row(fields)

    def _reject(self, n):
        self.bad += 1
        self.skipped += n
        return 0

    def _split(self, n):
        """Classify every field of the line and parse the numbers; return the field count or -1."""
        line = self._line
        kind = self._kind
        values = self._values
        start = 0
        f = 0
        while start <= n:
            end = line.find(_TAB, start, n)
            if end < 0:
                end = n
            if f == MAX_COLUMNS:
                return -1
            value = self._number(start, end)
            values[f] = value
            if value != _NOT_NUMBER:
                kind[f] = _NUMBER
            elif end > start and _is_letter(line[start]) and self._word(start, end):
                kind[f] = _NAME
            else:
                kind[f] = _OTHER
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

    def _number(self, start, end):
        """``line[start:end]`` as milli-units, or _NOT_NUMBER; spaces around it are allowed."""
        line = self._line
        while start < end and line[start] == 32:
            start += 1
        while end > start and line[end - 1] == 32:
            end -= 1
        if start == end:
            return _NOT_NUMBER
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

    def _header(self, n, fields):
        """Take a line of names as the column list; False if it is not a plausible header."""
        line = self._line
        if self._first and not (n >= 2 and line[0] == 65 and line[1] == 104 and (n == 2 or line[2] == 9)):
            return False  # the first line must start with "Ah"
        if not self._map_names(n, False):
            return False
        self._map_names(n, True)
        self._columns = fields
        return True

    def _map_names(self, n, store):
        """Count the known names of the header line; with ``store``, make them the column map."""
        line = self._line
        known = 0
        start = 0
        f = 0
        while start <= n:
            end = line.find(_TAB, start, n)
            if end < 0:
                end = n
            k = _name_index(line, start, end)
            if k != _UNKNOWN:
                known += 1
            if store:
                self._map[f] = k & 0xFF
            f += 1
            start = end + 1
        return known

    def _row(self, fields):
        """Check a row against the active columns, then write it into the Reading."""
        kind = self._kind
        cmap = self._map
        got = self._got
        for k in range(_COUNT):
            got[k] = 0
        for f in range(fields):
            k = cmap[f]
            if k == 0xFF:
                continue
            if kind[f] == _NUMBER:
                got[k] = 1
            elif k != _FLGS:
                return self._reject(self._n)
        r = self.reading
        out = r.values
        for k in range(_COUNT):
            out[k] = 0
        values = self._values
        for f in range(fields):
            k = cmap[f]
            if k != 0xFF and got[k]:
                out[k] = values[f]
        r.value_count = _COUNT
        flags = F_VALUES
        if got[_AH]:
            r.ah_used_mah = out[_AH]
            flags |= F_AH
        if got[_V]:
            r.voltage_mv = out[_V]
            flags |= F_VOLTAGE
        if got[_A]:
            r.current_ma = out[_A]
            flags |= F_CURRENT
        if got[_S]:
            r.speed = out[_S]
            flags |= F_SPEED
        if got[_DEG]:
            r.temps[1] = _tenths(out[_DEG])
            flags |= F_TEMPS
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
