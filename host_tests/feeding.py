"""Feeding a decoder in tests: whole, or cut into chunks, as a UART delivers bytes."""


def feed(dec, data, step=0):
    """``dec`` fed ``data`` whole (step 0) or in ``step``-byte chunks; the OR of its flags in ``.flags``."""
    dec.flags = 0
    if not step:
        dec.flags = dec.feed(data, len(data))
        return dec
    for i in range(0, len(data), step):
        chunk = data[i : i + step]
        dec.flags |= dec.feed(chunk, len(chunk))
    return dec


def counters(dec):
    """The error and frame counters every decoder keeps, as one tuple."""
    return (dec.good, dec.bad, dec.skipped, dec.overlong)
