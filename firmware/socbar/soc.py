"""State of charge for data that carries none: Cycle Analyst amp-hours or pack voltage.

Results are in the Reading's SOC units, 0.000001 % (100 % = 100_000_000),
clamped to 0..100 %. Arithmetic stays in small ints (below 2**30) so that it
never allocates on the RP2040, even for large packs.

The voltage tables are resting (open-circuit) cell voltages at 0, 10, ... 100 %
from commonly published curves. Under load the cells sag and under charge
they rise, so a voltage-derived SOC is approximate: amp-hours against the
pack's capacity is the better source when the data has it.
"""

from .compat import const
from .reading import SOC_FULL

_STEP = const(10_000_000)  # one 10 % step of the tables, in SOC units

# Cell millivolts at 0, 10, ... 100 % SOC, at rest.
OCV_MV = {
    "nmc": (3000, 3450, 3550, 3620, 3680, 3740, 3800, 3880, 3960, 4060, 4200),
    "lifepo4": (2500, 3000, 3200, 3220, 3250, 3260, 3270, 3300, 3320, 3350, 3400),
}


def _fraction(num, den):
    """``num * 10**8 // den`` for 0 <= num <= den, by long division (no big ints)."""
    q = 0
    r = num
    for _ in range(8):
        r *= 10
        digit = r // den
        r -= digit * den
        q = q * 10 + digit
    return q


def soc_from_ah(ah_used_mah, capacity_mah):
    """SOC from the charge used since full: (capacity - used) / capacity."""
    if capacity_mah <= 0:
        return 0
    left = capacity_mah - ah_used_mah
    if left <= 0:
        return 0
    if left >= capacity_mah:
        return SOC_FULL
    return _fraction(left, capacity_mah)


def soc_from_voltage(pack_mv, cells, table):
    """SOC from the pack voltage: the mean cell voltage interpolated in ``table`` (an OCV_MV entry)."""
    if cells <= 0:
        return 0
    cell = pack_mv // cells
    if cell <= table[0]:
        return 0
    last = len(table) - 1
    if cell >= table[last]:
        return SOC_FULL
    i = 1
    while cell >= table[i]:
        i += 1
    low = table[i - 1]
    # (cell - low) / (high - low) of one step; both below 2**12, so no overflow.
    return (i - 1) * _STEP + (cell - low) * 100_000 // (table[i] - low) * 100
