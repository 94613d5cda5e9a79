"""Capture files: what the recorder writes is what the decoder reads back, on both interpreters."""

import io
import unittest

import capturefile


class CountingStream(io.BytesIO):
    """A binary stream that counts flushes, to prove every line leaves at once."""

    def __init__(self, data=b""):
        super().__init__(data)
        self.flushes = 0

    def flush(self):
        self.flushes += 1


def chunks_of(data):
    return list(capturefile.read(io.BytesIO(data)))


class WriterTest(unittest.TestCase):
    def test_lines_as_documented(self):
        out = CountingStream()
        w = capturefile.Writer(out, 115200, "/dev/ttyUSB0")
        w.chunk(0, b"\xaa\x1a")
        w.chunk(15, b"\x00\xe1\xf5\x05", tx=b"\xaa\x1a\x3f\x1b")
        w.chunk(20, b"")  # nothing heard, nothing sent: no line
        self.assertEqual(
            out.getvalue(),
            b'{"socbar_capture": 1, "baud": 115200, "source": "/dev/ttyUSB0"}\n'
            b'{"t": 0, "rx": "aa1a"}\n'
            b'{"t": 15, "rx": "00e1f505", "tx": "aa1a3f1b"}\n',
        )
        self.assertEqual(out.flushes, 3)  # one per line: Ctrl-C loses nothing

    def test_source_is_escaped(self):
        out = io.BytesIO()
        capturefile.Writer(out, 9600, 'a "quoted"\\name')
        header = b'{"socbar_capture": 1, "baud": 9600, "source": "a \\"quoted\\"\\\\name"}\n'
        self.assertEqual(out.getvalue(), header)

    def test_round_trip(self):
        out = io.BytesIO()
        w = capturefile.Writer(out, 115200, "sim")
        w.chunk(3, bytes(range(256)))
        w.chunk(1000, b"\r\n")
        self.assertEqual(chunks_of(out.getvalue()), [(3, bytes(range(256))), (1000, b"\r\n")])


class ReadTest(unittest.TestCase):
    HEADER = b'{"socbar_capture": 1, "baud": 115200, "source": "x"}\n'

    def test_tx_only_lines_and_blank_lines_are_skipped(self):
        data = self.HEADER + b'{"t": 1, "tx": "aa18"}\n\n{"t": 2, "rx": "AA01"}\n'
        self.assertEqual(chunks_of(data), [(2, b"\xaa\x01")])

    def test_last_line_without_newline(self):
        self.assertEqual(chunks_of(self.HEADER + b'{"t": 7, "rx": "41"}'), [(7, b"A")])

    def test_raw_file_in_4k_chunks_at_time_zero(self):
        data = bytes(i & 0xFF for i in range(4096 + 100))
        self.assertEqual(chunks_of(data), [(0, data[:4096]), (0, data[4096:])])

    def test_text_that_is_not_a_header_is_raw(self):
        data = b'{"t": 0, "rx": "aa"}\n'
        self.assertEqual(chunks_of(data), [(0, data)])
        self.assertEqual(chunks_of(b"Ah\tV\r\n"), [(0, b"Ah\tV\r\n")])

    def test_empty_file(self):
        self.assertEqual(chunks_of(b""), [])

    def test_broken_line_after_the_good_chunks(self):
        data = self.HEADER + b'{"t": 1, "rx": "01"}\n{"t": 2, "rx": "02"}\n{"t": 3, "rx": "0'
        got = []
        with self.assertRaises(capturefile.CaptureError) as ctx:
            for chunk in capturefile.read(io.BytesIO(data)):
                got.append(chunk)
        self.assertEqual(got, [(1, b"\x01"), (2, b"\x02")])
        self.assertTrue(str(ctx.exception).startswith("line 4: "), str(ctx.exception))

    def test_each_kind_of_broken_line_names_it(self):
        for line in (
            b'[1, 2]',
            b'{"rx": "01"}',
            b'{"t": -1, "rx": "01"}',
            b'{"t": 1.5, "rx": "01"}',
            b'{"t": 1, "rx": "012"}',
            b'{"t": 1, "rx": "zz"}',
            b'{"t": 1, "rx": 5}',
            b'\xff\xfe',
        ):
            with self.assertRaises(capturefile.CaptureError) as ctx:
                chunks_of(self.HEADER + line + b"\n")
            self.assertTrue(str(ctx.exception).startswith("line 2: "), line)

    def test_wrong_version_header(self):
        with self.assertRaises(capturefile.CaptureError) as ctx:
            chunks_of(b'{"socbar_capture": 2, "baud": 115200}\n{"t": 0, "rx": "01"}\n')
        self.assertTrue(str(ctx.exception).startswith("line 1: "))


if __name__ == "__main__":
    unittest.main()
