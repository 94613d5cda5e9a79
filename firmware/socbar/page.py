"""The display page: what the optional OLED shows, as lines of at most 16 characters.

Loaded only when a display is configured (or a test asks), so a board without
one keeps this code off its heap. The page hides what the bar hides: the SOC
only while the state shows it, a value only once a frame carried it.
"""

from .fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_CA_FLAGS,
    F_CURRENT,
    F_STATUS,
    F_TEMPS,
    F_VOLTAGE,
    NO_SENSOR,
    STATUS_NAMES,
)
from .states import EMPTY, REGEN, STATE_NAMES


def _fixed(value, scale, decimals):
    """A fixed-point int as text with ``decimals`` digits: _fixed(-8250, 1000, 2) -> "-8.25"."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    div = scale // 10**decimals
    return "%s%d.%0*d" % (sign, value // scale, decimals, value % scale // div)


def lines(state, bms):
    """The page for display state ``state`` of the BmsState ``bms``: SOC, volts and amps,
    temperatures, state, link quality, and the Cycle Analyst's flags or an undocumented status."""
    r = bms.reading
    shows_soc = state <= REGEN or state == EMPTY
    page = ["SOC %s%%" % _fixed(bms.soc, 1000000, 1) if shows_soc else "SOC --"]
    volts = _fixed(r.voltage_mv, 1000, 2) + "V" if r.have & F_VOLTAGE else "--V"
    amps = _fixed(r.current_ma, 1000, 2) + "A" if r.have & F_CURRENT else "--A"
    page.append(volts + " " + amps)
    temps = "T"
    for i in range(3):
        t = r.temps[i]
        temps += " --" if t == NO_SENSOR or not r.have & F_TEMPS else " " + _fixed(t, 10, 1)
    page.append(temps + "C")
    page.append(STATE_NAMES[state])
    page.append("link %d%%" % bms.quality)
    if r.have & F_CA_FLAGS:  # the Cycle Analyst's preset, brake, throttle fault, limit
        page.append("P%d%s%s%s" % (r.preset, " brk" if r.ca_flags & CA_BRAKE else "",
                                    " THR" if r.ca_flags & CA_THROTTLE_FAULT else "",
                                    " lim" + chr(r.limit) if r.limit else ""))  # <= 16 chars
    elif r.have & F_STATUS and r.status not in STATUS_NAMES:
        page.append("status 0x%02X ?" % r.status)  # undocumented: shown as a code, never a state
    return page
