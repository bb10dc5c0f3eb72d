"""Starts and stops the servers that sessions talk to: a step, and the workshop issuer beside it.

Everything about running a server lives here, behind three calls: `start_step` (a step on a
free port, returned once its banner names the port and GET /health answers),
`start_step_with_issuer` (the workshop issuer, then the step trusting it) and `Server.stop`. A
session says which step and which options, and gets back each server's port, command line,
start time, and two files: what it printed on stdout (its banner) and on stderr (its log).
These calls take what test_steps/serve.sh takes (a step, its options, --with-issuer and
--issuer-keys-dir) and return what it prints, so that starting servers through the test
harness instead changes the bodies of these calls and nothing else.

The step binaries come from .build/debug (built when missing, with a warning when older than
their sources). A key folder named by --keys-dir that holds no public key gets its key pair
from the token desk, `generate_token keys`, before anything starts on it: from Step 5 on,
steps load a public key and never create one."""

from __future__ import annotations

import atexit
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .normalise import RESERVED_PORTS
from .paths import ROOT, TutorialError, rel

START_TIMEOUT = 30  # seconds for a server to answer /health
STOP_TIMEOUT = 10  # seconds for a server to exit after SIGTERM
KEYS_FETCH_TIMEOUT = 10  # seconds for a step to fetch the issuer's keys after start-up
HELP_TIMEOUT = 20  # seconds for `StepN --help`
START_ATTEMPTS = 3  # another program may take a free port before the server binds it


# --------------------------------------------------------------------------------------------
# The workshop's programs


_checked: set[str] = set()
# Where a program's sources are, when not in Sources/<product>; WorkshopSupport counts for all.
SOURCE_FOLDERS = {"generate_token": ["generate_token", "Sources/WorkshopIssuer"]}


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
    """The token desk's key pair in `folder` (generate_token keys), as an attendee creates it
    before starting Step 5 or later."""
    result = subprocess.run([str(binary("generate_token")), "keys", "--keys-dir", str(folder)],
                            cwd=ROOT, capture_output=True, text=True, timeout=HELP_TIMEOUT)
    if result.returncode != 0:
        raise TutorialError(f"generate_token keys --keys-dir {folder} failed:\n{result.stdout}{result.stderr}")


# --------------------------------------------------------------------------------------------
# Running servers


@dataclass
class Server:
    """A server this module started, ready to answer."""
    what: str  # for messages: "session x: Step6"
    process: subprocess.Popen
    port: int
    argv: list[str]  # its command line, port included
    started: float  # unix time, just before it was started
    stdout: Path  # its banner
    stderr: Path  # its log lines

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def banner(self) -> str:
        return self.stdout.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL; only this server's process."""
        _stop_process(self.process)


_running: list[subprocess.Popen] = []


def _stop_process(process: subprocess.Popen) -> None:
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
def stop_all() -> None:
    """Stops every server still running (on exit, and after an error)."""
    for process in list(_running):
        _stop_process(process)


def free_port(avoid: set[int] = frozenset()) -> int:
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in RESERVED_PORTS and port not in avoid:
            return port


