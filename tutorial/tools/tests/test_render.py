"""Diffs, the table of new files, asserts, and what a chapter becomes."""

import tempfile
import textwrap
import unittest
from pathlib import Path

from tutorialkit.diffs import new_files, tidy_diff
from tutorialkit.directives import parse_chapter
from tutorialkit.paths import SOURCES, TUTORIAL, TutorialError
from tutorialkit.render import counted, failed_assertions, new_files_table, render, scoped

RAW_DIFF = textwrap.dedent("""\
    diff -ruN -x .DS_Store Sources/Step1/App.swift Sources/Step2/App.swift
    --- Sources/Step1/App.swift\t2026-12-05 23:08:11.711258761 +0000
    +++ Sources/Step2/App.swift\t2026-12-05 23:08:11.711658284 +0000
    @@ -1,2 +1,2 @@
    -let step = 1
    +let step = 2
    diff -ruN -x .DS_Store Sources/Step1/Gone.swift Sources/Step2/Gone.swift
    --- Sources/Step1/Gone.swift\t2026-12-05 23:08:11.711258761 +0000
    +++ Sources/Step2/Gone.swift\t1970-01-01 00:00:00.000000000 +0000
    @@ -1 +0,0 @@
    -struct Gone {}
    diff -ruN -x .DS_Store Sources/Step1/Notes.swift Sources/Step2/Notes.swift
    --- Sources/Step1/Notes.swift\t1970-01-01 00:00:00.000000000 +0000
    +++ Sources/Step2/Notes.swift\t2026-12-05 23:08:11.711658284 +0000
    @@ -0,0 +1,3 @@
    +/// Notes | kept. Each one owned.
    +struct Notes {
    +}
    """)


class DiffTests(unittest.TestCase):
    def test_a_diff_loses_its_file_times_and_the_exclude_option(self):
        tidy = tidy_diff(RAW_DIFF)
        self.assertNotIn("\t", tidy)
        self.assertNotIn("-x .DS_Store", tidy)
        self.assertIn("diff -ruN Sources/Step1/Notes.swift Sources/Step2/Notes.swift\n"
                      "--- Sources/Step1/Notes.swift\n+++ Sources/Step2/Notes.swift\n@@ -0,0 +1,3 @@\n", tidy)

    def test_new_files_are_those_whose_old_side_is_empty(self):
        self.assertEqual(new_files(tidy_diff(RAW_DIFF)), ["Sources/Step2/Notes.swift"])


class NewFilesTableTests(unittest.TestCase):
    def test_the_table_counts_links_and_describes_each_new_file(self):
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "Sources/Step2").mkdir(parents=True)
            (Path(root) / "Sources/Step2/Notes.swift").write_text("/// Notes | kept. Each one owned.\nstruct Notes {}\n")
            table = new_files_table(tidy_diff(RAW_DIFF), Path(root) / "tutorial/09.md", "here", Path(root))
        self.assertEqual(table, [
            "One new file:", "",
            "| File | What it holds |", "|---|---|",
            "| [`Notes.swift`](../Sources/Step2/Notes.swift) | Notes \\| kept. |",
        ])

    def test_a_new_file_without_a_doc_comment_is_an_error(self):
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "Sources/Step2").mkdir(parents=True)
            (Path(root) / "Sources/Step2/Notes.swift").write_text("struct Notes {}\n")
            with self.assertRaisesRegex(TutorialError, "Notes.swift has no /// doc comment"):
                new_files_table(tidy_diff(RAW_DIFF), Path(root) / "tutorial/09.md", "here", Path(root))

    def test_counts_are_words_up_to_twelve(self):
        self.assertEqual(counted(6, "new file", "new files"), "Six new files")
        self.assertEqual(counted(1, "new file", "new files"), "One new file")
        self.assertEqual(counted(13, "new file", "new files"), "13 new files")


