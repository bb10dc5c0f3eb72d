"""Sign in to Step 9 with the official MCP Python SDK (`mcp` 2.3.0) and no human.

The SDK's `OAuthClientProvider` does what an MCP host does when a server answers
401: it reads the protected resource metadata the challenge names (RFC 9728),
the authorization server's metadata (RFC 8414), gets a client_id, sends the user
to /authorize with PKCE S256 and the `resource` parameter (RFC 7636, RFC 8707),
exchanges the code at /token, and retries with the token. A simulated user
(oauth_sign_in.py) signs in where a browser would open.

The client_id comes from dynamic client registration (RFC 7591) by default, the
compatibility path; with --client-metadata-url, from a Client ID Metadata
Document: the client publishes its metadata at that HTTPS URL (oauth_cimd.py,
served by client_site.py) and uses the URL as its client_id, registering nothing.

    python oauth_flow_check.py --server-url http://127.0.0.1:9000/mcp
    python oauth_flow_check.py --server-url ... --mode legacy --issuer http://127.0.0.1:9001
    python oauth_flow_check.py --server-url ... --grant-scope mcp:read
    python oauth_flow_check.py --server-url ... --user gus --expect-forbidden-call
    python oauth_flow_check.py --server-url ... --client-metadata-url https://127.0.0.1:8443/clients/a.json \
        --client-site SITE_DIR [--private-key-jwt]

Default          Sign in as --user (alice), list tools, call whoami: it must name
                 the user. Exactly one sign-in.
--grant-scope S  At the first sign-in the user grants only S (say mcp:read),
                 withholding the rest with the page's checkboxes. A
                 tools/call is then refused with 403 insufficient_scope, and the
                 SDK steps up: a second sign-in, asking for mcp:tools, which the
                 user grants; the call then succeeds. Exactly two sign-ins.
--expect-forbidden-call
                 For a guest (gus): tools/list is empty and tools/call is refused
                 with 403 whatever is granted, because the role forbids it. The
                 server's challenge asks for no scope; the check asserts that the
                 client gives up after a bounded number of sign-ins.
--client-id ID   Sign in as a client the issuer's operator configured
                 (--clients-file) instead of registering: the only kind of client
                 that may hold mcp:admin. The SDK skips registration when its
                 storage already holds client information.
--client-metadata-url URL --client-site DIR
                 Use a Client ID Metadata Document: write it into DIR, the
                 folder client_site.py serves at URL's origin, and give the SDK
                 URL as client_metadata_url. The check asserts that the client
                 did not register and that its client_id is URL.
--private-key-jwt
                 With --client-metadata-url: the document says private_key_jwt
                 and lists a key made for this run in jwks; the token request
                 carries an assertion signed with it (RFC 7523). mcp 2.3.0's
                 code flow cannot sign one, so oauth_cimd.PrivateKeyJWTCodeProvider
                 extends the SDK's provider by that alone.
--mode           modern (default: the client's "auto", server/discover at
                 2026-07-28) or legacy (the 2025-11-25 initialize handshake).

The run prints a numbered transcript of every HTTP exchange (tokens, codes and
PKCE values shown as `…`), one `ok - ...` / `not ok - ...` line per check, and
`N passed, N failed`. It exits 0 only when every check passed, and is bounded
by --timeout seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

import anyio
import httpx2

from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata
from mcp_client_check import LEGACY_VERSION, MODERN_VERSION, Report, describe, run_check
from oauth_cimd import JWT_BEARER, ClientKey, PrivateKeyJWTCodeProvider, publish_document
from oauth_sign_in import REDIRECT_URI, InMemoryTokenStorage, SimulatedUser
from oauth_transcript import Transcript

# What Step 9's 401 asks for: an ordinary user's scopes.
BASELINE_SCOPES = {"mcp:read", "mcp:tools", "mcp:prompts"}
# How often the guest tries a tool. A role's refusal carries no insufficient_scope challenge, so a
# client has no reason to send its user to sign in again: one sign-in, however many calls.
GUEST_CALLS = 2
MAX_GUEST_SIGN_INS = 1


@dataclass
class Options:
    server_url: str
    issuer: str | None
    user: str
    mode: str
    grant_scope: str | None
    expect_forbidden_call: bool
    timeout: float
    admin_call: bool = False
    client_id: str | None = None
    client_metadata_url: str | None = None
    client_site: Path | None = None
    private_key_jwt: bool = False

    @property
    def expects_step_up(self) -> bool:
        return self.grant_scope is not None and "mcp:tools" not in self.grant_scope.split()


CLIENT_NAME = "Workshop OAuth check (official Python SDK)"


def client_metadata(redirect_uri: str) -> OAuthClientMetadata:
    """What the client says about itself: in its registration, or in its metadata document."""
    return OAuthClientMetadata(
        client_name=CLIENT_NAME,
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
    )


def make_provider(options: Options, metadata: OAuthClientMetadata, storage: InMemoryTokenStorage,
                  redirect_handler, callback_handler) -> OAuthClientProvider:
    """The SDK's OAuth provider: a public client using PKCE that registers, or, with
    --client-metadata-url, one that publishes its metadata document and uses its URL as client_id
    (with --private-key-jwt, a client that authenticates with a key the document lists)."""
    if not options.client_metadata_url or options.client_site is None:
        return OAuthClientProvider(
            server_url=options.server_url, client_metadata=metadata, storage=storage,
            redirect_handler=redirect_handler, callback_handler=callback_handler,
        )
    key = ClientKey() if options.private_key_jwt else None
    publish_document(options.client_metadata_url, options.client_site, metadata, key)
    common = {
        "server_url": options.server_url, "client_metadata": metadata, "storage": storage,
        "redirect_handler": redirect_handler, "callback_handler": callback_handler,
        "client_metadata_url": options.client_metadata_url,
    }
    return PrivateKeyJWTCodeProvider(**common, key=key) if key else OAuthClientProvider(**common)


def make_client(options: Options, user: SimulatedUser, transcript: Transcript) -> tuple[httpx2.AsyncClient, Client]:
    """The official client, authorized by the SDK's OAuth provider."""
    metadata = client_metadata(REDIRECT_URI)
    storage = InMemoryTokenStorage()
    if options.client_id:
        # A client configured in advance: stored client information means the SDK does not register.
        storage.client_info = OAuthClientInformationFull(client_id=options.client_id, **metadata.model_dump(exclude_none=True))
    provider = make_provider(options, metadata, storage, user.redirect_handler, user.callback_handler)
    return connect(options, provider, transcript)