def _health_ok(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _banner_seen(banner: Path, port: int) -> bool:
    return re.search(rf"listening on \S*:{port}$", banner.read_text(errors="replace"), re.MULTILINE) is not None


def _launch(what: str, argv: list[str], stdout: Path, stderr: Path, port: int) -> subprocess.Popen | None:
    """Starts a server that listens on `port`: its stdout (the banner) goes to `stdout`, its stderr
    (swift-log's lines) to `stderr`. Returns it once it is ready, or None if it lost the race for
    its port; any other failure is an error."""
    with open(stdout, "wb") as output, open(stderr, "wb") as errors:
        process = subprocess.Popen(
            argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=errors,
            start_new_session=True,  # Ctrl-C reaches this script, which then stops the server
        )
    _running.append(process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        # The banner proves that the process answering is ours, not another one on that port.
        if _banner_seen(stdout, port) and _health_ok(port):
            return process
        time.sleep(0.1)
    _stop_process(process)
    output_text = stdout.read_text(errors="replace") + stderr.read_text(errors="replace")
    if "in use" in output_text.lower():  # only a lost race for the port is worth a retry
        return None
    raise TutorialError(
        f"{what} did not become ready on port {port} within {START_TIMEOUT}s. Its output:\n{output_text[-2000:]}"
    )


def _start(what: str, command: Callable[[int], list[str]], files: tuple[Path, Path],
           port: int | None = None) -> Server | None:
    """Runs `command(port)` on `port`, or on a free port (trying another one when it is taken).
    `files`: where its stdout and stderr go. None only when a given `port` was taken."""
    for _attempt in range(1 if port else START_ATTEMPTS):
        chosen = port or free_port()
        argv = command(chosen)
        started = time.time()
        process = _launch(what, argv, *files, chosen)
        if process is not None:
            return Server(what, process, chosen, argv, started, *files)
    if port:
        return None
    raise TutorialError(f"{what}: could not find a free port in {START_ATTEMPTS} attempts")


def option_value(options: list[str], name: str) -> str | None:
    """The value of `--name value` or `--name=value` in options, if given."""
    for i, option in enumerate(options):
        if option == name and i + 1 < len(options):
            return options[i + 1]
        if option.startswith(name + "="):
            return option[len(name) + 1:]
    return None


def trusting(options: list[str], issuer_url: str) -> list[str]:
    """The options with --issuer ISSUER_URL right after the --keys-dir option."""
    for i, option in enumerate(options):
        if option.startswith("--keys-dir="):
            return [*options[:i + 1], "--issuer", issuer_url, *options[i + 1:]]
        if option == "--keys-dir" and i + 1 < len(options):
            return [*options[:i + 2], "--issuer", issuer_url, *options[i + 2:]]
    raise TutorialError("a step started with an issuer needs --keys-dir")


def _with_keys(folder: str | Path | None) -> None:
    """A key folder that holds no public key yet gets the desk's key pair first."""
    if folder and not any((Path(folder) / name).is_file() for name in ("public.pem", "jwks.json")):
        create_key_pair(Path(folder))


def start_step(what: str, step: int, options: list[str], scratch: Path) -> Server:
    """Step<step> --port <a free port> OPTIONS, its stdout and stderr in `scratch`."""
    _with_keys(option_value(options, "--keys-dir"))
    path = str(step_binary(step))
    return _start(what, lambda port: [path, "--port", str(port), *options],
                  (scratch / "stdout.txt", scratch / "stderr.txt"))


def start_step_with_issuer(what: str, step: int, options: list[str], scratch: Path,
                           issuer_keys: Path | None = None) -> tuple[Server, Server]:
    """The workshop issuer (generate_token serve) on a free port, with --resource naming the step's
    MCP endpoint (under the step's --public-url, if OPTIONS give one) and --keys-dir `issuer_keys`
    or else the step's; then Step<step> --port <a free port> OPTIONS, with --issuer <the issuer's
    URL> right after its --keys-dir. The issuer must name the step's resource, so the step's port
    is picked first. Returns (issuer, step) once the step has fetched the issuer's keys, so that
    its log line about them falls before the first command."""
    keys = option_value(options, "--keys-dir")
    if not keys:
        raise TutorialError(f"{what}: a step started with an issuer needs --keys-dir")
    issuer_keys = issuer_keys or Path(keys)
    _with_keys(keys)
    _with_keys(issuer_keys)
    step_path, issuer_path = str(step_binary(step)), str(binary("generate_token"))
    public_url = option_value(options, "--public-url")
    issuer_files = (scratch / "issuer-stdout.txt", scratch / "issuer-stderr.txt")
    step_files = (scratch / "stdout.txt", scratch / "stderr.txt")
    for _attempt in range(START_ATTEMPTS):
        step_port = free_port()
        resource = (public_url or f"http://127.0.0.1:{step_port}").rstrip("/") + "/mcp"
        issuer = _start(f"{what}: the issuer (generate_token serve)",
                        lambda port: [issuer_path, "serve", "--port", str(port), "--resource", resource,
                                      "--keys-dir", str(issuer_keys)],
                        issuer_files, free_port(avoid={step_port}))
        if issuer is None:
            continue
        try:
            step_options = trusting(options, issuer.url)
            server = _start(what, lambda port: [step_path, "--port", str(port), *step_options], step_files, step_port)
        except BaseException:
            issuer.stop()
            raise
        if server is None:
            issuer.stop()
            continue
        _wait_for_issuer_keys(server.stderr)
        return issuer, server
    raise TutorialError(f"{what}: could not find free ports for the issuer and the step")


def _wait_for_issuer_keys(log: Path) -> None:
    """Waits until the step's log says that it fetched (or failed to fetch) the issuer's keys, which
    it does in the background after start-up."""
    deadline = time.monotonic() + KEYS_FETCH_TIMEOUT
    while time.monotonic() < deadline:
        if re.search(r"(Fetched|Could not fetch) the issuer's signing keys", log.read_text(errors="replace")):
            return
        time.sleep(0.05)
