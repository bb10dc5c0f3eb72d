"""The screenshot directive: reading it, what the chapter shows, and how a picture proves which page it shows."""

import struct
import tempfile
import textwrap
import unittest
import zlib
from pathlib import Path

from tutorialkit.directives import parse_chapter
from tutorialkit.paths import SOURCES, TUTORIAL, TutorialError
from tutorialkit.render import render
from tutorialkit.screenshots import HASH_KEY, normalise_page, page_hash, problems, shows, text_of, with_text

SESSION = '<!-- session name="signin" step="9" issuer="yes"\nls\n-->\n'


def chapter(text: str):
    return parse_chapter(SOURCES / "99-test.md", textwrap.dedent(text).lstrip("\n"))


def tiny_png() -> bytes:
    """A 1×1 grey PNG, made by hand."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


class DirectiveTests(unittest.TestCase):
    def test_a_screenshot_names_its_session_its_url_and_its_words(self):
        parsed = chapter(SESSION + '<!-- screenshot name="signin-page" session="signin" url="$ISSUER/authorize?$QUERY" '
                                   'alt="The sign-in page" -->\n')
        (shot,) = parsed.screenshots
        self.assertEqual((shot.name, shot.session, shot.alt), ("signin-page", "signin", "The sign-in page"))
        self.assertEqual(shot.png, TUTORIAL / "images" / "signin-page.png")
        self.assertTrue(shot.fetch_command().endswith('"$ISSUER/authorize?$QUERY"'))

    def test_the_chapter_shows_the_image_where_the_directive_was(self):
        parsed = chapter("Before.\n\n" + SESSION + '\n<!-- screenshot name="signin-page" session="signin" url="$U" '
                         'alt="The page" -->\n\nAfter.\n')
        text = render(parsed, {"signin": "$ ls\n"}, {})
        self.assertIn("\n![The page](images/signin-page.png)\n\nAfter.", text)

    def test_mistakes_are_errors_that_say_where(self):
        cases = {
            SESSION + '<!-- screenshot name="a" session="signin" url="$U" -->\n': "needs alt",
            SESSION + '<!-- screenshot name="A b" session="signin" url="$U" alt="x" -->\n': "lowercase-words",
            SESSION + '<!-- screenshot name="a" session="other" url="$U" alt="x" -->\n': "not a session of this chapter",
            SESSION + '<!-- screenshot name="a" session="signin" url="$U" alt="x" width="3" -->\n': "unknown: 'width'",
        }
        for text, message in cases.items():
            with self.subTest(text=text), self.assertRaisesRegex(TutorialError, "99-test.md:4: .*" + message):
                chapter(text)


class PageTests(unittest.TestCase):
    def test_the_values_of_a_form_that_change_every_render_become_placeholders(self):
        page = ('<input type="hidden" name="csrf_token" value="a1.b2">'
                '<input type="hidden" name="code_challenge" value="xyz">'
                '<input type="hidden" name="scope" value="mcp:read">')
        self.assertEqual(normalise_page(page),
                         '<input type="hidden" name="csrf_token" value="&lt;csrf-token&gt;">'
                         '<input type="hidden" name="code_challenge" value="&lt;code-challenge&gt;">'
                         '<input type="hidden" name="scope" value="mcp:read">')

    def test_a_placeholder_is_shown_as_text_and_a_tag_stays_a_tag(self):
        self.assertEqual(normalise_page("<p>Key <code><uuid></code> signs <token>.</p>"),
                         "<p>Key <code>&lt;uuid&gt;</code> signs &lt;token&gt;.</p>")


class PictureTests(unittest.TestCase):
    def test_a_picture_carries_the_hash_of_the_page_it_shows(self):
        png = with_text(tiny_png(), HASH_KEY, page_hash("<p>one</p>"))
        self.assertEqual(text_of(png, HASH_KEY), page_hash("<p>one</p>"))
        self.assertIsNone(text_of(tiny_png(), HASH_KEY))
        with self.assertRaisesRegex(TutorialError, "not a PNG"):
            with_text(b"GIF89a", HASH_KEY, "x")

    def test_check_finds_a_missing_picture_and_one_of_another_page(self):
        with tempfile.TemporaryDirectory() as folder:
            shown, other, missing = (Path(folder) / name for name in ("shown.png", "other.png", "missing.png"))
            shown.write_bytes(with_text(tiny_png(), HASH_KEY, page_hash("<p>now</p>")))
            other.write_bytes(with_text(tiny_png(), HASH_KEY, page_hash("<p>before</p>")))
            self.assertTrue(shows(shown, "<p>now</p>"))
            found = problems({shown: "<p>now</p>", other: "<p>now</p>", missing: "<p>now</p>"})
            self.assertEqual(len(found), 2)
            self.assertIn("other.png is out of date", found[0])
            self.assertIn("missing.png is missing", found[1])


if __name__ == "__main__":
    unittest.main()
