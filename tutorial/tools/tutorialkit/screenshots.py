"""Screenshots of a page that a session's servers serve, such as the issuer's sign-in page.

    <!-- screenshot name="signin-page" session="cimd-authorize" url="$ISSUER/authorize?$QUERY" alt="…" -->

After the commands of the session named, with its servers still running, the page at `url` (read
as if inside double quotes, in the session's shell state: its variables expand) is fetched with curl. Its HTML, normalised like
the transcripts (ports, ids, and the form's csrf_token and code_challenge as placeholders), is a
capture, tutorial/captures/<name>.html; headless Chromium renders that HTML into
tutorial/images/<name>.png; and the chapter shows the image.

Why the HTML is what `check` compares, and the picture is only rendered by `generate`: pixels
differ with the browser's version, fonts and antialiasing, so a check on them would fail on
machines where nothing changed, and pass nothing useful. The HTML is what the page says, and it is
the same on every run once normalised. So `check` compares the HTML like any capture, and checks
that the PNG exists and was rendered from exactly that HTML: `generate` writes the SHA-256 of the
HTML into the PNG (a tEXt chunk), so a page that changed without a new picture fails the check.
`generate` renders a picture only when the HTML it shows changed (or the PNG is missing), so that
regenerating does not churn the image. Rendering the normalised HTML, rather than the live page,
makes the picture show what the chapter's transcripts show (ports 9000, 9001 and 9443); the page
is self-contained (its style inline, nothing loaded from elsewhere), so nothing is lost.

Rendering needs the Python environment in .venv (selenium), and Chromium and chromedriver
(Tests/Interop/python/browser.py); only `generate`, and only when a picture is out of date, needs
them.
"""

from __future__ import annotations

import hashlib
import re
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .paths import CAPTURES, ROOT, TUTORIAL, TutorialError, rel

IMAGES = TUTORIAL / "images"
BROWSER = ROOT / "Tests" / "Interop" / "python" / "browser.py"
PYTHON = ROOT / ".venv" / "bin" / "python"
RENDER_TIMEOUT = 60  # seconds for the browser to start, load the page and save it
HASH_KEY = "tutorial-page-sha256"
# Hidden form values that are new on every render, and mean nothing to a reader.
FORM_VALUES = {"csrf_token": "csrf-token", "code_challenge": "code-challenge", "state": "state"}
# The placeholders normalise() writes itself, rather than from the session's replacements (which
# sessions.capture escapes for a page, so that a page shows <client-id> rather than hiding it as a tag).
BARE_PLACEHOLDERS = ("token", "uuid")


@dataclass
class Screenshot:
    """One screenshot directive: where it was written, the session after which the page is
    fetched, the page's URL as a shell word, and the image's alternative text."""
    where: str
    name: str
    session: str
    url: str
    alt: str

    @property
    def html(self) -> Path:
        return CAPTURES / f"{self.name}.html"

    @property
    def png(self) -> Path:
        return IMAGES / f"{self.name}.png"

    def fetch_command(self) -> str:
        """The shell command that prints the page: what a browser gets at the URL."""
        return f'curl -sS --fail-with-body --max-time 10 -H "Accept: text/html" "{self.url}"'


def parse(attributes: dict[str, str], where: str) -> Screenshot:
    missing = [name for name in ("name", "session", "url", "alt") if not attributes.get(name)]
    if missing:
        raise TutorialError(f"{where}: a screenshot needs {', '.join(missing)} (name, session, url and alt)")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", attributes["name"]):
        raise TutorialError(f"{where}: a screenshot needs name=\"lowercase-words\", got '{attributes['name']}'")
    return Screenshot(where, attributes["name"], attributes["session"], attributes["url"], attributes["alt"])


def markdown(shot: Screenshot, chapter_output: Path) -> list[str]:
    """What the chapter shows in the directive's place: the image, linked relative to the chapter."""
    return [f"![{shot.alt}]({shot.png.relative_to(chapter_output.parent).as_posix()})"]


