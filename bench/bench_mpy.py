"""The benchmark workload, run under the MicroPython unix port by bench/bench.py.

    micropython bench/bench_mpy.py          every figure, one JSON object on stdout
    micropython bench/bench_mpy.py --fit    only the App workload: bench/bench.py looks
                                            for the smallest -X heapsize that still runs it

Allocation is gc.mem_alloc() around >= 1000 frames after a warm-up, with the
collector disabled so nothing is freed in between (the reference decoder's
garbage is measured in batches, each after a collection), and reported
exactly: bytes over frames, never rounded down to 0. A workload that does not
fit in the heap is reported as not measured instead of ending the run. The loops index with
``while`` and call closures built beforehand, so the harness allocates nothing
itself; ``harness_bytes`` proves it with a decoder that does nothing. Times are
the best of a few runs, in ticks_us, and only their ratios mean anything.
"""

import gc
import sys

gc.collect()
_BASE = gc.mem_alloc()

from socbar.reading import Reading  # noqa: E402
from socbar.tinybms import TinyBmsDecoder  # noqa: E402

# AA 1A, SOC 87.654321 % (u32 LE 87654321), CRC-16/MODBUS low byte first.
_FIRST = bytearray(b"\xaa\x1a\xb1\x7f\x39\x05\x85\x64")


def _first_frame():
    reading = Reading()
    dec = TinyBmsDecoder(reading)
    dec.feed(_FIRST, len(_FIRST))
    gc.collect()
    return gc.mem_alloc() - _BASE, dec.good == 1 and reading.soc == 87654321


HEAP_FIRST_FRAME, FIRST_FRAME_OK = _first_frame()

import json  # noqa: E402
import struct  # noqa: E402
import time  # noqa: E402

from fake_line import Clock, Ignition, Leds, LineUart  # noqa: E402
from reference_decoder import ReferenceDecoder, encode  # noqa: E402
from socbar.config import validate  # noqa: E402

FRAMES = 1200  # per format: at least 1000 in the measured pass
CHUNK = 64  # bytes per UART read, a typical ring drain at 115200 baud
RUNS = 5
REF_CHUNKS = 4  # reads of the reference decoder per batch: its garbage must fit with the collector off
PASSES = 3000  # App loop passes measured (one per virtual ms)
EVERY_MS = 3  # a frame every 3 passes: 1000 frames in the measured passes


def tinybms_stream(count):
    """Every broadcast-worthy response, values moving from frame to frame."""
    out = bytearray()
    for i in range(count):
        kind = i % 8
        if kind == 0:
            out.extend(encode(0x1A, struct.pack("<I", 100000000 - i * 1000)))
        elif kind == 1:
            out.extend(encode(0x18, struct.pack("<H", 0x93 if i % 16 else 0x91)))
        elif kind == 2:
            out.extend(encode(0x14, struct.pack("<f", 48.0 + (i % 100) / 50)))
        elif kind == 3:
            out.extend(encode(0x15, struct.pack("<f", -12.5 + (i % 7))))
        elif kind == 4:
            out.extend(encode(0x1B, bytes((6,)) + struct.pack("<hhh", 250 + i % 9, 261, -32768)))
        elif kind == 5:
            out.extend(encode(0x16 + (i & 1), struct.pack("<H", 3600 + i % 50)))
        elif kind == 6:
            cells = b"".join(struct.pack("<H", 36000 + (c * 7 + i) % 300) for c in range(13))
            out.extend(encode(0x1C, bytes((len(cells),)) + cells))
        else:
            out.extend(encode(0x20, struct.pack("<fII", 24.5, 40 + i % 3, 3600 - i % 60)))
    return out