def connect(options: Options, provider: OAuthClientProvider, transcript: Transcript) -> tuple[httpx2.AsyncClient, Client]:
    """The MCP client over Streamable HTTP, its requests authorized by `provider` and recorded in `transcript`."""
    # The SDK has no auth option on Client or the transport: the provider is an httpx2.Auth.
    http_client = httpx2.AsyncClient(
        auth=provider,
        timeout=httpx2.Timeout(options.timeout),
        event_hooks={"response": [transcript.record]},
    )
    client = Client(
        streamable_http_client(options.server_url, http_client=http_client),
        mode="auto" if options.mode == "modern" else "legacy",
        read_timeout_seconds=options.timeout,
        cache=None,
    )
    return http_client, client


async def use_server(client: Client, options: Options, report: Report, transcript: Transcript) -> None:
    expected = MODERN_VERSION if options.mode == "modern" else LEGACY_VERSION
    version = client.protocol_version
    report.check(version == expected, f"negotiated protocol {expected}", f"got {version}")
    if options.expect_forbidden_call:
        await guest_is_refused(client, report, transcript)
        return
    if options.expects_step_up:
        await step_up(client, options, report, transcript)
    if options.admin_call:
        await admin_step_up(client, report, transcript)
    tools = await run_check(report, "tools/list", client.list_tools())
    if tools is not None:
        names = {tool.name for tool in tools.tools}
        report.check({"whoami", "echo"} <= names, "tools/list offers whoami and echo", f"tools were {sorted(names)}")
    whoami = await run_check(report, "tools/call whoami", client.call_tool("whoami", {}))
    if whoami is not None:
        content = whoami.structured_content or {}
        shown = {k: content.get(k) for k in ("subject", "username", "roles", "scopes", "client_id")}
        transcript.detail(f"whoami: {json.dumps(shown)}")
        report.check(
            not whoami.is_error and content.get("username") == content.get("subject") == options.user,
            f"whoami names the signed-in user: {options.user}",
            f"isError {whoami.is_error}, structuredContent {json.dumps(content)}",
        )
        if options.client_metadata_url:
            report.check(
                content.get("client_id") == options.client_metadata_url,
                "whoami names the client by its metadata document's URL",
                f"client_id {content.get('client_id')!r}",
            )


async def step_up(client: Client, options: Options, report: Report, transcript: Transcript) -> None:
    """With the narrow grant nothing is listed; a call is refused with 403, and the SDK signs in again."""
    tools = await run_check(report, f"tools/list with {options.grant_scope} only", client.list_tools())
    if tools is not None:
        names = [tool.name for tool in tools.tools]
        report.check(not names, "tools/list is empty: nothing this grant may call", f"tools were {names}")
    transcript.step("the client calls echo, which needs mcp:tools")
    echo = await run_check(
        report, "tools/call echo succeeds after the step-up", client.call_tool("echo", {"message": "hi"})
    )
    if echo is not None:
        report.check(not echo.is_error, "echo answers (isError false)", f"content {echo.content}")


