"""The WS2812 PIO program, assembled by the fake rp2 and run in a PIO emulator.

The words come from the firmware's own ``Ws2812.write`` (through the fake
DMA), the program from ``hw/ws2812.py``; the emulator (``pioemu``) produces
the data line, whose every bit is checked against the WS2812B datasheet:
0 = 0.40 us high / 0.85 us low, 1 = 0.80 us high / 0.45 us low, period
1.25 us, each +-150 ns.
"""

from dataclasses import replace

import machine
import pytest
import rp2
from hw import ws2812
from pioemu import ShiftRegister, State, emulate

TOL_NS = 150

# Two LEDs, GRB bytes as the renderer's frame holds them.
FRAME = bytes([0xA5, 0x3C, 0x0F, 0x00, 0xFF, 0x81])
# The same bytes written out by hand, MSB first, G then R then B.
BITS = "10100101" "00111100" "00001111" "00000000" "11111111" "10000001"


def waveform(program, words, idle_cycles=40):
    """(start_cycle, level) runs of the side-set pin while the words shift out.

    pioemu refills the OSR only by stalling an OUT; the RP2040 refills it on
    the cycles between OUTs (datasheet 3.5.4, autopull), so the test hands
    each next word over at the OUT that would otherwise stall.
    """
    s = program.settings
    assert s["out_shiftdir"] == rp2.PIO.SHIFT_LEFT and s["autopull"]
    thresh = s["pull_thresh"]
    queue = list(words)
    state = State(output_shift_register=ShiftRegister(queue.pop(0), 0))
    runs = []
    while True:
        last = not queue
        end = state.clock + idle_cycles * 10

        def stop(opcode, st, last=last, end=end):
            starved = (opcode & 0xE000) == 0x6000 and st.output_shift_register.counter >= thresh
            return starved and (not last or st.clock >= end)

        for before, after in emulate(
            program.opcodes, stop_when=stop, initial_state=state, auto_pull=True,
            pull_threshold=thresh, shift_osr_right=False, side_set_count=program.sideset_count,
            wrap_target=program.wrap_target, wrap_top=program.wrap,
        ):
            level = after.pin_values & 1
            if not runs or runs[-1][1] != level:
                runs.append((before.clock, level))
            state = after
        if last:
            runs.append((state.clock, None))
            return runs
        state = replace(state, output_shift_register=ShiftRegister(queue.pop(0), 0))


def bits_from(runs, cycle_ns):
    """(high_ns, low_ns, period_ns) per bit, from one rising edge to the next."""
    out = []
    edges = [(cycle_ns(c), lvl) for c, lvl in runs]
    for i in range(len(edges) - 2):
        t, level = edges[i]
        if level == 1:
            fall = edges[i + 1][0]
            nxt = edges[i + 2][0]
            out.append((fall - t, nxt - fall, nxt - t))
    return out


@pytest.fixture
def sent_words():
    machine.reset_fakes()
    strip = ws2812.Ws2812(pin=2, count=2, sm_id=0)
    assert strip.write(FRAME)
    return rp2.machines[0].words


@pytest.mark.parametrize("sys_hz", [125_000_000, 133_000_000])
def test_every_bit_within_datasheet_timing(sent_words, sys_hz):
    sm = rp2.machines[0]
    div256 = round(sys_hz * 256 / sm.freq)  # the 16.8 fixed-point clock divider
    assert 256 <= div256 < 65536 * 256

    def cycle_ns(k):
        # A fractional divider spaces PIO cycles INT or INT+1 system clocks apart.
        return (k * div256 // 256) * 1e9 / sys_hz

    runs = waveform(ws2812.ws2812_program, sent_words)
    bits = bits_from(runs, cycle_ns)
    decoded = "".join("1" if high > 600 else "0" for high, _, _ in bits)
    assert decoded == BITS
    for n, (high, low, period) in enumerate(bits):
        want_high, want_low = (800, 450) if BITS[n] == "1" else (400, 850)
        assert abs(high - want_high) <= TOL_NS, (n, high)
        if n < len(bits) - 1:  # the last bit's low merges into the latch gap
            assert abs(low - want_low) <= TOL_NS, (n, low)
            assert abs(period - 1250) <= TOL_NS, (n, period)
    # After the last bit the line rests low: the strip latches.
    assert runs[-2][1] == 0 and cycle_ns(runs[-1][0]) - cycle_ns(runs[-2][0]) > 1000


def test_optional_side_set_encoding():
    # .side_set 1 opt: 2 field bits (enable + value), 3 delay bits.
    # set x, 5 side 1 [1] = 111 1 1 001 001 00101 = 0xF925
    # nop [3] (no side)   = 101 0 0 011 010 00 010 = 0xA342
    @rp2.asm_pio(sideset_init=rp2.PIO.OUT_LOW, sideset_opt=True)
    def prog():
        set(x, 5).side(1)[1]  # noqa: F821
        nop()[3]  # noqa: F821

    assert prog.opcodes == [0xF925, 0xA342]


def test_side_set_is_mandatory_when_not_optional():
    with pytest.raises(ValueError):
        @rp2.asm_pio(sideset_init=rp2.PIO.OUT_LOW)
        def prog():
            nop()  # noqa: F821
