#!/usr/bin/env python3
"""Builds the workshop chapters from their sources, and checks that they have not drifted.

Chapters are written in tutorial/src/*.md and generated into tutorial/*.md. The sources never
hold code or output typed by hand; they hold directives instead, each an HTML comment starting
on a line of its own (directives inside ``` fences are left alone):

  <!-- include file="Sources/Step1/App.swift" -->
      the whole file, in a ```swift block (other extensions get their own language)
  <!-- include file="Sources/Step2/EraCheck.swift" decl="static func checkModern" -->
      one declaration, named by its keyword and name as written (the modifiers before it may
      be left out): the comment and attribute lines just above it, then everything up to its
      matching closing brace (or bracket, for `static let x = [ ... ]`), dedented. It must
      match exactly one line of the file.
  <!-- include diff="step1_to_step2" -->
      tutorial/diffs/step1_to_step2.diff, generated from diff -ru Sources/Step1 Sources/Step2
  <!-- session name="step2-discover" step="2" [show-server="yes"] [args="--public-url ..."]
  curl -s "$BASE/mcp" ... | jq

  curl -si "$BASE/mcp" ...
  -->
      a captured run: the script starts .build/debug/Step2 on a free port, waits for /health,
      runs each command (commands are separated by blank lines; a command's leading `# ...`
      lines are shown as comments) with $BASE set to the server's base URL, stops the server,
      and stores the normalised transcript in tutorial/captures/<name>.txt.
      show-server="yes" also shows what the server printed on stdout while starting (its
      banner; log lines go to stderr and are left out).
      show-log="yes" also shows the server's own log lines (those whose source is the step's
      module; the dependencies' lines are left out), each after the command that caused it, as
      "[server log] <level> <label>: <metadata> [StepN] <message>": the real line without its
      time stamp and request id. Start the server with args="--log-level debug" to see the
      debug lines.
      Commands share shell state: a variable or function defined by one command is there for
      the next ones (TOKEN=$(...) in one, curl ... "$TOKEN" in the next).
      A step that takes --keys-dir (Step 5 on) is started with a fresh, empty key folder, never
      the repository's keys/; the commands find it in $KEYS, and the transcript shows it as $KEYS.
      issuer="yes" (Step 7 on) also runs the workshop issuer, .build/debug/generate_token serve,
      on a free port of its own, with the session's $KEYS and --resource naming the step's MCP
      endpoint; the step is started with --issuer naming it, and the commands run once the step
      has fetched the issuer's keys, with the issuer's URL in $ISSUER. The issuer is stopped
      with the step. issuer="other" runs it the same way as another issuer: with a key pair of
      its own, in $ISSUER_KEYS, and shown on another port (below). show-server="yes" then
      shows the issuer's command line and banner before the step's; show-issuer-log="yes"
      shows the issuer's own log lines, as "[issuer log] …", each after the command that
      caused it (after the step's lines, if those are shown).
  <!-- session name="signin-token" continues="signin-register" [show-log="yes"] …
  -->
      a session that goes on where another one, earlier in the same chapter, stopped: the same
      servers, the same shell state, the same placeholders, so that prose can come between the
      parts of one run. It takes its step, args, issuer and show-server from the session it
      continues (show-log and show-issuer-log are its own), and a session is continued by at
      most one other. Re-capturing one part (generate --session) re-runs the whole run.
  <!-- include session="step2-discover" -->
      a transcript defined elsewhere, shown again

Transcripts are normalised so that they are the same on every run: the port becomes 9000,
HTTP dates become the fixed moment 2026-07-28T12:00:00Z, and ISO-8601 and unix times near the
present are shown relative to it: the moment the command started becomes 12:00:00, and a time
an hour later 13:00:00 (to the nearest minute; ISO times keep their offset, and a relative
"(in 60 minutes)" after an ISO time is worked out again from the shown times). JWTs become
<token>, UUIDs <uuid>, and the key ids and RSA moduli of the session's key folder (from the
server's /.well-known/jwks.json and $KEYS/jwks.json) become <kid> and <n> (<kid-2>, <n-2> for
a second key; $ISSUER_KEYS's key is learnt from the issuer's /jwks.json). Where an issuer
runs, its port becomes 9001 (9002 for issuer="other"), in URLs also when percent-encoded; the
client ids it registers (read from its log) become <client-id>; and the client secrets,
refresh tokens, authorization codes and PKCE challenges that commands print (as the JSON
members client_secret and refresh_token, and as code=… and code_challenge=… in a URL or at
the start of a line) become <client-secret>, <refresh-token>, <code> and <code-challenge>,
a second value of a kind <client-id-2>, and so on. A command that exits non-zero, or runs
longer than 20 seconds, fails the run; servers are always stopped.

generate writes every generated file that changed and removes generated files that nothing
generates any more. check computes the same files in memory and exits 1, naming each file that
differs with a short diff; it needs the step binaries in .build/debug (it builds a missing one).

Links in a source are written as they resolve from tutorial/, where the generated chapter lives.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import difflib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "tutorial"
SOURCES = TUTORIAL / "src"
DIFFS = TUTORIAL / "diffs"
CAPTURES = TUTORIAL / "captures"
SCRIPT = "python3 tutorial/tools/tutorial.py"

SHOWN_PORT = 9000
SHOWN_ISSUER_PORT = {"yes": 9001, "other": 9002}  # the workshop issuer's port, and another issuer's
# Ports a transcript shows as they are: a server must never get one, or normalising its port would
# rewrite them (the shown ports, and 33418: the Python client's redirect URI).
RESERVED_PORTS = {SHOWN_PORT, *SHOWN_ISSUER_PORT.values(), 33418}
KEYS_FETCH_TIMEOUT = 10  # seconds for a step to fetch the issuer's keys after start-up
COMMAND_TIMEOUT = 20  # seconds for one session command
START_TIMEOUT = 30  # seconds for a server to answer /health
STOP_TIMEOUT = 10  # seconds for a server to exit after SIGTERM
FIXED_MOMENT = datetime.datetime(2026, 7, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)

LANGUAGES = {".swift": "swift", ".sh": "sh", ".json": "json", ".md": "markdown", ".py": "python", ".diff": "diff"}


class TutorialError(Exception):
    """A problem in a source, a directive or a session run; reported and the script exits 1."""


def rel(path: Path) -> str:
    absolute = Path(os.path.abspath(path))
    return absolute.relative_to(ROOT).as_posix() if absolute.is_relative_to(ROOT) else str(absolute)


# --------------------------------------------------------------------------------------------
# Step diffs


def step_numbers() -> list[int]:
    numbers = []
    for path in (ROOT / "Sources").glob("Step*"):
        match = re.fullmatch(r"Step(\d+)", path.name)
        if match and path.is_dir():
            numbers.append(int(match.group(1)))
    return sorted(numbers)


def step_diff(old: int, new: int) -> str:
    """diff -ru Sources/Step<old> Sources/Step<new>, without timestamps, so it is stable."""
    a, b = f"Sources/Step{old}", f"Sources/Step{new}"
    result = subprocess.run(
        ["diff", "-ru", "-x", ".DS_Store", a, b],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
    )
    if result.returncode not in (0, 1):
        raise TutorialError(f"diff -ru {a} {b} failed: {result.stderr.strip()}")
    lines = []
    for line in result.stdout.splitlines():
        if line.startswith("diff -ru "):
            line = "diff -ru " + " ".join(line.split()[-2:])  # drop the -x option
        elif line.startswith(("--- ", "+++ ")) and "\t" in line:
            line = line.split("\t", 1)[0]  # drop the file's timestamp
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def generate_diffs() -> dict[Path, str]:
    numbers = step_numbers()
    return {
        DIFFS / f"step{n - 1}_to_step{n}.diff": step_diff(n - 1, n)
        for n in numbers
        if n - 1 in numbers
    }


# --------------------------------------------------------------------------------------------
# Swift declarations


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


def extract_declaration(path: Path, decl: str) -> tuple[str, int, int]:
    """The declaration's text (dedented), and its first and last line numbers (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    pattern = re.compile(
        r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*" + MODIFIERS + re.escape(decl).replace(r"\ ", r"\s+") + r"(?![\w])"
    )
    found = [i for i, line in enumerate(lines) if pattern.match(line)]
    if not found:
        raise TutorialError(f"{rel(path)}: no declaration matching '{decl}'")
    if len(found) > 1:
        where = ", ".join(str(i + 1) for i in found)
        raise TutorialError(f"{rel(path)}: '{decl}' matches lines {where}; name it more exactly")
    start = end = found[0]
    keyword = decl.split()[0]
    needs_body = keyword in BODY_KEYWORDS
    for index, depth, body_opened in bracket_depths(lines[start:]):
        if depth < 0:
            raise TutorialError(f"{rel(path)}:{start + index + 1}: unbalanced brackets in '{decl}'")
        if depth == 0 and (body_opened or not needs_body):
            end = start + index
            break
    else:
        raise TutorialError(f"{rel(path)}:{start + 1}: could not find where '{decl}' ends")
    first = start
    while first > 0 and lines[first - 1].strip().startswith(("///", "//", "@")):
        first -= 1
    region = lines[first : end + 1]
    indent = min(len(line) - len(line.lstrip()) for line in region if line.strip())
    text = "\n".join(line[indent:] for line in region)
    return text + "\n", first + 1, end + 1


