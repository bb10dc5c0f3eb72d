"""Turns a chapter source into the chapter: each include becomes the code, diff, table or
transcript it names; asserts become nothing, and are checked against what they name."""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import screenshots
from .diffs import new_files
from .directives import ASSERT_SCOPES, DIRECTIVE, Assertion, Chapter, attributes_of, track_fence
from .paths import DIFFS, ROOT, SCRIPT, TutorialError, rel
from .swiftdecl import doc_summary, extract_declaration

LANGUAGES = {".swift": "swift", ".sh": "sh", ".json": "json", ".md": "markdown", ".py": "python", ".diff": "diff"}
NUMBER_WORDS = ["No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve"]


def code_block(text: str, language: str) -> list[str]:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *text.rstrip("\n").split("\n"), fence]


def link(target: Path, from_file: Path, anchor: str = "", text: str | None = None) -> str:
    return f"[`{text or rel(target)}`]({os.path.relpath(target, from_file.parent)}{anchor})"


def counted(count: int, singular: str, plural: str) -> str:
    """"Six new files", "One new file"."""
    number = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
    return f"{number} {singular if count == 1 else plural}"


def new_files_table(diff_text: str, from_file: Path, where: str, root: Path = ROOT) -> list[str]:
    """The files a step diff adds, as a sentence that counts them and a table: each file, linked
    (from `from_file`), with the first sentence of its doc comment. The diff names files from `root`."""
    rows = []
    for name in new_files(diff_text):
        path = root / name
        summary = doc_summary(path.read_text(encoding="utf-8").splitlines()) if path.is_file() else None
        if summary is None:
            raise TutorialError(f"{where}: {name} has no /// doc comment to describe it in the table of new files; "
                                "give its main declaration one (the first sentence is shown)")
        rows.append(f"| {link(path, from_file, text=path.name)} | {summary.replace('|', chr(92) + '|')} |")
    if not rows:
        raise TutorialError(f"{where}: the diff adds no files; leave out the table of new files")
    return [counted(len(rows), "new file:", "new files:"), "", "| File | What it holds |", "|---|---|", *rows]


def render(chapter: Chapter, transcripts: dict[str, str], diffs: dict[Path, str]) -> str:
    out = [
        f"<!-- generated from tutorial/src/{chapter.source.name}; edit that, "
        f"then run: {SCRIPT} generate -->",
        "",
    ]
    fence = None
    i = 0
    lines = chapter.lines
    while i < len(lines):
        line = lines[i]
        where = f"{rel(chapter.source)}:{i + 1}"
        fence = track_fence(line, fence)
        match = DIRECTIVE.match(line) if fence is None else None
        if not match:
            out.append(line)
            i += 1
            continue
        kind, attributes = match.group(1), attributes_of(match, where)
        if kind == "session":
            while lines[i].strip() != "-->":
                i += 1
            out += code_block(transcripts[attributes["name"]], "console")
        elif kind == "assert":
            if out and not out[-1].strip() and i + 1 < len(lines) and not lines[i + 1].strip():
                i += 1  # an assert on a paragraph of its own leaves one blank line, not two
        elif kind == "screenshot":
            out += screenshots.markdown(screenshots.parse(attributes, where), chapter.output)
        elif "session" in attributes:
            if attributes["session"] not in transcripts:
                raise TutorialError(f"{where}: no session named {attributes['session']}")
            out += code_block(transcripts[attributes["session"]], "console")
        elif "diff" in attributes or "new-files" in attributes:
            name = attributes.get("diff") or attributes["new-files"]
            path = DIFFS / f"{name}.diff"
            if path not in diffs:
                raise TutorialError(f"{where}: no step diff named {name} (have: "
                                    + ", ".join(p.stem for p in diffs) + ")")
            if "diff" in attributes:
                out += [link(path, chapter.output) + ":", "", *code_block(diffs[path], "diff")]
            else:
                out += new_files_table(diffs[path], chapter.output, where)
        elif "file" in attributes:
            path = ROOT / attributes["file"]
            if not path.is_file():
                raise TutorialError(f"{where}: no file {attributes['file']}")
            language = LANGUAGES.get(path.suffix, "")
            if "decl" in attributes:
                try:
                    text, first, last = extract_declaration(path, attributes["decl"])
                except TutorialError as error:
                    raise TutorialError(f"{where}: {error}") from None
                out.append(link(path, chapter.output, f"#L{first}-L{last}") + ":")
            else:
                text = path.read_text(encoding="utf-8")
                out.append(link(path, chapter.output) + ":")
            out.append("")
            out += code_block(text, language)
        else:
            raise TutorialError(f"{where}: an include needs file=, diff=, new-files= or session=")
        i += 1
    return "\n".join(out).rstrip("\n") + "\n"


def scoped(transcript: str, scope: str) -> str:
    """The part of a transcript an assert looks at."""
    prefix = ASSERT_SCOPES[scope]
    if prefix is None:
        return transcript
    return "".join(line + "\n" for line in transcript.splitlines() if line.startswith(prefix))


def failed_assertions(chapters: list[Chapter], transcripts: dict[str, str], root: Path = ROOT) -> list[str]:
    """Each assert that the capture or file (named from `root`) it names contradicts, as a message."""
    problems = []
    for chapter in chapters:
        for claim in chapter.assertions:
            if claim.session:
                if claim.session not in transcripts:
                    raise TutorialError(f"{claim.where}: no session named {claim.session}")
                text = scoped(transcripts[claim.session], claim.scope)
            else:
                path = root / claim.file
                if not path.is_file():
                    raise TutorialError(f"{claim.where}: no file {claim.file}")
                text = path.read_text(encoding="utf-8")
            if (claim.text in text) != claim.present:
                problems.append(f"{claim.where}: the prose claims that {claim.describe()}, but it "
                                f"{'does not' if claim.present else 'does'}" + _context(text, claim))
    return problems


def _context(text: str, claim: Assertion) -> str:
    """Where a text that must not be there was found."""
    if claim.present:
        return "."
    line = next((line for line in text.splitlines() if claim.text in line), claim.text)
    return f":\n    {line}"


def broken_links(path: Path, text: str, generated: set[Path]) -> list[str]:
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        file_part = target.split("#", 1)[0]
        target_path = Path(os.path.normpath(path.parent / file_part))
        if file_part and not target_path.exists() and target_path not in generated:
            problems.append(f"{rel(path)}: link to {file_part}, which does not exist (yet)")
    return problems
