"""The dashboard's HTTP server: one more non-blocking stage of the superloop.

``poll(now)`` is called once per loop pass. It accepts at most one
connection per pass (``MAX_CLIENTS`` at a time; more wait in the listen
backlog), reads at most ``RECV_BYTES`` and writes at most ``SEND_BYTES`` per
connection per pass, and never waits: every socket is non-blocking, and an
idle pass only asks the poller whether a connection is waiting, which
allocates nothing. The page goes out in pieces over as many passes as it
needs.

Read-only by construction: ``GET /`` (the page), ``GET /state.json`` (the
data) and nothing else. Other methods get 405, other paths 404, a request
that is not HTTP 400, a head longer than ``REQUEST_BYTES`` 413; a connection
still open ``TIMEOUT_MS`` after it was accepted is closed, so a slow or
silent client cannot hold a slot. Every response closes its connection.

Why not microdot: it is asyncio-based, and the firmware is a plain
superloop whose other stages must run at fixed points of every pass (the
LED timing, the watchdog feeding, the sleep slices). Running an asyncio
event loop inside one stage would hand the pass to a scheduler; these few
lines keep the stage's cost bounded and visible instead.

Answering a request allocates (the JSON text, the socket buffers); the
decode path never sees any of it.
"""

import select
import socket

from socbar.compat import const, ticks_add, ticks_diff

MAX_CLIENTS = const(3)  # browsers open a spare connection or two
REQUEST_BYTES = const(1024)  # request line and headers
RECV_BYTES = const(256)
SEND_BYTES = const(1024)
TIMEOUT_MS = const(5000)
_AGAIN = (11, 115)  # EAGAIN (EWOULDBLOCK on Linux and lwIP), EINPROGRESS

_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
            413: "Content Too Large"}
# The page loads nothing from elsewhere, and the browser is told to allow nothing else.
_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "connect-src 'self'; frame-ancestors 'none'")


def listen(port, host="0.0.0.0"):
    """A non-blocking listening TCP socket on ``host``:``port``."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(socket.getaddrinfo(host, port)[0][-1])
    sock.listen(MAX_CLIENTS)
    sock.setblocking(False)
    return sock


def response(status, body, kind="text/plain; charset=utf-8"):
    """(head, body) of a complete response that closes the connection."""
    head = ("HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nCache-Control: no-store\r\n"
            "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n%sConnection: close\r\n\r\n"
            % (status, _REASONS[status], kind, len(body), _POLICY,
               "Allow: GET\r\n" if status == 405 else ""))
    return head.encode(), body


class _Client:
    def __init__(self, sock, now):
        self.sock = sock
        self.since = now
        self.request = bytearray()
        self.parts = None  # (head, body) once answered
        self.part = 0
        self.sent = 0  # bytes of parts[part] already written


class WebServer:
    """Serves the dashboard of the App it is attached to; see the module docstring."""

    def __init__(self, listener, log=None, address=None):
        self.listener = listener
        self.log = log
        self._address = address  # callable -> "host[:port]" once the network is up, else ""
        self.dashboard = None
        self.clients = []
        self.answered = 0  # responses written in full
        self.refused = 0  # 4xx responses
        self.dropped = 0  # connections closed for a timeout or an error
        self._poller = select.poll()
        self._poller.register(listener, select.POLLIN)
        self._ipoll = getattr(self._poller, "ipoll", None)  # MicroPython's allocation-free form
        self._told = address is None
        self._ask_at = None  # when to ask for the address again

    def close(self):
        """Close every connection and stop listening (the simulator and the tests end with it)."""
        while self.clients:
            self._close(self.clients[0])
        self._poller.unregister(self.listener)
        self.listener.close()

    def attach(self, app, config):
        from socbar.dashboard import Dashboard

        self.dashboard = Dashboard(app, config)
        self.log = self.log or app.console.log

    def poll(self, now):
        """One bounded, non-blocking share of the server's work."""
        if not self._told and (self._ask_at is None or ticks_diff(now, self._ask_at) >= 0):
            self._announce(now)
        if len(self.clients) < MAX_CLIENTS and self._waiting():
            self._accept(now)
        i = 0
        while i < len(self.clients):
            c = self.clients[i]
            if self._serve(c, now):
                i += 1
            else:
                self._close(c)

    def _announce(self, now):
        """Say once on the console where the page is, as soon as the network has an address."""
        self._ask_at = ticks_add(now, 1000)
        where = self._address() if self._address is not None else ""
        if where:
            self._told = True
            if self.log is not None:
                self.log("web: dashboard at http://%s/" % where)

    def _waiting(self):
        if self._ipoll is not None:
            for _ in self._ipoll(0):
                return True
            return False
        return bool(self._poller.poll(0))

    def _accept(self, now):
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        sock.setblocking(False)
        self.clients.append(_Client(sock, now))

    def _close(self, c):
        self.clients.remove(c)
        try:
            c.sock.close()
        except OSError:
            pass

    def _serve(self, c, now):
        """Move one connection on; False when it is done or must go."""
        if ticks_diff(now, c.since) >= TIMEOUT_MS:
            self.dropped += 1
            return False
        try:
            if c.parts is None:
                return self._read(c, now)
            return self._write(c)
        except OSError as exc:
            if exc.args and exc.args[0] in _AGAIN:
                return True
            self.dropped += 1
            return False

    def _read(self, c, now):
        data = c.sock.recv(RECV_BYTES)
        if not data:
            self.dropped += 1  # the client left before asking
            return False
        c.request.extend(data)
        end = c.request.find(b"\r\n\r\n")
        if end < 0:
            end = c.request.find(b"\n\n")
        if end >= 0:
            c.parts = self.answer(bytes(c.request[:end]), now)
        elif len(c.request) > REQUEST_BYTES:
            c.parts = self._error(413, "request head longer than %d bytes" % REQUEST_BYTES)
        return True

    def _write(self, c):
        part = c.parts[c.part]
        n = c.sock.send(memoryview(part)[c.sent:c.sent + SEND_BYTES])
        c.sent += n or 0
        if c.sent >= len(part):
            c.part += 1
            c.sent = 0
            if c.part == len(c.parts):
                self.answered += 1
                return False
        return True

    def _error(self, status, text):
        self.refused += 1
        return response(status, (text + "\n").encode())

    def answer(self, head, now):
        """(head, body) answering the request head ``head`` (bytes, without the blank line)."""
        line = head.split(b"\n", 1)[0].strip()
        parts = line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return self._error(400, "not an HTTP/1 request line")
        if parts[0] != b"GET":
            return self._error(405, "read-only: only GET is answered")
        path = parts[1].split(b"?", 1)[0]
        if path == b"/" or path == b"/index.html":
            from socbar.webpage import PAGE

            return response(200, PAGE, "text/html; charset=utf-8")
        if path == b"/state.json" and self.dashboard is not None:
            return response(200, self.dashboard.json(now).encode(), "application/json")
        return self._error(404, "no such page; the dashboard is at /")
