"""Poll mode's rounds: which read request is next, when it goes out, and the wake rule.

Every ``poll_period_ms``, only while ``asking`` (the BMS ignition output is
on), a round asks for SOC, status, voltage, current and temperatures one at a
time, each after the previous reply or ``REPLY_MS``. An unanswered first
request of a round is sent again once: a sleeping BMS only wakes on it
(docs/protocol.md). The ``Line`` loads this module only in poll mode, so a
listening board keeps it off its heap. Nothing here allocates once built.
"""

from socbar.compat import const, ticks_add, ticks_diff
from socbar.requests import request

REPLY_MS = const(100)  # a request unanswered this long is given up
COMMANDS = b"\x1a\x18\x14\x15\x1b"  # SOC, status, voltage, current, temperatures


class Poller:
    def __init__(self, uart, period_ms, now):
        self._uart = uart
        self._requests = tuple(bytearray(4) for _ in COMMANDS)
        for i in range(len(COMMANDS)):
            request(self._requests[i], COMMANDS[i])
        self._period = period_ms
        self._i = -1  # request of the round awaiting its reply; -1 between rounds
        self._due = now
        self._sent_at = now
        self._sent_seen = 0  # the decoder's frames when the request went out
        self._retried = False
        self.sent = 0  # requests written

    def ask(self, dec, now, asking):
        """Write the next request of the round when it is due; ``dec``'s frame counts say
        whether the last one was answered."""
        if not asking:
            self._i = -1
            self._due = now  # key on again: ask at once
            return
        i = self._i
        if i < 0:
            if ticks_diff(now, self._due) < 0:
                return
            self._due = ticks_add(now, self._period)
            self._retried = False
            self._send(dec, 0, now)
            return
        if dec.good + dec.bad != self._sent_seen:
            i += 1
        elif ticks_diff(now, self._sent_at) >= REPLY_MS:
            if i == 0 and not self._retried:
                self._retried = True  # the wake rule: the first request only woke the BMS
            else:
                i += 1
        else:
            return
        if i < len(COMMANDS):
            self._send(dec, i, now)
        else:
            self._i = -1

    def _send(self, dec, i, now):
        self._i = i
        self._sent_at = now
        self._sent_seen = dec.good + dec.bad
        self._uart.write(self._requests[i], 4)
        self.sent += 1

    def due_in(self, now):
        """Milliseconds until the next request or the reply timeout."""
        if self._i < 0:
            return max(0, ticks_diff(self._due, now))
        return max(0, REPLY_MS - ticks_diff(now, self._sent_at))
