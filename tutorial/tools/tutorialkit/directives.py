"""Reads the chapter sources: the include, session, assert and screenshot directives, each an
HTML comment starting on a line of its own (directives inside ``` fences are left alone)."""

from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .paths import SOURCES, TUTORIAL, TutorialError, rel
from .screenshots import Screenshot, parse as parse_screenshot

DIRECTIVE = re.compile(r"^<!--\s*(include|session|assert|screenshot)\b(.*?)(-->)?\s*$")
# The services a server after the steps (step="Delegation") calls for its users: each attribute
# runs one, and its value holds more arguments for it (see cast).
SERVICES = ("calendar", "partner-issuer", "partner-calendar")
# A server after the steps: a folder of Sources/ that is Step N plus one capability.
PROGRAM = re.compile(r"[A-Z][A-Za-z0-9]*")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
ALLOWED = {
    "include": {"file", "decl", "diff", "session", "new-files"},
    "session": {"name", "step", "show-server", "show-log", "args", "issuer", "show-issuer-log", "continues",
                "client-site", "issuer-args", "startup-log", *SERVICES},
    "assert": {"session", "file", "in", "contains", "lacks"},
    "screenshot": {"name", "session", "url", "alt"},
}
SHOW_LOG = ("no", "yes", "all")
# What of a transcript an assert looks at: all of it, or only the lines of one program's log.
ASSERT_SCOPES = {"transcript": None, "server log": "[server log] ", "issuer log": "[issuer log] "}


@dataclass
class Command:
    comments: list[str]
    text: str


@dataclass
class Session:
    name: str
    step: int  # 0 for a server after the steps, named by program
    commands: list[Command]
    show_server: bool = False
    show_log: str = "no"  # no | yes: the step's own lines | all: every line of its log
    args: list[str] = field(default_factory=list)
    source: str = ""
    issuer: str = "no"  # yes: the workshop issuer; other: another issuer, with a key pair of its own
    show_issuer_log: bool = False
    continues: str | None = None
    client_site: bool = False  # the client's HTTPS site for metadata documents (clientsite)
    issuer_args: list[str] = field(default_factory=list)  # more arguments for the issuer
    sort_startup_log: bool = False  # the step's start-up lines come from tasks running at once
    program: str = ""  # the executable: Step<step>, or a server after the steps (Delegation)
    services: dict[str, list[str]] = field(default_factory=dict)  # SERVICES that run, with their arguments

    def __post_init__(self):
        self.program = self.program or f"Step{self.step}"


@dataclass
class Assertion:
    """A claim of the prose tied to a capture or a file: its text must (or must not) be there."""
    where: str
    session: str | None
    file: str | None
    scope: str  # a key of ASSERT_SCOPES; "transcript" for a file
    text: str
    present: bool  # contains= (True) or lacks= (False)

    def describe(self) -> str:
        target = f"session {self.session}" + ("" if self.scope == "transcript" else f" ({self.scope})") \
            if self.session else self.file
        return f"{target} {'contains' if self.present else 'lacks'} {self.text!r}"


@dataclass
class Chapter:
    source: Path
    output: Path
    lines: list[str]
    sessions: list[Session]
    assertions: list[Assertion] = field(default_factory=list)
    screenshots: list[Screenshot] = field(default_factory=list)


def attributes_of(match: re.Match, where: str) -> dict[str, str]:
    """The name="value" attributes of a directive; an unknown attribute or stray text is an error."""
    kind, text = match.group(1), match.group(2)
    attributes = dict(ATTRIBUTE.findall(text))
    leftover = ATTRIBUTE.sub("", text).strip()
    unknown = set(attributes) - ALLOWED[kind]
    if unknown or leftover:
        raise TutorialError(
            f"{where}: cannot read this {kind} directive (unknown: {', '.join(sorted(unknown)) or leftover!r}; "
            f"it takes {', '.join(sorted(ALLOWED[kind]))}, as name=\"value\")"
        )
    return attributes


