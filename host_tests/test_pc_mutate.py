"""bench/mutate.py's bookkeeping: mutant names, keys that survive renumbering, the explained list."""

import mutate

DIFF = """--- socbar/bar.py
+++ socbar/bar.py
@@ -2,7 +2,7 @@
     self.frame = bytearray(3 * n)
-    self.lit = 0
+    self.lit = None
     self._reverse = bar["reverse"]
"""


def test_function_names():
    name = "socbar.bar.xǁBarRendererǁ__init____mutmut_11"
    assert mutate.function_of(name) == "socbar.bar.BarRenderer.__init__"
    assert mutate.function_of("socbar.crc.x__table__mutmut_3") == "socbar.crc._table"
    assert mutate.function_of("socbar.soc.x_soc_from_voltage__mutmut_12") == "socbar.soc.soc_from_voltage"


def test_a_key_is_the_function_and_the_changed_line():
    key = mutate.key_of("socbar.bar.xǁBarRendererǁ__init____mutmut_11", DIFF)
    assert key == "socbar.bar.BarRenderer.__init__: self.lit = 0 => self.lit = None"


def test_the_explained_list_and_what_it_leaves(tmp_path):
    listed = tmp_path / "explained.txt"
    listed.write_text("# comment\n\nsocbar.bar.BarRenderer.__init__: self.lit = 0 => self.lit = None\n"
                      "socbar.bar.BarRenderer.__init__: self.lit = 0 => self.lit = 1\n"
                      "    lit is set by every render before anything reads it\n"
                      "socbar.crc._table: *\n    runs at import\n")
    reasons = mutate.explained(listed)
    assert reasons["socbar.bar.BarRenderer.__init__: self.lit = 0 => self.lit = 1"].startswith("lit is set")
    names = ["socbar.bar.xǁBarRendererǁ__init____mutmut_11", "socbar.crc.x__table__mutmut_3",
             "socbar.bar.xǁBarRendererǁ__init____mutmut_12"]
    other = DIFF.replace("+    self.lit = None", "+    self.lit = 2")
    diffs = {names[0]: DIFF, names[1]: "", names[2]: other}
    unexplained, known = mutate.sort_out(names, diffs, reasons)
    assert [name for name, _ in unexplained] == [names[2]]
    assert len(known) == 2


def test_the_shipped_list_parses():
    reasons = mutate.explained()
    assert reasons["socbar.crctable._table: *"]
    assert all(reason and not key.startswith(" ") for key, reason in reasons.items())