# --------------------------------------------------------------------------------------------
# Sessions: commands run against a real server, captured and normalised


@dataclass
class Command:
    comments: list[str]
    text: str


@dataclass
class Session:
    name: str
    step: int
    commands: list[Command]
    show_server: bool = False
    show_log: bool = False
    args: list[str] = field(default_factory=list)
    source: str = ""
    issuer: str = "no"  # yes: the workshop issuer; other: another issuer, with a key pair of its own
    show_issuer_log: bool = False
    continues: str | None = None


def parse_session(attributes: dict[str, str], body: list[str], where: str) -> Session:
    name = attributes.get("name", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TutorialError(f"{where}: a session needs name=\"lowercase-words\", got '{name}'")
    continues = attributes.get("continues")
    if continues is not None:
        inherited = sorted({"step", "args", "issuer", "show-server"} & attributes.keys())
        if inherited:
            raise TutorialError(f"{where}: session {name} continues {continues}, and takes "
                                f"{', '.join(inherited)} from it; leave them out here")
    elif not attributes.get("step", "").isdigit():
        raise TutorialError(f"{where}: session {name} needs step=\"N\"")
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
    show_issuer_log = attributes.get("show-issuer-log", "no") == "yes"
    if show_issuer_log and issuer == "no" and continues is None:
        raise TutorialError(f"{where}: session {name}: show-issuer-log=\"yes\" needs an issuer")
    return Session(
        name=name,
        step=int(attributes.get("step", "0")),
        commands=commands,
        show_server=attributes.get("show-server", "no") == "yes",
        show_log=attributes.get("show-log", "no") == "yes",
        args=shlex.split(attributes.get("args", "")),
        source=where,
        issuer=issuer,
        show_issuer_log=show_issuer_log,
        continues=continues,
    )


NOW_WINDOW = datetime.timedelta(days=400)  # only times near "now" vary from run to run
ROUNDING = 60  # seconds: times are shown relative to the command's start, to the nearest minute


def _shown_moment(moment: datetime.datetime, reference: float) -> datetime.datetime | None:
    """Where a clock reading is shown: the fixed moment plus its distance from `reference` (the
    unix time the command started), rounded to the minute; None when it is no clock reading."""
    seconds = moment.timestamp() - reference
    if abs(seconds) >= NOW_WINDOW.total_seconds():
        return None  # e.g. "1970-01-01T00:00:00Z" in a description is not a clock reading
    return FIXED_MOMENT + datetime.timedelta(seconds=round(seconds / ROUNDING) * ROUNDING)


def _duration(seconds: int) -> str:
    """A span as generate_token words it (TokenSummary.duration)."""
    seconds = abs(seconds)
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


ISO_TIME = re.compile(
    r"\b(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?(?P<offset>Z|[+-]\d{2}:?\d{2})"
    # generate_token follows an expiry with how far away it is: "(in 60 minutes)", "(expired 5 minutes ago)"
    r"(?P<relative> \((?:expired )?(?:in )?\d+ (?:seconds|minutes|hours)(?: ago)?\))?"
)


def _fixed_iso(match: re.Match, reference: float) -> str:
    """An ISO-8601 time near now is shown relative to the fixed moment, in the same offset and format."""
    offset_text = match.group("offset")
    if offset_text == "Z":
        offset = datetime.timedelta(0)
    else:
        sign = -1 if offset_text[0] == "-" else 1
        digits = offset_text[1:].replace(":", "")
        offset = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    zone = datetime.timezone(offset)
    try:
        moment = datetime.datetime.strptime(match.group("datetime"), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=zone)
    except ValueError:
        return match.group(0)
    shown_moment = _shown_moment(moment, reference)
    if shown_moment is None:
        return match.group(0)
    local = shown_moment.astimezone(zone)
    fraction = match.group("fraction") or ""
    shown = local.strftime("%Y-%m-%dT%H:%M:%S") + ("." + "0" * (len(fraction) - 1) if fraction else "") + offset_text
    if match.group("relative"):
        away = int((shown_moment - FIXED_MOMENT).total_seconds())
        shown += f" (in {_duration(away)})" if away > 0 else f" (expired {_duration(away)} ago)"
    return shown


def _fixed_unix(match: re.Match, reference: float) -> str:
    moment = datetime.datetime.fromtimestamp(int(match.group(0)), datetime.timezone.utc)
    shown = _shown_moment(moment, reference)
    return match.group(0) if shown is None else str(int(shown.timestamp()))


NORMALISERS = [
    # HTTP Date header (RFC 9110 IMF-fixdate)
    (
        re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b"),
        lambda _match, _reference: FIXED_MOMENT.strftime("%a, %d %b %Y %H:%M:%S GMT"),
    ),
    # ISO-8601 date-times with an offset; keeps the offset and shows the time in it
    (ISO_TIME, _fixed_iso),
    # unix times in seconds, near now
    (re.compile(r"(?<![\w.-])(?:1[5-9]|2[0-4])\d{8}(?![\w.])"), _fixed_unix),
    # JWTs (from Step 5 on)
    (re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+"), lambda _match, _reference: "<token>"),
    # UUIDs, such as a token's jti
    (
        re.compile(r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b"),
        lambda _match, _reference: "<uuid>",
    ),
]


def normalise(text: str, port: int, reference: float | None = None,
              replacements: list[tuple[str, str]] | None = None,
              issuer_port: tuple[int, int] | None = None) -> str:
    """The text as a transcript shows it. `reference`: the unix time the command started (now
    if not given); `replacements`: exact strings to replace first (key folder, key ids);
    `issuer_port`: the issuer's real port and the port to show, if an issuer runs."""
    reference = time.time() if reference is None else reference
    text = text.replace("\r\n", "\n")
    for value, placeholder in replacements or []:
        text = text.replace(value, placeholder)
    ports = [(port, SHOWN_PORT)] + ([issuer_port] if issuer_port else [])
    for real, shown in ports:
        for host in ("127.0.0.1", "localhost", "[::1]"):
            # (?!\d): port 4567 must not turn 45678 into 90008; %3A is the colon in a percent-encoded URL.
            text = re.sub(rf"{re.escape(host)}(:|%3[Aa]){real}(?!\d)", lambda m: f"{host}{m.group(1)}{shown}", text)
        text = re.sub(rf"--port {real}\b", f"--port {shown}", text)
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(lambda match: replacement(match, reference), text)
    return text


def free_port(avoid: set[int] = frozenset()) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in RESERVED_PORTS and port not in avoid:
            return port


_running: list[subprocess.Popen] = []


def _stop(process: subprocess.Popen) -> None:
    """Stops a process this script started (and only that one): SIGTERM, then SIGKILL."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    if process in _running:
        _running.remove(process)


@atexit.register
def _stop_all() -> None:
    for process in list(_running):
        _stop(process)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


_checked_binaries: set[int] = set()


def step_binary(step: int) -> Path:
    binary = ROOT / ".build" / "debug" / f"Step{step}"
    if not binary.exists():
        print(f"  building Step{step} (swift build --product Step{step}) …", file=sys.stderr)
        result = subprocess.run(["swift", "build", "--product", f"Step{step}"], cwd=ROOT)
        if result.returncode != 0 or not binary.exists():
            raise TutorialError(f"swift build --product Step{step} failed")
    elif step not in _checked_binaries:
        sources = [*(ROOT / "Sources" / f"Step{step}").rglob("*.swift"), *(ROOT / "Sources" / "WorkshopSupport").rglob("*.swift")]
        newest = max((p.stat().st_mtime for p in sources), default=0)
        if newest > binary.stat().st_mtime:
            print(
                f"  warning: {rel(binary)} is older than its sources; captures may be stale "
                f"(run swift build --product Step{step})",
                file=sys.stderr,
            )
    _checked_binaries.add(step)
    return binary


def _health_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _banner_seen(banner: Path, port: int) -> bool:
    return re.search(rf"listening on \S*:{port}$", banner.read_text(errors="replace"), re.MULTILINE) is not None


def _launch(what: str, argv: list[str], banner: Path, log: Path, port: int) -> subprocess.Popen | None:
    """Starts a server that listens on `port`: its stdout (the banner) goes to `banner`, its stderr
    (swift-log's lines) to `log`. Returns it once it is ready, or None if it lost the race for
    its port; any other failure is an error."""
    with open(banner, "wb") as output, open(log, "wb") as errors:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=errors,
            start_new_session=True,  # Ctrl-C reaches this script, which then stops the server
        )
    _running.append(process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        # The banner proves that the process answering is ours, not another one on that port.
        if _banner_seen(banner, port) and _health_ok(port):
            return process
        time.sleep(0.1)
    _stop(process)
    output_text = banner.read_text(errors="replace") + log.read_text(errors="replace")
    if "in use" in output_text.lower():  # only a lost race for the port is worth a retry
        return None
    raise TutorialError(
        f"{what} did not become ready on port {port} within {START_TIMEOUT}s. Its output:\n{output_text[-2000:]}"
    )


def start_server(session: Session, banner: Path, log: Path,
                 extra_args: list[str] = ()) -> tuple[subprocess.Popen, int, list[str], float]:
    """Starts the step on a free port. Returns the process, its port, its argv and when it started."""
    binary = step_binary(session.step)
    for _attempt in range(3):
        port = free_port()
        argv = [str(binary), "--port", str(port), *extra_args, *session.args]
        started = time.time()
        process = _launch(f"session {session.name}: Step{session.step}", argv, banner, log, port)
        if process is not None:
            return process, port, argv, started
    raise TutorialError(f"session {session.name}: could not find a free port for Step{session.step}")


@dataclass
class Issuer:
    """The workshop issuer (generate_token serve) running beside a session's step."""
    process: subprocess.Popen
    port: int
    shown_port: int
    argv: list[str]
    started: float
    banner: Path
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _option(args: list[str], name: str) -> str | None:
    """The value of `--name value` or `--name=value` in args, if given."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg[len(name) + 1:]
    return None


def start_with_issuer(session: Session, scratch: Path, keys: Path, issuer_keys: Path, banner: Path, log: Path,
                      extra_args: list[str]) -> tuple[Issuer, subprocess.Popen, int, list[str], float]:
    """Starts the issuer, then the step trusting it, each on a free port (the issuer must know the
    step's resource, so both ports are picked first), and waits until the step has its keys."""
    if not (ROOT / "Sources" / f"Step{session.step}" / "IssuerDiscovery.swift").is_file():
        raise TutorialError(f"{session.source}: session {session.name}: issuer=\"{session.issuer}\" needs a step "
                            "that finds its issuers' keys through their metadata (Step 7 on)")
    binary, issuer_binary = step_binary(session.step), workshop_binary("generate_token")
    issuer_banner, issuer_log = scratch / "issuer-stdout.txt", scratch / "issuer-stderr.txt"
    public_url = _option(session.args, "--public-url")
    for _attempt in range(3):
        port = free_port()
        issuer_port = free_port(avoid={port})
        resource = (public_url or f"http://127.0.0.1:{port}").rstrip("/") + "/mcp"
        issuer_argv = [str(issuer_binary), "serve", "--port", str(issuer_port), "--resource", resource,
                       "--keys-dir", str(issuer_keys)]
        issuer_started = time.time()
        process = _launch(f"session {session.name}: the issuer (generate_token serve)",
                          issuer_argv, issuer_banner, issuer_log, issuer_port)
        if process is None:
            continue
        issuer = Issuer(process, issuer_port, SHOWN_ISSUER_PORT[session.issuer], issuer_argv, issuer_started,
                        issuer_banner, issuer_log)
        argv = [str(binary), "--port", str(port), *extra_args, "--issuer", issuer.url, *session.args]
        started = time.time()
        try:
            step = _launch(f"session {session.name}: Step{session.step}", argv, banner, log, port)
        except BaseException:
            _stop(issuer.process)
            raise
        if step is None:
            _stop(issuer.process)
            continue
        _wait_for_issuer_keys(log)
        return issuer, step, port, argv, started
    raise TutorialError(f"session {session.name}: could not find free ports for the issuer and Step{session.step}")


def _wait_for_issuer_keys(log: Path) -> None:
    """Waits until the step's log says that it fetched (or failed to fetch) the issuer's keys, which
    it does in the background after start-up, so that the line falls before the first command."""
    deadline = time.monotonic() + KEYS_FETCH_TIMEOUT
    while time.monotonic() < deadline:
        if re.search(r"(Fetched|Could not fetch) the issuer's signing keys", log.read_text(errors="replace")):
            return
        time.sleep(0.05)


_keys_dir_steps: dict[int, bool] = {}


def takes_keys_dir(step: int) -> bool:
    """Whether the step reads the workshop keys (and so must be given a folder of its own)."""
    if step not in _keys_dir_steps:
        result = subprocess.run([str(step_binary(step)), "--help"], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "COLUMNS": "200"}, timeout=COMMAND_TIMEOUT)
        _keys_dir_steps[step] = "--keys-dir" in result.stdout + result.stderr
    return _keys_dir_steps[step]


_checked_tools: set[str] = set()


def workshop_binary(name: str) -> Path:
    """A workshop program other than a step (generate_token), from .build/debug: built if it is
    missing (as for steps), with a warning when it is older than its sources."""
    binary = ROOT / ".build" / "debug" / name
    if name in _checked_tools:
        return binary
    if not binary.exists():
        print(f"  building {name} (swift build --product {name}) …", file=sys.stderr)
        result = subprocess.run(["swift", "build", "--product", name], cwd=ROOT)
        if result.returncode != 0 or not binary.exists():
            raise TutorialError(f"swift build --product {name} failed")
    elif (ROOT / name).is_dir():
        sources = [*(ROOT / name).rglob("*.swift"), *(ROOT / "Sources" / "WorkshopSupport").rglob("*.swift")]
        if max((p.stat().st_mtime for p in sources), default=0) > binary.stat().st_mtime:
            print(f"  warning: {rel(binary)} is older than its sources; captures may be stale "
                  f"(run swift build --product {name})", file=sys.stderr)
    _checked_tools.add(name)
    return binary


def check_tools(command: Command) -> None:
    """Makes sure the workshop programs a command runs from .build/debug are there, and the
    Python environment in .venv if it runs .venv/bin/python."""
    for name in sorted(set(re.findall(r"\.build/debug/([\w-]+)", command.text))):
        if not re.fullmatch(r"Step\d+", name):
            workshop_binary(name)
    if ".venv/bin/python" in command.text and not (ROOT / ".venv" / "bin" / "python").exists():
        raise TutorialError(
            "a session runs .venv/bin/python, which is missing; create it with: python3 -m venv .venv && "
            ".venv/bin/python -m pip install -r Tests/Interop/python/requirements.txt (scripts/test-all.sh does this)"
        )


# Runs around each command, so that the variables and functions it defines reach the next ones.
SHELL_STATE = r'''__tutorial_baseline=" $(compgen -v | tr '\n' ' ') "
source "$TUTORIAL_STATE"
__tutorial_save() {
  local name
  {
    for name in $(compgen -v); do
      case "$__tutorial_baseline" in *" $name "*) continue ;; esac
      case "$name" in __tutorial* | BASH* | PIPESTATUS | REPLY | OPTARG | MAPFILE | _) continue ;; esac
      declare -p "$name"
    done
    declare -f
  } > "$TUTORIAL_STATE.new" && mv "$TUTORIAL_STATE.new" "$TUTORIAL_STATE"
}
trap __tutorial_save EXIT
'''


def run_command(command: Command, base: str, session: Session, env_extra: dict[str, str] | None = None) -> str:
    env = {**os.environ, "BASE": base, "COLUMNS": "80", "NO_COLOR": "1", **(env_extra or {})}
    env.pop("JQ_COLORS", None)
    script = SHELL_STATE + command.text + "\n" if "TUTORIAL_STATE" in env else command.text
    process = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so a timeout can stop curl and jq too
    )
    try:
        output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise TutorialError(f"session {session.name}: timed out after {COMMAND_TIMEOUT}s:\n  {command.text}")
    text = output.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if process.returncode != 0:
        raise TutorialError(
            f"session {session.name} ({session.source}): exit status {process.returncode}:\n"
            f"  {command.text}\n{text}"
        )
    return text


class ServerLog:
    """The server's own log lines, read as they arrive, in the form a transcript shows them."""

    def __init__(self, path: Path, source: str, shown_as: str = "server log"):
        """`source`: the module whose lines to show (the step's, or WorkshopIssuer for the issuer)."""
        self.path = path
        self.offset = 0
        self.shown_as = shown_as
        self.line = re.compile(
            rf"^\S+ (?P<level>\w+) (?P<label>\S+?):(?P<metadata>.*?) \[(?P<source>{re.escape(source)})\] (?P<message>.*)$"
        )

    def new_lines(self) -> list[str]:
        """Complete lines written since the last call; waits until the log has been quiet for 0.1s."""
        deadline = time.monotonic() + 2
        size = -1
        while time.monotonic() < deadline:
            current = self.path.stat().st_size
            if current == size:
                break
            size = current
            time.sleep(0.1)
        data = self.path.read_bytes()[self.offset:]
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        shown = []
        for line in complete.decode("utf-8", errors="replace").splitlines():
            match = self.line.match(line)
            if match:
                metadata = re.sub(r" hb\.request\.id=\S+", "", match.group("metadata"))  # random per request
                shown.append(f"[{self.shown_as}] {match.group('level')} {match.group('label')}:{metadata} "
                             f"[{match.group('source')}] {match.group('message')}")
        return shown


class KeyNames:
    """Placeholders for the key ids and moduli of the session's key folder, which are new every run."""

    def __init__(self):
        self.kids: list[str] = []
        self.moduli: list[str] = []

    def learn(self, jwks_text: str) -> None:
        try:
            keys = json.loads(jwks_text).get("keys", [])
        except (ValueError, AttributeError):
            return
        for key in keys if isinstance(keys, list) else []:
            if not isinstance(key, dict):
                continue
            for value, known in ((key.get("kid"), self.kids), (key.get("n"), self.moduli)):
                if isinstance(value, str) and value and value not in known:
                    known.append(value)

    def replacements(self) -> list[tuple[str, str]]:
        named = [(n, f"<n{'' if i == 0 else f'-{i + 1}'}>") for i, n in enumerate(self.moduli)]
        named += [(kid, f"<kid{'' if i == 0 else f'-{i + 1}'}>") for i, kid in enumerate(self.kids)]
        return sorted(named, key=lambda pair: -len(pair[0]))  # a longer value first, in case one contains another


class IssuedNames:
    """Placeholders for what the workshop issuer hands out at random: the client ids it registers
    (read from its log), and the client secrets, refresh tokens and codes that commands print."""

    REGISTERED = re.compile(r"\bclient_id=(\S+) .*\[WorkshopIssuer\] Registered a client$", re.MULTILINE)
    PRINTED = [
        ("client-secret", re.compile(r'"client_secret"\s*:\s*"([^"\\]+)"')),
        ("refresh-token", re.compile(r'"refresh_token"\s*:\s*"([^"\\]+)"')),
        ("code", re.compile(r"(?:^|[?&])code=([\w.~%-]+)", re.MULTILINE)),
        ("code-challenge", re.compile(r"(?:^|[?&])code_challenge=([\w.~%-]+)", re.MULTILINE)),
    ]
    MIN_LENGTH = 16  # shorter values ("…" in a transcript that hides them) are not the issuer's

    def __init__(self):
        self.values: dict[str, list[str]] = {"client-id": [], **{kind: [] for kind, _ in self.PRINTED}}

    def _add(self, kind: str, value: str) -> None:
        if len(value) >= self.MIN_LENGTH and value not in self.values[kind]:
            self.values[kind].append(value)

    def learn_log(self, log_text: str) -> None:
        for value in self.REGISTERED.findall(log_text):
            self._add("client-id", value)

    def learn_output(self, output: str) -> None:
        for kind, pattern in self.PRINTED:
            for value in pattern.findall(output):
                self._add(kind, value)

    def replacements(self) -> list[tuple[str, str]]:
        named = [(value, f"<{kind}{'' if i == 0 else f'-{i + 1}'}>")
                 for kind, values in self.values.items() for i, value in enumerate(values)]
        return sorted(named, key=lambda pair: -len(pair[0]))


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace") if response.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def capture(run: list[Session]) -> list[str]:
    """Runs a session, and the sessions that continue it, against a fresh server (and issuer);
    returns their normalised transcripts."""
    session = run[0]
    shows_log = any(part.show_log for part in run)
    shows_issuer_log = any(part.show_issuer_log for part in run)
    with tempfile.TemporaryDirectory(prefix="tutorial-") as scratch:
        scratch_path = Path(os.path.realpath(scratch))
        banner, log = scratch_path / "stdout.txt", scratch_path / "stderr.txt"
        state = scratch_path / "state.sh"
        state.write_text("")
        env_extra = {"TUTORIAL_STATE": str(state)}
        extra_args: list[str] = []
        replacements: list[tuple[str, str]] = []
        keys = scratch_path / "keys"
        if takes_keys_dir(session.step):
            extra_args = ["--keys-dir", str(keys)]
            env_extra["KEYS"] = str(keys)
            replacements = [(str(keys), "$KEYS")]
            if scratch != str(scratch_path):
                replacements.append((os.path.join(scratch, "keys"), "$KEYS"))
        key_names, issued_names = KeyNames(), IssuedNames()
        server_log = ServerLog(log, f"Step{session.step}")
        issuer: Issuer | None = None
        if session.issuer != "no":
            if not takes_keys_dir(session.step):
                raise TutorialError(f"{session.source}: session {session.name}: an issuer needs a step "
                                    "that takes --keys-dir")
            issuer_keys = keys
            if session.issuer == "other":
                issuer_keys = scratch_path / "issuer-keys"
                env_extra["ISSUER_KEYS"] = str(issuer_keys)
                replacements.insert(0, (str(issuer_keys), "$ISSUER_KEYS"))
                if scratch != str(scratch_path):
                    replacements.insert(0, (os.path.join(scratch, "issuer-keys"), "$ISSUER_KEYS"))
            issuer, process, port, argv, started = start_with_issuer(
                session, scratch_path, keys, issuer_keys, banner, log, extra_args)
            env_extra["ISSUER"] = issuer.url
        else:
            process, port, argv, started = start_server(session, banner, log, extra_args)
        try:
            parts: list[list[tuple[str, float]]] = [[] for _ in run]  # per session: raw text, when it started
            base = f"http://127.0.0.1:{port}"
            jwks = _fetch(f"{base}/.well-known/jwks.json")
            if jwks:
                key_names.learn(jwks)
            issuer_jwks = _fetch(f"{issuer.url}/jwks.json") if issuer else None
            if issuer_jwks:
                key_names.learn(issuer_jwks)
            startup_log = server_log.new_lines() if shows_log else []
            issuer_log = ServerLog(issuer.log, "WorkshopIssuer", "issuer log") if issuer else None
            issuer_startup_log = issuer_log.new_lines() if issuer_log and shows_issuer_log else []
            if session.show_server:
                if issuer:
                    shown = " ".join([rel(Path(issuer.argv[0])), *issuer.argv[1:]])
                    issuer_lines = issuer_startup_log if session.show_issuer_log else []
                    lines = [f"$ {shown}", *issuer_lines, issuer.banner.read_text(errors="replace").rstrip()]
                    parts[0].append(("\n".join(lines) + "\n", issuer.started))
                shown = " ".join([rel(Path(argv[0])), *argv[1:]])
                lines = [f"$ {shown}", *(startup_log if session.show_log else []),
                         banner.read_text(errors="replace").rstrip()]
                parts[0].append(("\n".join(lines) + "\n", started))
            for index, current, command in ((i, s, c) for i, s in enumerate(run) for c in s.commands):
                check_tools(command)
                command_started = time.time()
                output = run_command(command, base, current, env_extra)
                if (keys / "jwks.json").is_file():
                    key_names.learn((keys / "jwks.json").read_text(errors="replace"))
                shown = "".join(c + "\n" for c in command.comments) + "$ " + command.text + "\n"
                shown += output.rstrip("\n") + ("\n" if output.strip() else "")
                # Read after every command of the run, so that each part shows only its own commands' lines.
                step_lines = server_log.new_lines() if shows_log else []
                issuer_lines = issuer_log.new_lines() if issuer_log and shows_issuer_log else []
                if current.show_log:
                    shown += "".join(line + "\n" for line in step_lines)
                if current.show_issuer_log:
                    shown += "".join(line + "\n" for line in issuer_lines)
                if issuer:
                    issued_names.learn_log(issuer.log.read_text(errors="replace"))
                    issued_names.learn_output(output)
                parts[index].append((shown, command_started))
        finally:
            _stop(process)
            if issuer:
                _stop(issuer.process)
        replacements += key_names.replacements() + issued_names.replacements()
        issuer_port = (issuer.port, issuer.shown_port) if issuer else None
        return ["\n".join(normalise(text, port, reference, replacements, issuer_port) for text, reference in texts)
                for texts in parts]


# --------------------------------------------------------------------------------------------
# Chapters


DIRECTIVE = re.compile(r"^<!--\s*(include|session)\b(.*?)(-->)?\s*$")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
ALLOWED = {
    "include": {"file", "decl", "diff", "session"},
    "session": {"name", "step", "show-server", "show-log", "args", "issuer", "show-issuer-log", "continues"},
}


def attributes_of(match: re.Match, where: str) -> dict[str, str]:
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


@dataclass
class Chapter:
    source: Path
    output: Path
    lines: list[str]
    sessions: list[Session]


def read_chapters() -> list[Chapter]:
    chapters = []
    for source in sorted(SOURCES.glob("*.md")):
        lines = source.read_text(encoding="utf-8").splitlines()
        sessions = []
        fence = None
        i = 0
        while i < len(lines):
            line = lines[i]
            fence = _track_fence(line, fence)
            match = DIRECTIVE.match(line) if fence is None else None
            if match and match.group(1) == "session":
                attributes = attributes_of(match, f"{rel(source)}:{i + 1}")
                if match.group(3):
                    raise TutorialError(f"{rel(source)}:{i + 1}: put the session's commands on the lines "
                                        "after this one, and '-->' on a line of its own")
                body, j = [], i + 1
                while j < len(lines) and lines[j].strip() != "-->":
                    body.append(lines[j])
                    j += 1
                if j == len(lines):
                    raise TutorialError(f"{rel(source)}:{i + 1}: session block is not closed with a '-->' line")
                sessions.append(parse_session(attributes, body, f"{rel(source)}:{i + 1}"))
                i = j
            i += 1
        chapters.append(Chapter(source, TUTORIAL / source.name, lines, sessions))
    return chapters


def _track_fence(line: str, fence: str | None) -> str | None:
    match = re.match(r"^\s*(`{3,}|~{3,})", line)
    if not match:
        return fence
    if fence is None:
        return match.group(1)
    return None if match.group(1).startswith(fence) and line.strip() == match.group(1) else fence


def code_block(text: str, language: str) -> list[str]:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * max(3, longest + 1)
    return [fence + language, *text.rstrip("\n").split("\n"), fence]


def link(target: Path, from_file: Path, anchor: str = "") -> str:
    return f"[`{rel(target)}`]({os.path.relpath(target, from_file.parent)}{anchor})"


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
        fence = _track_fence(line, fence)
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
        elif "session" in attributes:
            if attributes["session"] not in transcripts:
                raise TutorialError(f"{where}: no session named {attributes['session']}")
            out += code_block(transcripts[attributes["session"]], "console")
        elif "diff" in attributes:
            path = DIFFS / f"{attributes['diff']}.diff"
            if path not in diffs:
                raise TutorialError(f"{where}: no step diff named {attributes['diff']} (have: "
                                    + ", ".join(p.stem for p in diffs) + ")")
            out.append(link(path, chapter.output) + ":")
            out.append("")
            out += code_block(diffs[path], "diff")
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
            raise TutorialError(f"{where}: an include needs file=, diff= or session=")
        if kind == "include" and not match.group(3):
            raise TutorialError(f"{where}: an include directive must end with '-->' on the same line")
        i += 1
    return "\n".join(out).rstrip("\n") + "\n"


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


# --------------------------------------------------------------------------------------------
# Commands


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
            if session.show_issuer_log and root.issuer == "no":
                raise TutorialError(f"{session.source}: session {session.name}: show-issuer-log=\"yes\" needs "
                                    f"an issuer on {root.name}")
            run.append(session)
            run_of[session.name] = run
    return runs


def build_everything(recapture: set[str] | None, verbose: bool) -> tuple[dict[Path, str], list[Path], list[str]]:
    """All generated files with their expected text; stale generated files; warnings.

    recapture: names of sessions to run (None = all); the others come from tutorial/captures."""
    files: dict[Path, str] = {}
    diffs = generate_diffs()
    files.update(diffs)
    chapters = read_chapters()
    if not chapters:
        raise TutorialError(f"no chapter sources in {rel(SOURCES)}")
    sessions: dict[str, Session] = {}
    for chapter in chapters:
        for session in chapter.sessions:
            if session.name in sessions:
                raise TutorialError(f"{session.source}: session {session.name} is also defined at "
                                    f"{sessions[session.name].source}")
            sessions[session.name] = session
    transcripts: dict[str, str] = {}
    for run in session_runs(chapters):
        names = [session.name for session in run]
        if recapture is None or recapture & set(names):
            started = time.monotonic()
            for name, transcript in zip(names, capture(run)):
                transcripts[name] = transcript
            if verbose:
                print(f"  captured {', '.join(names)} (Step{run[0].step}, {time.monotonic() - started:.1f}s)",
                      file=sys.stderr)
        for name in names:
            stored = CAPTURES / f"{name}.txt"
            if name not in transcripts:
                if not stored.exists():
                    raise TutorialError(f"{rel(stored)} is missing; run {SCRIPT} generate")
                transcripts[name] = stored.read_text(encoding="utf-8")
            files[stored] = transcripts[name]
    if recapture:
        unknown = recapture - sessions.keys()
        if unknown:
            raise TutorialError("no session named " + ", ".join(sorted(unknown)))
    warnings = []
    for chapter in chapters:
        files[chapter.output] = render(chapter, transcripts, diffs)
    for chapter in chapters:
        warnings += broken_links(chapter.output, files[chapter.output], set(files))
    generated_chapter_names = {c.output.name for c in chapters}
    stale = [p for p in DIFFS.glob("*.diff") if p not in files]
    stale += [p for p in CAPTURES.glob("*.txt") if p not in files]
    stale += [
        p for p in TUTORIAL.glob("*.md")
        if p.name not in generated_chapter_names and p.read_text(encoding="utf-8").startswith("<!-- generated from")
    ]
    return files, sorted(stale), warnings


def command_generate(args) -> int:
    recapture = set() if args.no_capture else (set(args.session) if args.session else None)
    files, stale, warnings = build_everything(recapture, verbose=True)
    changed = 0
    for path, text in files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel(path)}")
            changed += 1
    for path in stale:
        path.unlink()
        print(f"removed {rel(path)} (nothing generates it any more)")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{len(files)} generated files, {changed} changed, {len(stale)} removed")
    return 0


def command_check(_args) -> int:
    started = time.monotonic()
    files, stale, warnings = build_everything(None, verbose=False)
    problems = []
    for path, expected in files.items():
        if not path.exists():
            problems.append(f"{rel(path)} is missing.")
            continue
        actual = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = list(difflib.unified_diff(
                actual.splitlines(), expected.splitlines(),
                f"{rel(path)} (committed)", f"{rel(path)} (from the sources now)", n=1, lineterm="",
            ))
            shown = diff[:24] + ([f"… and {len(diff) - 24} more diff lines"] if len(diff) > 24 else [])
            problems.append(f"{rel(path)} is out of date:\n" + "\n".join("    " + d for d in shown))
    for path in stale:
        problems.append(f"{rel(path)} is generated by nothing any more; delete it.")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    elapsed = time.monotonic() - started
    if problems:
        print("tutorial check FAILED: the generated tutorial differs from what the sources give now.\n")
        print("\n\n".join(problems))
        print(f"\nIf the change is intended, run `{SCRIPT} generate` and commit the result. ({elapsed:.1f}s)")
        return 1
    print(f"tutorial check passed: {len(files)} generated files are up to date ({elapsed:.1f}s)")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog=SCRIPT,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser(
        "generate",
        help="regenerate step diffs, captures (runs the step servers) and chapters, writing the files",
        description="Regenerates tutorial/diffs, tutorial/captures and tutorial/*.md from the sources.",
    )
    generate.add_argument("--no-capture", action="store_true",
                          help="reuse the stored captures instead of starting servers")
    generate.add_argument("--session", action="append", metavar="NAME",
                          help="re-capture only this session (repeatable); the others are reused")
    commands.add_parser(
        "check",
        help="regenerate everything in memory and fail if a committed generated file differs",
        description="Regenerates everything in memory (including captures, so it starts the step "
                    "servers) and exits 1, with a short diff, if any generated file is out of date.",
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        return command_generate(args) if args.command == "generate" else command_check(args)
    except TutorialError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        _stop_all()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
