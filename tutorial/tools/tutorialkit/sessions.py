"""Sessions: commands run against a real server (and issuer), captured and normalised."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import cast as casting, clientsite, servers
from .directives import Command, Session
from .normalise import SHOWN_ISSUER_PORT, IssuedNames, KeyNames, log_line, normalise
from .paths import ROOT, TutorialError, rel
from .screenshots import Screenshot, escaped, normalise_page

COMMAND_TIMEOUT = 20  # seconds for one session command

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


def check_tools(command: Command) -> None:
    """Makes sure the workshop programs a command runs from .build/debug are there, and the
    Python environment in .venv if it runs .venv/bin/python."""
    for name in sorted(set(re.findall(r"\.build/debug/([\w-]+)", command.text))):
        if not re.fullmatch(r"Step\d+", name):
            servers.binary(name)
    if ".venv/bin/python" in command.text and not (ROOT / ".venv" / "bin" / "python").exists():
        raise TutorialError(
            "a session runs .venv/bin/python, which is missing; create it with: python3 -m venv .venv && "
            ".venv/bin/python -m pip install -r Tests/Interop/python/requirements.txt (scripts/test-all.sh does this)"
        )


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


class LogReader:
    """A server's log lines, read as they arrive, in the form a transcript shows them, each with
    the module that wrote it."""

    def __init__(self, path: Path, shown_as: str = "server log"):
        self.path = path
        self.offset = 0
        self.shown_as = shown_as

    def new_lines(self, quiet: float = 0.1) -> list[tuple[str, str]]:
        """(source, shown line) for each complete line written since the last call; waits until the
        log has been quiet for `quiet` seconds (at most 2 s in all, or twice `quiet`)."""
        deadline = time.monotonic() + max(2, 2 * quiet)
        size = -1
        while time.monotonic() < deadline:
            current = self.path.stat().st_size
            if current == size:
                break
            size = current
            time.sleep(quiet)
        data = self.path.read_bytes()[self.offset:]
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        lines = (log_line(line, self.shown_as) for line in complete.decode("utf-8", errors="replace").splitlines())
        return [line for line in lines if line]


def shown_log(lines: list[tuple[str, str]], show: str, own_source: str) -> list[str]:
    """The lines a session shows: with show "yes", those the program's own module wrote; "all",
    every one; "no", none."""
    return [shown for source, shown in lines if show == "all" or (show == "yes" and source == own_source)]


class DeskDurations:
    """How generate_token words a span of seconds ("60 minutes"), asked of generate_token itself:
    it mints a token valid for that long, with a key pair of its own, and says "valid for …".
    Spans it cannot mint (over a day) are worded as None: the transcript keeps what it printed."""

    worded: dict[int, str | None] = {}  # shared by every session of a run

    def __init__(self, scratch: Path):
        self.keys = scratch / "desk-keys"

    def __call__(self, seconds: int) -> str | None:
        if seconds not in self.worded:
            self.worded[seconds] = self._ask(seconds) if 1 <= seconds <= 86_400 else None
        return self.worded[seconds]

    def _ask(self, seconds: int) -> str:
        if not self.keys.exists():
            servers.create_key_pair(self.keys)
        result = subprocess.run(
            [str(servers.binary("generate_token")), "--keys-dir", str(self.keys), "--expires-in", str(seconds)],
            cwd=ROOT, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
        )
        match = re.search(r"valid for (.+)\.$", result.stderr, re.MULTILINE)
        if result.returncode != 0 or not match:
            raise TutorialError(f"could not learn how generate_token words {seconds} seconds: "
                                f"generate_token --expires-in {seconds} said:\n{result.stderr}")
        return match.group(1)


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace") if response.status == 200 else None
    except (urllib.error.URLError, OSError):
        return None


def _shown_command_line(argv: list[str]) -> str:
    return " ".join([rel(Path(argv[0])), *argv[1:]])


def _start(session: Session, scratch: Path, keys: Path | None, issuer_keys: Path | None,
           issuer_options: list[str] = ()):
    """The step (and the issuer, with `issuer_options`, if the session has one), started: (issuer or None, step)."""
    what = f"session {session.name}: {session.program}"
    options = [*(["--keys-dir", str(keys)] if keys else []), *session.args]
    if session.issuer == "no":
        return None, servers.start_step(what, session.step, options, scratch)
    if not (ROOT / "Sources" / f"Step{session.step}" / "IssuerDiscovery.swift").is_file():
        raise TutorialError(f"{session.source}: session {session.name}: issuer=\"{session.issuer}\" needs a step "
                            "that finds its issuers' keys through their metadata (Step 7 on)")
    if not keys:
        raise TutorialError(f"{session.source}: session {session.name}: an issuer needs a step that takes --keys-dir")
    return servers.start_step_with_issuer(what, session.step, options, scratch, issuer_keys, issuer_options)


def capture(run: list[Session], shots: list[Screenshot] = (), pages: dict[str, str] | None = None) -> list[str]:
    """Runs a session, and the sessions that continue it, against a fresh server (and issuer);
    returns their normalised transcripts. `shots`: the screenshots of the run's pages, each fetched
    after the commands of its session, while the servers run; their normalised HTML goes into
    `pages`, by screenshot name."""
    session = run[0]
    fetched: list[tuple[str, str, float]] = []  # screenshot name, raw HTML, when it was fetched
    shows_log = any(part.show_log != "no" for part in run)
    shows_issuer_log = any(part.show_issuer_log for part in run)
    with tempfile.TemporaryDirectory(prefix="tutorial-") as scratch:
        scratch_path = Path(os.path.realpath(scratch))
        state = scratch_path / "state.sh"
        state.write_text("")
        env_extra = {"TUTORIAL_STATE": str(state)}
        replacements: list[tuple[str, str]] = []

        def placeholder(path: Path, name: str, first: bool = False) -> None:
            """Shows `path` (also by the name the temporary folder was given) as $name."""
            pairs = [(str(path), f"${name}")]
            if scratch != str(scratch_path):
                pairs.append((os.path.join(scratch, path.name), f"${name}"))
            at = 0 if first else len(replacements)
            replacements[at:at] = pairs

        keys = None
        if session.step == 0 or servers.takes_keys_dir(session.step):
            keys = scratch_path / "keys"
            env_extra["KEYS"] = str(keys)
            placeholder(keys, "KEYS")
        issuer_keys = None  # the step's, for the workshop issuer
        if session.issuer == "other":
            issuer_keys = scratch_path / "issuer-keys"
            env_extra["ISSUER_KEYS"] = str(issuer_keys)
            placeholder(issuer_keys, "ISSUER_KEYS", first=True)
        partner_keys = None  # the partner issuer's, for a cast with one
        if "partner-issuer" in session.services:
            partner_keys = scratch_path / "partner-keys"
            env_extra["PARTNER_KEYS"] = str(partner_keys)
            placeholder(partner_keys, "PARTNER_KEYS", first=True)
        if session.step == 0:  # a server after the steps keeps its data in a folder of the run
            env_extra["DATA_DIR"] = str(scratch_path / "data")
            placeholder(scratch_path / "data", "DATA_DIR")
        key_names, issued_names = KeyNames(), IssuedNames()
        own_source = session.program
        site = clientsite.start(scratch_path) if session.client_site else None
        if site:
            env_extra.update(site.environment())
            placeholder(site.log, "CLIENT_SITE_LOG")  # before the folder, whose path is the start of the log's
            placeholder(site.folder, "CLIENT_SITE_DIR")
            replacements[:0] = [(str(site.ca), "$CLIENT_SITE_CA")]
            replacements += site.shown_ports()
        cast = None  # a server after the steps, with its issuers and services
        try:
            if session.step == 0:
                cast = casting.start(f"session {session.name}", session.program, session.args, session.issuer_args,
                                     session.services, scratch_path, keys, partner_keys)
                issuer, step = cast.issuer, cast.step
                env_extra.update(cast.environment())
                replacements += cast.shown_files
            else:
                issuer, step = _start(session, scratch_path, keys, issuer_keys,
                                      [*(site.issuer_options() if site else []), *session.issuer_args])
        except BaseException:
            if site:
                site.stop()
            raise
        try:
            server_log = LogReader(step.stderr)
            parts: list[list[tuple[str, float]]] = [[] for _ in run]  # per session: raw text, when it started
            jwks = _fetch(f"{step.url}/.well-known/jwks.json")
            if jwks:
                key_names.learn(jwks)
            if issuer:
                env_extra["ISSUER"] = issuer.url
                for one in [issuer, *(server for _, server in (cast.services() if cast else []))]:
                    issuer_jwks = _fetch(f"{one.url}/jwks.json")  # the calendars have none
                    if issuer_jwks:
                        key_names.learn(issuer_jwks)
            # Tasks that start together log in either order, and may still be talking to the issuer.
            startup_log = server_log.new_lines(quiet=1 if session.sort_startup_log else 0.1) if shows_log else []
            if session.sort_startup_log:
                startup_log.sort(key=lambda line: line[1])
            issuer_log = LogReader(issuer.stderr, "issuer log") if issuer else None
            issuer_startup_log = issuer_log.new_lines() if issuer_log and shows_issuer_log else []
            if session.show_server:
                if issuer:
                    issuer_lines = shown_log(issuer_startup_log, "yes" if session.show_issuer_log else "no",
                                             "WorkshopIssuer")
                    lines = [f"$ {_shown_command_line(issuer.argv)}", *issuer_lines, issuer.banner().rstrip()]
                    parts[0].append(("\n".join(lines) + "\n", issuer.started))
                for _, service in cast.services() if cast else []:
                    lines = [f"$ {_shown_command_line(service.argv)}", service.banner().rstrip()]
                    parts[0].append(("\n".join(lines) + "\n", service.started))
                lines = [f"$ {_shown_command_line(step.argv)}", *shown_log(startup_log, session.show_log, own_source),
                         step.banner().rstrip()]
                parts[0].append(("\n".join(lines) + "\n", step.started))
            for index, current, command in ((i, s, c) for i, s in enumerate(run) for c in s.commands):
                check_tools(command)
                command_started = time.time()
                output = run_command(command, step.url, current, env_extra)
                # A command may also make keys in a folder of its own inside $KEYS (a copy it rotates, say).
                for jwks_file in sorted(keys.rglob("jwks.json")) if keys else []:
                    key_names.learn(jwks_file.read_text(errors="replace"))
                shown = "".join(c + "\n" for c in command.comments) + "$ " + command.text + "\n"
                shown += output.rstrip("\n") + ("\n" if output.strip() else "")
                # Read after every command of the run, so that each part shows only its own commands' lines.
                step_lines = server_log.new_lines() if shows_log else []
                issuer_lines = issuer_log.new_lines() if issuer_log and shows_issuer_log else []
                shown += "".join(line + "\n" for line in shown_log(step_lines, current.show_log, own_source))
                shown += "".join(line + "\n" for line in shown_log(
                    issuer_lines, "yes" if current.show_issuer_log else "no", "WorkshopIssuer"))
                if issuer:
                    issued_names.learn_log(issuer.stderr.read_text(errors="replace"))
                    issued_names.learn_output(output)
                parts[index].append((shown, command_started))
                if command is current.commands[-1]:
                    for shot in (shot for shot in shots if shot.session == current.name):
                        page_started = time.time()
                        html = run_command(Command([], shot.fetch_command()), step.url, current, env_extra)
                        fetched.append((shot.name, html, page_started))
        finally:
            step.stop()
            if issuer:
                issuer.stop()
            if cast:
                cast.stop()
            if site:
                site.stop()
        replacements += key_names.replacements() + issued_names.replacements()
        issuer_port = (issuer.port, SHOWN_ISSUER_PORT[session.issuer]) if issuer else None
        durations = DeskDurations(scratch_path)
        shown_in_page = [(value, escaped(shown)) for value, shown in replacements]
        more_ports = cast.shown_ports() if cast else []
        for name, html, reference in fetched:
            (pages if pages is not None else {})[name] = normalise_page(
                normalise(html, step.port, reference, shown_in_page, issuer_port, durations, more_ports))
        return ["\n".join(normalise(text, step.port, reference, replacements, issuer_port, durations, more_ports)
                          for text, reference in texts)
                for texts in parts]
