"""Starts and stops the servers that sessions talk to: a step, and the workshop issuer beside it.

Starting a server belongs to the test harness: these calls run test_steps/serve.sh, which picks
a free port, has the token desk make a key pair in a key folder that holds none, starts the step
(and the issuer), waits until it is ready, and prints where everything is. What the tutorial
adds is in three calls: `start_step`, `start_step_with_issuer` and `Server.stop`. A session says
which step and which options, and gets back each server's port, command line, start time, and
two files: what it printed on stdout (its banner) and on stderr (its log). A server after the
steps (Delegation), which serve.sh does not know, is started with its cast by `cast`, which
uses serve.sh for the issuers and `Server` for all.

The binaries come from .build/debug (built when missing, with a warning when older than their
sources, before serve.sh runs)."""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .normalise import RESERVED_PORTS
from .paths import ROOT, TutorialError, rel

SERVE = ROOT / "test_steps" / "serve.sh"
STOP_TIMEOUT = 10  # seconds for a server to exit after SIGTERM
HELP_TIMEOUT = 20  # seconds for `StepN --help` and `generate_token keys`


# --------------------------------------------------------------------------------------------
# The workshop's programs


_checked: set[str] = set()
# Where a program's sources are, when not in Sources/<product>; WorkshopSupport counts for all.
SOURCE_FOLDERS = {"generate_token": ["generate_token", "Sources/WorkshopIssuer"],
                  "CalendarAPI": ["Sources/CalendarAPI", "Sources/CalendarService"]}


def _newest_source(folders: list[Path]) -> float:
    return max((p.stat().st_mtime for folder in folders for p in folder.rglob("*.swift")), default=0)


def binary(product: str) -> Path:
    """.build/debug/<product>: built with `swift build --product` if it is missing, with a warning
    (once) when it is older than its sources, so that captures may be stale."""
    path = ROOT / ".build" / "debug" / product
    if product in _checked:
        return path
    if not path.exists():
        print(f"  building {product} (swift build --product {product}) …", file=sys.stderr)
        result = subprocess.run(["swift", "build", "--product", product], cwd=ROOT)
        if result.returncode != 0 or not path.exists():
            raise TutorialError(f"swift build --product {product} failed")
    else:
        names = SOURCE_FOLDERS.get(product, [f"Sources/{product}"]) + ["Sources/WorkshopSupport"]
        folders = [ROOT / name for name in names if (ROOT / name).is_dir()]
        if _newest_source(folders) > path.stat().st_mtime:
            print(f"  warning: {rel(path)} is older than its sources; captures may be stale "
                  f"(run swift build --product {product})", file=sys.stderr)
    _checked.add(product)
    return path


def step_binary(step: int) -> Path:
    return binary(f"Step{step}")


_keys_dir_steps: dict[int, bool] = {}


def takes_keys_dir(step: int) -> bool:
    """Whether the step reads the workshop keys (and so must be given a folder of its own)."""
    if step not in _keys_dir_steps:
        result = subprocess.run([str(step_binary(step)), "--help"], cwd=ROOT, capture_output=True, text=True,
                                env={**os.environ, "COLUMNS": "200"}, timeout=HELP_TIMEOUT)
        _keys_dir_steps[step] = "--keys-dir" in result.stdout + result.stderr
    return _keys_dir_steps[step]


def create_key_pair(folder: Path) -> None:
    """The token desk's key pair in `folder` (generate_token keys), for minting without a server."""
    result = subprocess.run([str(binary("generate_token")), "keys", "--keys-dir", str(folder)],
                            cwd=ROOT, capture_output=True, text=True, timeout=HELP_TIMEOUT)
    if result.returncode != 0:
        raise TutorialError(f"generate_token keys --keys-dir {folder} failed:\n{result.stdout}{result.stderr}")


# --------------------------------------------------------------------------------------------
# Running servers


@dataclass
class Server:
    """A server serve.sh started, ready to answer."""
    pid: int
    port: int
    url: str
    argv: list[str]  # its command line, port included
    started: float  # unix time, just before it was started
    stdout: Path  # its banner
    stderr: Path  # its log lines

    def banner(self) -> str:
        return self.stdout.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; only this server's process, and only once."""
        _stop_process(self.pid)


_running: list[int] = []


def _exited(pid: int) -> bool:
    try:
        return os.waitpid(pid, os.WNOHANG)[0] == pid  # reaped here, as its adoptive parent
    except ChildProcessError:  # someone else's to reap
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