def escaped(placeholder: str) -> str:
    """A placeholder as HTML text: <client-id> would be read as an element, and shown as nothing."""
    return placeholder.replace("<", "&lt;").replace(">", "&gt;")


def normalise_page(page: str) -> str:
    """A page normalised like a transcript (with its placeholders escaped), and the per-render
    values of its forms as placeholders too."""
    for name in BARE_PLACEHOLDERS:
        page = page.replace(f"<{name}>", escaped(f"<{name}>"))
    for name, placeholder in FORM_VALUES.items():
        page = re.sub(rf'(name="{name}" value=")[^"]*(")', rf"\g<1>{escaped(f'<{placeholder}>')}\g<2>", page)
    return page


# --------------------------------------------------------------------------------------------
# The picture: a PNG that says which HTML it shows


def page_hash(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def with_text(png: bytes, key: str, value: str) -> bytes:
    """The PNG with a tEXt chunk KEY=VALUE right after its header chunk (PNG §11.3.4.3)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise TutorialError("the browser's screenshot is not a PNG")
    end_of_header = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:end_of_header] + _chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")) + png[end_of_header:]


def text_of(png: bytes, key: str) -> str | None:
    """The value of the PNG's tEXt chunk KEY, if it has one."""
    at = 8
    while at + 8 <= len(png):
        length = struct.unpack(">I", png[at:at + 4])[0]
        kind, data = png[at + 4:at + 8], png[at + 8:at + 8 + length]
        if kind == b"tEXt" and b"\0" in data:
            name, value = data.split(b"\0", 1)
            if name.decode("latin-1") == key:
                return value.decode("latin-1")
        if kind == b"IEND":
            break
        at += 12 + length
    return None


def shows(png_path: Path, html: str) -> bool:
    """Whether the PNG at png_path was rendered from exactly this HTML."""
    return png_path.is_file() and text_of(png_path.read_bytes(), HASH_KEY) == page_hash(html)


def render(html: str) -> bytes:
    """The HTML, rendered by headless Chromium, as a PNG that carries the HTML's hash."""
    if not PYTHON.exists():
        raise TutorialError(f"rendering a screenshot needs {rel(PYTHON)} with selenium: python3 -m venv .venv && "
                            ".venv/bin/python -m pip install -r Tests/Interop/python/requirements.txt")
    with tempfile.TemporaryDirectory(prefix="tutorial-shot-") as scratch:
        page, picture = Path(scratch) / "page.html", Path(scratch) / "page.png"
        page.write_text(html, encoding="utf-8")
        try:
            result = subprocess.run([str(PYTHON), str(BROWSER), "screenshot", page.as_uri(), str(picture)],
                                    cwd=ROOT, capture_output=True, text=True, timeout=RENDER_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise TutorialError(f"the browser did not render a screenshot within {RENDER_TIMEOUT}s") from None
        if result.returncode != 0 or not picture.is_file():
            raise TutorialError(f"could not render a screenshot ({rel(BROWSER)}):\n{result.stderr.strip()[-1500:]}")
        return with_text(picture.read_bytes(), HASH_KEY, page_hash(html))


def problems(pages: dict[Path, str]) -> list[str]:
    """For check: each picture that is missing, or shows another page than its HTML capture."""
    found = []
    for png, html in pages.items():
        if not png.is_file():
            found.append(f"{rel(png)} is missing.")
        elif not shows(png, html):
            found.append(f"{rel(png)} is out of date: it was rendered from another page than "
                         f"{rel(CAPTURES / (png.stem + '.html'))} (generate renders it again; it needs Chromium).")
    return found


def write(pages: dict[Path, str]) -> list[Path]:
    """For generate: renders each picture that is missing or shows another page; returns those written."""
    written = []
    for png, html in pages.items():
        if shows(png, html):
            continue
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(render(html))
        written.append(png)
    return written


def stale(pages: dict[Path, str]) -> list[Path]:
    """The pictures in tutorial/images that no screenshot directive makes any more."""
    return sorted(p for p in IMAGES.glob("*.png") if p not in pages) if IMAGES.is_dir() else []
