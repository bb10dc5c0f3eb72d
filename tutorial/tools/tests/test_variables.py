"""A chapter's commands work in a new terminal: the variables the harness sets are set by the prose."""

import textwrap
import unittest

from tutorialkit.directives import parse_chapter, session_runs
from tutorialkit.paths import SOURCES
from tutorialkit.variables import unset_variables


def problems(text: str) -> list[str]:
    parsed = parse_chapter(SOURCES / "99-test.md", textwrap.dedent(text).lstrip("\n"))
    return unset_variables([parsed], session_runs([parsed]))


class NewTerminalTests(unittest.TestCase):
    def test_a_variable_exported_at_the_top_is_set(self):
        self.assertEqual(problems("""
            > `export BASE=http://127.0.0.1:9000 KEYS=$PWD/keys`.

            <!-- session name="a" step="6"
            curl -s "$BASE/health" --keys "$KEYS"
            -->
            """), [])

    def test_a_variable_nothing_sets_is_reported_with_the_session_and_the_name(self):
        (problem,) = problems("""
            > `export BASE=http://127.0.0.1:9000`.

            <!-- session name="other-issuer" step="7" issuer="other"
            curl -s "$ISSUER/jwks.json" "${BASE}/mcp"
            -->
            """)
        self.assertIn("99-test.md:3: session other-issuer uses $ISSUER,", problem)
        self.assertNotIn("$BASE", problem)

    def test_an_export_after_the_session_does_not_count(self):
        (problem,) = problems("""
            <!-- session name="a" step="1"
            curl -s "$BASE/health"
            -->

            Then `export BASE=http://127.0.0.1:9000`.
            """)
        self.assertIn("uses $BASE", problem)

    def test_a_session_or_the_run_it_continues_may_set_it_itself(self):
        self.assertEqual(problems("""
            <!-- session name="a" step="7" issuer="yes"
            export BASE=http://127.0.0.1:9000

            ISSUER=$(curl -s "$BASE/.well-known/oauth-protected-resource/mcp" | jq -r '.authorization_servers[0]')
            -->

            <!-- session name="b" continues="a"
            curl -s "$ISSUER/jwks.json"
            -->
            """), [])

    def test_variables_of_its_own_are_no_concern(self):
        self.assertEqual(problems("""
            <!-- session name="a" step="1"
            echo "$TOKEN $BASELINE"
            -->
            """), [])
