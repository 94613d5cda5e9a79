"""Fake ``network`` for the host: a WLAN that records how the firmware set up the radio.

The host's own sockets stand in for the board's: a server the firmware starts
listens on the host. Test-side helpers are marked as such.
"""

STA_IF = 0
AP_IF = 1
interfaces = {}  # interface -> the last WLAN made on it


def reset_fakes():
    """Test-side: no radio set up yet."""
    interfaces.clear()


class WLAN:
    def __init__(self, interface=STA_IF):
        self.interface = interface
        self.settings = {}
        self.joined = None  # (ssid, key) passed to connect
        self._active = False
        self.activated_after_config = False  # test-side: the order the firmware used
        interfaces[interface] = self

    def config(self, **kwargs):
        self.settings.update(kwargs)

    def active(self, on=None):
        if on is None:
            return self._active
        self._active = bool(on)
        if on and self.settings:
            self.activated_after_config = True
        return None

    def connect(self, ssid, key=None):
        self.joined = (ssid, key)

    def isconnected(self):
        return self.interface == STA_IF and self._active and self.joined is not None

    def ifconfig(self):
        ip = "192.168.4.1" if self.interface == AP_IF else "10.0.0.23"
        return (ip, "255.255.255.0", ip, "8.8.8.8")
