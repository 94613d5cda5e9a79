"""Fake ``rp2`` for the host: a real PIO assembler and recording state machines.

``asm_pio`` really assembles the decorated program into 16-bit PIO opcodes
(RP2040 datasheet, section 3.4), so a PC test can run the firmware's own
program in a PIO emulator. Only the instructions the firmware uses are
supported: ``out``, ``jmp`` (with conditions), ``nop``, ``set``, side-set
(plain or optional), delays, ``wrap_target``, ``wrap`` and labels.
"""

import machine


class PIO:
    IN_LOW = 0
    IN_HIGH = 1
    OUT_LOW = 2
    OUT_HIGH = 3
    SHIFT_LEFT = 0
    SHIFT_RIGHT = 1
    JOIN_NONE = 0
    JOIN_TX = 1
    JOIN_RX = 2


# Operands, as the program function sees them (datasheet encodings).
pins = 0
x = 1
y = 2
null = 3
pindirs = 4
# jmp conditions
not_x = 1
x_dec = 2
not_y = 3
y_dec = 4
x_not_y = 5
pin = 6
not_osre = 7

_OUT_DEST = (pins, x, y, null, pindirs)
_SET_DEST = (pins, x, y, pindirs)


class Program:
    """An assembled program: opcodes plus the settings a StateMachine needs."""

    def __init__(self, settings):
        self.settings = settings
        init = settings.get("sideset_init")
        n = 0 if init is None else (len(init) if isinstance(init, tuple) else 1)
        self.sideset_opt = settings.get("sideset_opt", False)
        # The side-set field width counts the enable bit of an optional side-set.
        self.sideset_count = n + (1 if n and self.sideset_opt else 0)
        self.sideset_pins = n
        self.opcodes = []
        self.wrap_target = 0
        self.wrap = -1


class _Emitter:
    def __init__(self, program):
        self.program = program
        self.labels = {}
        self.rows = []  # [opcode without delay/side-set, side or None, delay]
        self.final = False

    def start(self, final):
        self.final = final
        self.rows = []

    def emit(self, opcode):
        self.rows.append([opcode, None, 0])
        return self

    def side(self, value):
        self.rows[-1][1] = value
        return self

    def __getitem__(self, delay):
        self.rows[-1][2] = delay
        return self

    def address(self, target):
        if isinstance(target, str):
            if not self.final:
                return 0
            if target not in self.labels:
                raise ValueError("unknown label %s" % target)
            return self.labels[target]
        return target

    def encode(self):
        prog = self.program
        n = prog.sideset_count
        delay_bits = 5 - n
        codes = []
        for opcode, side, delay in self.rows:
            if not 0 <= delay < (1 << delay_bits):
                raise ValueError("delay %d does not fit %d bits" % (delay, delay_bits))
            field = delay
            if side is not None:
                if n == 0 or not 0 <= side < (1 << prog.sideset_pins):
                    raise ValueError("bad side-set %r" % (side,))
                field |= side << delay_bits
                if prog.sideset_opt:
                    field |= 0x10
            elif n and not prog.sideset_opt:
                raise ValueError("side-set required on every instruction")
            codes.append(opcode | field << 8)
        prog.opcodes = codes
        if prog.wrap < 0:
            prog.wrap = len(codes) - 1


def asm_pio(**settings):
    def assemble(func):
        prog = Program(settings)
        em = _Emitter(prog)

        def label(name):
            if not em.final:
                em.labels[name] = len(em.rows)

        def wrap_target():
            prog.wrap_target = len(em.rows)

        def wrap():
            prog.wrap = len(em.rows) - 1

        def out(dest, count):
            if dest not in _OUT_DEST or not 1 <= count <= 32:
                raise ValueError("bad out")
            return em.emit(0x6000 | dest << 5 | (count & 31))

        def set_(dest, data):
            if dest not in _SET_DEST or not 0 <= data < 32:
                raise ValueError("bad set")
            return em.emit(0xE000 | dest << 5 | data)

        def jmp(cond, target=None):
            if target is None:
                cond, target = 0, cond
            return em.emit(cond << 5 | em.address(target))

        def nop():
            return em.emit(0xA042)  # mov y, y

        names = {
            "label": label,
            "wrap_target": wrap_target,
            "wrap": wrap,
            "out": out,
            "set": set_,
            "jmp": jmp,
            "nop": nop,
        }
        for name in ("pins", "x", "y", "null", "pindirs", "not_x", "x_dec", "not_y", "y_dec",
                     "x_not_y", "pin", "not_osre"):
            names[name] = globals()[name]
        scope = func.__globals__
        saved = {}
        for name in names:
            if name in scope:
                saved[name] = scope[name]
            scope[name] = names[name]
        try:
            for final in (False, True):
                em.start(final)
                func()
        finally:
            for name in names:
                if name in saved:
                    scope[name] = saved[name]
                else:
                    del scope[name]
        em.encode()
        return prog

    return assemble


machines = {}  # state machine id -> the last StateMachine created on it


class StateMachine:
    def __init__(self, sm_id, program=None, freq=-1, **settings):
        self.id = sm_id
        self.program = program
        self.freq = freq
        self.settings = settings
        self.running = False
        self.words = []
        machines[sm_id] = self

    def active(self, value=None):
        if value is None:
            return self.running
        self.running = bool(value)

    def put(self, value, shift=0):
        if isinstance(value, int):
            value = (value,)
        for word in value:
            self.words.append((word << shift) & 0xFFFFFFFF)


class DMA:
    """Moves words into a StateMachine at once; reports busy for 1 ms of virtual time."""

    def __init__(self):
        self.transfers = 0
        self.ctrl = 0
        self._started = None

    def pack_ctrl(self, size=2, inc_read=True, inc_write=True, treq_sel=0x3F, enable=True):
        return (int(enable) | size << 2 | int(inc_read) << 4 | int(inc_write) << 5
                | treq_sel << 15)

    def config(self, read=None, write=None, count=None, ctrl=None, trigger=False):
        if ctrl is not None:
            self.ctrl = ctrl
        self.read = read
        self.write = write
        self.count = count
        if trigger:
            self._run()

    def _run(self):
        size = 1 << ((self.ctrl >> 2) & 3)
        treq = (self.ctrl >> 15) & 0x3F
        sm = self.write
        if not isinstance(sm, StateMachine) or treq != (sm.id >> 2) * 8 + (sm.id & 3):
            raise ValueError("DMA not paced by the state machine it writes to")
        if size * self.count > len(self.read):
            raise ValueError("DMA would read past its buffer")
        for i in range(self.count):
            word = 0
            for k in range(size):
                word |= self.read[i * size + k] << (8 * k)  # little-endian bus
            sm.put(word)
        self.transfers += 1
        self._started = machine.clock.now

    def active(self, value=None):
        if value is not None:
            return None
        if self._started is None:
            return False
        return machine.clock.now == self._started

    def close(self):
        self._started = None
