"""Fake ``machine`` for the host: records what the firmware did to the hardware.

Every fake reads time from the module-level ``clock`` (a ``VirtualClock``),
so a test can assert timing by advancing it. ``reset_fakes()`` gives a test a
fresh clock, fresh pins and fresh peripherals. Test-side helpers are marked
as such; everything else mirrors the MicroPython rp2 port's API.
"""

from vclock import VirtualClock, ticks_add, ticks_diff

clock = VirtualClock()
wires = {}  # pin id -> _Wire, shared by every Pin object on that id
uarts = {}  # uart id -> the last UART created on it
sleeps = []  # the ms of every lightsleep call
slept = []  # how long each of them really lasted
i2c_devices = [0x3C]

PWRON_RESET = 1
WDT_RESET = 3
_cause = PWRON_RESET
watchdog_resets = False  # test-side: a starved watchdog resets the chip (raises ChipReset)


class ChipReset(Exception):
    """Test-side: the modelled chip reset (a starved watchdog or ``reset()``); RAM is gone."""


def reset_fakes(start=0):
    """Test-side: a fresh clock and fresh hardware, as after a power-up."""
    global clock, _cause, i2c_devices, watchdog_resets
    clock = VirtualClock(start)
    watchdog_resets = False
    wires.clear()
    uarts.clear()
    i2c_devices = [0x3C]
    _cause = PWRON_RESET
    WDT.instance = None
    del sleeps[:]
    del slept[:]
    return clock


def soft_reset():
    """Test-side: what Ctrl-D (or mpremote before its first command) does to the hardware: every
    Timer ends and pin interrupts are dropped; pins keep their levels and the watchdog runs on."""
    for timer in list(clock._timers):
        if isinstance(timer, Timer):
            timer.deinit()
    for w in wires.values():
        w.handler = None


def _hard_reset(cause):
    """The chip restarts: timers, interrupts, outputs and the watchdog are gone (the pins float),
    the outside world's levels stay."""
    global _cause
    soft_reset()
    if WDT.instance is not None:
        clock.remove_timer(WDT.instance)
        WDT.instance = None
    for w in wires.values():
        w.mode = None
        w.pull = None
        w.driven = 0
    uarts.clear()
    _cause = cause
    raise ChipReset("watchdog" if cause == WDT_RESET else "reset")


def reset():
    _hard_reset(PWRON_RESET)


class _Wire:
    """The state of one physical pin: mode, pull, driven level, outside level."""

    def __init__(self, pin_id):
        self.id = pin_id
        self.mode = None
        self.pull = None
        self.driven = 0
        self.external = None  # None: nothing drives the pin from outside
        self.history = []  # (ticks, level) for every level the firmware drove
        self.handler = None
        self.trigger = 0


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, pin_id, mode=-1, pull=-1, value=None):
        if pin_id not in wires:
            wires[pin_id] = _Wire(pin_id)
        self._w = wires[pin_id]
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        w = self._w
        if pull != -1:
            w.pull = pull
        if mode != -1:
            w.mode = mode
            if mode == Pin.OUT and value is None:
                self._drive(w.driven)
        if value is not None:
            self._drive(1 if value else 0)

    def _drive(self, level):
        self._w.driven = level
        self._w.history.append((clock.now, level))

    def value(self, v=None):
        w = self._w
        if v is not None:
            self._drive(1 if v else 0)
            return None
        if w.mode == Pin.OUT:
            return w.driven
        if w.external is not None:
            return w.external
        return 1 if w.pull == Pin.PULL_UP else 0

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=IRQ_FALLING | IRQ_RISING, hard=False):
        self._w.handler = handler
        self._w.trigger = trigger

    def set_external(self, level):
        """Test-side: the outside world drives the pin; fires the IRQ on an edge."""
        w = self._w
        before = self.value()
        w.external = level
        after = self.value()
        if w.handler is not None and before != after:
            edge = Pin.IRQ_RISING if after else Pin.IRQ_FALLING
            if w.trigger & edge:
                clock.interrupts += 1
                w.handler(self)

    @property
    def history(self):
        """Test-side: (ticks, level) of every level the firmware drove."""
        return self._w.history


