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
from .fields import SOC_FULL

try:
    import micropython
except ImportError:  # CPython
    from .compat import micropython

_STEP = const(10_000_000)  # one 10 % step of the tables, in SOC units

# Resting cell millivolts at 0, 10, ... 100 % SOC, rising.
NMC_OCV_MV = (3000, 3450, 3550, 3620, 3680, 3740, 3800, 3880, 3960, 4060, 4200)
# LiFePO4 is flat between 20 and 90 %: there a few mV are many percent.
LIFEPO4_OCV_MV = (2500, 3000, 3200, 3220, 3250, 3260, 3270, 3300, 3320, 3350, 3400)


@micropython.native  # no call frame from the heap: it runs on every row of amp-hours
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


@micropython.native  # as _fraction, for every row that carries a voltage
def soc_from_voltage(pack_mv, cells, chemistry):
    """SOC from the pack voltage of ``cells`` in series; ``chemistry`` "lifepo4", else NMC.

    Interpolates on the pack voltage against the table scaled by ``cells``,
    so no millivolt is lost to dividing by the cell count.
    """
    if cells <= 0:
        return 0
    table = LIFEPO4_OCV_MV if chemistry == "lifepo4" else NMC_OCV_MV
    if pack_mv <= table[0] * cells:
        return 0
    last = len(table) - 1
    if pack_mv >= table[last] * cells:
        return SOC_FULL
    i = 1
    while pack_mv >= table[i] * cells:
        i += 1
    low = table[i - 1] * cells
    span = table[i] * cells - low  # at most 500 mV * 16 cells
    d = pack_mv - low
    # _STEP * d // span, split so that no product exceeds _STEP or span**2.
    per_mv = _STEP // span
    return (i - 1) * _STEP + per_mv * d + (_STEP - per_mv * span) * d // span
