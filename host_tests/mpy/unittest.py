"""The part of ``unittest`` the host tests use, for the MicroPython unix port.

CPython runs the same test files with its own ``unittest`` through pytest;
``host_tests/mpy_runner.py`` runs them here with this module.
"""


class SkipTest(Exception):
    pass


class _Raises:
    def __init__(self, exc):
        self.expected = exc
        self.exception = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            raise AssertionError("%s not raised" % self.expected.__name__)
        if issubclass(exc_type, self.expected):
            self.exception = exc
            return True
        return False


class _SubTest:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False


def _fail(msg, default):
    raise AssertionError(default if msg is None else "%s: %s" % (default, msg))


class TestCase:
    maxDiff = None

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def subTest(self, *args, **kwargs):
        return _SubTest()

    def skipTest(self, reason):
        raise SkipTest(reason)

    def fail(self, msg=None):
        _fail(msg, "fail")

    def assertEqual(self, a, b, msg=None):
        if not a == b:
            _fail(msg, "%r != %r" % (a, b))

    def assertNotEqual(self, a, b, msg=None):
        if a == b:
            _fail(msg, "%r == %r" % (a, b))

    def assertTrue(self, x, msg=None):
        if not x:
            _fail(msg, "%r is not true" % (x,))

    def assertFalse(self, x, msg=None):
        if x:
            _fail(msg, "%r is not false" % (x,))

    def assertIs(self, a, b, msg=None):
        if a is not b:
            _fail(msg, "%r is not %r" % (a, b))

    def assertIsNot(self, a, b, msg=None):
        if a is b:
            _fail(msg, "%r is %r" % (a, b))

    def assertIsNone(self, x, msg=None):
        if x is not None:
            _fail(msg, "%r is not None" % (x,))

    def assertIsNotNone(self, x, msg=None):
        if x is None:
            _fail(msg, "unexpectedly None")

    def assertIn(self, a, b, msg=None):
        if a not in b:
            _fail(msg, "%r not found in %r" % (a, b))

    def assertNotIn(self, a, b, msg=None):
        if a in b:
            _fail(msg, "%r unexpectedly found in %r" % (a, b))

    def assertIsInstance(self, x, cls, msg=None):
        if not isinstance(x, cls):
            _fail(msg, "%r is not an instance of %r" % (x, cls))

    def assertGreater(self, a, b, msg=None):
        if not a > b:
            _fail(msg, "%r not greater than %r" % (a, b))

    def assertGreaterEqual(self, a, b, msg=None):
        if not a >= b:
            _fail(msg, "%r not greater than or equal to %r" % (a, b))

    def assertLess(self, a, b, msg=None):
        if not a < b:
            _fail(msg, "%r not less than %r" % (a, b))

    def assertLessEqual(self, a, b, msg=None):
        if not a <= b:
            _fail(msg, "%r not less than or equal to %r" % (a, b))

    def assertAlmostEqual(self, a, b, places=7, msg=None, delta=None):
        if delta is not None:
            if abs(a - b) > delta:
                _fail(msg, "%r != %r within %r delta" % (a, b, delta))
        elif round(abs(a - b), places) != 0:
            _fail(msg, "%r != %r within %r places" % (a, b, places))

    def assertRaises(self, exc, func=None, *args, **kwargs):
        ctx = _Raises(exc)
        if func is None:
            return ctx
        with ctx:
            func(*args, **kwargs)
        return None


def skip(reason):
    def decorate(func):
        def skipped(*args, **kwargs):
            raise SkipTest(reason)

        return skipped

    return decorate


def skipIf(condition, reason):
    return skip(reason) if condition else (lambda func: func)


def skipUnless(condition, reason):
    return skipIf(not condition, reason)
