"""The Swift declaration scanner: where a declaration starts and ends, and a file's doc summary."""

import textwrap
import unittest

from tutorialkit.paths import TutorialError
from tutorialkit.swiftdecl import bracket_depths, doc_summary, find_declaration


def lines(text: str) -> list[str]:
    return textwrap.dedent(text).strip("\n").splitlines()


class FindDeclarationTests(unittest.TestCase):
    def test_a_function_with_its_doc_comment_and_attributes_dedented(self):
        source = lines("""
            struct Box {
                let x = 1

                /// Doubles it.
                @inlinable
                func double() -> Int {
                    x * 2
                }
            }
            """)
        text, first, last = find_declaration(source, "func double")
        self.assertEqual(text, "/// Doubles it.\n@inlinable\nfunc double() -> Int {\n    x * 2\n}\n")
        self.assertEqual((first, last), (4, 8))

    def test_modifiers_before_the_keyword_may_be_left_out(self):
        source = lines("""
            public static func make() {
            }
            """)
        self.assertEqual(find_declaration(source, "func make")[1:], (1, 2))
        self.assertEqual(find_declaration(source, "static func make")[1:], (1, 2))

    def test_braces_in_strings_comments_and_interpolation_do_not_count(self):
        source = lines("""
            func tricky() -> String {
                let a = "}"  // a closing brace } in a comment
                /* a block comment { with /* nesting } */ and } more */
                let b = "\\(a.map { "\\($0)}" }) }"
                let c = \"\"\"
                    } } }
                    \"\"\"
                return a + b + c
            }
            func after() {}
            """)
        text, first, last = find_declaration(source, "func tricky")
        self.assertEqual((first, last), (1, 9))
        self.assertTrue(text.endswith("return a + b + c\n}\n"))

    def test_a_constant_ends_at_its_closing_bracket(self):
        source = lines("""
            enum Scopes {
                static let all = [
                    "mcp:read",
                    "mcp:tools",
                ]
                static let none: [String] = []
            }
            """)
        text, first, last = find_declaration(source, "static let all")
        self.assertEqual((first, last), (2, 5))
        self.assertEqual(text.splitlines()[-1], "]")
        self.assertEqual(find_declaration(source, "let none")[1:], (6, 6))

    def test_a_type_needs_its_body_even_when_its_first_line_is_balanced(self):
        source = lines("""
            struct Options: ParsableArguments,
                Sendable
            {
                var port = 9000
            }
            """)
        self.assertEqual(find_declaration(source, "struct Options")[1:], (1, 5))

    def test_an_ambiguous_name_is_an_error_naming_the_lines(self):
        source = lines("""
            func run() {}
            func running() {}
            func run() {}
            """)
        with self.assertRaisesRegex(TutorialError, "matches lines 1, 3"):
            find_declaration(source, "func run")

    def test_a_missing_declaration_is_an_error(self):
        with self.assertRaisesRegex(TutorialError, "no declaration matching 'func gone'"):
            find_declaration(["func here() {}"], "func gone")

    def test_an_unclosed_declaration_is_an_error(self):
        with self.assertRaisesRegex(TutorialError, "could not find where"):
            find_declaration(["func open() {", "    let x = 1"], "func open")

    def test_depths_follow_nested_brackets(self):
        depths = [depth for _, depth, _ in bracket_depths(["f(a: [", "  {", "  }", "])"])]
        self.assertEqual(depths, [2, 3, 2, 0])


class DocSummaryTests(unittest.TestCase):
    def test_the_first_sentence_of_the_first_doc_comment_across_lines(self):
        source = lines("""
            import Foundation

            /// Notes, each owned by one subject, kept in one JSON file. An actor, so concurrent calls take
            /// turns.
            actor NotesStore {
                /// Not this one.
                let x = 1
            }
            """)
        self.assertEqual(doc_summary(source), "Notes, each owned by one subject, kept in one JSON file.")

    def test_a_sentence_wrapped_over_lines_is_joined(self):
        source = lines("""
            /// Tools that act for the caller, read from
            /// the verified token.
            struct UserTools {}
            """)
        self.assertEqual(doc_summary(source), "Tools that act for the caller, read from the verified token.")

    def test_only_the_first_paragraph_counts(self):
        source = lines("""
            /// Starts the server
            ///
            /// More detail.
            func start() {}
            """)
        self.assertEqual(doc_summary(source), "Starts the server")

    def test_dots_inside_a_sentence_do_not_end_it(self):
        source = ["/// RFC 6749 §3.3 scope tokens, e.g. mcp:read. Then more."]
        self.assertEqual(doc_summary(source), "RFC 6749 §3.3 scope tokens, e.g. mcp:read.")

    def test_a_file_without_doc_comment_has_no_summary(self):
        self.assertIsNone(doc_summary(["// just a comment", "struct X {}"]))


if __name__ == "__main__":
    unittest.main()
