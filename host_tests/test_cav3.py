"""The Cycle Analyst log decoder, against docs/protocol.md section 4 and real loggers' habits.

Streams are typed out by hand; every expected value is the number in the
text read as milli-units (0.05 Ah = 50 mAh), worked out in the comments. The
Flgs column is the preset number then letters (B brake, X throttle fault,
A W T V S s the active limit).
"""

import unittest

import alloc
from feeding import counters, feed
from socbar.cav3 import LINE_MAX, VALUE_NAMES, CaV3Decoder
from socbar.fields import (
    CA_BRAKE,
    CA_THROTTLE_FAULT,
    F_AH,
    F_CA_FLAGS,
    F_CURRENT,
    F_SPEED,
    F_TEMPS,
    F_VALUES,
    F_VOLTAGE,
    NO_SENSOR,
)
from socbar.reading import Reading

V31 = ["Ah", "V", "A", "S", "D", "Deg", "RPM", "HW", "Nm", "ThI", "ThO", "AuxA", "AuxD", "Flgs"]
HEADER = "\t".join(V31)
ROW1 = "0.05\t52.31\t-422.2\t39.977\t12\t-0.3\t85\t250\t12.5\t1.23\t0.87\t0.00\t3.10\t0"
ROW1_VALUES = [50, 52310, -422200, 39977, 12000, -300, 85000, 250000, 12500, 1230, 870, 0, 3100]
ROW2 = "1.234\t51.9\t3.05\t0.00\t12.345\t25.46\t0\t0\t0.0\t0.85\t0.00\t0.01\t0.00\t4"
ROW2_VALUES = [1234, 51900, 3050, 0, 12345, 25460, 0, 0, 0, 850, 0, 10, 0]
ALL = F_VALUES | F_AH | F_VOLTAGE | F_CURRENT | F_SPEED | F_TEMPS | F_CA_FLAGS
V2 = ["Ah", "V", "A", "S", "D"]


def text(lines, end="\r\n"):
    return (end.join(lines) + end).encode()


def fed(data, columns=V31, step=0):
    """A decoder fed ``data`` whole (step 0) or in ``step``-byte chunks; its flags in ``.flags``."""
    return feed(CaV3Decoder(Reading(), columns), data, step)


def present(reading):
    """The columns the last record carried, in VALUE_NAMES order, as a list of values."""
    return [reading.values[k] for k in range(len(VALUE_NAMES)) if reading.value_mask & (1 << k)]


def present_names(reading):
    return [VALUE_NAMES[k] for k in range(len(VALUE_NAMES)) if reading.value_mask & (1 << k)]


