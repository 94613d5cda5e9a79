"""Every core test again, under the MicroPython unix port."""

import mpy_suite
import pytest


@pytest.mark.parametrize("test_id", mpy_suite.test_ids())
def test_under_micropython(test_id):
    results = mpy_suite.results()
    if test_id not in results:
        detail = results.get("<stderr>", ["", "not run"])[1]
        pytest.fail("%s did not run under MicroPython: %s" % (test_id, detail))
    status, detail = results[test_id]
    if status == "SKIP":
        pytest.skip(detail)
    if status == "FAIL":
        pytest.fail(detail, pytrace=False)