def cav3_stream(count, columns):
    out = bytearray(("\t".join(columns) + "\r\n").encode())
    row = "%d.%03d\t%d.%02d\t-%d.%02d\t25.3\t12.345\t31.2\t60\t150\t12.3\t1.23\t1.10\t0.00\t0.00\t0"
    for i in range(count):
        out.extend((row % (i // 1000, i % 1000, 50 - i % 3, i % 100, 12 + i % 5, i % 100)).encode())
        out.extend(b"\r\n")
    return out


def custom_stream(count):
    out = bytearray()
    for i in range(count):
        out.extend(encode(0x1A, struct.pack("<I", 100000000 - i * 777)))
    return out


def chunked(data, size):
    """Pre-cut reads, each in its own buffer, as a UART ring would hand them over."""
    chunks = [bytearray(data[i : i + size]) for i in range(0, len(data), size)]
    return chunks, [len(c) for c in chunks]


def feeder(dec, chunks, sizes, repeat=1):
    def run():
        r = 0
        n = len(chunks)
        while r < repeat:
            i = 0
            while i < n:
                dec.feed(chunks[i], sizes[i])
                i += 1
            r += 1

    return run


def bare_loop(chunks, sizes, repeat=1):
    """The least a Python decoder could do: look at every byte once."""

    def run():
        r = 0
        n = len(chunks)
        while r < repeat:
            i = 0
            while i < n:
                c = chunks[i]
                m = sizes[i]
                j = 0
                while j < m:
                    c[j]
                    j += 1
                i += 1
            r += 1

    return run


def reference_feeder(dec, chunks):
    def run():
        i = 0
        n = len(chunks)
        while i < n:
            dec.feed(chunks[i])
            i += 1

    return run


class NullDecoder:
    def feed(self, buf, n):
        return 0


def allocated(run):
    """Bytes allocated by one ``run()`` with the collector off."""
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    run()
    after = gc.mem_alloc()
    gc.enable()
    return after - before


def best_us(run):
    best = None
    for _ in range(RUNS):
        gc.collect()
        t0 = time.ticks_us()
        run()
        dt = time.ticks_diff(time.ticks_us(), t0)
        best = dt if best is None or dt < best else best
    return best


def decoder_figures(dec, data, repeat=1, with_reference=False):
    """``data`` fed ``repeat`` times per run, so a text stream fits a small heap."""
    chunks, sizes = chunked(data, CHUNK)
    run = feeder(dec, chunks, sizes, repeat)
    run()  # warm-up: every code path once
    good = dec.good
    alloc = allocated(run)
    frames = dec.good - good
    decode_us = best_us(run)
    bare_us = best_us(bare_loop(chunks, sizes, repeat))
    out = {
        "frames": frames,
        "bytes": len(data) * repeat,
        "bad": dec.bad,
        "alloc_bytes": alloc,
        "alloc_per_frame": alloc / frames if frames else None,
        "decode_us": decode_us,
        "bare_loop_us": bare_us,
        "vs_bare_loop": round(decode_us / bare_us, 1),
    }
    if with_reference:
        ref = ReferenceDecoder()
        ref_chunks = [bytes(c) for c in chunks]
        reference_feeder(ref, ref_chunks)()
        good = ref.good
        ref_alloc = 0
        i = 0
        while i < len(ref_chunks):  # in batches: with the collector off its garbage must fit
            ref_alloc += allocated(reference_feeder(ref, ref_chunks[i : i + REF_CHUNKS]))
            i += REF_CHUNKS
        ref_frames = ref.good - good
        ref_us = best_us(reference_feeder(ReferenceDecoder(), ref_chunks))
        out["reference_frames"] = ref_frames
        out["reference_us"] = ref_us
        out["reference_alloc_per_frame"] = ref_alloc / ref_frames if ref_frames else None
        out["reference_vs_core"] = round(ref_us / decode_us, 1)
    return out


def harness_bytes():
    chunks, sizes = chunked(custom_stream(50), CHUNK)
    return allocated(feeder(NullDecoder(), chunks, sizes))


def soc_frames(count):
    """SOC frames drifting down 0.1 % at a time, each in its own buffer."""
    return [bytearray(encode(0x1A, struct.pack("<I", 80000000 - 100000 * (i % 50)))) for i in range(count)]


class AppRig:
    """The App on the allocation-free fakes, one pass per virtual millisecond."""

    def __init__(self, doc):
        from app import App

        self.config = validate(doc)[0]
        self.clock = Clock()
        self.uart = LineUart(115200)
        self.leds = Leds(self.clock)
        self.ignition = Ignition(self.clock)
        self.app = App(self.config, self.uart, self.leds, self.ignition, self.clock, log=self.log)
        self.logged = 0

    def log(self, *args):
        self.logged += 1

    def ms(self):
        clock = self.clock
        clock.tick()
        self.uart.elapse(clock.now)
        self.app.ignition_tick(clock.now)
        self.app.step()

    def runner(self, frames, every_ms, passes):
        """A closure that runs ``passes`` ms, delivering the next frame every ``every_ms``."""
        state = [0]  # index of the next frame, kept between runs

        def run():
            i = 0
            k = state[0]
            n = len(frames)
            while i < passes:
                if i % every_ms == 0:
                    f = frames[k]
                    self.uart.deliver(f, len(f))
                    k = k + 1 if k + 1 < n else 0
                self.ms()
                i += 1
            state[0] = k

        return run


APP_DOC = {"input": {"format": "tinybms", "baud": 115200}, "timing": {"period_ms": 100}}


def app_figures():
    import app  # noqa: F401  compiled before the measurement, as a board has it compiled

    gc.collect()
    before = gc.mem_alloc()
    rig = AppRig(APP_DOC)
    gc.collect()
    heap_app = gc.mem_alloc() - before
    frames = soc_frames(50)
    run = rig.runner(frames, EVERY_MS, PASSES)
    run()  # warm-up: link up, bar drawn, every stage once
    good = rig.app.line.decoder.good
    alloc = allocated(run)
    app_frames = rig.app.line.decoder.good - good
    state_live = rig.app.state
    # Latency: from the last byte of a frame that moves the bar to the LED write.
    big = bytearray(encode(0x1A, struct.pack("<I", 25000000)))
    rig.uart.deliver(big, len(big))
    lit_before = rig.app.bar.lit
    latency = None
    step_us = 0
    for _ in range(200):
        t0 = time.ticks_us()
        rig.ms()
        dt = time.ticks_diff(time.ticks_us(), t0)
        if rig.uart.any() == 0 and rig.app.bar.lit != lit_before and rig.leds.written_at == rig.clock.now:
            latency = time.ticks_diff(rig.leds.written_at, rig.uart.last_byte_at)
            step_us = dt
            break
    return {
        "heap_app_built": heap_app,
        "passes": PASSES,
        "alloc_bytes": alloc,
        "frames": app_frames,
        "alloc_per_pass": alloc / PASSES,
        "alloc_per_frame": alloc / app_frames if app_frames else None,
        "state": state_live,
        "lit_before": lit_before,
        "lit_after": rig.app.bar.lit,
        "latency_ms": latency,
        "latency_step_us": step_us,
        "uart_written": rig.uart.written,
        "log_lines": rig.logged,
    }


def fit():
    """The App workload alone, for the heap-size search; what stays in use at each stage."""
    gc.collect()
    base = gc.mem_alloc()
    import app  # noqa: F401  the App's modules, measured on their own

    gc.collect()
    imported = gc.mem_alloc()
    rig = AppRig(APP_DOC)
    gc.collect()
    built = gc.mem_alloc()
    rig.runner(soc_frames(50), 100, 2000)()
    gc.collect()
    return {"app_modules": imported - base, "app_built": built - imported, "after_run": gc.mem_alloc() - base,
            "state": rig.app.state}


def interpreter():
    version = ".".join(str(v) for v in sys.implementation.version[:3])
    return "%s %s" % (sys.implementation.name, version)


def main(argv):
    if "--fit" in argv:
        print("fit ok " + json.dumps(fit()))
        return 0
    config = validate({})[0]
    results = {
        "interpreter": interpreter(),
        "heap_after_first_frame": HEAP_FIRST_FRAME,
        "first_frame_decoded": FIRST_FRAME_OK,
        "harness_bytes": harness_bytes(),
    }
    results["tinybms"] = fitting(lambda: decoder_figures(TinyBmsDecoder(Reading()), tinybms_stream(FRAMES), 1,
                                                         True))
    results["cav3"] = fitting(lambda: cav3_figures(config))
    results["custom"] = fitting(lambda: custom_figures(config))
    results["app"] = fitting(app_figures)
    print(json.dumps(results))
    return 0


def cav3_figures(config):
    from socbar.cav3 import CaV3Decoder

    columns = config["cav3"]["columns"]
    stream = cav3_stream(FRAMES // 6, columns)
    return decoder_figures(CaV3Decoder(Reading(), columns), stream, 6)


def custom_figures(config):
    from socbar.custom import CustomDecoder

    return decoder_figures(CustomDecoder(Reading(), config["custom"]), custom_stream(FRAMES))


def fitting(workload):
    """The workload's figures, or why it could not run: one that does not fit is reported."""
    try:
        return workload()
    except MemoryError:
        gc.collect()
        return {"missing": "does not fit in the heap (MemoryError); %d bytes in use" % gc.mem_alloc()}
    except ImportError as exc:
        return {"missing": str(exc)}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