class HeaderAndRowsTest(unittest.TestCase):
    def test_v31_rows(self):
        dec = fed(text([HEADER, ROW1]))
        r = dec.reading
        self.assertEqual(dec.flags, ALL)
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(r.value_count, 14)
        self.assertEqual(present(r), ROW1_VALUES)
        self.assertEqual(r.ah_used_mah, 50)
        self.assertEqual(r.voltage_mv, 52310)
        self.assertEqual(r.current_ma, -422200)
        self.assertEqual(r.speed, 39977)
        self.assertEqual(list(r.temps), [NO_SENSOR, -3, NO_SENSOR])  # -0.3 degC
        self.assertEqual(r.have, ALL)

    def test_second_row_replaces_the_first(self):
        dec = fed(text([HEADER, ROW1, ROW2]))
        r = dec.reading
        self.assertEqual(dec.good, 2)
        self.assertEqual(present(r), ROW2_VALUES)
        self.assertEqual(r.temps[1], 255)  # 25.46 degC -> 254.6 tenths, rounded

    def test_every_line_end(self):
        for end in ("\r\n", "\n", "\r", "\n\r", "\r\n\r\n"):
            dec = fed(text([HEADER, ROW1, ROW2], end))
            self.assertEqual(counters(dec), (2, 0, 0, 0), repr(end))
            self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_any_chunking_gives_the_same(self):
        data = text([HEADER, ROW1, ROW2])
        for step in (1, 2, 3, 7, 64):
            dec = fed(data, step=step)
            self.assertEqual(counters(dec), (2, 0, 0, 0))
            self.assertEqual(dec.flags, ALL)
            self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_v2_header(self):
        # Five columns; the others read 0 and their slots keep nothing.
        dec = fed(text(["Ah\tV\tA\tS\tD", "2.5\t36.04\t-0.5\t21.3\t7.25"], "\n"))
        r = dec.reading
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE | F_CURRENT | F_SPEED)
        self.assertEqual(present(r), [2500, 36040, -500, 21300, 7250])
        self.assertEqual(present_names(r), V2)
        self.assertEqual(r.temps[1], NO_SENSOR)

    def test_columns_are_mapped_by_name(self):
        # A line end first, so the header need not start with Ah; Foo is ignored, text or not.
        dec = fed(b"\n" + text(["V\tFoo\tAh\tDeg", "48.5\tabc\t0.7\t-0.25"]))
        r = dec.reading
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual((r.voltage_mv, r.ah_used_mah, r.temps[1]), (48500, 700, -3))  # -2.5 -> -3
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE | F_TEMPS)

    def test_a_new_header_changes_the_columns(self):
        dec = fed(text([HEADER, ROW1, "Ah\tV\tA\tS\tD", "1\t2\t3\t4\t5"]))
        self.assertEqual(dec.good, 2)
        self.assertEqual(present(dec.reading), [1000, 2000, 3000, 4000, 5000])

    def test_value_names(self):
        dec = fed(b"")
        self.assertEqual(list(dec.value_names), V31)
        self.assertEqual(list(VALUE_NAMES), V31)
        self.assertEqual(dec.name, "cav3")

    def test_on_record_sees_the_updated_reading(self):
        dec = CaV3Decoder(Reading(), V31)
        seen = []
        dec.on_record = lambda flags: seen.append((flags, dec.reading.voltage_mv))
        data = text([HEADER, ROW1, ROW2])
        dec.feed(data, len(data))
        self.assertEqual(seen, [(ALL, 52310), (ALL, 51900)])


class NumbersTest(unittest.TestCase):
    def one(self, number):
        """The Ah value of a one-column stream holding ``number``, or None if the row is bad."""
        dec = fed(text(["Ah", number]), ["Ah"])
        if dec.good != 1:
            self.assertEqual(dec.bad, 1)
            return None
        return dec.reading.ah_used_mah

    def test_forms(self):
        cases = [
            ("0.05", 50), ("-422.2", -422200), ("39.977", 39977), ("12", 12000), ("-0.3", -300),
            ("+1.5", 1500), ("7.", 7000), (".5", 500), ("1.23456", 1234), ("-0.0009", 0),
            (" 3.5 ", 3500), ("999999.999", 999999999), ("000012.5", 12500),
        ]
        for number, milli in cases:
            self.assertEqual(self.one(number), milli, number)

    def test_not_numbers(self):
        for number in ("1234567", "1.2.3", "1-2", "-", ".", "1e3", "12a", "- 1"):
            self.assertEqual(self.one(number), None, number)

    def test_text_in_a_numeric_column_makes_the_row_bad(self):
        dec = fed(text([HEADER, ROW1.replace("52.31", "x52")]))
        self.assertEqual(counters(dec), (0, 1, len(ROW1) - 2, 0))
        self.assertEqual(dec.reading.have, 0)

    def test_flags_of_another_form_are_left_out(self):
        # "L" is no Flgs letter: the row decodes, the flags are absent rather than 0.
        dec = fed(text([HEADER, ROW1[:-1] + "BL"]))
        self.assertEqual(dec.good, 1)
        self.assertEqual(dec.flags, ALL & ~F_CA_FLAGS)


