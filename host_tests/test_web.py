"""The web dashboard: its data per display state, and the server on real sockets.

Expected values come from docs/protocol.md (frame layouts, units) and from the
bar's rules in socbar/bar.py's docstring: with n segments, segment k
(1-based) is lit above (k - 1) * 100 / n %; the default colours are red from
0 %, amber from 30 %, green from 60 %; link lost flashes the two end segments
magenta three times for 100 ms every 2000 ms. The page gets colours with the
LED brightness undone, so a full-scale channel reads 255.

Requests go from a client socket in the same process to the server, which
answers only while the App's passes run (``Rig.run``), as on the board.
"""

import json
import random
import socket
import unittest

import frames
from test_app import TINY, Rig, soc_frame, status_frame

PCT = 1000000
GREEN = "#00ff00"
RED = "#ff0000"
MAGENTA = "#ff00ff"
DARK = "#000000"


def voltage_frame(volts):
    return frames.frame(0x14, frames.float32_le(volts))


def current_frame(amps):
    return frames.frame(0x15, frames.float32_le(amps))


def temps_frame(*deci):
    return frames.with_pl(0x1B, frames.i16le(*deci))


def served_rig(doc=None, **extra):
    """A Rig whose App runs the dashboard server on a free port of 127.0.0.1; (rig, port)."""
    from webserver import WebServer, listen

    for _ in range(50):
        port = 20000 + random.getrandbits(14)
        try:
            sock = listen(port, "127.0.0.1")
        except OSError:
            continue
        return Rig(doc or TINY, web=WebServer(sock), **extra), port
    raise unittest.SkipTest("no free TCP port on 127.0.0.1")


def connect(port):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    return c


def fetch(rig, port, request, ms=300):
    """Send ``request`` and run the App until the server closes; the whole response as bytes."""
    c = connect(port)
    c.send(request)
    c.setblocking(False)
    got = bytearray()
    try:
        for _ in range(ms):
            rig.run(1)
            try:
                data = c.recv(4096)
            except OSError:
                continue
            if not data:
                break
            got.extend(data)
    finally:
        c.close()
    return bytes(got)


def split(response):
    """(status, headers dict with lower-case names, body) of an HTTP response."""
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, body


def lit(segments):
    return [c for c in segments if c != DARK]


class BrokenServer:
    """A web stage whose radio has gone: every poll raises."""

    def attach(self, app, config):
        pass

    def poll(self, now):
        raise OSError(5, "radio gone")

