"""The cast of a session whose step is a server after the steps (step="Delegation"): that server,
its home issuer, and the services it calls for its users, each on a free port.

test_steps/serve.sh starts the issuers (`serve.sh issuer`, which makes a key pair in a key folder
that holds none); the server and the calendar APIs, which serve.sh does not know, are started
here, the same way: on a free port, never one a transcript shows, ready once GET /health answers.
In order:

  1. free ports for the server and the calendars;
  2. the home issuer: generate_token serve --keys-dir $KEYS --resource <the server>/mcp ISSUER-ARGS;
  3. partner-issuer="ARGS": another generate_token serve, with a key pair of its own in
     $PARTNER_KEYS, and ARGS;
  4. calendar="ARGS": CalendarAPI --issuer <home issuer> --keys-dir $KEYS ARGS;
  5. partner-calendar="ARGS": CalendarAPI --issuer <partner issuer> --keys-dir $PARTNER_KEYS ARGS;
  6. the server: <Name> --keys-dir $KEYS --issuer <home issuer> --data-dir <scratch>/data, and, if
     it takes them and the service runs, --calendar-url, --partner-issuer and
     --partner-calendar-url naming the services; then ARGS; it is ready once it has fetched
     the home issuer's keys.

Every argument is written as an attendee types it, with the default addresses of the chapter
(127.0.0.1:9000 the server, 9001 the home issuer, 9002 the partner issuer, 9100 and 9102 the
calendars): the cast rewrites them to the ports the servers got. An argument naming a file of the
repository that holds such an address (a clients-file, whose redirect URIs, subject_audience and
targets name the server and the calendars) is replaced by a rewritten copy in the scratch folder,
which transcripts show by the original's name: with its ports shown as the defaults, the copy is
the original. The commands find the servers in $BASE, $ISSUER, $PARTNER_ISSUER, $CALENDAR and
$PARTNER_CALENDAR (base URLs), the key folders in $KEYS and $PARTNER_KEYS.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import servers
from .normalise import RESERVED_PORTS, SHOWN_ISSUER_PORT, SHOWN_PORT, SHOWN_SERVICE_PORTS
from .paths import ROOT, TutorialError, rel

READY_TIMEOUT = 60  # seconds for a server to answer GET /health (a loaded machine is slow)
KEYS_TIMEOUT = 10  # seconds for the server to say whether it fetched its issuer's keys
# The default port of each member of the cast, as the chapter writes it and transcripts show it.
DEFAULT_PORTS = {"step": SHOWN_PORT, "issuer": SHOWN_ISSUER_PORT["yes"], **SHOWN_SERVICE_PORTS}
ENVIRONMENT = {"partner-issuer": "PARTNER_ISSUER", "calendar": "CALENDAR", "partner-calendar": "PARTNER_CALENDAR"}
ADDRESS = re.compile(r"(127\.0\.0\.1)(:|%3[Aa])(\d+)(?!\d)")


def rewrite_addresses(text: str, ports: dict[int, int]) -> str:
    """`text` with each 127.0.0.1:<default port> (also percent-encoded) on the port that member got;
    `ports` maps default ports to real ones (a member that does not run keeps its default)."""
    def port(match: re.Match) -> str:
        number = int(match.group(3))
        return f"{match.group(1)}{match.group(2)}{ports.get(number, number)}"
    return ADDRESS.sub(port, text)


def rewrite_arguments(arguments: list[str], ports: dict[int, int], scratch: Path,
                      root: Path = ROOT) -> tuple[list[str], list[tuple[str, str]]]:
    """The arguments with their addresses rewritten, and a JSON file of the repository (named from
    `root`) that names an address replaced by a rewritten copy in scratch/config; also (copy,
    original) for each copy, so that a transcript shows the copy by the original's name."""
    rewritten, shown = [], []
    for argument in arguments:
        path = root / argument
        if not os.path.isabs(argument) and argument.endswith(".json") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            changed = rewrite_addresses(text, ports)
            if changed != text:
                copy = scratch / "config" / argument.replace("/", "_")
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(changed, encoding="utf-8")
                rewritten.append(str(copy))
                shown.append((str(copy), argument))
                continue
        rewritten.append(rewrite_addresses(argument, ports))
    return rewritten, shown


def free_port(avoid: set[int]) -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now, not in `avoid` nor one a transcript shows."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in avoid and port not in RESERVED_PORTS:
            return port


def server_options(help_text: str, services: dict[str, str]) -> list[str]:
    """The options that point the server at the services that run (their base URLs by member), for
    those its --help lists."""
    wanted = []
    if "calendar" in services:
        wanted.append(("--calendar-url", services["calendar"] + "/calendar"))
    if "partner-issuer" in services:
        wanted.append(("--partner-issuer", services["partner-issuer"]))
    if "partner-calendar" in services:
        wanted.append(("--partner-calendar-url", services["partner-calendar"] + "/calendar"))
    return [part for option, value in wanted if option in help_text for part in (option, value)]