class DamagedStreamsTest(unittest.TestCase):
    def test_no_header_uses_the_configured_columns(self):
        # The first row's first field has the shape of the next one's (d.d): it was whole.
        dec = fed(text(["1.5\t40", "1.6\t40.5", "1.7\t41"], "\r"), ["Ah", "V"])
        self.assertEqual(counters(dec), (3, 0, 0, 0))
        self.assertEqual((dec.reading.ah_used_mah, dec.reading.voltage_mv), (1700, 41000))
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE)

    def test_unknown_configured_columns_are_ignored(self):
        dec = fed(text(["", "junk\t2.5\tx"]), ["Other", "Ah", "More"])
        self.assertEqual(dec.good, 1)
        self.assertEqual(dec.reading.ah_used_mah, 2500)

    def test_start_mid_row_loses_that_row(self):
        data = text([HEADER, ROW1, ROW2])
        start = len(HEADER) + 2 + 20  # inside ROW1
        dec = fed(data[start:])
        self.assertEqual(counters(dec), (1, 1, len(ROW1) - 20, 0))
        self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_start_mid_header_loses_that_line(self):
        data = text([HEADER, ROW1, ROW2])
        dec = fed(data[5:])  # "A\tS\tD..." is names, but not a whole header
        self.assertEqual(counters(dec), (2, 1, len(HEADER) - 5, 0))
        self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_start_inside_the_first_number_is_not_trusted(self):
        # "0.05" cut to "05" would read 5 Ah: the first line is never used as a row.
        dec = fed(text([ROW1[2:], ROW2]))
        self.assertEqual(counters(dec), (1, 1, len(ROW1) - 2, 0))
        self.assertEqual(dec.reading.ah_used_mah, 1234)

    def test_wrong_field_count_is_bad(self):
        dec = fed(text([HEADER, ROW1 + "\t1", ROW1[:-2], ROW2]))
        self.assertEqual(counters(dec), (1, 2, len(ROW1) + 2 + len(ROW1) - 2, 0))

    def test_overlong_line_is_dropped_whole(self):
        long_line = "1\t" * 100  # 200 bytes
        dec = fed(text([HEADER, long_line, ROW1]))
        self.assertEqual(counters(dec), (1, 0, 200, 1))
        self.assertEqual(dec.reading.voltage_mv, 52310)

    def test_line_of_exactly_the_limit_is_kept(self):
        row = "0" * (LINE_MAX - 5) + "1\t2.5"  # Ah = 1 with leading zeros, V = 2.5
        dec = fed(text(["", row]), ["Ah", "V"])
        self.assertEqual(counters(dec), (0, 1, LINE_MAX, 0))  # more than six integer digits
        dec = fed(text(["", " " * (LINE_MAX - 5) + "1\t2.5"]), ["Ah", "V"])
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(dec.reading.ah_used_mah, 1000)

    def test_header_without_known_names_is_bad(self):
        dec = fed(text(["", "Foo\tBar", ROW1]))
        self.assertEqual(counters(dec), (1, 1, 7, 0))

    def test_too_many_fields_is_bad(self):
        dec = fed(text(["", "\t".join(["1"] * 33), ROW1]))
        self.assertEqual(counters(dec), (1, 1, 65, 0))

    def test_binary_junk_never_raises(self):
        junk = bytes(range(256)) * 3 + bytes((255 - i) & 0xFF for i in range(700))
        dec = fed(junk + b"\n" + text([HEADER, ROW1]))
        self.assertEqual(dec.good, 1)
        self.assertEqual(present(dec.reading), ROW1_VALUES)
        for step in (1, 5, 13):
            fed(junk, step=step)

    def test_reset_drops_the_partial_line(self):
        dec = CaV3Decoder(Reading(), V31)
        data = text([HEADER]) + ROW1[:10].encode()
        dec.feed(data, len(data))
        dec.reset()
        # After a reset the next line may be a fragment again: the first row is not trusted.
        rest = text([ROW1, ROW2])
        dec.feed(rest, len(rest))
        self.assertEqual(counters(dec), (1, 1, 10 + len(ROW1), 0))

    def test_bytearray_with_spare_room(self):
        data = text([HEADER, ROW1])
        buf = bytearray(len(data) + 50)
        buf[0 : len(data)] = data
        dec = CaV3Decoder(Reading(), V31)
        self.assertEqual(dec.feed(buf, len(data)), ALL)
        self.assertEqual(dec.feed(buf, 0), 0)