class DashboardDataTest(unittest.TestCase):
    def data(self, rig):
        return rig.app.web.dashboard.data(rig.clock.now)

    def test_live_shows_every_value_and_the_bar_as_the_leds(self):
        rig, _ = served_rig()
        try:
            for _ in range(3):
                rig.send(soc_frame(80) + status_frame(0x93) + voltage_frame(52.5) + current_frame(-8.25)
                         + temps_frame(250, -32768, 312))
                rig.run(1000)
            d = self.data(rig)
        finally:
            rig.app.web.close()
        self.assertEqual(d["state"], "live")
        self.assertFalse(d["old"])
        self.assertEqual(d["soc"], 80 * PCT)
        self.assertEqual(d["voltage_mv"], 52500)
        self.assertEqual(d["current_ma"], -8250)
        self.assertEqual(d["temps_dc"], [250, None, 312])  # -32768: no sensor
        self.assertEqual(d["format"], "tinybms")
        self.assertEqual(d["quality"], 100)
        self.assertTrue(0 <= d["age_ms"] < 1000)
        # 80 %: eight segments lit, steady, green; one run covers the whole cycle.
        self.assertEqual(d["bar"], [[[GREEN] * 8 + [DARK] * 2, 2000]])
        frame = rig.leds.frame
        self.assertEqual([c != DARK for c in d["bar"][0][0]],
                         [any(frame[3 * i:3 * i + 3]) for i in range(10)])

    def test_low_soc_blinks_the_top_segment_as_the_leds_do(self):
        rig, _ = served_rig()
        try:
            for _ in range(3):
                rig.send(soc_frame(5) + status_frame(0x93))
                rig.run(1000)
            runs = self.data(rig)["bar"]
        finally:
            rig.app.web.close()
        # 5 % lights segment 1, red, and below low_pct (10 %) it blinks 500 on / 500 off.
        samples = []  # segments lit every 50 ms of the 2000 ms cycle
        for seg, ms in runs:
            self.assertIn(seg[0], (RED, DARK))
            self.assertEqual(lit(seg[1:]), [])
            samples += [len(lit(seg))] * (ms // 50)
        self.assertEqual(len(samples), 40)
        self.assertEqual(samples.count(1), 20)  # on half the time ...
        edges = [i for i in range(40) if samples[i] != samples[i - 1]]
        self.assertEqual(len(edges), 4)  # ... twice a cycle ...
        self.assertEqual([(b - a) * 50 for a, b in zip(edges, edges[1:])], [500, 500, 500])  # ... 500 each

    def test_link_lost_hides_every_value_and_flashes_the_ends(self):
        rig, _ = served_rig()
        try:
            rig.send(soc_frame(80) + status_frame(0x93) + voltage_frame(52.5))
            rig.run(1000)
            self.assertEqual(lit(self.data(rig)["bar"][0][0]), [GREEN] * 8)  # asked while live, too
            rig.run(6000)  # silent for the lost time (6 periods) with the key on
            d = self.data(rig)
        finally:
            rig.app.web.close()
        self.assertEqual(d["state"], "link_lost")
        for key in ("soc", "voltage_mv", "current_ma", "cell_min_mv", "cell_max_mv", "age_ms", "quality"):
            self.assertIsNone(d[key], key)
        self.assertEqual(d["temps_dc"], [None, None, None])
        flashes = [(seg, ms) for seg, ms in d["bar"] if lit(seg)]
        self.assertEqual(len(flashes), 3)
        for seg, ms in flashes:
            self.assertEqual(ms, 100)
            self.assertEqual(seg, [MAGENTA] + [DARK] * 8 + [MAGENTA])

    def test_stale_hides_the_soc_and_marks_the_rest_old(self):
        rig, _ = served_rig()
        try:
            rig.send(soc_frame(80) + status_frame(0x93))
            rig.run(1000)
            for _ in range(4):  # voltage keeps coming, the SOC does not: stale after 3 periods
                rig.send(voltage_frame(51.0))
                rig.run(1000)
            d = self.data(rig)
        finally:
            rig.app.web.close()
        self.assertEqual(d["state"], "stale")
        self.assertTrue(d["old"])
        self.assertIsNone(d["soc"])
        self.assertEqual(d["voltage_mv"], 51000)

    def test_reversed_bar_still_lists_the_bottom_segment_first(self):
        rig, _ = served_rig({"input": TINY["input"], "bar": {"reverse": True, "leds": "gpio"}})
        try:
            for _ in range(2):
                rig.send(soc_frame(30) + status_frame(0x93))
                rig.run(1000)
            runs = self.data(rig)["bar"]
        finally:
            rig.app.web.close()
        # 30 %: three segments, and 30 % reaches the amber entry (255, 150, 0), at full scale in gpio mode.
        self.assertEqual(runs, [[["#ff9600"] * 3 + [DARK] * 7, 2000]])
        self.assertTrue(any(rig.leds.frame[27:30]))  # the LEDs: segment 0 is the last one


def dashboard(rig):
    """The dashboard's data source for a Rig's App, without a server in front of it."""
    from socbar.dashboard import Dashboard

    return Dashboard(rig.app, rig.config)


def lit_pattern(frame, n=10):
    """Which of the first ``n`` LEDs of a GRB frame are on."""
    return [any(frame[3 * i:3 * i + 3]) for i in range(n)]


class DashboardEdgesTest(unittest.TestCase):
    def test_the_soc_shows_exactly_in_the_states_whose_bar_shows_it(self):
        # docs/protocol.md section 3: 0x91 charging, 0x92 full, 0x96 regenerating, 0x9B fault;
        # bar.py: the bar shows the SOC in live, charging, full and regen, and empty is 0 %.
        for pct, status, name, soc in ((55, 0x91, "charging", 55 * PCT), (55, 0x92, "full", 55 * PCT),
                                       (55, 0x96, "regen", 55 * PCT), (55, 0x9B, "fault", None),
                                       (0, 0x93, "empty", 0)):
            rig = Rig(TINY)
            rig.broadcast(2, pct=pct, status=status)
            d = dashboard(rig).data(rig.clock.now)
            self.assertEqual((d["state"], d["old"], d["soc"]), (name, False, soc), name)

    def test_cell_extremes_counters_line_rate_and_key(self):
        rig = Rig(TINY)
        # 0x16 highest and 0x17 lowest cell, UINT16 LE in mV (docs/protocol.md section 2).
        rig.send(soc_frame(80) + status_frame(0x93) + frames.frame(0x16, frames.u16le(3412))
                 + frames.frame(0x17, frames.u16le(3298)))
        rig.run(1000)
        bad = bytearray(soc_frame(80))
        bad[-1] ^= 0xFF  # a broken CRC
        rig.send(b"\x01\x02\x03" + bytes(bad))
        rig.run(1000)
        dec = rig.app.line.decoder
        d = dashboard(rig).data(rig.clock.now)
        self.assertEqual((d["cell_max_mv"], d["cell_min_mv"]), (3412, 3298))
        self.assertEqual(d["good"], 4)
        self.assertTrue(d["bad"] >= 1)
        self.assertTrue(d["skipped"] >= 3)
        self.assertEqual((d["good"], d["bad"], d["skipped"]), (dec.good, dec.bad, dec.skipped))
        self.assertEqual(d["baud"], 115200)
        self.assertEqual(d["errors"], 0)
        self.assertIs(d["ignition"], True)

    def test_errors_are_the_apps_count(self):
        rig = Rig(TINY, web=BrokenServer())
        rig.run(3)
        self.assertEqual(dashboard(rig).data(rig.clock.now)["errors"], 3)

    def test_nothing_detected_yet_and_no_pass_run(self):
        rig = Rig({}, key=False)  # format auto: no decoder until one is detected
        d = dashboard(rig).data(rig.clock.now)  # asked before the App's first pass
        self.assertEqual(d["state"], "asleep")
        self.assertEqual((d["format"], d["good"], d["bad"], d["skipped"]), (None, 0, 0, 0))
        self.assertIsNone(d["soc"])
        self.assertIsNone(d["quality"])
        self.assertIsNone(d["age_ms"])
        self.assertIs(d["ignition"], False)
        self.assertEqual(d["bar"], [[[DARK] * 10, 2000]])  # asleep: all dark
        rig.run(500)
        d = dashboard(rig).data(rig.clock.now)
        self.assertEqual((d["state"], d["format"], d["good"]), ("asleep", None, 0))
        self.assertEqual(d["bar"], [[[DARK] * 10, 2000]])

    def test_a_frame_decoded_this_millisecond_is_zero_ms_old(self):
        rig = Rig(TINY)
        rig.broadcast(1, pct=80)
        dec = rig.app.line.decoder
        good = dec.good
        rig.send(soc_frame(80))
        for _ in range(100):
            rig.run(1)
            if dec.good > good:
                break
        self.assertEqual(dec.good, good + 1)
        d = dashboard(rig).data(rig.clock.now)
        self.assertEqual(d["age_ms"], 0)
        self.assertEqual(d["soc"], 80 * PCT)

    def test_dim_leds_still_read_on_the_page(self):
        doc = {"input": TINY["input"], "bar": {"brightness": 1}}
        rig = Rig(doc)
        rig.broadcast(2, pct=80)
        # brightness 1 scales 255 to 1 (rounding up); the page undoes it: full green again.
        self.assertEqual(dashboard(rig).data(rig.clock.now)["bar"], [[[GREEN] * 8 + [DARK] * 2, 2000]])
        rig = Rig({"input": TINY["input"], "bar": {"brightness": 0}})
        rig.broadcast(2, pct=80)
        # brightness 0: the LEDs are all black, and so is the page's bar (nothing to undo).
        self.assertTrue(rig.leds.dark())
        self.assertEqual(dashboard(rig).data(rig.clock.now)["bar"], [[[DARK] * 10, 2000]])

    def test_stale_white_stays_dim_on_the_page(self):
        rig = Rig(TINY)
        rig.send(soc_frame(80) + status_frame(0x93))
        rig.run(1000)
        for _ in range(4):  # voltage keeps coming, the SOC does not: stale
            rig.send(voltage_frame(51.0))
            rig.run(1000)
        d = dashboard(rig).data(rig.clock.now)
        self.assertEqual(d["state"], "stale")
        # White at the default brightness 64 is 64 on the LEDs, a quarter of it (rounding up) 16;
        # the page undoes only the brightness: 16 * 255 / 64 = 63.75, so 63 = 0x3f.
        on = [seg for seg, ms in d["bar"] if lit(seg)]
        self.assertEqual(on, [["#3f3f3f"] + [DARK] * 9])
        self.assertEqual(sum(ms for seg, ms in d["bar"] if lit(seg)), 200)

    def test_the_bar_starts_at_the_leds_phase_and_blinks_as_they_do(self):
        rig = Rig(TINY)
        rig.broadcast(2, pct=55, status=0x91)  # charging: segment 7 blinks 1000 on / 1000 off
        rig.run(333)
        runs = dashboard(rig).data(rig.clock.now)["bar"]
        self.assertEqual(sum(ms for seg, ms in runs), 2000)
        page = []  # what the page shows at each ms of the next 2000, in 50 ms steps
        for seg, ms in runs:
            page += [[c != DARK for c in seg]] * ms
        leds = []  # what the LEDs show at the start of each of those steps
        for k in range(40):
            if k % 20 == 0:
                rig.send(soc_frame(55) + status_frame(0x91))  # keep it charging
            leds.append(lit_pattern(rig.leds.frame))
            rig.run(50)
        self.assertEqual(rig.app.state, 1)  # still charging throughout
        self.assertEqual([page[50 * k] for k in range(40)], leds)
        self.assertTrue(len(runs) >= 2)

    def test_an_unchanged_bar_is_not_drawn_again(self):
        rig = Rig(TINY)
        rig.broadcast(2, pct=55, status=0x91)
        dash = dashboard(rig)
        first = dash.data(rig.clock.now)["bar"]
        shadow = dash._shadow
        drawn = []
        real = shadow.render

        def render(state, soc, now):
            drawn.append(now)
            return real(state, soc, now)

        shadow.render = render
        rig.run(700)  # same state, same SOC: the cycle drawn before still holds
        again = dash.data(rig.clock.now)["bar"]
        self.assertEqual(drawn, [])
        self.assertEqual(sum(ms for seg, ms in again), 2000)
        self.assertNotEqual(again, first)  # 700 ms later in the blink: another phase
        rig.broadcast(1, pct=80, status=0x91)  # the level changed: drawn afresh
        self.assertEqual(len(lit(dash.data(rig.clock.now)["bar"][0][0])), 8)
        self.assertEqual(len(drawn), 40)


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.rig, self.port = served_rig()

    def tearDown(self):
        self.rig.app.web.close()

    def get(self, request):
        return split(fetch(self.rig, self.port, request))

    def test_page(self):
        from socbar.webpage import PAGE

        status, headers, body = self.get(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(int(headers["content-length"]), len(PAGE))
        self.assertEqual(headers["connection"], "close")
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        self.assertEqual(body, PAGE)
        self.assertEqual(self.rig.app.web.answered, 1)

    def test_page_loads_nothing_from_elsewhere(self):
        from socbar.webpage import PAGE

        for ref in (b"http:", b"https:", b"//", b"src=", b"@import", b"<link"):
            self.assertNotIn(ref, PAGE.replace(b"<!doctype", b"").replace(b"\\u", b""), ref)

    def test_state_json(self):
        self.rig.send(soc_frame(55) + status_frame(0x93))
        self.rig.run(1000)
        status, headers, body = self.get(b"GET /state.json?t=1 HTTP/1.1\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["cache-control"], "no-store")
        d = json.loads(body)
        self.assertEqual((d["state"], d["soc"]), ("live", 55 * PCT))
        self.assertEqual(len(lit(d["bar"][0][0])), 6)  # 55 % > 50 %: six segments

    def test_only_get_is_answered(self):
        for method in (b"POST", b"PUT", b"DELETE", b"HEAD"):
            status, headers, _ = self.get(method + b" / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            self.assertEqual(status, 405, method)
            self.assertEqual(headers["allow"], "GET")

    def test_unknown_path_and_bad_request(self):
        self.assertEqual(self.get(b"GET /config.json HTTP/1.1\r\n\r\n")[0], 404)
        self.assertEqual(self.get(b"hello there\r\n\r\n")[0], 400)
        self.assertEqual(self.get(b"GET / SPDY/3\r\n\r\n")[0], 400)

    def test_huge_request_head_gets_413_and_the_loop_goes_on(self):
        status, _, _ = self.get(b"GET / HTTP/1.1\r\nX-Pad: " + b"a" * 1100)
        self.assertEqual(status, 413)
        self.rig.send(soc_frame(80) + status_frame(0x93))
        self.rig.run(1000)
        self.assertEqual(self.rig.app.bar.lit, 8)
        self.assertEqual(self.rig.app.console.errors, 0)

    def test_silent_client_is_dropped_and_others_are_served_meanwhile(self):
        from webserver import TIMEOUT_MS

        idle = connect(self.port)  # says nothing
        try:
            self.rig.run(10)
            self.assertEqual(len(self.rig.app.web.clients), 1)
            self.assertEqual(self.get(b"GET /state.json HTTP/1.1\r\n\r\n")[0], 200)
            self.rig.run(TIMEOUT_MS)
            self.assertEqual(self.rig.app.web.clients, [])
            self.assertEqual(self.rig.app.web.dropped, 1)
        finally:
            idle.close()

    def test_one_connection_accepted_per_pass(self):
        waiting = [connect(self.port) for _ in range(3)]
        try:
            web = self.rig.app.web
            self.rig.run(1)
            self.assertEqual(len(web.clients), 1)
            self.rig.run(1)
            self.assertEqual(len(web.clients), 2)
        finally:
            for c in waiting:
                c.close()


class AppStageTest(unittest.TestCase):
    def test_a_failing_server_never_stops_the_bar(self):
        rig = Rig(TINY, web=BrokenServer())
        rig.send(soc_frame(80) + status_frame(0x93))
        rig.run(1000)
        self.assertEqual(rig.app.bar.lit, 8)
        self.assertEqual(rig.app.stage_errors[6], 1000)

    def test_idle_server_pass_allocates_nothing(self):
        import gc

        if not hasattr(gc, "mem_alloc"):
            self.skipTest("gc.mem_alloc is MicroPython's")
        rig, _ = served_rig()
        try:
            chunk = soc_frame(80) + status_frame(0x93)
            for _ in range(3):
                rig.send(chunk)
                rig.run(1000)
            gc.collect()
            before = gc.mem_alloc()
            for _ in range(250):
                rig.send(chunk)
                rig.run(4)
            used = gc.mem_alloc() - before
        finally:
            rig.app.web.close()
        self.assertEqual(used, 0)


if __name__ == "__main__":
    unittest.main()
