"""A server after the steps and its cast (step="Delegation"): the directive's attributes, the
addresses rewritten to the ports the servers got, the diff against its step, and how the extra
servers are shown."""

import json
import subprocess
import tempfile
import textwrap
import unittest
from pathlib import Path

from tutorialkit import cast as casting
from tutorialkit.diffs import diff_path, generate_diffs
from tutorialkit.directives import parse_chapter, session_runs
from tutorialkit.normalise import RESERVED_PORTS, normalise
from tutorialkit.paths import DIFFS, ROOT, SOURCES, TutorialError
from tutorialkit.servers import Server
from tutorialkit.variables import unset_variables


def chapter(text: str):
    return parse_chapter(SOURCES / "99-test.md", textwrap.dedent(text).lstrip("\n"))


CAST = ('<!-- session name="a" step="Delegation" issuer="yes" '
        'issuer-args="--clients-file Tests/Fixtures/delegation/home.clients.json" '
        'calendar="--allow-actor workshop-delegation" partner-issuer="--resource http://127.0.0.1:9102/calendar" '
        'partner-calendar=""\nls\n-->\n')


class DirectiveTests(unittest.TestCase):
    def test_a_server_after_the_steps_is_named_and_its_services_listed_with_their_arguments(self):
        (session,) = chapter(CAST).sessions
        self.assertEqual((session.program, session.step, session.issuer), ("Delegation", 0, "yes"))
        self.assertEqual(session.services, {"calendar": ["--allow-actor", "workshop-delegation"],
                                            "partner-issuer": ["--resource", "http://127.0.0.1:9102/calendar"],
                                            "partner-calendar": []})
        self.assertEqual(chapter('<!-- session name="a" step="9"\nls\n-->\n').sessions[0].program, "Step9")

    def test_a_continuing_session_runs_in_the_same_cast(self):
        parsed = chapter(CAST + '<!-- session name="b" continues="a"\npwd\n-->\n')
        (run,) = session_runs([parsed])
        self.assertEqual((run[1].program, run[1].services), (run[0].program, run[0].services))

    def test_a_cast_that_cannot_run_is_an_error_that_says_why(self):
        cases = {
            '<!-- session name="a" step="Delegation"\nls\n-->\n': 'issuer="yes"',
            '<!-- session name="a" step="9" issuer="yes" calendar=""\nls\n-->\n': "not beside a step",
            '<!-- session name="a" step="Delegation" issuer="yes" partner-calendar=""\nls\n-->\n': "add partner-issuer",
            '<!-- session name="a" step="delegation" issuer="yes"\nls\n-->\n': 'needs step="N"',
            '<!-- session name="b" continues="a" calendar=""\nls\n-->\n': "leave them out here",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesRegex(TutorialError, "99-test.md:1: .*" + message):
                chapter(text)

    def test_the_services_addresses_must_be_exported_for_a_new_terminal(self):
        parsed = chapter("> `export BASE=http://127.0.0.1:9000 ISSUER=http://127.0.0.1:9001`\n\n"
                         + CAST.replace("\nls\n", '\ncurl "$CALENDAR/health" "$PARTNER_ISSUER" "$BASE" "$DATA_DIR"\n'))
        (problem,) = unset_variables([parsed], session_runs([parsed]))
        self.assertIn("uses $PARTNER_ISSUER, $CALENDAR, $DATA_DIR,", problem)


class AddressTests(unittest.TestCase):
    PORTS = {9000: 41000, 9100: 41100}

    def test_the_default_addresses_of_members_that_run_get_their_ports(self):
        text = "http://127.0.0.1:9000/mcp http%3A%2F%2F127.0.0.1%3A9100%2Fcalendar http://127.0.0.1:9102 :90001"
        self.assertEqual(casting.rewrite_addresses(text, self.PORTS),
                         "http://127.0.0.1:41000/mcp http%3A%2F%2F127.0.0.1%3A41100%2Fcalendar http://127.0.0.1:9102 "
                         ":90001")
        self.assertEqual(casting.rewrite_addresses("http://127.0.0.1:90001/", self.PORTS), "http://127.0.0.1:90001/")

    CLIENTS = {"clients": [{
        "client_id": "workshop-delegation", "redirect_uris": ["http://127.0.0.1:9000/link/signed-in"],
        "token_exchange": {"subject_audience": "http://127.0.0.1:9000/mcp",
                           "targets": {"http://127.0.0.1:9100/calendar": {"calendar:read": "mcp:read"}}}}]}

    def test_a_clients_file_is_copied_with_its_ports_and_shown_by_its_name(self):
        with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryDirectory() as root:
            name = "fixtures/home.clients.json"
            (Path(root) / "fixtures").mkdir()
            (Path(root) / name).write_text(json.dumps(self.CLIENTS, indent=2))
            (Path(root) / "fixtures/other.json").write_text('{"port": 9000}')
            given = ["--clients-file", name, "--resource", "http://127.0.0.1:9100/calendar", "fixtures/other.json"]
            rewritten, shown = casting.rewrite_arguments(given, self.PORTS, Path(scratch), Path(root))
            self.assertEqual(rewritten[2:], ["--resource", "http://127.0.0.1:41100/calendar", "fixtures/other.json"])
            self.assertEqual(shown, [(rewritten[1], name)])
            copy = json.loads(Path(rewritten[1]).read_text())["clients"][0]
            self.assertEqual(copy["redirect_uris"], ["http://127.0.0.1:41000/link/signed-in"])
            self.assertEqual(copy["token_exchange"]["subject_audience"], "http://127.0.0.1:41000/mcp")
            self.assertEqual(list(copy["token_exchange"]["targets"]), ["http://127.0.0.1:41100/calendar"])
            # With its ports shown as the defaults, the copy is the original.
            back = normalise(Path(rewritten[1]).read_text(), 41000, more_ports=[(41100, 9100)])
            self.assertEqual(back, (Path(root) / name).read_text())

    def test_a_free_port_is_never_one_a_transcript_shows(self):
        self.assertTrue({9000, 9001, 9002, 9100, 9102} <= RESERVED_PORTS)
        port = casting.free_port({1234})
        self.assertNotIn(port, RESERVED_PORTS | {1234})


class StartTests(unittest.TestCase):
    def test_the_server_is_pointed_at_the_services_that_run_if_it_takes_the_option(self):
        help_text = "--calendar-url URL  --partner-issuer URL  --partner-calendar-url URL"
        urls = {"calendar": "http://127.0.0.1:41100", "partner-issuer": "http://127.0.0.1:41002"}
        self.assertEqual(casting.server_options(help_text, urls),
                         ["--calendar-url", "http://127.0.0.1:41100/calendar",
                          "--partner-issuer", "http://127.0.0.1:41002"])
        self.assertEqual(casting.server_options("--issuer URL", urls), [])

    def test_the_issuers_are_started_by_serve_sh_on_a_port_no_one_else_has(self):
        command = casting.issuer_command(Path("/s/partner-issuer"), ["--keys-dir", "/s/pk"], {41000})
        avoided = {int(command[i + 1]) for i, part in enumerate(command) if part == "--avoid-port"}
        self.assertEqual(avoided, RESERVED_PORTS | {41000})
        self.assertEqual(command[-3:], ["issuer", "--keys-dir", "/s/pk"])
        options = command[1:command.index("issuer")]
        result = subprocess.run(["bash", command[0], *options, "--help"], cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_the_services_are_shown_on_their_default_ports_and_found_in_the_environment(self):
        def server(port):
            return Server(0, port, f"http://127.0.0.1:{port}", [], 0, Path("/dev/null"), Path("/dev/null"))
        cast = casting.Cast({"issuer": server(41001), "partner-issuer": server(41002), "calendar": server(41100),
                             "step": server(41000)})
        self.assertEqual(cast.shown_ports(), [(41002, 9002), (41100, 9100)])
        self.assertEqual(cast.environment(), {"PARTNER_ISSUER": "http://127.0.0.1:41002",
                                              "CALENDAR": "http://127.0.0.1:41100"})
        self.assertEqual(normalise("curl http://127.0.0.1:41100/calendar/events --port 41002", 41000,
                                   more_ports=cast.shown_ports()),
                         "curl http://127.0.0.1:9100/calendar/events --port 9002")


class DiffTests(unittest.TestCase):
    def test_a_server_after_the_steps_is_diffed_against_its_step(self):
        self.assertEqual(diff_path(9, "Delegation"), DIFFS / "step9_to_delegation.diff")
        self.assertEqual(diff_path(8, 9), DIFFS / "step8_to_step9.diff")
        if (ROOT / "Sources" / "Delegation").is_dir():
            diff = generate_diffs()[diff_path(9, "Delegation")]
            for line in diff.splitlines():
                if line.startswith("diff "):
                    self.assertRegex(line, r"^diff -ruN Sources/Step9/\S+ Sources/Delegation/\S+$")


if __name__ == "__main__":
    unittest.main()