class EdgesTest(unittest.TestCase):
    """Names, numbers and temperatures at the edges of what the decoder accepts."""

    def test_names_of_letters_and_digits_at_both_ends_of_each_range(self):
        # A, Z, a, z and 0, 9 are name characters: a header of such names is taken.
        dec = fed(text(["", "Ah\tV\tZz\taz\tz9\tA0", "1.5\t52.3\t1\t2\t3\t4"]))
        self.assertEqual(counters(dec), (1, 0, 0, 0))  # a line end first: the header is whole
        self.assertEqual((dec.reading.ah_used_mah, dec.reading.voltage_mv), (1500, 52300))

    def test_lines_that_are_not_headers(self):
        # @ [ ` { / : - + and a leading digit are not names: the line is bad and the columns stay.
        for bad in ("A@", "A[", "A`", "A{", "A/", "A:", "A-b", "+", "9a"):
            line = "Ah\tV\t" + bad
            dec = fed(text(["", line, "1.5\t52.3"]), ["Ah", "V"])
            self.assertEqual(counters(dec), (1, 1, len(line), 0), bad)
            self.assertEqual(dec.reading.voltage_mv, 52300, bad)

    def test_a_header_that_is_refused_leaves_the_columns_alone(self):
        dec = fed(text(["", "Foo\tBar", ROW1]))
        self.assertEqual(dec.reading.voltage_mv, 52310)
        self.assertEqual(list(dec.reading.values[0:13]), ROW1_VALUES)

    def test_numbers_with_a_colon_or_two_points_are_not_numbers(self):
        for number in ("1:5", "1..5", "1.", "0"):
            dec = fed(text(["Ah", number]), ["Ah"])
            self.assertEqual(dec.good, 0 if number in ("1:5", "1..5") else 1, number)

    def test_a_separator_before_the_first_field_starts_no_field(self):
        dec = fed(text(["", "\t52.3"]), ["V"])
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(dec.reading.voltage_mv, 52300)

    def test_more_fields_than_columns_allowed_is_bad_even_for_one_column(self):
        dec = fed(text(["", "\t".join(["7"] * 40), "8"]), ["V"])
        self.assertEqual((dec.good, dec.bad, dec.reading.voltage_mv), (1, 1, 8000))

    def test_temperatures_round_half_away_from_zero(self):
        for deg, tenths in (("0.049", 0), ("0.05", 1), ("-0.049", 0), ("-0.05", -1), ("0", 0)):
            dec = fed(text(["Deg", deg]), ["Deg"])
            self.assertEqual(dec.reading.temps[1], tenths, deg)

    def test_have_keeps_what_was_set_before(self):
        reading = Reading()
        reading.have = F_SPEED
        feed(CaV3Decoder(reading, ["V"]), text(["V", "52.3"]))
        self.assertEqual(reading.have, F_SPEED | F_VALUES | F_VOLTAGE)

    def test_counters_add_up(self):
        long_line = "1\t" * 100
        dec = fed(text(["", long_line, long_line, "V", "1"]), ["V"])
        self.assertEqual(counters(dec), (1, 0, 400, 2))
        dec.feed(b"1.2.3", 5)
        dec.reset()
        self.assertEqual(dec.skipped, 405)

    def test_flags_of_a_row_survive_a_header_in_the_same_call(self):
        dec = CaV3Decoder(Reading(), ["V"])
        data = text(["V", "52.3", "V"])
        self.assertEqual(dec.feed(data, len(data)), F_VALUES | F_VOLTAGE)


class AllocationTest(unittest.TestCase):
    def test_rows_allocate_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        dec = CaV3Decoder(Reading(), V31)
        rows = bytearray(text([ROW1, ROW2]))
        head = text([HEADER])
        dec.feed(head, len(head))
        n = len(rows)

        def rounds(count):
            for _ in range(count):
                dec.feed(rows, n)

        used = alloc.allocated(rounds, 500, warm=20)
        self.assertEqual(dec.good, 1040)
        self.assertEqual(used, 0)


class FirstLineTest(unittest.TestCase):
    def test_a_header_fragment_does_not_take_over_the_columns(self):
        # A stream joined inside the header: "AhX" is not a CA column name, so the line is not
        # a header, and the next row is read with the configured 14 columns.
        dec = fed(text(["AhX\tV\tA", ROW1]))
        self.assertEqual((dec.good, dec.bad), (1, 1))
        self.assertEqual(dec.reading.voltage_mv, 52310)

    def test_a_temperature_at_the_slot_edge_is_not_no_sensor(self):
        # -3276.8 degC would be -32768 tenths: the "no sensor" mark. It is held one tenth above.
        row = ROW1.split("\t")
        row[5] = "-3276.8"
        dec = fed(text([HEADER, "\t".join(row)]))
        self.assertEqual(dec.reading.temps[1], -32767)
        self.assertNotEqual(dec.reading.temps[1], NO_SENSOR)