def _stop_process(pid: int) -> None:
    if pid not in _running:  # stopped already: the number may be another process's by now
        return
    _running.remove(pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            if _exited(pid):
                return
            time.sleep(0.05)


@atexit.register
def stop_all() -> None:
    """Stops every server still running (on exit, and after an error)."""
    for pid in list(_running):
        _stop_process(pid)


def _adopt_orphans() -> None:
    """On Linux, makes this process the parent of the servers serve.sh leaves behind when it exits
    (PR_SET_CHILD_SUBREAPER), so that stopping one can reap it: where the system's first process
    reaps nothing, as in some containers, an exited server would otherwise look alive."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass


def serve_command(step: int, options: list[str], scratch: Path, issuer_keys: Path | None = None,
                  with_issuer: bool = False, issuer_options: list[str] = ()) -> list[str]:
    """The serve.sh command line for Step<step> OPTIONS, with its files in `scratch`, and never on a
    port a transcript shows; `issuer_options`: more arguments for the issuer."""
    command = [str(SERVE), "--work-dir", str(scratch)]
    for port in sorted(RESERVED_PORTS):
        command += ["--avoid-port", str(port)]
    if with_issuer:
        command += ["--with-issuer", *(["--issuer-keys-dir", str(issuer_keys)] if issuer_keys else [])]
        command += [part for option in issuer_options for part in ("--issuer-option", option)]
    return [*command, str(step), *options]


def parse_servers(output: str) -> tuple[Server, Server | None]:
    """The step and, if serve.sh started one, the issuer, from serve.sh's NAME=VALUE lines."""
    values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)

    def server(prefix: str, url: str) -> Server:
        return Server(int(values[prefix + "pid"]), int(values[prefix + "port"]), values[url],
                      json.loads(values[prefix + "command"]), float(values[prefix + "started"]),
                      Path(values[prefix + "stdout"]), Path(values[prefix + "log"]))

    try:
        return server("", "base_url"), server("issuer_", "issuer_url") if "issuer_pid" in values else None
    except (KeyError, ValueError) as error:
        raise TutorialError(f"test_steps/serve.sh printed no usable {error}:\n{output}") from None


def _serve(what: str, command: list[str]) -> tuple[Server, Server | None]:
    """Runs serve.sh; its servers keep running after it exits, until Server.stop."""
    _adopt_orphans()
    env = {key: value for key, value in os.environ.items() if key != "TEST_STEPS_RESULTS"}
    # Its own session: Ctrl-C reaches only this script, which then stops serve.sh and what it started.
    process = subprocess.Popen(["bash", *command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        output, errors = process.communicate()
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        process.wait()
        raise
    if process.returncode != 0:
        raise TutorialError(f"{what} did not start (test_steps/serve.sh exited {process.returncode}):\n"
                            f"{errors[-3000:]}")
    # Known before the rest is read, so that they are stopped even if the rest is unusable.
    _running.extend(int(value) for name, _, value in (line.partition("=") for line in output.splitlines())
                    if name in ("pid", "issuer_pid") and value.isdigit())
    return parse_servers(output)


def start_step(what: str, step: int, options: list[str], scratch: Path) -> Server:
    """Step<step> --port <a free port> OPTIONS, its stdout and stderr in `scratch`."""
    if takes_keys_dir(step):
        binary("generate_token")
    return _serve(what, serve_command(step, options, scratch))[0]


def start_step_with_issuer(what: str, step: int, options: list[str], scratch: Path,
                           issuer_keys: Path | None = None, issuer_options: list[str] = ()) -> tuple[Server, Server]:
    """The workshop issuer (generate_token serve) on a free port, with --resource naming the step's
    MCP endpoint, --keys-dir `issuer_keys` or else the step's, and `issuer_options`; then
    Step<step> OPTIONS, with --issuer <the issuer's URL> right after its --keys-dir. Returns
    (issuer, step) once the step has fetched the issuer's keys, so that its log line about them
    falls before the first command."""
    step_binary(step)
    binary("generate_token")
    server, issuer = _serve(what, serve_command(step, options, scratch, issuer_keys, with_issuer=True,
                                                issuer_options=issuer_options))
    if issuer is None:
        server.stop()
        raise TutorialError(f"{what}: test_steps/serve.sh --with-issuer printed no issuer")
    return issuer, server
