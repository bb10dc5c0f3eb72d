"""Makes a transcript the same on every run: ports, times, tokens, key ids and the values an
issuer hands out at random become fixed values or placeholders. Pure functions and small
collectors, so that they can be tested without a server."""

from __future__ import annotations

import datetime
import json
import re
import time
from typing import Callable

SHOWN_PORT = 9000
SHOWN_ISSUER_PORT = {"yes": 9001, "other": 9002}  # the workshop issuer's port, and another issuer's
SHOWN_SITE_PORT = 9443  # the client's HTTPS site, where its metadata documents are (clientsite)
# The services a server after the steps calls for its users (cast): their default ports, as shown.
SHOWN_SERVICE_PORTS = {"partner-issuer": 9002, "calendar": 9100, "partner-calendar": 9102}
# Ports a transcript shows as they are: a server must never get one, or normalising its port would
# rewrite them (the shown ports, and 33418: the Python client's redirect URI).
RESERVED_PORTS = {SHOWN_PORT, *SHOWN_ISSUER_PORT.values(), SHOWN_SITE_PORT, *SHOWN_SERVICE_PORTS.values(), 33418}
FIXED_MOMENT = datetime.datetime(2026, 7, 28, 12, 0, 0, tzinfo=datetime.timezone.utc)
NOW_WINDOW = datetime.timedelta(days=400)  # only times near "now" vary from run to run
ROUNDING = 60  # seconds: times are shown relative to the command's start, to the nearest minute

# How generate_token words a span of seconds ("60 minutes"). The tool never words one itself:
# sessions ask generate_token (sessions.DeskDurations), so the wording has one home, in Swift.
Durations = Callable[[int], str]


def shown_moment(moment: datetime.datetime, reference: float) -> datetime.datetime | None:
    """Where a clock reading is shown: the fixed moment plus its distance from `reference` (the
    unix time the command started), rounded to the minute; None when it is no clock reading."""
    seconds = moment.timestamp() - reference
    if abs(seconds) >= NOW_WINDOW.total_seconds():
        return None  # e.g. "1970-01-01T00:00:00Z" in a description is not a clock reading
    return FIXED_MOMENT + datetime.timedelta(seconds=round(seconds / ROUNDING) * ROUNDING)


ISO_TIME = re.compile(
    r"\b(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?P<fraction>\.\d+)?(?P<offset>Z|[+-]\d{2}:?\d{2})"
    # generate_token follows an expiry with how far away it is: "(in 60 minutes)", "(expired 5 minutes ago)"
    r"(?P<relative> \((?:expired |in )\d+ [a-z]+(?: ago)?\))?"
)


def fixed_iso(match: re.Match, reference: float, durations: Durations | None = None) -> str:
    """An ISO-8601 time near now, shown relative to the fixed moment, in the same offset and format.
    A relative phrase after it is worded again for the shown time by `durations`; without one, or
    when the shown time is the fixed moment itself, it is left as printed."""
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
    shown = shown_moment(moment, reference)
    if shown is None:
        return match.group(0)
    fraction = match.group("fraction") or ""
    text = shown.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S") + ("." + "0" * (len(fraction) - 1) if fraction else "")
    text += offset_text
    relative = match.group("relative")
    if relative:
        away = int((shown - FIXED_MOMENT).total_seconds())
        if durations is None or away == 0:
            text += relative
        else:
            text += f" (in {durations(away)})" if away > 0 else f" (expired {durations(-away)} ago)"
    return text


def fixed_unix(match: re.Match, reference: float) -> str:
    moment = datetime.datetime.fromtimestamp(int(match.group(0)), datetime.timezone.utc)
    shown = shown_moment(moment, reference)
    return match.group(0) if shown is None else str(int(shown.timestamp()))


HTTP_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\b")
UNIX_TIME = re.compile(r"(?<![\w.-])(?:1[5-9]|2[0-4])\d{8}(?![\w.])")
JWT = re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+")
UUID = re.compile(r"\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b")


def fixed_http_date(text: str) -> str:
    """HTTP Date headers (RFC 9110 IMF-fixdate) become the fixed moment."""
    return HTTP_DATE.sub(FIXED_MOMENT.strftime("%a, %d %b %Y %H:%M:%S GMT"), text)


def fixed_times(text: str, reference: float, durations: Durations | None = None) -> str:
    """ISO-8601 date-times with an offset, and unix times in seconds, near `reference`, shown
    relative to the fixed moment."""
    text = ISO_TIME.sub(lambda match: fixed_iso(match, reference, durations), text)
    return UNIX_TIME.sub(lambda match: fixed_unix(match, reference), text)


