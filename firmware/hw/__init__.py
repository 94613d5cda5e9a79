"""RP2040 adapters: the only code that touches machine, rp2 and neopixel.

Each adapter wraps one peripheral behind the few calls the loop makes, so the
app stays hardware-free and the host tests can swap in the fakes.
"""
