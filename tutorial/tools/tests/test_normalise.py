"""The normalisers: every value that changes from run to run becomes a fixed value or a placeholder."""

import datetime
import json
import unittest

from tutorialkit.normalise import (
    FIXED_MOMENT, IssuedNames, KeyNames, fixed_http_date, fixed_times, log_line, normalise, placeholders,
    shown_ports,
)

# A command that started at this unix time; the normalisers show it as FIXED_MOMENT.
REFERENCE = datetime.datetime(2025, 3, 14, 9, 26, 53, tzinfo=datetime.timezone.utc).timestamp()
UTC = datetime.timezone.utc


def iso(seconds_after_reference: float, zone=UTC, fraction: str = "") -> str:
    moment = datetime.datetime.fromtimestamp(REFERENCE + seconds_after_reference, zone)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction
    return text + ("Z" if zone is UTC else moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:])


def words(seconds: int) -> str:
    """A stand-in for generate_token's wording, different from it, to show where it is used."""
    return f"{seconds}s"


class TimeTests(unittest.TestCase):
    def test_an_http_date_becomes_the_fixed_moment(self):
        self.assertEqual(fixed_http_date("date: Fri, 14 Mar 2025 09:26:53 GMT\n"),
                         "date: Tue, 28 Jul 2026 12:00:00 GMT\n")

    def test_an_iso_time_is_shown_relative_to_the_fixed_moment_rounded_to_the_minute(self):
        self.assertEqual(fixed_times(f'"exp": "{iso(3600 + 20)}"', REFERENCE), '"exp": "2026-07-28T13:00:00Z"')
        self.assertEqual(fixed_times(iso(-95), REFERENCE), "2026-07-28T11:58:00Z")

    def test_an_iso_time_keeps_its_offset_and_its_fraction_digits(self):
        zone = datetime.timezone(datetime.timedelta(hours=2))
        self.assertEqual(fixed_times(iso(0, zone, ".123"), REFERENCE), "2026-07-28T14:00:00.000+02:00")

    def test_a_time_far_from_now_is_no_clock_reading_and_stays(self):
        text = "valid from 1970-01-01T00:00:00Z and 2999-01-01T00:00:00Z"
        self.assertEqual(fixed_times(text, REFERENCE), text)

    def test_the_relative_phrase_is_worded_again_for_the_shown_time(self):
        self.assertEqual(fixed_times(f"expires: {iso(3599)} (in 59 minutes)", REFERENCE, words),
                         "expires: 2026-07-28T13:00:00Z (in 3600s)")
        self.assertEqual(fixed_times(f"{iso(-301)} (expired 5 minutes ago)", REFERENCE, words),
                         "2026-07-28T11:55:00Z (expired 300s ago)")

    def test_the_relative_phrase_stays_as_printed_without_a_wording_or_at_the_fixed_moment(self):
        self.assertEqual(fixed_times(f"{iso(3599)} (in 59 minutes)", REFERENCE), "2026-07-28T13:00:00Z (in 59 minutes)")
        self.assertEqual(fixed_times(f"{iso(10)} (in 10 seconds)", REFERENCE, words),
                         "2026-07-28T12:00:00Z (in 10 seconds)")

    def test_a_unix_time_near_now_is_shown_relative_to_the_fixed_moment(self):
        now = int(REFERENCE)
        expected = int(FIXED_MOMENT.timestamp())
        self.assertEqual(fixed_times(f'"iat": {now}, "exp": {now + 300}', REFERENCE),
                         f'"iat": {expected}, "exp": {expected + 300}')

    def test_numbers_that_are_not_unix_times_stay(self):
        now = int(REFERENCE)
        text = f"v{now} {now}.5 id-{now} 12345"
        self.assertEqual(fixed_times(text, REFERENCE), text)


class PlaceholderTests(unittest.TestCase):
    def test_a_jwt_becomes_token_and_a_uuid_becomes_uuid(self):
        text = 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln-_x "jti":"0F8FAD5B-D9CB-469F-A165-70867728950E"'
        self.assertEqual(placeholders(text), 'Bearer <token> "jti":"<uuid>"')

    def test_a_port_is_replaced_only_where_it_is_a_port(self):
        text = ("http://127.0.0.1:4567/mcp http://localhost:45678 http%3A%2F%2F127.0.0.1%3a4567%2Fmcp "
                "[::1]:4567 --port 4567 port 4567")
        self.assertEqual(shown_ports(text, [(4567, 9000)]),
                         "http://127.0.0.1:9000/mcp http://localhost:45678 http%3A%2F%2F127.0.0.1%3a9000%2Fmcp "
                         "[::1]:9000 --port 9000 port 4567")

    def test_normalise_replaces_exact_values_first_then_ports_then_patterns(self):
        text = "/tmp/x/keys/public.pem http://127.0.0.1:4567 http://127.0.0.1:5678\r\nkid abc"
        shown = normalise(text, 4567, REFERENCE, [("/tmp/x/keys", "$KEYS"), ("abc", "<kid>")], (5678, 9001))
        self.assertEqual(shown, "$KEYS/public.pem http://127.0.0.1:9000 http://127.0.0.1:9001\nkid <kid>")