def placeholders(text: str) -> str:
    """JWTs (from Step 5 on) become <token>, UUIDs (such as a token's jti) <uuid>."""
    return UUID.sub("<uuid>", JWT.sub("<token>", text))


def shown_ports(text: str, ports: list[tuple[int, int]]) -> str:
    """Each (real, shown) port replaced in URLs on the loopback hosts (also percent-encoded) and
    after --port."""
    for real, shown in ports:
        for host in ("127.0.0.1", "localhost", "[::1]"):
            # (?!\d): port 4567 must not turn 45678 into 90008; %3A is the colon in a percent-encoded URL.
            text = re.sub(rf"{re.escape(host)}(:|%3[Aa]){real}(?!\d)", lambda m: f"{host}{m.group(1)}{shown}", text)
        text = re.sub(rf"--port {real}\b", f"--port {shown}", text)
    return text


def normalise(text: str, port: int, reference: float | None = None,
              replacements: list[tuple[str, str]] | None = None,
              issuer_port: tuple[int, int] | None = None,
              durations: Durations | None = None,
              more_ports: list[tuple[int, int]] = ()) -> str:
    """The text as a transcript shows it. `reference`: the unix time the command started (now
    if not given); `replacements`: exact strings to replace first (key folder, key ids);
    `issuer_port`: the issuer's real port and the port to show, if an issuer runs; `durations`:
    how generate_token words a span, for its "(in 60 minutes)"; `more_ports`: the (real, shown)
    ports of the other servers that run (a cast's services)."""
    reference = time.time() if reference is None else reference
    text = text.replace("\r\n", "\n")
    for value, placeholder in replacements or []:
        text = text.replace(value, placeholder)
    text = shown_ports(text, [(port, SHOWN_PORT)] + ([issuer_port] if issuer_port else []) + list(more_ports))
    text = fixed_http_date(text)
    text = fixed_times(text, reference, durations)
    return placeholders(text)


def numbered(kind: str, index: int) -> str:
    """<kind> for the first value of a kind, <kind-2> for the second, and so on."""
    return f"<{kind}{'' if index == 0 else f'-{index + 1}'}>"


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
        named = [(n, numbered("n", i)) for i, n in enumerate(self.moduli)]
        named += [(kid, numbered("kid", i)) for i, kid in enumerate(self.kids)]
        return sorted(named, key=lambda pair: -len(pair[0]))  # a longer value first, in case one contains another


class IssuedNames:
    """Placeholders for what the workshop issuer hands out at random: the client ids it registers
    (read from its log), and the client secrets, refresh tokens and codes that commands print;
    also the random state and elicitation ids of an MCP server that is itself a client."""

    REGISTERED = re.compile(r"\bclient_id=(\S+) .*\[WorkshopIssuer\] Registered a client$", re.MULTILINE)
    PRINTED = [
        ("client-secret", re.compile(r'"client_secret"\s*:\s*"([^"\\]+)"')),
        ("refresh-token", re.compile(r'"refresh_token"\s*:\s*"([^"\\]+)"')),
        ("code", re.compile(r"(?:^|[?&])code=([\w.~%-]+)", re.MULTILINE)),
        ("code-challenge", re.compile(r"(?:^|[?&])code_challenge=([\w.~%-]+)", re.MULTILINE)),
        # A client's own random state (an MCP server that signs its users in elsewhere, chapter 12).
        ("state", re.compile(r"(?:^|[?&])state=([\w.~%-]+)", re.MULTILINE)),
        # The id of a URL elicitation, in its link's query and as its elicitationId (chapter 12).
        ("request-id", re.compile(r"[?&]request=([\w.~%-]+)")),
        ("request-id", re.compile(r'"elicitationId"\s*:\s*"([^"\\]+)"')),
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
        named = [(value, numbered(kind, i)) for kind, values in self.values.items() for i, value in enumerate(values)]
        return sorted(named, key=lambda pair: -len(pair[0]))


LOG_LINE = re.compile(r"^\S+ (?P<level>\w+) (?P<label>\S+?):(?P<metadata>.*?) \[(?P<source>\w+)\] (?P<message>.*)$")


def log_line(line: str, shown_as: str = "server log") -> tuple[str, str] | None:
    """A line of a workshop program's log (WorkshopLogHandler's format) as a transcript shows it,
    without its time stamp and request id, and the module that wrote it; None for any other line."""
    match = LOG_LINE.match(line)
    if not match:
        return None
    metadata = re.sub(r" hb\.request\.id=\S+", "", match.group("metadata"))  # random per request
    shown = (f"[{shown_as}] {match.group('level')} {match.group('label')}:{metadata} "
             f"[{match.group('source')}] {match.group('message')}")
    return match.group("source"), shown