# A V2 unit's rows (Ah V A S D) and a V3.1 unit's, as a logger writes them.
V2_ROWS = ["0.512\t36.04\t-0.50\t21.30\t7.251", "0.513\t36.01\t2.25\t21.52\t7.257",
           "0.514\t35.98\t3.10\t21.61\t7.263"]
V2_LAST = [514, 35980, 3100, 21610, 7263]


class NoHeaderTest(unittest.TestCase):
    """Issue 11 case 1: a board that joins the stream after the CA's header."""

    def test_v2_rows_mid_line_with_the_default_columns(self):
        # The default list has 14 names; five fields are a V2 unit's Ah V A S D.
        data = text(V2_ROWS, "\r\n")
        dec = fed(data[9:])  # joined inside the first row: "36.04..." has four fields
        self.assertEqual((dec.good, dec.bad), (2, 1))
        self.assertEqual(present(dec.reading), V2_LAST)
        self.assertEqual(present_names(dec.reading), V2)
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE | F_CURRENT | F_SPEED)

    def test_v3_rows_with_a_short_configured_list(self):
        dec = fed(b"\n" + text([ROW1, ROW2]), ["Ah", "V"])
        self.assertEqual(counters(dec), (2, 0, 0, 0))
        self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_other_counts_need_the_configured_list(self):
        rows = ["1.5\t40\t2\t3\t4\t5\t6", "1.6\t40\t2\t3\t4\t5\t6"]
        dec = fed(b"\n" + text(rows))
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (0, 2, 7))
        dec = fed(b"\n" + text(rows), ["Ah", "V", "A", "S", "D", "Deg", "RPM"])
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (2, 0, 0))
        self.assertEqual(dec.reading.temps[1], 50)  # Deg 5 -> 50 tenths

    def test_the_first_layout_stays(self):
        # Once V3 rows decoded, a row that lost fields on the line is not read as a V2 row.
        dec = fed(b"\n" + text([ROW1, "1\t2\t3\t4\t5", ROW2]))
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (2, 1, 0))  # damaged, not unmapped
        self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_a_header_overrides_the_inferred_layout(self):
        dec = fed(b"\n" + text([ROW1, "Ah\tV", "3.5\t41"]))
        self.assertEqual(dec.good, 2)
        self.assertEqual(present(dec.reading), [3500, 41000])


class FirstWholeLineTest(unittest.TestCase):
    """Issue 11 case 2: a stream that begins at a line start keeps its first row."""

    def test_clean_start_keeps_the_first_row(self):
        seen = []
        dec = CaV3Decoder(Reading(), V31)
        dec.on_record = lambda flags: seen.append(dec.reading.ah_used_mah)
        data = text(V2_ROWS)
        dec.feed(data, len(data))
        self.assertEqual(counters(dec), (3, 0, 0, 0))
        self.assertEqual(seen, [512, 513, 514])

    def test_a_cut_inside_the_first_number_is_dropped(self):
        # "12.345" cut to "2.345" has one integer digit where the next row has two.
        rows = ["12.345\t36.04\t-0.50\t21.30\t7.251", "12.346\t36.01\t2.25\t21.52\t7.257"]
        for cut in (1, 2, 3, 5):
            dec = fed(text(rows)[cut:])
            self.assertEqual((dec.good, dec.bad), (1, 1), cut)
            self.assertEqual(dec.reading.ah_used_mah, 12346)

    def test_a_cut_sign_is_dropped(self):
        rows = ["-0.3\t36.04\t1\t2\t3", "-0.3\t36.01\t1\t2\t3"]
        dec = fed(text(rows)[1:])
        self.assertEqual((dec.good, dec.bad), (1, 1))

    def test_a_header_next_drops_the_held_row(self):
        dec = fed(text([ROW1, HEADER, ROW2]))
        self.assertEqual((dec.good, dec.bad), (1, 1))
        self.assertEqual(present(dec.reading), ROW2_VALUES)

    def test_chunking_does_not_matter(self):
        data = text(V2_ROWS)
        for step in (1, 2, 5, 17):
            dec = fed(data, step=step)
            self.assertEqual(counters(dec), (3, 0, 0, 0), step)

    def test_a_single_row_is_held(self):
        # Nothing yet proves it whole: no record until the next line.
        dec = fed(text(V2_ROWS[:1]))
        self.assertEqual(counters(dec), (0, 0, 0, 0))


