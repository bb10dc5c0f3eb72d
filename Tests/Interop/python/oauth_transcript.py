"""A readable record of every HTTP exchange an OAuth sign-in makes, secrets left out.

`Transcript.record` is an httpx2 response hook. Given to the `httpx2.AsyncClient`
that carries the SDK's `OAuthClientProvider`, it sees the MCP requests and every
request the provider makes on its own (metadata, registration, token), because
httpx2 runs hooks for the requests of an auth flow too. The simulated user's
sign-in adds its own lines through `step` and `detail`.

Each exchange is one numbered line, with what matters about it indented below:

    # 1. POST http://127.0.0.1:PORT/mcp server/discover, no token -> 401
    #      WWW-Authenticate: Bearer realm="mcp", resource_metadata="...", scope="..."

Access tokens, refresh tokens, authorization codes, PKCE values, state, client
secrets and client assertions are printed as `…`: only ports and registered client ids change
from one run to the next.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import httpx2

# Values that are secrets, or random and meaningless to a reader: printed as "…".
REDACTED = "…"
SECRET_FIELDS = {
    "access_token",
    "refresh_token",
    "code",
    "code_verifier",
    "code_challenge",
    "state",
    "client_secret",
    "client_assertion",
}


def redact_query(url: str) -> str:
    """The URL with the values of SECRET_FIELDS in its query replaced by `…`."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{k}={REDACTED if k in SECRET_FIELDS else quote_plus(v, safe=':/')}" for k, v in pairs)
    return parts._replace(query=query).geturl()


def redact_form(body: bytes) -> str:
    """A form body as `name=value` pairs, secrets replaced by `…`."""
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return " ".join(f"{k}={REDACTED if k in SECRET_FIELDS else v}" for k, v in pairs)


def rpc_method(request: httpx2.Request) -> str:
    """The JSON-RPC method of an MCP request: its Mcp-Method header (2026-07-28), else its body's."""
    if method := request.headers.get("mcp-method"):
        return method
    return str(_json_body(request).get("method", "-"))


def tool_name(request: httpx2.Request) -> str | None:
    """The tool a tools/call request calls."""
    params = _json_body(request).get("params")
    return str(params.get("name")) if isinstance(params, dict) and "name" in params else None


@dataclass
class MCPExchange:
    """One request to the MCP endpoint, as far as authorization is concerned."""

    rpc_method: str
    had_token: bool
    status: int
    challenge: str | None


@dataclass
class Transcript:
    """The exchanges seen so far, printed as they happen, and the documents worth checking later."""

    mcp_url: str
    lines: list[str] = field(default_factory=list)
    issuer_metadata: dict[str, Any] | None = None
    resource_metadata: dict[str, Any] | None = None
    token_requests: list[dict[str, str]] = field(default_factory=list)
    registrations: int = 0
    mcp_exchanges: list[MCPExchange] = field(default_factory=list)
    count: int = 0

    def step(self, text: str) -> None:
        self.count += 1
        self._print(f"{self.count}. {text}")

    def detail(self, text: str) -> None:
        self._print(f"     {text}")

    def _print(self, text: str) -> None:
        self.lines.append(text)
        print(f"# {text}", flush=True)

    async def record(self, response: httpx2.Response) -> None:
        request = response.request
        url = str(request.url)
        if url.split("?")[0] == self.mcp_url:
            self._mcp(request, response)
            return
        # Anything else is the OAuth provider's: small JSON answers, safe to read here
        # (the provider reads them again from the buffer).
        await response.aread()
        body = _json(response)
        self.step(f"{request.method} {redact_query(url)} -> {response.status_code}")
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/x-www-form"):
            form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
            self.token_requests.append(form)
            self.detail(f"form: {redact_form(request.content)}")
        elif request.method == "POST":
            self.registrations += 1
            self.detail(f"registration request: {_summary(_json_body(request))}")
        if body is None:
            return
        if "authorization_servers" in body:
            self.resource_metadata = body
        elif "authorization_endpoint" in body:
            self.issuer_metadata = body
            body = _only(body, "issuer", "registration_endpoint", "code_challenge_methods_supported",
                         "client_id_metadata_document_supported")
        elif "client_id" in body:
            body = _only(body, "client_id", "token_endpoint_auth_method", "grant_types", "scope")
        self.detail(_summary(body))

    def _mcp(self, request: httpx2.Request, response: httpx2.Response) -> None:
        had_token = "authorization" in request.headers
        challenge = response.headers.get("www-authenticate")
        method = rpc_method(request)
        self.mcp_exchanges.append(MCPExchange(method, had_token, response.status_code, challenge))
        sent = f"Bearer {REDACTED}" if had_token else "no token"
        called = f" {tool_name(request)}" if method == "tools/call" else ""
        self.step(f"{request.method} {self.mcp_url} {method}{called}, {sent} -> {response.status_code}")
        if challenge:
            self.detail(f"WWW-Authenticate: {challenge}")


def _json(response: httpx2.Response) -> dict[str, Any] | None:
    try:
        value = response.json()
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _json_body(request: httpx2.Request) -> dict[str, Any]:
    try:
        value = json.loads(request.content)
    except Exception:  # a GET, a streamed body, or one that is not JSON
        return {}
    return value if isinstance(value, dict) else {}


def _only(document: dict[str, Any], *names: str) -> dict[str, Any]:
    """What a reader needs of a long document; the rest varies from run to run or is beside the point."""
    return {name: document[name] for name in names if name in document}


def _summary(document: dict[str, Any]) -> str:
    """A JSON object on one line, secrets replaced by `…`."""
    shown = {k: REDACTED if k in SECRET_FIELDS else v for k, v in document.items()}
    return json.dumps(shown, ensure_ascii=False)