TRANSCRIPT = """$ curl -s "$BASE/mcp?access_token=$TOKEN"
401
[server log] debug Step6: method=POST path=/mcp [WorkshopSupport] request
[issuer log] info generate_token: [generate_token] Issued <token>
"""


def chapter(text: str):
    return parse_chapter(SOURCES / "99-test.md", textwrap.dedent(text).lstrip("\n"))


class AssertTests(unittest.TestCase):
    def test_a_scope_keeps_only_that_programs_log_lines(self):
        self.assertEqual(scoped(TRANSCRIPT, "server log"),
                         "[server log] debug Step6: method=POST path=/mcp [WorkshopSupport] request\n")
        self.assertEqual(scoped(TRANSCRIPT, "transcript"), TRANSCRIPT)

    def test_asserts_that_hold_report_nothing(self):
        parsed = chapter("""
            <!-- assert session="s" in="server log" lacks="access_token" -->
            <!-- assert session="s" in="server log" contains="path=/mcp" -->
            <!-- assert session="s" contains="access_token" -->
            <!-- assert session="s" in="issuer log" contains="<token>" -->
            """)
        self.assertEqual(failed_assertions([parsed], {"s": TRANSCRIPT}), [])

    def test_a_contradicted_claim_is_reported_with_the_line_that_contradicts_it(self):
        parsed = chapter("""
            The token never reaches the log.
            <!-- assert session="s" lacks="<token>" -->
            <!-- assert session="s" in="server log" contains="access_token" -->
            """)
        problems = failed_assertions([parsed], {"s": TRANSCRIPT})
        self.assertEqual(len(problems), 2)
        self.assertIn("99-test.md:2: the prose claims that session s lacks '<token>', but it does", problems[0])
        self.assertIn("[issuer log] info generate_token: [generate_token] Issued <token>", problems[0])
        self.assertIn("99-test.md:3: the prose claims that session s (server log) contains 'access_token', "
                      "but it does not", problems[1])

    def test_an_assert_on_a_file(self):
        with tempfile.TemporaryDirectory() as root:
            (Path(root) / "notes.txt").write_text("the path only\n")
            parsed = chapter("""
                <!-- assert file="notes.txt" contains="path only" -->
                <!-- assert file="notes.txt" lacks="query" -->
                """)
            self.assertEqual(failed_assertions([parsed], {}, Path(root)), [])
            with self.assertRaisesRegex(TutorialError, "no file missing.txt"):
                failed_assertions([chapter('<!-- assert file="missing.txt" contains="x" -->\n')], {}, Path(root))

    def test_an_assert_on_an_unknown_session_is_an_error(self):
        with self.assertRaisesRegex(TutorialError, "no session named nope"):
            failed_assertions([chapter('<!-- assert session="nope" contains="x" -->\n')], {})


class RenderTests(unittest.TestCase):
    def test_sessions_become_console_blocks_and_asserts_vanish_with_their_blank_line(self):
        parsed = chapter("""
            Before.

            <!-- session name="s" step="1"
            ls
            -->

            <!-- assert session="s" contains="401" -->

            After.
            <!-- assert session="s" contains="401" -->
            """)
        text = render(parsed, {"s": "$ ls\n401\n"}, {})
        self.assertEqual(text.split("\n", 2)[2], "Before.\n\n```console\n$ ls\n401\n```\n\nAfter.\n")
        self.assertTrue(text.startswith("<!-- generated from tutorial/src/99-test.md;"))

    def test_an_include_of_a_missing_diff_names_the_ones_there_are(self):
        parsed = chapter('<!-- include new-files="step0_to_step1" -->\n')
        with self.assertRaisesRegex(TutorialError, "no step diff named step0_to_step1 \\(have: step1_to_step2\\)"):
            render(parsed, {}, {TUTORIAL / "diffs" / "step1_to_step2.diff": ""})


if __name__ == "__main__":
    unittest.main()