async def admin_step_up(client: Client, report: Report, transcript: Transcript) -> None:
    """server_status needs mcp:admin, which the first sign-in did not ask for: 403, sign in again, then it answers."""
    transcript.step("the client calls server_status, which needs mcp:admin")
    status = await run_check(
        report, "tools/call server_status succeeds after the step-up", client.call_tool("server_status", {})
    )
    if status is not None:
        report.check(not status.is_error, "server_status answers (isError false)", f"content {status.content}")


async def guest_is_refused(client: Client, report: Report, transcript: Transcript) -> None:
    tools = await run_check(report, "tools/list", client.list_tools())
    if tools is not None:
        names = [tool.name for tool in tools.tools]
        report.check(not names, "tools/list is empty: a guest may call nothing", f"tools were {names}")
    for attempt in range(1, GUEST_CALLS + 1):
        transcript.step(f"the client calls echo (attempt {attempt}), which a guest's role forbids")
        try:
            result = await client.call_tool("echo", {"message": "hi"})
        except Exception as error:  # the refusal we hoped for; the HTTP status says whether it is
            failure = describe(error)
        else:
            report.not_ok("tools/call echo is refused", f"it succeeded: isError {result.is_error}, {result.content}")
            return
        transcript.detail(f"the client raised: {failure}")
        calls = [x for x in transcript.mcp_exchanges if x.rpc_method == "tools/call"]
        last = calls[-1] if calls else None
        report.check(
            last is not None and last.status == 403 and "scope=" not in (last.challenge or ""),
            f"tools/call echo (attempt {attempt}) is refused with 403, and the challenge asks for no scope",
            f"last tools/call: {last}; the client raised {failure}",
        )


def check_sign_in(options: Options, report: Report, transcript: Transcript, user: SimulatedUser) -> None:
    """What the SDK sent on the way, checked from the transcript and the simulated user's notes."""
    first = transcript.mcp_exchanges[0] if transcript.mcp_exchanges else None
    challenged = first is not None and "resource_metadata=" in (first.challenge or "")
    report.check(
        first is not None and not first.had_token and first.status == 401 and challenged,
        "the first request has no token and is answered 401 with resource_metadata",
        f"first MCP exchange: {first}",
    )
    servers = (transcript.resource_metadata or {}).get("authorization_servers")
    if options.issuer:
        report.check(
            servers == [options.issuer],
            f"the resource metadata names the issuer {options.issuer}",
            f"authorization_servers {servers}",
        )
    registrations = transcript.registrations
    if options.client_id:
        report.check(registrations == 0, f"the configured client {options.client_id} did not register", f"{registrations} registrations")
    elif options.client_metadata_url:
        supported = (transcript.issuer_metadata or {}).get("client_id_metadata_document_supported")
        report.check(supported is True, "the issuer's metadata says client_id_metadata_document_supported",
                     f"client_id_metadata_document_supported is {supported!r}")
        report.check(registrations == 0, "the client did not register: it has a metadata document",
                     f"{registrations} registrations")
    else:
        report.check(registrations == 1, "the client registered once (RFC 7591)", f"{registrations} registrations")
    if not user.authorizations:
        report.not_ok("the user was sent to /authorize", "the redirect handler never ran")
        return
    asked = user.authorizations[0].asked
    if options.client_metadata_url:
        report.check(
            asked.get("client_id") == options.client_metadata_url,
            "the authorization request's client_id is the metadata document's URL",
            f"client_id {asked.get('client_id')!r}",
        )
    report.check(
        asked.get("code_challenge_method") == "S256" and len(asked.get("code_challenge", "")) == 43,
        "the authorization request uses PKCE S256",
        f"code_challenge_method {asked.get('code_challenge_method')!r}",
    )
    report.check(
        asked.get("resource") == options.server_url,
        "the authorization request names the resource (RFC 8707)",
        f"resource {asked.get('resource')!r}",
    )
    report.check(
        set(asked.get("scope", "").split()) == BASELINE_SCOPES,
        "the first authorization asks for the scopes of the 401 challenge",
        f"scope {asked.get('scope')!r}",
    )
    codes = [t for t in transcript.token_requests if t.get("grant_type") == "authorization_code"]
    report.check(
        len(codes) == len(user.authorizations)
        and all(t.get("code_verifier") and t.get("resource") == options.server_url for t in codes),
        "each code is exchanged with its code_verifier and the same resource",
        f"{len(codes)} code exchanges for {len(user.authorizations)} sign-ins: {[sorted(t) for t in codes]}",
    )
    if options.private_key_jwt:
        report.check(
            bool(codes) and all(t.get("client_assertion_type") == JWT_BEARER and t.get("client_assertion") for t in codes),
            "each code exchange authenticates the client with a private_key_jwt assertion (RFC 7523)",
            f"token requests carried {[sorted(t) for t in codes]}",
        )
    count = len(user.authorizations)
    if options.expect_forbidden_call:
        report.check(
            1 <= count <= MAX_GUEST_SIGN_INS,
            f"{GUEST_CALLS} refused calls cost no sign-in beyond the first: a role's refusal is no scope challenge",
            f"{count} sign-ins",
        )
    elif options.expects_step_up:
        if report.check(count == 2, "the 403 led to exactly one more sign-in (step-up)", f"{count} sign-ins"):
            again = user.authorizations[1].asked.get("scope", "").split()
            report.check("mcp:tools" in again, "the second sign-in asks for mcp:tools", f"it asked for {again}")
            refused = [x for x in transcript.mcp_exchanges if x.status == 403]
            report.check(
                bool(refused) and 'error="insufficient_scope"' in (refused[0].challenge or ""),
                "the step-up followed a 403 insufficient_scope",
                f"403 answers: {refused}",
            )
    elif options.admin_call:
        if report.check(count == 2, "the 403 led to exactly one more sign-in (step-up)", f"{count} sign-ins"):
            again = user.authorizations[1].asked.get("scope", "").split()
            report.check("mcp:admin" in again, "the second sign-in asks for mcp:admin", f"it asked for {again}")
    else:
        report.check(count == 1, "the user signed in once", f"{count} sign-ins")


