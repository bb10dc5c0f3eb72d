"""Reading the chapter sources: directives, sessions, asserts, and runs of continued sessions."""

import textwrap
import unittest
from pathlib import Path

from tutorialkit.directives import parse_chapter, session_runs
from tutorialkit.paths import SOURCES, TutorialError


def chapter(text: str, name: str = "99-test.md"):
    return parse_chapter(SOURCES / name, textwrap.dedent(text).lstrip("\n"))


class SessionTests(unittest.TestCase):
    def test_commands_are_paragraphs_and_leading_hash_lines_are_their_comments(self):
        parsed = chapter("""
            <!-- session name="demo" step="6" show-log="yes" args="--log-level debug --public-url 'https://a b'"
            TOKEN=$(make)

            # Call it.
            # Twice.
            curl -s "$BASE/mcp" \\
              -d '{}'
            -->
            """)
        (session,) = parsed.sessions
        self.assertEqual((session.name, session.step, session.show_log), ("demo", 6, "yes"))
        self.assertEqual(session.args, ["--log-level", "debug", "--public-url", "https://a b"])
        self.assertEqual([c.text for c in session.commands], ["TOKEN=$(make)", 'curl -s "$BASE/mcp" \\\n  -d \'{}\''])
        self.assertEqual(session.commands[1].comments, ["# Call it.", "# Twice."])
        self.assertEqual(session.source, "tutorial/src/99-test.md:1")

    def test_show_log_all_is_accepted_and_anything_else_refused(self):
        self.assertEqual(chapter('<!-- session name="a" step="6" show-log="all"\nls\n-->\n').sessions[0].show_log, "all")
        with self.assertRaisesRegex(TutorialError, "show-log is"):
            chapter('<!-- session name="a" step="6" show-log="some"\nls\n-->\n')

    def test_startup_log_sorted_is_accepted_and_anything_else_refused(self):
        self.assertFalse(chapter('<!-- session name="a" step="7"\nls\n-->\n').sessions[0].sort_startup_log)
        parsed = chapter('<!-- session name="a" step="7" startup-log="sorted"\nls\n-->\n')
        self.assertTrue(parsed.sessions[0].sort_startup_log)
        with self.assertRaisesRegex(TutorialError, "startup-log is"):
            chapter('<!-- session name="a" step="7" startup-log="random"\nls\n-->\n')

    def test_mistakes_in_a_session_are_errors_that_say_where(self):
        cases = {
            '<!-- session name="Bad Name" step="1"\nls\n-->\n': "lowercase-words",
            '<!-- session name="a"\nls\n-->\n': 'needs step="N"',
            '<!-- session name="a" step="1"\n-->\n': "has no commands",
            '<!-- session name="a" step="1"\n# only a comment\n-->\n': "comment with no command",
            '<!-- session name="a" step="1"\nls\n': "not closed",
            '<!-- session name="a" step="1" -->\n': "on the lines after this one",
            '<!-- session name="a" step="1" issuer="maybe"\nls\n-->\n': 'issuer is "yes"',
            '<!-- session name="a" step="1" show-issuer-log="yes"\nls\n-->\n': "needs an issuer",
            '<!-- session name="a" step="1" colour="red"\nls\n-->\n': "unknown: 'colour'",
            '<!-- session name="b" continues="a" step="2"\nls\n-->\n': "leave them out here",
            '<!-- session name="a" step="9" client-site="yes"\nls\n-->\n': 'client-site="yes" needs issuer="yes"',
            '<!-- session name="b" continues="a" client-site="yes"\nls\n-->\n': "leave them out here",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesRegex(TutorialError, "99-test.md:1: .*" + message):
                chapter(text)

    def test_a_continuing_session_takes_the_server_settings_of_its_run(self):
        parsed = chapter("""
            <!-- session name="one" step="9" issuer="yes" show-server="yes" args="--log-level debug" client-site="yes"
            ls
            -->

            <!-- session name="two" continues="one" show-issuer-log="yes"
            pwd
            -->
            """)
        (run,) = session_runs([parsed])
        self.assertEqual([s.name for s in run], ["one", "two"])
        two = run[1]
        self.assertEqual((two.step, two.issuer, two.args, two.show_server), (9, "yes", ["--log-level", "debug"], False))
        self.assertTrue(two.client_site)

    def test_a_session_continued_twice_or_from_nowhere_is_an_error(self):
        with self.assertRaisesRegex(TutorialError, "not a session earlier in this chapter"):
            session_runs([chapter('<!-- session name="b" continues="a"\nls\n-->\n')])
        twice = chapter("""
            <!-- session name="a" step="1"
            ls
            -->
            <!-- session name="b" continues="a"
            ls
            -->
            <!-- session name="c" continues="a"
            ls
            -->
            """)
        with self.assertRaisesRegex(TutorialError, "already continued by b"):
            session_runs([twice])


class DirectiveTests(unittest.TestCase):
    def test_directives_inside_a_fence_are_text(self):
        parsed = chapter("""
            ````markdown
            <!-- session name="shown" step="1"
            ```
            <!-- assert session="x" contains="y" -->
            ````
            """)
        self.assertEqual((parsed.sessions, parsed.assertions), ([], []))

    def test_an_include_must_close_on_its_line(self):
        with self.assertRaisesRegex(TutorialError, "must end with '-->' on the same line"):
            chapter('<!-- include file="README.md"\n')

    def test_the_output_is_the_chapter_of_the_same_name(self):
        self.assertEqual(chapter("text\n", "07-x.md").output, Path(SOURCES.parent, "07-x.md"))


class AssertTests(unittest.TestCase):
    def test_an_assert_names_a_session_or_a_file_and_a_text(self):
        parsed = chapter("""
            Some prose.
            <!-- assert session="s" in="server log" lacks="&quot;access_token&quot;" -->
            <!-- assert file="README.md" contains="Swift" -->
            """)
        first, second = parsed.assertions
        self.assertEqual((first.session, first.scope, first.text, first.present),
                         ("s", "server log", '"access_token"', False))
        self.assertEqual(first.where, "tutorial/src/99-test.md:2")
        self.assertEqual((second.file, second.scope, second.text, second.present), ("README.md", "transcript", "Swift", True))
        self.assertEqual(first.describe(), "session s (server log) lacks '\"access_token\"'")

    def test_an_assert_that_cannot_be_checked_is_an_error(self):
        cases = {
            '<!-- assert contains="x" -->': "one session= or file=",
            '<!-- assert session="s" file="f" contains="x" -->': "one session= or file=",
            '<!-- assert session="s" contains="x" lacks="y" -->': "one contains= or lacks=",
            '<!-- assert session="s" in="stdout" contains="x" -->': "in= is one of",
            '<!-- assert file="f" in="server log" contains="x" -->': "only for a session",
            '<!-- assert session="s" contains="" -->': "needs a text",
            '<!-- assert session="s" contains="x"': "must end with '-->'",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesRegex(TutorialError, message):
                chapter(text + "\n")


if __name__ == "__main__":
    unittest.main()
