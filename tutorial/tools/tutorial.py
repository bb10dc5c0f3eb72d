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
  <!-- include session="step2-discover" -->
      a transcript defined elsewhere, shown again

Transcripts are normalised so that they are the same on every run: the port becomes 9000,
HTTP dates become the fixed moment 2026-07-28T12:00:00Z, and ISO-8601 and unix times near the
present are shown relative to it: the moment the command started becomes 12:00:00, and a time
an hour later 13:00:00 (to the nearest minute; ISO times keep their offset, and a relative
"(in 60 minutes)" after an ISO time is worked out again from the shown times). JWTs become
<token>, UUIDs <uuid>, and the key ids and RSA moduli of the session's key folder (from the
server's /.well-known/jwks.json and $KEYS/jwks.json) become <kid> and <n> (<kid-2>, <n-2> for
a second key). A command that exits non-zero, or runs longer than 20 seconds, fails the run;
servers are always stopped.

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


def parse_session(attributes: dict[str, str], body: list[str], where: str) -> Session:
    name = attributes.get("name", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise TutorialError(f"{where}: a session needs name=\"lowercase-words\", got '{name}'")
    if not attributes.get("step", "").isdigit():
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
    return Session(
        name=name,
        step=int(attributes["step"]),
        commands=commands,
        show_server=attributes.get("show-server", "no") == "yes",
        show_log=attributes.get("show-log", "no") == "yes",
        args=shlex.split(attributes.get("args", "")),
        source=where,
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
    """A span as generate_token words it (TokenRules.duration)."""
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
              replacements: list[tuple[str, str]] | None = None) -> str:
    """The text as a transcript shows it. `reference`: the unix time the command started (now
    if not given); `replacements`: exact strings to replace first (key folder, key ids)."""
    reference = time.time() if reference is None else reference
    text = text.replace("\r\n", "\n")
    for value, placeholder in replacements or []:
        text = text.replace(value, placeholder)
    for host in ("127.0.0.1", "localhost", "[::1]"):
        text = text.replace(f"{host}:{port}", f"{host}:{SHOWN_PORT}")
    text = re.sub(rf"--port {port}\b", f"--port {SHOWN_PORT}", text)
    for pattern, replacement in NORMALISERS:
        text = pattern.sub(lambda match: replacement(match, reference), text)
    return text


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


def start_server(session: Session, banner: Path, log: Path,
                 extra_args: list[str] = ()) -> tuple[subprocess.Popen, int, list[str], float]:
    """Starts the step on a free port; its stdout (the banner) goes to `banner`, its stderr
    (swift-log's lines) to `log`. Returns the process, its port, its argv and when it started."""
    binary = step_binary(session.step)
    for _attempt in range(3):
        port = free_port()
        argv = [str(binary), "--port", str(port), *extra_args, *session.args]
        started = time.time()
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
                return process, port, argv, started
            time.sleep(0.1)
        _stop(process)
        output_text = banner.read_text(errors="replace") + log.read_text(errors="replace")
        if "in use" not in output_text.lower():  # only a lost race for the port is worth a retry
            raise TutorialError(
                f"session {session.name}: Step{session.step} did not become ready on port {port} "
                f"within {START_TIMEOUT}s. Its output:\n{output_text[-2000:]}"
            )
    raise TutorialError(f"session {session.name}: could not find a free port for Step{session.step}")


_keys_dir_steps: dict[int, bool] = {}


def takes_keys_dir(step: int) -> bool:
    """Whether the step reads the workshop keys (and so must be given a folder of its own)."""
    if step not in _keys_dir_steps:
        result = subprocess.run([str(step_binary(step)), "--help"], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "COLUMNS": "200"}, timeout=COMMAND_TIMEOUT)
        _keys_dir_steps[step] = "--keys-dir" in result.stdout + result.stderr
    return _keys_dir_steps[step]


_checked_tools: set[str] = set()


def check_tools(command: Command) -> None:
    """Builds a workshop program a command runs from .build/debug if it is missing (as for steps),
    and warns when it is older than its sources."""
    for name in sorted(set(re.findall(r"\.build/debug/([\w-]+)", command.text))):
        if name in _checked_tools or re.fullmatch(r"Step\d+", name):
            continue
        binary = ROOT / ".build" / "debug" / name
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

    def __init__(self, path: Path, step: int):
        self.path = path
        self.offset = 0
        self.line = re.compile(
            rf"^\S+ (?P<level>\w+) (?P<label>\S+?):(?P<metadata>.*?) \[(?P<source>Step{step})\] (?P<message>.*)$"
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
                shown.append(f"[server log] {match.group('level')} {match.group('label')}:{metadata} "
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


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace") if response.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def capture(session: Session) -> str:
    """Runs a session against a fresh server and returns its normalised transcript."""
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
        key_names = KeyNames()
        server_log = ServerLog(log, session.step)
        process, port, argv, started = start_server(session, banner, log, extra_args)
        try:
            parts: list[tuple[str, float]] = []  # raw text, and when its command started
            base = f"http://127.0.0.1:{port}"
            jwks = _fetch(f"{base}/.well-known/jwks.json")
            if jwks:
                key_names.learn(jwks)
            startup_log = server_log.new_lines() if session.show_log else []
            if session.show_server:
                shown = " ".join([rel(Path(argv[0])), *argv[1:]])
                lines = [f"$ {shown}", *startup_log, banner.read_text(errors="replace").rstrip()]
                parts.append(("\n".join(lines) + "\n", started))
            for command in session.commands:
                check_tools(command)
                command_started = time.time()
                output = run_command(command, base, session, env_extra)
                if (keys / "jwks.json").is_file():
                    key_names.learn((keys / "jwks.json").read_text(errors="replace"))
                shown = "".join(c + "\n" for c in command.comments) + "$ " + command.text + "\n"
                shown += output.rstrip("\n") + ("\n" if output.strip() else "")
                if session.show_log:
                    shown += "".join(line + "\n" for line in server_log.new_lines())
                parts.append((shown, command_started))
        finally:
            _stop(process)
        replacements += key_names.replacements()
        return "\n".join(normalise(text, port, reference, replacements) for text, reference in parts)


# --------------------------------------------------------------------------------------------
# Chapters


DIRECTIVE = re.compile(r"^<!--\s*(include|session)\b(.*?)(-->)?\s*$")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
ALLOWED = {
    "include": {"file", "decl", "diff", "session"},
    "session": {"name", "step", "show-server", "show-log", "args"},
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
    for name, session in sessions.items():
        stored = CAPTURES / f"{name}.txt"
        if recapture is None or name in recapture:
            started = time.monotonic()
            transcripts[name] = capture(session)
            if verbose:
                print(f"  captured {name} (Step{session.step}, {time.monotonic() - started:.1f}s)", file=sys.stderr)
        elif stored.exists():
            transcripts[name] = stored.read_text(encoding="utf-8")
        else:
            raise TutorialError(f"{rel(stored)} is missing; run {SCRIPT} generate")
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