def parse_session(attributes: dict[str, str], body: list[str], where: str) -> Session:
    name = attributes.get("name", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TutorialError(f"{where}: a session needs name=\"lowercase-words\", got '{name}'")
    continues = attributes.get("continues")
    if continues is not None:
        inherited = sorted({"step", "args", "issuer", "show-server", "client-site", "issuer-args", *SERVICES}
                           & attributes.keys())
        if inherited:
            raise TutorialError(f"{where}: session {name} continues {continues}, and takes "
                                f"{', '.join(inherited)} from it; leave them out here")
    elif not (attributes.get("step", "").isdigit() or PROGRAM.fullmatch(attributes.get("step", ""))):
        raise TutorialError(f"{where}: session {name} needs step=\"N\" (or the name of a server after the steps, "
                            "such as step=\"Delegation\")")
    commands: list[Command] = []
    paragraph: list[str] = []
    for line in body + [""]:
        if line.strip():
            paragraph.append(line.rstrip())
            continue
        if paragraph:
            comments = []
            while paragraph and paragraph[0].lstrip().startswith("#"):
                comments.append(paragraph.pop(0))
            if not paragraph:
                raise TutorialError(f"{where}: session {name} has a comment with no command after it")
            commands.append(Command(comments, "\n".join(paragraph)))
            paragraph = []
    if not commands:
        raise TutorialError(f"{where}: session {name} has no commands")
    issuer = attributes.get("issuer", "no")
    if issuer not in ("yes", "other", "no"):
        raise TutorialError(f"{where}: session {name}: issuer is \"yes\", \"other\" or \"no\", not \"{issuer}\"")
    show_log = attributes.get("show-log", "no")
    if show_log not in SHOW_LOG:
        raise TutorialError(f"{where}: session {name}: show-log is \"yes\", \"all\" or \"no\", not \"{show_log}\"")
    show_issuer_log = attributes.get("show-issuer-log", "no") == "yes"
    if show_issuer_log and issuer == "no" and continues is None:
        raise TutorialError(f"{where}: session {name}: show-issuer-log=\"yes\" needs an issuer")
    client_site = attributes.get("client-site", "no") == "yes"
    if client_site and issuer != "yes":
        raise TutorialError(f"{where}: session {name}: client-site=\"yes\" needs issuer=\"yes\", which fetches "
                            "the documents")
    startup_log = attributes.get("startup-log", "as-logged")
    if startup_log not in ("as-logged", "sorted"):
        raise TutorialError(f"{where}: session {name}: startup-log is \"as-logged\" or \"sorted\", not \"{startup_log}\"")
    issuer_args = shlex.split(attributes.get("issuer-args", ""))
    if issuer_args and issuer == "no":
        raise TutorialError(f"{where}: session {name}: issuer-args needs an issuer")
    step = attributes.get("step", "0")
    services = {service: shlex.split(attributes[service]) for service in SERVICES if service in attributes}
    if continues is None and not step.isdigit():
        if issuer != "yes" or client_site:
            raise TutorialError(f"{where}: session {name}: step=\"{step}\" runs with issuer=\"yes\" (its home "
                                "issuer), and without client-site")
    elif services and continues is None:
        raise TutorialError(f"{where}: session {name}: {', '.join(services)} run beside a server after the steps "
                            "(step=\"Delegation\"), not beside a step")
    if "partner-calendar" in services and "partner-issuer" not in services:
        raise TutorialError(f"{where}: session {name}: partner-calendar trusts the partner issuer: add partner-issuer")
    return Session(
        name=name,
        step=int(step) if step.isdigit() else 0,
        program="" if step.isdigit() else step,
        services=services,
        commands=commands,
        show_server=attributes.get("show-server", "no") == "yes",
        show_log=show_log,
        args=shlex.split(attributes.get("args", "")),
        source=where,
        issuer=issuer,
        show_issuer_log=show_issuer_log,
        continues=continues,
        client_site=client_site,
        issuer_args=issuer_args,
        sort_startup_log=startup_log == "sorted",
    )


def parse_assertion(attributes: dict[str, str], where: str) -> Assertion:
    targets = [key for key in ("session", "file") if key in attributes]
    texts = [key for key in ("contains", "lacks") if key in attributes]
    if len(targets) != 1 or len(texts) != 1:
        raise TutorialError(f"{where}: an assert names one session= or file=, and one contains= or lacks=")
    scope = attributes.get("in", "transcript")
    if scope not in ASSERT_SCOPES or (scope != "transcript" and "file" in attributes):
        raise TutorialError(f"{where}: in= is one of {', '.join(repr(s) for s in ASSERT_SCOPES)}, "
                            "and only for a session")
    text = html.unescape(attributes[texts[0]])  # &quot; for a double quote
    if not text:
        raise TutorialError(f"{where}: an assert needs a text to look for")
    return Assertion(where, attributes.get("session"), attributes.get("file"), scope, text, texts[0] == "contains")


def track_fence(line: str, fence: str | None) -> str | None:
    """The fence open after this line (``` or ~~~, as long as it was opened), or None."""
    match = re.match(r"^\s*(`{3,}|~{3,})", line)
    if not match:
        return fence
    if fence is None:
        return match.group(1)
    return None if match.group(1).startswith(fence) and line.strip() == match.group(1) else fence


def parse_chapter(source: Path, text: str) -> Chapter:
    """A chapter source's lines, sessions and assertions; `source` names it in errors."""
    lines = text.splitlines()
    sessions: list[Session] = []
    assertions: list[Assertion] = []
    screenshots: list[Screenshot] = []
    fence = None
    i = 0
    while i < len(lines):
        line = lines[i]
        where = f"{rel(source)}:{i + 1}"
        fence = track_fence(line, fence)
        match = DIRECTIVE.match(line) if fence is None else None
        if match and match.group(1) == "session":
            attributes = attributes_of(match, where)
            if match.group(3):
                raise TutorialError(f"{where}: put the session's commands on the lines "
                                    "after this one, and '-->' on a line of its own")
            body, j = [], i + 1
            while j < len(lines) and lines[j].strip() != "-->":
                body.append(lines[j])
                j += 1
            if j == len(lines):
                raise TutorialError(f"{where}: session block is not closed with a '-->' line")
            sessions.append(parse_session(attributes, body, where))
            i = j
        elif match:
            attributes = attributes_of(match, where)
            if not match.group(3):
                raise TutorialError(f"{where}: an {match.group(1)} directive must end with '-->' on the same line")
            if match.group(1) == "assert":
                assertions.append(parse_assertion(attributes, where))
            elif match.group(1) == "screenshot":
                screenshots.append(parse_screenshot(attributes, where))
        i += 1
    names = {session.name for session in sessions}
    for shot in screenshots:
        if shot.session not in names:
            raise TutorialError(f"{shot.where}: screenshot {shot.name} names session {shot.session}, "
                                "which is not a session of this chapter")
    return Chapter(source, TUTORIAL / source.name, lines, sessions, assertions, screenshots)


def read_chapters() -> list[Chapter]:
    return [parse_chapter(source, source.read_text(encoding="utf-8")) for source in sorted(SOURCES.glob("*.md"))]


def session_runs(chapters: list[Chapter]) -> list[list[Session]]:
    """The sessions grouped into runs: a session, then the one that continues it, and so on. A
    continuing session inherits the server settings of the session it continues."""
    runs: list[list[Session]] = []
    run_of: dict[str, list[Session]] = {}
    for chapter in chapters:
        for session in chapter.sessions:
            if session.continues is None:
                run_of[session.name] = [session]
                runs.append(run_of[session.name])
                continue
            run = run_of.get(session.continues)
            if run is None or session.continues not in {s.name for s in chapter.sessions}:
                raise TutorialError(f"{session.source}: session {session.name} continues {session.continues}, "
                                    "which is not a session earlier in this chapter")
            if run[-1].name != session.continues:
                names = [s.name for s in run]
                raise TutorialError(f"{session.source}: session {session.continues} is already continued by "
                                    f"{names[names.index(session.continues) + 1]}")
            root = run[0]
            session.step, session.args, session.issuer, session.show_server = root.step, root.args, root.issuer, False
            session.client_site, session.issuer_args = root.client_site, root.issuer_args
            session.program, session.services = root.program, root.services
            if session.show_issuer_log and root.issuer == "no":
                raise TutorialError(f"{session.source}: session {session.name}: show-issuer-log=\"yes\" needs "
                                    f"an issuer on {root.name}")
            run.append(session)
            run_of[session.name] = run
    return runs