def issuer_command(scratch: Path, options: list[str], avoid: set[int]) -> list[str]:
    """The serve.sh command line for an issuer with OPTIONS, its files in `scratch`."""
    command = [str(servers.SERVE), "--work-dir", str(scratch)]
    for port in sorted(RESERVED_PORTS | avoid):
        command += ["--avoid-port", str(port)]
    return [*command, "issuer", *options]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def launch(what: str, argv: list[str], port: int, scratch: Path, name: str) -> servers.Server:
    """Runs ARGV (which holds --port PORT), its output in scratch/<name>.out and .log, until GET
    /health answers and its banner says it listens on PORT."""
    out, log = scratch / f"{name}.out", scratch / f"{name}.log"
    servers._adopt_orphans()
    started = time.time()
    with open(out, "wb") as stdout, open(log, "wb") as stderr:
        process = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                   start_new_session=True)
    servers._running.append(process.pid)
    server = servers.Server(process.pid, port, f"http://127.0.0.1:{port}", argv, started, out, log)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise TutorialError(f"{what}: {name} exited (status {process.returncode}) before answering GET /health:\n"
                                f"{out.read_text(errors='replace')[-1500:]}{log.read_text(errors='replace')[-1500:]}")
        if re.search(rf"listening on .*:{port}$", out.read_text(errors="replace"), re.MULTILINE) \
                and _answers(f"{server.url}/health"):
            return server
        time.sleep(0.1)
    server.stop()
    raise TutorialError(f"{what}: {name} did not answer GET {server.url}/health within {READY_TIMEOUT}s:\n"
                        f"{log.read_text(errors='replace')[-2000:]}")


def _wait_for_issuer_keys(server: servers.Server) -> None:
    """Until the server's log says it fetched (or could not fetch) its issuer's keys, as serve.sh waits."""
    deadline = time.monotonic() + KEYS_TIMEOUT
    while time.monotonic() < deadline:
        if re.search(r"(Fetched|Could not fetch) the issuer's signing keys", server.stderr.read_text(errors="replace")):
            return
        time.sleep(0.05)


@dataclass
class Cast:
    """The servers of one run, by member ("issuer", "partner-issuer", "calendar", "partner-calendar",
    and "step" last), in the order they started."""
    members: dict[str, servers.Server] = field(default_factory=dict)
    shown_files: list[tuple[str, str]] = field(default_factory=list)  # (rewritten copy, original's name)

    @property
    def step(self) -> servers.Server:
        return self.members["step"]

    @property
    def issuer(self) -> servers.Server:
        return self.members["issuer"]

    def services(self) -> list[tuple[str, servers.Server]]:
        """The members other than the server and its home issuer."""
        return [(name, server) for name, server in self.members.items() if name in ENVIRONMENT]

    def environment(self) -> dict[str, str]:
        return {ENVIRONMENT[name]: server.url for name, server in self.services()}

    def shown_ports(self) -> list[tuple[int, int]]:
        """(real, shown) for the services; the server's and the home issuer's are normalised as for any step."""
        return [(server.port, DEFAULT_PORTS[name]) for name, server in self.services()]

    def stop(self) -> None:
        for server in reversed(list(self.members.values())):
            server.stop()


def start(what: str, program: str, options: list[str], issuer_options: list[str],
          services: dict[str, list[str]], scratch: Path, keys: Path, partner_keys: Path | None) -> Cast:
    """The cast, started in the order of this module's manual; stopped again if one fails to start."""
    binary = servers.binary(program)
    servers.binary("generate_token")
    if "calendar" in services or "partner-calendar" in services:
        servers.binary("CalendarAPI")
    cast = Cast()
    try:
        taken: set[int] = set()
        ports = {DEFAULT_PORTS["step"]: free_port(taken)}
        taken.add(ports[DEFAULT_PORTS["step"]])
        for name in ("calendar", "partner-calendar"):
            if name in services:
                ports[DEFAULT_PORTS[name]] = free_port(taken)
                taken.add(ports[DEFAULT_PORTS[name]])
        step_url = f"http://127.0.0.1:{ports[DEFAULT_PORTS['step']]}"

        def arguments(given: list[str]) -> list[str]:
            rewritten, shown = rewrite_arguments(given, ports, scratch)
            cast.shown_files += [pair for pair in shown if pair not in cast.shown_files]
            return rewritten

        def issuer(name: str, key_folder: Path, given: list[str], resource: list[str]) -> servers.Server:
            command = issuer_command(scratch / name, ["--keys-dir", str(key_folder), *resource, *arguments(given)],
                                     taken)
            server = servers._serve(f"{what}: {name}", command)[0]
            taken.add(server.port)
            ports[DEFAULT_PORTS[name]] = server.port
            return server

        cast.members["issuer"] = issuer("issuer", keys, issuer_options, ["--resource", f"{step_url}/mcp"])
        if "partner-issuer" in services:
            if partner_keys is None:
                raise TutorialError(f"{what}: the partner issuer needs a key folder of its own")
            cast.members["partner-issuer"] = issuer("partner-issuer", partner_keys, services["partner-issuer"], [])
        for name, trusted, key_folder in (("calendar", "issuer", keys), ("partner-calendar", "partner-issuer", partner_keys)):
            if name in services:
                port = ports[DEFAULT_PORTS[name]]
                argv = [str(servers.binary("CalendarAPI")), "--port", str(port), "--issuer", cast.members[trusted].url,
                        "--keys-dir", str(key_folder), *arguments(services[name])]
                cast.members[name] = launch(what, argv, port, scratch, name)
        port = ports[DEFAULT_PORTS["step"]]
        help_text = subprocess.run([str(binary), "--help"], cwd=ROOT, capture_output=True, text=True,
                                   env={**os.environ, "COLUMNS": "200"}, timeout=servers.HELP_TIMEOUT)
        pointers = server_options(help_text.stdout + help_text.stderr,
                                  {name: server.url for name, server in cast.services()})
        data = [] if "--data-dir" in options else ["--data-dir", str(scratch / "data")]
        argv = [str(binary), "--port", str(port), "--keys-dir", str(keys), "--issuer", cast.issuer.url, *data,
                *pointers, *arguments(options)]
        cast.members["step"] = launch(what, argv, port, scratch, "server")
        _wait_for_issuer_keys(cast.step)
    except BaseException:
        cast.stop()
        raise
    return cast


def shown_command_line(argv: list[str]) -> str:
    return " ".join([rel(Path(argv[0])), *argv[1:]])