class UART:
    def __init__(self, uart_id, baudrate=115200, **kwargs):
        self.id = uart_id
        self.config = {}
        self.rx = bytearray()
        self.tx = bytearray()
        self.overrun = 0
        self.empty_reads = 0
        uarts[uart_id] = self
        self.init(baudrate, **kwargs)

    def init(self, baudrate=None, **kwargs):
        if baudrate is not None:
            kwargs["baudrate"] = baudrate
        self.config.update(kwargs)
        if "rxbuf" in kwargs or "txbuf" in kwargs or not hasattr(self, "rings"):
            # The rp2 port allocates its receive and transmit rings on the GC heap: so does
            # the fake, so heap figures measured on it count them.
            self.rings = bytearray(self.config.get("rxbuf", 256) + self.config.get("txbuf", 256))

    def inject(self, data):
        """Test-side: bytes arrive on RX; what the ring cannot hold is lost."""
        room = self.config.get("rxbuf", 256) - len(self.rx)
        self.rx.extend(data[:room])
        if len(data) > room:
            self.overrun += len(data) - room

    def any(self):
        return len(self.rx)

    def readinto(self, buf, nbytes=None):
        n = len(buf) if nbytes is None else nbytes
        n = min(n, len(self.rx))
        if n == 0:
            # The real port would wait up to `timeout` here: count it.
            self.empty_reads += 1
            return None
        buf[:n] = self.rx[:n]
        self.rx = self.rx[n:]
        return n

    def write(self, buf):
        self.tx.extend(buf)
        return len(buf)


class WDT:
    MAX_MS = 8388
    instance = None

    def __init__(self, id=0, timeout=5000):
        """Start the watchdog, or set a running one's timeout (the chip has only one)."""
        if not 1 <= timeout <= WDT.MAX_MS:
            raise ValueError("timeout out of range")
        running = WDT.instance
        self.timeout = timeout
        self.feeds = running.feeds if running is not None else []
        self.started = clock.now
        if running is not None:
            clock.remove_timer(running)
        WDT.instance = self
        self.due = ticks_add(clock.now, timeout + 1)
        clock.add_timer(self)

    def feed(self):
        """Every WDT object feeds the one watchdog the chip has; none after a reset stopped it."""
        w = WDT.instance
        if w is not None:
            w.feeds.append(clock.now)
            w.due = ticks_add(clock.now, w.timeout + 1)

    def fire(self, now):
        """The counter ran out: the chip resets when the test models it, else the test reads
        ``expired()``."""
        if watchdog_resets:
            _hard_reset(WDT_RESET)
        self.due = ticks_add(now, self.timeout + 1)

    def expired(self):
        """Test-side: would the chip have reset by now on the virtual clock?"""
        last = self.started
        if self.feeds and ticks_diff(self.feeds[-1], last) > 0:
            last = self.feeds[-1]
        return ticks_diff(clock.now, last) > self.timeout


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id=-1, **kwargs):
        self.callback = None
        self.calls = 0
        if kwargs:
            self.init(**kwargs)

    def init(self, mode=PERIODIC, period=-1, freq=-1, callback=None, hard=False):
        if freq > 0:
            period = 1000 // freq
        self.mode = mode
        self.period = period
        self.callback = callback
        self.hard = hard
        self.due = ticks_add(clock.now, period)
        self._clock = clock
        clock.add_timer(self)

    def fire(self, now):
        self.calls += 1
        if self.mode == Timer.PERIODIC:
            self.due = ticks_add(now, self.period)
        else:
            self._clock.remove_timer(self)
        if self.callback is not None:
            self.callback(self)

    def deinit(self):
        if self.callback is not None:
            self._clock.remove_timer(self)
        self.callback = None


class PWM:
    def __init__(self, pin, freq=None, duty_u16=None):
        self.pin = pin
        self._freq = freq or 0
        self._duty = duty_u16 or 0

    def freq(self, value=None):
        if value is None:
            return self._freq
        self._freq = value

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        self._duty = value

    def deinit(self):
        self._duty = 0


class I2C:
    def __init__(self, i2c_id, scl=None, sda=None, freq=400000):
        self.id = i2c_id
        self.scl = scl
        self.sda = sda
        self.freq = freq
        self.writes = []

    def scan(self):
        return list(i2c_devices)

    def writeto(self, addr, buf, stop=True):
        if addr not in i2c_devices:
            raise OSError(19)  # ENODEV, as the port reports a missing device
        self.writes.append((addr, bytes(buf)))
        return len(buf)


class _Mem32:
    """The one 32-bit register the firmware reads: the RP2040 watchdog's CTRL."""

    def __getitem__(self, addr):
        if addr != 0x40058000:
            raise ValueError("the fake has no register at 0x%08x" % addr)
        return 1 << 30 if WDT.instance is not None else 0  # ENABLE


mem32 = _Mem32()


def lightsleep(ms):
    """Time passes for ``ms``, or less: as on the RP2040, any interrupt ends the slice,
    a running timer's next tick included."""
    sleeps.append(ms)
    start = clock.now
    seen = clock.interrupts
    while ticks_diff(clock.now, start) < ms and clock.interrupts == seen:
        clock.advance(1)
    slept.append(ticks_diff(clock.now, start))


def freq(hz=None):
    return 125_000_000


def reset_cause():
    return _cause


def unique_id():
    return b"\xe6\x61\x38\x97\x5f\x4a\x2b\x2c"
