"""Checks that a chapter's commands work when pasted into a new terminal: every variable the
capture harness sets for a session (the step's address, the key folders, the issuer) must be set
by the chapter's own text first, in an `export` line before the session, or by the session's run
itself."""

from __future__ import annotations

import re

from .directives import Chapter, Session

# What the harness puts in a session's environment and an attendee must set by hand.
TERMINAL_VARIABLES = ("BASE", "KEYS", "ISSUER", "ISSUER_KEYS", "PARTNER_ISSUER", "PARTNER_KEYS", "CALENDAR",
                      "PARTNER_CALENDAR", "DATA_DIR")
ASSIGNMENT = re.compile(r"(?:^|[\s;&|(])(?:export\s+|local\s+)?([A-Z_][A-Z0-9_]*)=")


def used(command: str, name: str) -> bool:
    return re.search(rf"\$\{{?{name}\b", command) is not None


def exported_before(chapter: Chapter, line: int, name: str) -> bool:
    """Whether a line before `line` (1-based) exports `name`: `export BASE=… KEYS=…`."""
    pattern = re.compile(rf"\bexport\s+(?:[^`\n]*\s)?{name}=")
    return any(pattern.search(text) for text in chapter.lines[: line - 1])


def unset_variables(chapters: list[Chapter], runs: list[list[Session]]) -> list[str]:
    """Each session that uses a terminal variable nothing before it sets, as a message."""
    run_of = {session.name: run for run in runs for session in run}
    problems = []
    for chapter in chapters:
        for session in chapter.sessions:
            run = run_of.get(session.name, [session])
            assigned: set[str] = set()
            for earlier in run[: run.index(session)]:
                for command in earlier.commands:
                    assigned.update(ASSIGNMENT.findall(command.text))
            line = int(session.source.rsplit(":", 1)[1])
            missing = []
            for command in session.commands:
                for name in TERMINAL_VARIABLES:
                    if used(command.text, name) and name not in assigned and name not in missing \
                            and not exported_before(chapter, line, name):
                        missing.append(name)
                assigned.update(ASSIGNMENT.findall(command.text))
            if missing:
                names = ", ".join(f"${name}" for name in missing)
                problems.append(f"{session.source}: session {session.name} uses {names}, which nothing before it in "
                                f"the chapter sets: say `export {missing[0]}=…` above it (at the chapter's top, or "
                                f"where the section starts its servers), so that the commands work in a new terminal")
    return problems
