"""Differential runs: the corpus decoded by CPython and by the MicroPython unix
port must give the same JSON, byte for byte, stream by stream.

The corpus (bench/corpus.py) is built from a fixed seed on each interpreter;
its ``digest`` line per stream proves both saw the same bytes.
"""

import json

import corpus
import mpy_host
import pytest
from reference_decoder import ReferenceDecoder


def by_stream(lines):
    out = {}
    for line in lines:
        name, _, rest = line.partition(" ")
        out.setdefault(name, []).append(rest)
    return out


@pytest.fixture(scope="module")
def cpython():
    lines = []
    corpus.run(lambda name, line: lines.append("%s %s" % (name, line)))
    return by_stream(lines)


@pytest.fixture(scope="module")
def micropython():
    proc = mpy_host.run(["bench/corpus.py"], timeout=300)
    assert proc.returncode == 0, proc.stderr
    return by_stream(proc.stdout.splitlines())


STREAMS = [name for name, _, _, _ in corpus.streams()]


def test_corpus_has_every_kind_of_stream():
    kinds = {name.split("-")[0] for name in STREAMS}
    assert {"tinybms", "cav3", "custom"} <= kinds
    assert any("mutated" in name for name in STREAMS)
    assert any("bytewise" in name for name in STREAMS)


@pytest.mark.parametrize("name", STREAMS)
def test_same_output_on_both_interpreters(name, cpython, micropython):
    assert name in micropython, "MicroPython printed nothing for %s" % name
    assert cpython[name] == micropython[name]


def summary(lines):
    return json.loads(lines[-1])["summary"]


def test_valid_streams_decode_every_frame(cpython):
    # One record per frame of the corpus, however the bytes were cut, but for the 0x09
    # request (a request is not data); the reference decoder, written independently,
    # finds the same CRC-valid frames.
    frames = corpus.tinybms_frames(corpus.Rng(20251125))
    ref = ReferenceDecoder()
    ref.feed(b"".join(frames))
    assert ref.good == len(frames) and ref.bad == 0
    for name in ("tinybms-valid-whole", "tinybms-valid-bytewise", "tinybms-valid-random-chunks"):
        got = summary(cpython[name])
        assert (got["records"], got["bad_frames"], got["skipped_bytes"]) == (len(frames) - 1, 0, 0), name
    assert summary(cpython["tinybms-auto"])["format"] == "tinybms"


def test_cav3_rows_each_give_a_record(cpython):
    got = summary(cpython["cav3-v31-crlf"])
    assert (got["format"], got["records"], got["bad_frames"]) == ("cav3", 40, 0)
    assert summary(cpython["cav3-auto"])["format"] == "cav3"


def test_custom_frames_each_give_a_record(cpython):
    assert summary(cpython["custom-default"])["records"] == 20
    assert summary(cpython["custom-sum8"])["records"] == 20


def test_junk_only_decodes_nothing(cpython):
    got = summary(cpython["junk-only-auto"])
    assert got["records"] == 0
    assert got["skipped_bytes"] + got["bad_frames"] > 0


def test_real_streams(cpython):
    # Issue 11: a V2 stream joined mid-line, without a header, found by auto-detection.
    got = summary(cpython["cav3-v2-no-header-mid-line"])
    assert (got["format"], got["records"], got["bad_frames"]) == ("cav3", 19, 1)
    assert summary(cpython["cav3-v3-no-header-whole"])["records"] == 12  # the first row too
    lines = [json.loads(line) for line in cpython["cav3-spaces-flags"][1:-1]]
    assert len(lines) == 16
    assert [(r["preset"], r["brake"], r["throttle_fault"], r["limit"]) for r in lines[:5]] == [
        (1, False, False, None), (1, True, False, None), (2, False, False, "W"), (3, False, False, "s"),
        (2, False, True, None)]
    got = summary(cpython["tinybms-requests-only"])
    assert got["records"] == 0
    got = summary(cpython["tinybms-implausible"])
    assert (got["records"], got["bad_frames"] >= 5) == (0, True)
