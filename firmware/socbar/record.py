"""A Reading as one JSON line, for the PC tools (decode, the differential runs).

The text is built by hand with integer arithmetic so that CPython and
MicroPython print the very same bytes (their float formatting differs). This
allocates freely: it runs once per record in tools, never on the hot path.
"""

from .fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_ACK,
    F_AH,
    F_CA_FLAGS,
    F_CELL_MAX,
    F_CELL_MIN,
    F_CELLS,
    F_CURRENT,
    F_NACK,
    F_RANGE,
    F_REGS,
    F_SOC,
    F_SPEED,
    F_STATUS,
    F_TEMPS,
    F_VALUES,
    F_VERSION,
    F_VOLTAGE,
    NO_SENSOR,
    STATUS_NAMES,
)


def fixed(value, decimals):
    """``value / 10**decimals`` as the shortest exact decimal text."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    scale = 10**decimals
    whole, frac = divmod(value, scale)
    if not frac:
        return "%s%d" % (sign, whole)
    digits = ("%0*d" % (decimals, frac)).rstrip("0")
    return "%s%d.%s" % (sign, whole, digits)


def _bool(value):
    return "true" if value else "false"


def _temps(temps):
    return "[%s]" % ", ".join("null" if t == NO_SENSOR else fixed(t, 1) for t in temps)


def line(fmt, reading, flags, value_names=()):
    """The record for one decoded frame: the fields that frame carried.

    A status code outside the documented six is "unknown", with its code."""
    r = reading
    parts = ['"format": "%s"' % fmt]
    if flags & F_SOC:
        parts.append('"soc_pct": %s' % fixed(r.soc, 6))
    if flags & F_VOLTAGE:
        parts.append('"voltage_v": %s' % fixed(r.voltage_mv, 3))
    if flags & F_CURRENT:
        parts.append('"current_a": %s' % fixed(r.current_ma, 3))
    if flags & F_STATUS:
        parts.append('"status": "%s"' % STATUS_NAMES.get(r.status, "unknown"))
        parts.append('"status_code": %d' % r.status)
    if flags & F_TEMPS:
        parts.append('"temps_c": %s' % _temps(r.temps))
    if flags & F_CELL_MIN:
        parts.append('"cell_min_mv": %d' % r.cell_min_mv)
    if flags & F_CELL_MAX:
        parts.append('"cell_max_mv": %d' % r.cell_max_mv)
    if flags & F_CELLS:
        cells = ", ".join(fixed(r.cells[i], 1) for i in range(r.cell_count))
        parts.append('"cells_mv": [%s]' % cells)
    if flags & F_AH:
        parts.append('"ah_used": %s' % fixed(r.ah_used_mah, 3))
    if flags & F_SPEED:
        parts.append('"speed": %s' % fixed(r.speed, 3))
    if flags & F_RANGE:
        parts.append('"distance_km": %d, "time_left_s": %d' % (r.distance_km, r.time_left_s))
    if flags & F_VERSION:
        parts.append('"version": [%s]' % ", ".join("%d" % r.version[i] for i in range(r.version_count)))
    if flags & F_REGS:
        pairs = []
        for i in range(r.reg_count):
            addr = r.reg_addrs[i]
            pairs.append("[%s, %d]" % ("null" if addr < 0 else "%d" % addr, r.regs[i]))
        parts.append('"registers": [%s]' % ", ".join(pairs))
    if flags & F_ACK:
        parts.append('"ack": %d' % r.ack_cmd)
    if flags & F_NACK:
        parts.append('"nack": %d, "nack_error": %d' % (r.nack_cmd, r.nack_err))
    if flags & F_VALUES:
        values = []
        for i in range(min(r.value_count, len(value_names))):
            if r.value_mask & (1 << i):
                values.append('"%s": %s' % (value_names[i], fixed(r.values[i], 3)))
        parts.append('"values": {%s}' % ", ".join(values))
    if flags & F_CA_FLAGS:
        parts.append('"preset": %d, "brake": %s, "throttle_fault": %s, "limit": %s' % (
            r.preset, _bool(r.ca_flags & CA_BRAKE), _bool(r.ca_flags & CA_THROTTLE_FAULT),
            '"%s"' % chr(r.limit) if r.limit else "null"))
    return "{%s}" % ", ".join(parts)