class SeparatorsTest(unittest.TestCase):
    """Issue 11 case 3: runs of spaces or tabs; CR LF."""

    def test_spaces_as_in_the_manual(self):
        header = "Ah V A S D Deg RPM HW Nm ThI ThO AuxA AuxD Flgs"
        row = "5.542 37.28 0.05 0.00 11.58 31.2 0.0 0 0.2 0.82 1.00 82.4 75.0 1"
        dec = fed(text([header, row, row], "\r\n"))
        r = dec.reading
        self.assertEqual(counters(dec), (2, 0, 0, 0))
        self.assertEqual(present(r), [5542, 37280, 50, 0, 11580, 31200, 0, 0, 200, 820, 1000, 82400, 75000])
        self.assertEqual(r.preset, 1)

    def test_runs_of_tabs_and_spaces(self):
        row = "  5.542 \t 37.28\t\t0.05   0.00\t11.58  "
        dec = fed(b"\n" + text([row]))
        self.assertEqual(counters(dec), (1, 0, 0, 0))
        self.assertEqual(present(dec.reading), [5542, 37280, 50, 0, 11580])

    def test_blank_lines_are_no_rows(self):
        dec = fed(text(["Ah\tV", "   ", "\t", "1\t2"]))
        self.assertEqual((dec.good, dec.bad), (1, 0))


class FlagsTest(unittest.TestCase):
    """Issue 11 case 4: the Flgs column."""

    def flags_of(self, text_flags):
        row = ROW1.split("\t")
        row[13] = text_flags
        return fed(text([HEADER, "\t".join(row)]))

    def test_letters(self):
        cases = [("1B", 1, CA_BRAKE, 0), ("2AW", 2, 0, ord("W")), ("3s", 3, 0, ord("s")),
                 ("1", 1, 0, 0), ("0", 0, 0, 0), ("2XB", 2, CA_BRAKE | CA_THROTTLE_FAULT, 0),
                 ("4BT", 4, CA_BRAKE, ord("T")), ("1V", 1, 0, ord("V")), ("1S", 1, 0, ord("S")),
                 ("10B", 10, CA_BRAKE, 0), ("99", 99, 0, 0), ("0000000", 0, 0, 0)]
        for flags, preset, bits, limit in cases:
            dec = self.flags_of(flags)
            r = dec.reading
            self.assertEqual(dec.flags, ALL, flags)
            self.assertEqual((r.preset, r.ca_flags, r.limit), (preset, bits, limit), flags)
            self.assertEqual(present(r), ROW1_VALUES)  # Flgs is not a number among the values

    def test_other_forms_are_absent(self):
        for flags in ("1Q", "1.5", "-1", "100", "B?", "1:", "123B", "100B"):
            dec = self.flags_of(flags)
            self.assertEqual(dec.good, 1, flags)
            self.assertEqual(dec.flags & F_CA_FLAGS, 0, flags)
            self.assertEqual(dec.reading.have & F_CA_FLAGS, 0, flags)


class AbsentColumnsTest(unittest.TestCase):
    """Issue 11 case 5: a record carries only the columns its row had."""

    def test_v2_rows_carry_no_v3_columns(self):
        dec = fed(text(["Ah\tV\tA\tS\tD"] + V2_ROWS))
        r = dec.reading
        self.assertEqual(present_names(r), V2)
        self.assertEqual(r.have & (F_TEMPS | F_CA_FLAGS), 0)
        self.assertEqual(r.temps[1], NO_SENSOR)

    def test_a_short_row_after_a_long_one_shows_only_its_own(self):
        dec = fed(text([HEADER, ROW1, "Ah\tV", "1\t2"]))
        self.assertEqual(present_names(dec.reading), ["Ah", "V"])