async def main_async(options: Options) -> Report:
    report = Report()
    transcript = Transcript(options.server_url)
    user = SimulatedUser(options.user, transcript, options.timeout, options.grant_scope, options.issuer)
    http_client, client = make_client(options, user, transcript)
    try:
        with anyio.fail_after(options.timeout):
            async with http_client:
                try:
                    async with client:
                        await use_server(client, options, report, transcript)
                except Exception as error:
                    report.not_ok("connect and sign in", describe(error))
    except TimeoutError:
        report.not_ok(f"finished within {options.timeout:g} s", "timed out (are both servers running?)")
    check_sign_in(options, report, transcript, user)
    return report


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", required=True, help="Step 9's MCP endpoint, e.g. http://127.0.0.1:9000/mcp")
    parser.add_argument("--issuer", help="the issuer the resource metadata must name, and the redirect's iss")
    parser.add_argument("--user", default="alice", help="who signs in: alice, bob, ada or gus (default alice)")
    parser.add_argument("--mode", choices=["modern", "legacy"], default="modern")
    parser.add_argument("--grant-scope", metavar="SCOPES", help="at the first sign-in, grant only these scopes")
    parser.add_argument(
        "--expect-forbidden-call",
        action="store_true",
        help="for a guest: tools/list is empty, tools/call is refused with 403, sign-ins stay bounded",
    )
    parser.add_argument(
        "--admin-call",
        action="store_true",
        help="for an admin: call server_status, which needs mcp:admin, and step up to it",
    )
    parser.add_argument(
        "--client-id",
        metavar="ID",
        help="use this client, configured at the issuer in advance, instead of registering one",
    )
    parser.add_argument(
        "--client-metadata-url",
        metavar="URL",
        help="use a Client ID Metadata Document at this HTTPS URL (with a path) as the client_id, instead of registering",
    )
    parser.add_argument(
        "--client-site",
        metavar="DIR",
        type=Path,
        help="with --client-metadata-url: the folder that client_site.py serves at the URL's origin",
    )
    parser.add_argument(
        "--private-key-jwt",
        action="store_true",
        help="with --client-metadata-url: the client authenticates with a key its document lists (RFC 7523)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for the whole run (default 30)")
    args = parser.parse_args(argv)
    if args.expect_forbidden_call and args.grant_scope:
        parser.error("--expect-forbidden-call and --grant-scope check different things: give one")
    if bool(args.client_metadata_url) != bool(args.client_site):
        parser.error("--client-metadata-url and --client-site go together")
    if args.private_key_jwt and not args.client_metadata_url:
        parser.error("--private-key-jwt needs --client-metadata-url: its key is listed in the metadata document")
    if args.client_metadata_url and args.client_id:
        parser.error("--client-id and --client-metadata-url are two ways to get a client_id: give one")
    return Options(
        args.server_url, args.issuer, args.user, args.mode, args.grant_scope, args.expect_forbidden_call, args.timeout,
        args.admin_call, args.client_id, args.client_metadata_url, args.client_site, args.private_key_jwt,
    )


class OneLineLog(logging.Handler):
    """The SDK's warnings and errors as one diagnostic line each: its tracebacks say nothing the check does not."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"# log {record.name}: {record.getMessage()}", flush=True)


def main() -> int:
    options = parse_options()
    logging.basicConfig(level=logging.WARNING, handlers=[OneLineLog()])
    report = asyncio.run(main_async(options))
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 and report.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
