"""The pure parts of starting servers: reading options, and where --issuer goes."""

import unittest

from tutorialkit.normalise import RESERVED_PORTS
from tutorialkit.paths import TutorialError
from tutorialkit.servers import free_port, option_value, trusting


class OptionTests(unittest.TestCase):
    def test_an_option_is_read_in_either_form(self):
        self.assertEqual(option_value(["--public-url", "https://a", "--x"], "--public-url"), "https://a")
        self.assertEqual(option_value(["--public-url=https://b"], "--public-url"), "https://b")
        self.assertIsNone(option_value(["--public-url"], "--public-url"))
        self.assertIsNone(option_value(["--public-urls=x"], "--public-url"))

    def test_the_issuer_goes_right_after_the_key_folder(self):
        self.assertEqual(trusting(["--keys-dir", "/k", "--log-level", "debug"], "http://i"),
                         ["--keys-dir", "/k", "--issuer", "http://i", "--log-level", "debug"])
        self.assertEqual(trusting(["--log-level", "debug", "--keys-dir=/k"], "http://i"),
                         ["--log-level", "debug", "--keys-dir=/k", "--issuer", "http://i"])
        with self.assertRaisesRegex(TutorialError, "needs --keys-dir"):
            trusting(["--log-level", "debug"], "http://i")

    def test_a_free_port_is_never_one_a_transcript_shows(self):
        ports = {free_port(avoid={12345}) for _ in range(20)}
        self.assertFalse(ports & (RESERVED_PORTS | {12345}))


if __name__ == "__main__":
    unittest.main()