class InferredAllocationTest(unittest.TestCase):
    def test_inferred_rows_with_flags_allocate_nothing(self):
        if not alloc.measurable():
            self.skipTest(alloc.UNMEASURABLE)
        dec = CaV3Decoder(Reading(), ["Ah", "V"])
        rows = bytearray(text([ROW1[:-1] + "2AW", ROW2]).replace(b"\t", b"  "))
        head = text(["", ROW2])
        dec.feed(head, len(head))
        n = len(rows)

        def rounds(count):
            for _ in range(count):
                dec.feed(rows, n)

        used = alloc.allocated(rounds, 300, warm=20)
        self.assertEqual(dec.good, 2 * 320 + 1)
        self.assertEqual(used, 0)


class FirstRowShapeTest(unittest.TestCase):
    """The held first row against the next one: sign, integer digits and decimals of the first field.

    Each case is a stream that begins at a line start with two rows of columns Ah V; the first row
    is kept only when both first fields have the same shape (module docstring), else counted bad.
    """

    def first_kept(self, first, second, columns=("Ah", "V")):
        dec = fed(text([first, second]), list(columns))
        if dec.good == 2:
            self.assertEqual(dec.bad, 0)
            return True
        self.assertEqual((dec.good, dec.bad, dec.skipped), (1, 1, len(first)), (first, second))
        return False

    def test_same_shape_keeps_the_first_row(self):
        for first, second in (("-1.5\t2", "-2.5\t2"), ("12\t2", "34\t2"), ("-.5\t2", "-.7\t2"),
                              (" 1.5\t2", "2.5\t2"), ("  -1.25\t2", "-3.75\t2"), ("7.\t2", "8.\t2")):
            self.assertTrue(self.first_kept(first, second), first)

    def test_other_integer_digits_drop_the_first_row(self):
        # An integer cut to its last digit ("12" read as "2"), and a number cut before its point.
        for first, second in (("2\t2", "13\t2"), (".5\t2", "12\t2"), ("1.5\t2", "123\t2"),
                              ("-1.5\t2", "-12.5\t2"), ("-.5\t2", "-12\t2")):
            self.assertFalse(self.first_kept(first, second), first)

    def test_other_sign_drops_the_first_row(self):
        for first, second in (("-1.5\t2", "11.5\t2"), ("1.5\t2", "-1.5\t2"), ("-12\t2", "112\t2")):
            self.assertFalse(self.first_kept(first, second), first)

    def test_other_decimals_drop_the_first_row(self):
        for first, second in (("1.5\t2", "1.555\t2"), ("1.25\t2", "1.5\t2"), ("1\t2", "1.0\t2")):
            self.assertFalse(self.first_kept(first, second), first)

    def test_separators_before_the_first_field_are_not_part_of_its_shape(self):
        # Loggers that right-align their columns pad the first field with spaces.
        self.assertFalse(self.first_kept(" -1.5\t2", "-12.5\t2"))
        self.assertFalse(self.first_kept(" 1.5\t2", "1.555\t2"))
        self.assertTrue(self.first_kept("   -12.5  2", "-34.5  2"))

    def test_many_decimals_are_not_integer_digits(self):
        # 1 integer digit and 15 decimals against 2 integer digits: not the same shape.
        self.assertFalse(self.first_kept("1.234567890123456\t2", "12\t2"))
        self.assertFalse(self.first_kept("1.2345678901234567\t2", "12.\t2"))
        self.assertTrue(self.first_kept("1.234567890123456\t2", "2.345678901234567\t2"))

    def test_a_first_row_that_fills_the_line(self):
        # Only the first field makes the shape, whatever the rest of the line (or its end) holds.
        row = "-1.5" + " " * (LINE_MAX - 6) + "2."
        self.assertEqual(len(row), LINE_MAX)
        self.assertFalse(self.first_kept(row, "-15.\t2"))
        self.assertTrue(self.first_kept(row, "-2.5\t2"))
        row = " " * (LINE_MAX - 1) + "1"  # one field, ending at the last byte of the line
        self.assertTrue(self.first_kept(row, "2", ["Ah"]))


