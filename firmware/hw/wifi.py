"""Wi-Fi for the web dashboard (Pico W): the board's own access point, or a network to join.

Only the radio is set up here; the server is ``webserver.py`` and what it
shows ``socbar/dashboard.py``. Joining does not wait for the network: the
loop starts at once, and the server prints the page's address on the console
once the network has given one. In access-point mode the network is WPA2
with the configured password (the schema refuses an open one); the board
takes the radio driver's default address, usually 192.168.4.1.
"""


def _up(wifi):
    """Start the radio as ``wifi`` says; returns a callable giving the page's host[:port] or ""."""
    import network

    if wifi["mode"] == "ap":
        wlan = network.WLAN(network.AP_IF)
        wlan.config(ssid=wifi["ssid"], key=wifi["password"])  # before active: the key applies
        wlan.active(True)
    else:
        wlan = network.WLAN(network.STA_IF)
        wlan.active(True)
        wlan.connect(wifi["ssid"], wifi["password"] or None)  # "" joins an open network

    def address():
        up = wlan.active() if wifi["mode"] == "ap" else wlan.isconnected()
        ip = wlan.ifconfig()[0] if up else ""
        if not ip or ip == "0.0.0.0":
            return ""
        return ip if wifi["port"] == 80 else "%s:%d" % (ip, wifi["port"])

    return address


def serve(cfg, board, messages):
    """The dashboard server on the board's radio, or None with a message saying why not."""
    wifi = cfg["wifi"]
    if not board.get("wifi"):
        messages.append('wifi.mode: "%s", but the board "%s" has no Wi-Fi (a Pico W is board "pico_w"); '
                        "Wi-Fi stays off" % (wifi["mode"], cfg["board"]))
        return None
    try:
        address = _up(wifi)
        from webserver import WebServer, listen

        return WebServer(listen(wifi["port"]), address=address)
    except (OSError, ImportError, ValueError) as exc:
        messages.append("wifi: not available (%s); running without it" % exc)
        return None
