"""The cost harness (bench/cost.py) on tiny workloads: it runs, its figures are positive and
repeat exactly; and make bench's table reports small figures exactly and gates on its targets."""

import shutil
import tempfile
from pathlib import Path

import cost
import pytest

import bench

ROOT = Path(__file__).resolve().parent.parent

needs_valgrind = pytest.mark.skipif(shutil.which("valgrind") is None,
                                    reason="valgrind is not installed (apt-get install valgrind)")


@pytest.fixture(scope="module")
def built():
    with tempfile.TemporaryDirectory(prefix="socbar-cost-test-") as tmp:
        work = Path(tmp)
        cost.compiled(ROOT, work / "mpy")
        yield work


@needs_valgrind
def test_counts_repeat_exactly_and_grow_with_the_work(built):
    work = built
    first = cost.measure("idle", 3, 0, work)
    again = cost.measure("idle", 3, 0, work)
    none = cost.measure("idle", 0, 0, work)
    assert (first["instructions"], first["gc_alloc"]) == (again["instructions"], again["gc_alloc"])
    assert first["instructions"] > none["instructions"] > 0
    assert first["passes"] == 3 and none["passes"] == 0


@needs_valgrind
def test_a_saturated_stream_gives_positive_figures_per_byte(built):
    work = built
    d = cost.workload_figures("tinybms", 2, None, work)
    assert d["decoder"] == "tinybms"
    assert d["frames"] > 0 and d["bytes"] > 0 and d["lost"] == 0 and d["written"] == 0
    assert d["fakes_exact"]  # the stand-in consumer read what the App read
    assert d["per_byte"] > 0 and d["fakes_instructions"] > 0
    assert d["gc_alloc_per_frame"] >= 0


def test_heap_after_boot_is_measured_on_the_fakes(built):
    work = built
    boot = cost.boot_heap(ROOT, work)
    assert 10000 < boot["heap"] < 400000
    assert "socbar.tinybms" in boot["modules"]
    # What only start-up needs is gone once the App runs.
    assert not {"startup", "socbar.config", "socbar.custom", "socbar.page"} & set(boot["modules"])
    # The default format detection has one candidate at 115200, which needs no Detector.
    assert "socbar.detect" not in boot["modules"]
    # The loop's modules keep private copies of the public constants, and the Tiny BMS decoder
    # takes the CRC table alone: neither module of names nor the checksum functions is loaded.
    assert not {"socbar.fields", "socbar.states", "socbar.crc", "socbar.bytecopy"} & set(boot["modules"])
    # The Tiny BMS decoder's viper scanner is machine code the chip keeps on its heap.
    assert boot["native"] >= cost.native_code(ROOT, ["socbar.tinybms"]) > 0
    assert cost.native_code(ROOT, ["socbar.soc"]) > 0  # a decorator with a comment after it
    assert cost.native_code(ROOT, ["socbar.reading"]) == 0
    # The strings the boot interned: their text, and the host's pools on top of it.
    assert boot["qstrs"] > 100 and boot["qstr_heap"] > boot["qstr_strings"] > 5 * boot["qstrs"]


def test_gc_alloc_calls_are_summed_over_every_caller(tmp_path):
    out = tmp_path / "callgrind.out"
    out.write_text("events: Ir\nfn=(1) m_malloc\n0 5\ncfn=(2) gc_alloc\ncalls=3 0x10\n0 30\n"
                   "fn=(3) fun_bc_call\ncfn=(2)\ncalls=4 0x10\n0 40\ncfn=(4) other\ncalls=9 0x20\n0 9\n"
                   "totals: 1234\n")
    assert cost.callgrind_counts(out) == (1234, 7)


def test_small_allocations_are_shown_exactly():
    assert bench.shown(1920 / 3000) == "0.64"
    assert bench.shown(1 / 3000) != "0"
    assert bench.shown(0.0) == "0"


def test_a_figure_over_its_target_or_not_measured_misses():
    assert not bench.missed(0, 0)
    assert bench.missed(0.64, 0)
    assert bench.missed(2701, 2700)
    assert bench.missed("not measured: MemoryError", 0)
    assert not bench.missed(123, None)


def test_every_gated_cost_figure_has_a_budget():
    budgets = cost.load_budgets()
    for (_, key), (label, target) in cost.targets(budgets).items():
        assert label
        if key is None or not key.startswith("gc_alloc"):
            assert target is None or target > 0


def test_the_chip_pools_interned_strings_as_py_qstr_c_does():
    # pools of 20, 40, 80, ... entries of 6 bytes after a 24-byte header, in 16-byte GC blocks
    assert cost.chip_qstr_bytes(0, 100) == 100
    assert cost.chip_qstr_bytes(1, 0) == cost.chip_qstr_bytes(20, 0) == 144
    assert cost.chip_qstr_bytes(21, 0) == 144 + 272
    assert cost.chip_qstr_bytes(620, 0) == 144 + 272 + 512 + 992 + 1952
    assert cost.chip_qstr_bytes(621, 0) == 3872 + 3872  # one string more: a pool of 640


def test_a_paced_pass_settles_where_the_line_fills_what_the_pass_and_wait_take():
    # 1000 host instructions of 2 chip cycles each take 1/62.5 ms at 125 MHz.
    d = cost.settle(fixed=62500, marginal=0, gap_ms=4, stream_ratio=2)  # a 1 ms pass whatever it reads
    assert d["pass_ms"] == 1.0 and d["bytes_per_pass"] == 57.6  # 5 ms of 115200 baud
    assert d["cpu_pct"] == 20.0 and d["latency_ms"] == 6.0
    assert d["per_byte"] == round(62500 / 57.6, 1)
    d = cost.settle(fixed=62500, marginal=625, gap_ms=4, stream_ratio=2)  # 0.01 ms more per byte
    assert abs(d["bytes_per_pass"] - 11.52 * (d["pass_ms"] + 4)) < 0.1
    assert abs(d["pass_ms"] - (1 + 0.01 * d["bytes_per_pass"])) < 0.01
    # 0.096 ms a byte, longer than the 0.087 ms the line takes to bring one: no pass settles
    assert "error" in cost.settle(fixed=0, marginal=6000, gap_ms=4, stream_ratio=2)


def test_native_functions_are_left_out_whole_for_their_size():
    text = ("import micropython\n\n\nclass A:\n    def keep(self):\n        return 1\n\n"
            "    @micropython.native\n    def fast(self, n):\n        x = n\n\n        return x\n\n"
            "    def also(self):\n        return 2\n\n\n@micropython.viper  # machine code\n"
            "def f(p: int) -> int:\n    return p\n\n\nY = 1\n")
    out = cost.without_native(text)
    assert "fast" not in out and "def f" not in out and "return x" not in out
    assert "def keep" in out and "def also" in out and "Y = 1" in out
    compile(out, "m.py", "exec")
