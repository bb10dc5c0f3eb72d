"""Reads Swift source well enough to cut one declaration out of a file, and to find the first
sentence of a file's doc comment. Not a parser: it follows brackets, string literals (with
interpolation) and comments, which is all that finding a declaration's end needs."""

from __future__ import annotations

import re
from pathlib import Path

from .paths import TutorialError, rel

MODIFIERS = (
    r"(?:(?:public|private|fileprivate|internal|open|package|static|class|final|override|mutating|"
    r"nonmutating|nonisolated|lazy|weak|unowned|convenience|required|indirect|dynamic)(?:\([^)]*\))?\s+)*"
)
BODY_KEYWORDS = {"func", "init", "struct", "enum", "class", "extension", "protocol", "actor", "subscript", "deinit"}


def bracket_depths(lines: list[str]):
    """Yields (index, depth at end of line, whether a `{` was opened at depth 0 so far).

    Counts (), [] and {} outside string literals and comments; string interpolation
    `\\( ... )` is followed well enough for ordinary Swift."""
    depth = 0
    body_opened = False
    stack = ["code"]  # code | interp:<parens> | str | mstr | comment:<nesting>
    for index, line in enumerate(lines):
        i = 0
        while i < len(line):
            mode = stack[-1]
            rest = line[i:]
            if mode == "str" or mode == "mstr":
                if rest.startswith("\\("):
                    stack.append("interp:0")
                    i += 2
                elif rest.startswith("\\"):
                    i += 2
                elif mode == "mstr" and rest.startswith('"""'):
                    stack.pop()
                    i += 3
                elif mode == "str" and rest.startswith('"'):
                    stack.pop()
                    i += 1
                else:
                    i += 1
                continue
            if mode.startswith("comment:"):
                nesting = int(mode.split(":")[1])
                if rest.startswith("*/"):
                    stack.pop()
                    if nesting > 1:
                        stack.append(f"comment:{nesting - 1}")
                    i += 2
                elif rest.startswith("/*"):
                    stack[-1] = f"comment:{nesting + 1}"
                    i += 2
                else:
                    i += 1
                continue
            # code or interpolation
            if rest.startswith("//"):
                break
            if rest.startswith("/*"):
                stack.append("comment:1")
                i += 2
                continue
            if rest.startswith('"""'):
                stack.append("mstr")
                i += 3
                continue
            if rest.startswith('"'):
                stack.append("str")
                i += 1
                continue
            char = line[i]
            if mode.startswith("interp:"):
                parens = int(mode.split(":")[1])
                if char == "(":
                    stack[-1] = f"interp:{parens + 1}"
                elif char == ")":
                    if parens == 0:
                        stack.pop()
                    else:
                        stack[-1] = f"interp:{parens - 1}"
            elif char in "([{":
                if char == "{" and depth == 0:
                    body_opened = True
                depth += 1
            elif char in ")]}":
                depth -= 1
            i += 1
        if stack[-1] == "str":  # an unterminated single-line string: recover
            while stack[-1] in ("str",) or stack[-1].startswith("interp:"):
                stack.pop()
        yield index, depth, body_opened


def find_declaration(lines: list[str], decl: str, where: str = "<text>") -> tuple[str, int, int]:
    """The declaration named `decl` in `lines`: its text (dedented, with the comment and attribute
    lines just above it), and its first and last line numbers (1-based). `where` names the file
    in errors."""
    pattern = re.compile(
        r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*" + MODIFIERS + re.escape(decl).replace(r"\ ", r"\s+") + r"(?![\w])"
    )
    found = [i for i, line in enumerate(lines) if pattern.match(line)]
    if not found:
        raise TutorialError(f"{where}: no declaration matching '{decl}'")
    if len(found) > 1:
        lines_found = ", ".join(str(i + 1) for i in found)
        raise TutorialError(f"{where}: '{decl}' matches lines {lines_found}; name it more exactly")
    start = end = found[0]
    keyword = decl.split()[0]
    needs_body = keyword in BODY_KEYWORDS
    for index, depth, body_opened in bracket_depths(lines[start:]):
        if depth < 0:
            raise TutorialError(f"{where}:{start + index + 1}: unbalanced brackets in '{decl}'")
        if depth == 0 and (body_opened or not needs_body):
            end = start + index
            break
    else:
        raise TutorialError(f"{where}:{start + 1}: could not find where '{decl}' ends")
    first = start
    while first > 0 and lines[first - 1].strip().startswith(("///", "//", "@")):
        first -= 1
    region = lines[first : end + 1]
    indent = min(len(line) - len(line.lstrip()) for line in region if line.strip())
    text = "\n".join(line[indent:] for line in region)
    return text + "\n", first + 1, end + 1


def extract_declaration(path: Path, decl: str) -> tuple[str, int, int]:
    """find_declaration on a file."""
    return find_declaration(path.read_text(encoding="utf-8").splitlines(), decl, rel(path))


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`])")


def doc_summary(lines: list[str]) -> str | None:
    """The first sentence of the first `///` doc comment in the file (which, in a file of one main
    type, documents that type); None if the file has none."""
    paragraph: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("///"):
            text = stripped[3:].strip()
            if not text:
                if paragraph:
                    break
                continue
            paragraph.append(text)
        elif paragraph:
            break
    if not paragraph:
        return None
    return SENTENCE_END.split(" ".join(paragraph), maxsplit=1)[0]
