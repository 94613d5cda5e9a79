"""The wifi settings: off by default, no open access point, WPA2 lengths, the password never echoed.

WPA2 passphrases have 8 to 63 characters (IEEE 802.11i); network names 1 to 32.
"""

import unittest

from socbar.config import validate

SECRET = "hunter2"  # 7 characters: too short for WPA2


def wifi(**keys):
    cfg, messages = validate({"wifi": keys})
    return cfg["wifi"], messages


class WifiConfigTest(unittest.TestCase):
    def test_off_by_default(self):
        cfg, messages = validate({})
        self.assertEqual(cfg["wifi"]["mode"], "off")
        self.assertEqual(messages, [])

    def test_access_point_with_a_wpa2_password(self):
        w, messages = wifi(mode="ap", ssid="ebike", password="12345678")
        self.assertEqual((w["mode"], w["ssid"], w["password"], w["port"]), ("ap", "ebike", "12345678", 80))
        self.assertEqual(messages, [])

    def test_open_access_point_is_refused(self):
        for password in ("", SECRET):
            w, messages = wifi(mode="ap", password=password)
            self.assertEqual(w["mode"], "off")
            self.assertEqual(len(messages), 1)
            self.assertTrue(messages[0].startswith("wifi.password: access-point mode needs a WPA2 password"))

    def test_join_allows_an_open_network_but_no_short_password(self):
        w, messages = wifi(mode="join", ssid="cafe", password="")
        self.assertEqual((w["mode"], messages), ("join", []))
        w, messages = wifi(mode="join", ssid="home", password=SECRET)
        self.assertEqual(w["mode"], "off")
        self.assertTrue(messages[0].startswith("wifi.password: 7 characters"))

    def test_the_password_is_never_repeated(self):
        for bad in (SECRET, "x" * 64, 12345678):
            _, messages = wifi(mode="ap", password=bad)
            for m in messages:
                self.assertNotIn(str(bad), m)
                self.assertTrue(m.startswith("wifi.password: "), m)

    def test_names_and_ports(self):
        w, messages = wifi(ssid="", port=0, mode="mesh")
        self.assertEqual((w["ssid"], w["port"], w["mode"]), ("socbar", 80, "off"))
        self.assertEqual([m.split(":")[0] for m in messages], ["wifi.mode", "wifi.ssid", "wifi.port"])
        w, messages = wifi(ssid="n" * 33)
        self.assertEqual(w["ssid"], "socbar")
        self.assertIn("33 characters, not 1..32", messages[0])

    def test_the_board_flag_is_a_pin_map_entry(self):
        cfg, messages = validate({"pins": {"wifi": True}})
        self.assertEqual((cfg["pins"], messages), ({"wifi": True}, []))
        cfg, messages = validate({"pins": {"wifi": "yes"}})
        self.assertEqual(cfg["pins"], {})
        self.assertTrue(messages[0].startswith('pins.wifi: "yes" is not true or false'))


if __name__ == "__main__":
    unittest.main()