class KeyNamesTests(unittest.TestCase):
    def test_key_ids_and_moduli_are_numbered_in_the_order_learnt(self):
        names = KeyNames()
        names.learn(json.dumps({"keys": [{"kid": "first", "n": "modulus-one"}]}))
        names.learn(json.dumps({"keys": [{"kid": "first"}, {"kid": "second-longer", "n": "modulus-two"}]}))
        names.learn("not json")
        self.assertEqual(dict(names.replacements()), {
            "first": "<kid>", "second-longer": "<kid-2>", "modulus-one": "<n>", "modulus-two": "<n-2>"})

    def test_a_longer_value_is_replaced_before_one_it_contains(self):
        names = KeyNames()
        names.learn(json.dumps({"keys": [{"kid": "ab"}, {"kid": "abcd"}]}))
        self.assertEqual([value for value, _ in names.replacements()], ["abcd", "ab"])


class IssuedNamesTests(unittest.TestCase):
    def test_values_the_issuer_hands_out_get_numbered_placeholders(self):
        names = IssuedNames()
        names.learn_log("2025-03-14T09:26:53Z info generate_token: client_id=cid-0123456789abcdef "
                        "redirect=x [WorkshopIssuer] Registered a client\n")
        names.learn_output('{"client_secret": "s3cr3t-0123456789abcdef", "refresh_token": "rt-0123456789abcdefgh"}\n'
                           "http://localhost:33418/callback?code=code-0123456789abcdef&state=x\n"
                           "code_challenge=challenge-0123456789abcdef\n"
                           "code=code-fedcba9876543210\n")
        self.assertEqual(dict(names.replacements()), {
            "cid-0123456789abcdef": "<client-id>",
            "s3cr3t-0123456789abcdef": "<client-secret>",
            "rt-0123456789abcdefgh": "<refresh-token>",
            "code-0123456789abcdef": "<code>",
            "code-fedcba9876543210": "<code-2>",
            "challenge-0123456789abcdef": "<code-challenge>",
        })

    def test_a_servers_own_state_and_elicitation_ids_get_placeholders(self):
        names = IssuedNames()
        names.learn_output('{"elicitationId": "req-0123456789abcdef", '
                           '"url": "http://127.0.0.1:9000/link/start?request=req-0123456789abcdef"}\n'
                           "http://127.0.0.1:9002/authorize?client_id=c&state=st-0123456789abcdef\n"
                           "state=st-fedcba9876543210\n")
        self.assertEqual(dict(names.replacements()), {
            "req-0123456789abcdef": "<request-id>",
            "st-0123456789abcdef": "<state>",
            "st-fedcba9876543210": "<state-2>",
        })

    def test_short_values_are_not_the_issuers(self):
        names = IssuedNames()
        names.learn_output('{"client_secret": "…"} code=abc\n')
        self.assertEqual(names.replacements(), [])


class LogLineTests(unittest.TestCase):
    def test_a_log_line_loses_its_time_and_request_id_and_names_its_module(self):
        line = ("2025-03-14T09:26:53.123Z debug Step6: hb.request.id=abc123 method=POST path=/mcp "
                "[WorkshopSupport] request")
        self.assertEqual(log_line(line), ("WorkshopSupport",
                                          "[server log] debug Step6: method=POST path=/mcp [WorkshopSupport] request"))

    def test_metadata_with_brackets_stays_in_the_metadata(self):
        line = '2025-03-14T09:26:53Z info Step7: issuer=http://x kids=["k1"] [Step7] Fetched the keys'
        self.assertEqual(log_line(line, "issuer log"),
                         ("Step7", '[issuer log] info Step7: issuer=http://x kids=["k1"] [Step7] Fetched the keys'))

    def test_a_line_in_another_format_is_no_log_line(self):
        self.assertIsNone(log_line("MCP Workshop — Step 6 listening on http://127.0.0.1:9000"))


if __name__ == "__main__":
    unittest.main()