class HeaderAndUnmappedEdgesTest(unittest.TestCase):
    def test_a_first_header_after_separators_is_a_header(self):
        # The first line begins with Ah once its leading separators are passed.
        for head in ("\tAh\tV", "  Ah  V"):
            dec = fed(text([head, "1.5\t52.3"]))
            self.assertEqual(counters(dec), (1, 0, 0, 0), head)
            self.assertEqual((dec.reading.ah_used_mah, dec.reading.voltage_mv), (1500, 52300))

    def test_a_row_with_two_texts_is_not_an_unmapped_row_of_numbers(self):
        # Seven fields fit no layout; with two that are not numbers it is no row in want of one.
        dec = fed(b"\n" + text(["1\t2\t3\t4\t5\tx\ty"]))
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (0, 1, 0))
        dec = fed(b"\n" + text(["1\t2\t3\t4\t5\t6\t1B"]))  # numbers and a Flgs text
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (0, 1, 7))


class HotPathEdgesTest(unittest.TestCase):
    def test_a_header_as_wide_as_the_held_row_drops_it(self):
        # "12" and "Ah" are both two characters, but a line of names is no row to confirm the first.
        dec = fed(text(["12\t48.1\t-3.2\t20.5\t1.0", "Ah\tV\tA\tS\tD", "13\t48.2\t-3.1\t20.6\t1.1"]))
        self.assertEqual((dec.good, dec.bad), (1, 1))
        self.assertEqual(dec.reading.ah_used_mah, 13000)

    def test_a_held_v2_row_is_read_as_v2_whatever_the_configured_list(self):
        seen = []
        dec = CaV3Decoder(Reading(), ["V", "Ah"])
        dec.on_record = lambda flags: seen.append((dec.reading.ah_used_mah, dec.reading.voltage_mv,
                                                   dec.reading.current_ma, dec.reading.speed))
        data = text(["1.5\t40.1\t2\t3\t4", "1.6\t40.2\t2.5\t3.5\t4"])
        dec.feed(data, len(data))
        self.assertEqual(seen, [(1500, 40100, 2000, 3000), (1600, 40200, 2500, 3500)])

    def test_a_held_row_with_text_in_a_column_is_bad_and_the_next_row_counts(self):
        first = "1.5\t4?\t2\t3\t4"
        dec = fed(text([first, "1.6\t40\t2\t3\t4"]))
        self.assertEqual((dec.good, dec.bad, dec.skipped), (1, 1, len(first)))
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE | F_CURRENT | F_SPEED)
        self.assertEqual(dec.reading.voltage_mv, 40000)

    def test_a_bad_row_after_the_held_one_keeps_the_held_rows_flags(self):
        second = "1.6\t4?\t2\t3\t4"
        dec = fed(text(["1.5\t40\t2\t3\t4", second]))
        self.assertEqual((dec.good, dec.bad, dec.skipped), (1, 1, len(second)))
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_VOLTAGE | F_CURRENT | F_SPEED)
        self.assertEqual(dec.reading.voltage_mv, 40000)

    def test_blank_lines_add_their_bytes_to_skipped(self):
        dec = fed(b"\n" + text(["1\t2\t3", "  \t "]))  # 3 fields fit no layout: 5 bytes, then 4 blanks
        self.assertEqual((dec.good, dec.bad, dec.skipped), (0, 1, 9))

    def test_unmapped_counts_two_numbers_but_not_a_lone_text(self):
        dec = fed(b"\n" + text(["1\t2"]))
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (0, 1, 2))
        dec = fed(b"\n" + text(["?"]))
        self.assertEqual((dec.good, dec.bad, dec.unmapped), (0, 1, 0))

    def test_only_the_slots_of_the_columns_present_are_flagged(self):
        dec = fed(b"\n" + text(["1.5\t2\t3"]), ["Ah", "A", "D"])
        r = dec.reading
        self.assertEqual(dec.flags, F_VALUES | F_AH | F_CURRENT)
        self.assertEqual(r.have & (F_VOLTAGE | F_SPEED), 0)
        self.assertEqual((r.ah_used_mah, r.current_ma), (1500, 2000))
        self.assertEqual(present_names(r), ["Ah", "A", "D"])

    def test_a_flgs_text_ends_with_its_field(self):
        # The shorter second row's Flgs "0000000" is preset 0, whatever the longer first row left after it.
        dec = fed(text(["Ah\tFlgs", "1\t00000007", "1\t0000000"]))
        self.assertEqual(dec.good, 2)
        self.assertEqual(dec.reading.preset, 0)


if __name__ == "__main__":
    unittest.main()
