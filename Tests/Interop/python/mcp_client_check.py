"""Check a workshop step against the official MCP Python SDK client (`mcp` 2.3.0).

The Swift tests check the server against the specification as we read it; this
script checks it against someone else's reading: the reference client. It
connects to a running step binary, the way an MCP host would, and then uses
what the step offers so far.

    python mcp_client_check.py --url http://127.0.0.1:9000/mcp --mode modern --step 4
    python mcp_client_check.py --url http://127.0.0.1:9000/mcp --mode legacy --step 3
    python mcp_client_check.py --url ... --mode modern --step 4 --token SECRET
    python mcp_client_check.py --url ... --mode modern --step 4 --expect-unauthorized
    python mcp_client_check.py --url ... --mode legacy --step 4 --token READER --expect-forbidden-call
    python mcp_client_check.py --url ... --mode legacy --step 4 --token GUEST --expect-forbidden-call --expect-no-challenge
    python mcp_client_check.py --url ... --mode modern --step 9 --token SECRET --expect-subject alice

--mode modern   The client's default ("auto") negotiation: it POSTs `server/discover`
                at 2026-07-28 and adopts the answer. It falls back to the legacy
                `initialize` handshake *silently* when the answer is unusable, so
                the script asserts the negotiated version is 2026-07-28.
--mode legacy   `Client(mode="legacy")`: the 2025-11-25 `initialize` handshake,
                then `notifications/initialized`, then ordinary requests.
--step N        What to exercise: 2 connects (plus `ping` in legacy mode);
                3 also lists tools (`echo`, `get_time`) and prompts (`greeting`,
                `help`); 4 also calls `echo` and gets the `greeting` prompt;
                9 also lists the user-aware tools, calls `whoami`, and creates,
                lists, reads and deletes a note.
--token T       Sent on every request as `Authorization: Bearer T`.
--expect-subject S
                With --step 9: the `sub` of the --token, which `whoami` must
                report as structuredContent.subject.
--expect-unauthorized
                Asserts the opposite: connecting fails, and it fails because the
                server answered HTTP 401.
--expect-forbidden-call
                For a --token that lacks `mcp:tools` (Step 8 on): connecting works
                and tools/list answers an empty list, but calling `echo` fails, and
                it fails because the server answered HTTP 403 insufficient_scope.
--expect-no-challenge
                With --expect-forbidden-call, for a caller whose role never allows
                a tool call (a guest): the 403 carries no WWW-Authenticate
                challenge at all, since no scope would help.

Every check prints one line, `ok - ...` or `not ok - ...: what differed`, and
the run ends with `N passed, N failed`. The exit status is 0 only when every
check passed. The whole run is bounded by --timeout seconds (default 20), so a
server that never answers fails the check instead of hanging the test suite.

Needs the packages in requirements.txt next to this file (`mcp==2.3.0`). Note
that this SDK talks HTTP through `httpx2` (not `httpx`): a custom HTTP client
handed to it must be an `httpx2.AsyncClient`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx2
from pydantic import ValidationError

import mcp.types as types
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPDeprecationWarning

MODERN_VERSION = "2026-07-28"
LEGACY_VERSION = "2025-11-25"
SERVER_NAME = "mcp-workshop"

# `ping` is deprecated in 2026-07-28; calling it on a legacy connection is still right.
warnings.filterwarnings("ignore", category=MCPDeprecationWarning)


# --- Reporting ----------------------------------------------------------------


@dataclass
class Report:
    """Prints one TAP-like line per check and counts them."""

    passed: int = 0
    failed: int = 0

    def ok(self, what: str) -> None:
        self.passed += 1
        print(f"ok - {what}", flush=True)

    def not_ok(self, what: str, why: str) -> None:
        self.failed += 1
        print(f"not ok - {what}: {why}", flush=True)

    def check(self, condition: bool, what: str, why: str) -> bool:
        """`ok` when `condition` holds, else `not ok` with `why`; returns `condition`."""
        if condition:
            self.ok(what)
        else:
            self.not_ok(what, why)
        return condition

    def note(self, text: str) -> None:
        """A diagnostic line: not a check, ignored by anything counting results."""
        print(f"# {text}", flush=True)


@dataclass
class HTTPExchange:
    method: str
    rpc_method: str
    status: int
    www_authenticate: str | None


@dataclass
class HTTPTrace:
    """Records every HTTP exchange the client makes, through an httpx2 response hook.

    The client turns HTTP failures into JSON-RPC errors (a bare 401 becomes
    -32603 "Server returned an error response"), so the status codes are only
    visible down here.
    """

    exchanges: list[HTTPExchange] = field(default_factory=list)

    async def record(self, response: httpx2.Response) -> None:
        request = response.request
        rpc_method = request.headers.get("mcp-method") or _body_method(request)
        self.exchanges.append(
            HTTPExchange(
                method=request.method,
                rpc_method=rpc_method,
                status=response.status_code,
                www_authenticate=response.headers.get("www-authenticate"),
            )
        )

    def dump(self, report: Report) -> None:
        for x in self.exchanges:
            report.note(f"HTTP {x.method} {x.rpc_method or '-'} -> {x.status}")


def _body_method(request: httpx2.Request) -> str:
    try:
        return str(json.loads(request.content).get("method", ""))
    except Exception:  # a GET, or a body we cannot read back: the method is just unknown
        return ""


def describe(error: BaseException) -> str:
    """One line for an exception, looking inside the exception groups anyio raises."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    if isinstance(error, MCPError):
        data = f", data={json.dumps(error.data)}" if error.data is not None else ""
        return f"JSON-RPC error {error.code} {error.message!r}{data}".replace("\n", " ")
    if isinstance(error, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()[:5]
        )
        return f"result rejected by the client's schema ({problems})"
    if isinstance(error, httpx2.ConnectError):
        return f"could not connect ({error})"
    lines = str(error).strip().splitlines()  # jsonschema errors run over many lines: keep the first
    return f"{type(error).__name__}: {lines[0] if lines else '(no message)'}"


# --- The checks -------------------------------------------------------------------


@dataclass
class Options:
    url: str
    mode: str
    step: int
    token: str | None
    expect_unauthorized: bool
    expect_forbidden_call: bool
    expect_no_challenge: bool
    expect_subject: str | None
    timeout: float


def make_client(options: Options, trace: HTTPTrace) -> tuple[httpx2.AsyncClient, Client]:
    """The official client over Streamable HTTP, with our headers and our HTTP trace."""
    headers = {"Authorization": f"Bearer {options.token}"} if options.token else {}
    http_client = httpx2.AsyncClient(
        headers=headers,
        timeout=httpx2.Timeout(options.timeout),
        event_hooks={"response": [trace.record]},
    )
    client = Client(
        streamable_http_client(options.url, http_client=http_client),
        # "auto" is the client's default: probe server/discover, fall back to initialize.
        mode="auto" if options.mode == "modern" else "legacy",
        read_timeout_seconds=options.timeout,
        # No response cache: every list below should reach the server.
        cache=None,
    )
    return http_client, client


async def check_unauthorized(options: Options, report: Report, trace: HTTPTrace) -> None:
    http_client, client = make_client(options, trace)
    async with http_client:
        try:
            async with client:
                report.not_ok(
                    "connection is refused",
                    f"connected anyway, negotiated {client.protocol_version}",
                )
                return
        except Exception as error:  # any failure to connect is what we hoped for; the status says why
            failure = describe(error)
    statuses = [x.status for x in trace.exchanges]
    if report.check(401 in statuses, "connection is refused with HTTP 401", f"statuses were {statuses}; {failure}"):
        challenge = next(x.www_authenticate for x in trace.exchanges if x.status == 401)
        report.note(f"WWW-Authenticate: {challenge}")


async def check_connected(options: Options, report: Report, trace: HTTPTrace) -> None:
    http_client, client = make_client(options, trace)
    use = exercise_without_tools_scope if options.expect_forbidden_call else exercise
    async with http_client:
        try:
            async with client:
                await use(client, options, report, trace)
        except Exception as error:
            report.not_ok("connect", describe(error))
            trace.dump(report)


async def check_negotiated(client: Client, options: Options, report: Report, trace: HTTPTrace) -> bool:
    """The negotiated version is the one the mode asks for, and the server says who it is."""
    expected = MODERN_VERSION if options.mode == "modern" else LEGACY_VERSION
    version = client.protocol_version
    if not report.check(version == expected, f"negotiated protocol {expected}", f"got {version}"):
        if options.mode == "modern":
            await explain_discover_fallback(options, report)
        trace.dump(report)
        return False

    # Legacy: initialize's serverInfo. Modern: the _meta "io.modelcontextprotocol/serverInfo"
    # stamp on the server/discover result (a top-level serverInfo there is not read).
    info = client.server_info
    report.check(
        info is not None and info.name == SERVER_NAME,
        f"server identifies itself as {SERVER_NAME}",
        f"server info was {info.model_dump(exclude_none=True) if info else None}",
    )
    return True


async def exercise(client: Client, options: Options, report: Report, trace: HTTPTrace) -> None:
    if not await check_negotiated(client, options, report, trace):
        return

    if options.mode == "legacy":
        await run_check(report, "ping answers an empty result", client.send_ping())

    if options.step >= 3:
        capabilities = client.server_capabilities
        report.check(
            capabilities.tools is not None and capabilities.prompts is not None,
            "capabilities announce tools and prompts",
            f"capabilities were {capabilities.model_dump(exclude_none=True)}",
        )
        tools = await run_check(report, "tools/list", client.list_tools())
        if tools is not None:
            check_tools(tools, options, report)
        prompts = await run_check(report, "prompts/list", client.list_prompts())
        if prompts is not None:
            check_prompts(prompts, report)

    if options.step >= 4:
        # The client validates structuredContent against the tool's outputSchema itself,
        # and raises RuntimeError when it does not conform.
        echo_arguments = {"message": "hello", "repeat_count": 2}
        called = await run_check(report, "tools/call echo", client.call_tool("echo", echo_arguments))
        if called is not None:
            check_echo(called, report)
        prompt = await run_check(report, "prompts/get greeting", client.get_prompt("greeting", {"name": "Ada"}))
        if prompt is not None:
            check_greeting(prompt, report)

    if options.step >= 9:
        await exercise_user_tools(client, options, report)


async def exercise_without_tools_scope(client: Client, options: Options, report: Report, trace: HTTPTrace) -> None:
    """A token that may list but not call: the list is empty, and a call is refused with HTTP 403."""
    if not await check_negotiated(client, options, report, trace):
        return
    tools = await run_check(report, "tools/list", client.list_tools())
    if tools is not None:
        names = [tool.name for tool in tools.tools]
        report.check(not names, "tools/list is empty: nothing this token may call", f"tools were {names}")

    try:
        result = await client.call_tool("echo", {"message": "hello"})
    except Exception as error:  # the refusal we hoped for; the HTTP status says whether it is
        failure = describe(error)
    else:
        report.not_ok("tools/call echo is refused", f"it succeeded: isError {result.is_error}, {result.content}")
        return
    call = next((x for x in reversed(trace.exchanges) if x.rpc_method == "tools/call"), None)
    status = call.status if call else None
    if report.check(status == 403, "tools/call echo is refused with HTTP 403", f"HTTP status {status}; {failure}"):
        report.note(f"the client raised: {failure}")
        report.note(f"WWW-Authenticate: {call.www_authenticate}")
        if options.expect_no_challenge:
            report.check(
                call.www_authenticate is None,
                "the 403 carries no challenge: the caller's role never allows a tool call",
                f"WWW-Authenticate was {call.www_authenticate}",
            )
        else:
            report.check(
                'error="insufficient_scope"' in (call.www_authenticate or ""),
                "the 403 challenge says error=\"insufficient_scope\"",
                f"WWW-Authenticate was {call.www_authenticate}",
            )


async def run_check(report: Report, what: str, call: Any) -> Any:
    """Await one client call: `ok - what` and its result, or `not ok - what: why` and None."""
    try:
        result = await call
    except Exception as error:
        report.not_ok(what, describe(error))
        return None
    report.ok(what)
    return result


USER_TOOLS = {"whoami", "note_create", "note_list", "note_read", "note_delete"}


async def exercise_user_tools(client: Client, options: Options, report: Report) -> None:
    """Step 9: the tools act for the token's subject. The client checks each structuredContent
    against the tool's outputSchema; we check what it says."""
    whoami = await run_check(report, "tools/call whoami", client.call_tool("whoami", {}))
    if whoami is not None:
        subject = (whoami.structured_content or {}).get("subject")
        report.check(
            not whoami.is_error and subject == options.expect_subject,
            f"whoami says the subject is the token's: {options.expect_subject}",
            f"isError {whoami.is_error}, structuredContent {json.dumps(whoami.structured_content)}",
        )

    text = f"written by the official Python client, {options.mode} era"
    created = await run_check(
        report, "tools/call note_create", client.call_tool("note_create", {"title": "Interop", "text": text})
    )
    note_id = (created.structured_content or {}).get("id") if created is not None and not created.is_error else None
    if not report.check(
        isinstance(note_id, str) and re.fullmatch(r"[A-Za-z0-9_-]{22}", note_id) is not None,
        "note_create returns an id of 22 base64url characters",
        f"result was {created.model_dump(exclude_none=True) if created else None}",
    ):
        return

    listed = await run_check(report, "tools/call note_list", client.call_tool("note_list", {}))
    if listed is not None:
        ids = [note.get("id") for note in (listed.structured_content or {}).get("notes", [])]
        report.check(note_id in ids, "note_list shows the new note", f"ids were {ids}")

    read = await run_check(report, "tools/call note_read", client.call_tool("note_read", {"id": note_id}))
    if read is not None:
        report.check(
            not read.is_error and (read.structured_content or {}).get("text") == text,
            "note_read returns the note's text",
            f"isError {read.is_error}, structuredContent {json.dumps(read.structured_content)}",
        )

    deleted = await run_check(report, "tools/call note_delete", client.call_tool("note_delete", {"id": note_id}))
    if deleted is not None:
        report.check(
            not deleted.is_error and (deleted.structured_content or {}).get("deleted") is True,
            "note_delete deletes it",
            f"isError {deleted.is_error}, structuredContent {json.dumps(deleted.structured_content)}",
        )


def check_tools(result: types.ListToolsResult, options: Options, report: Report) -> None:
    names = [tool.name for tool in result.tools]
    report.check({"echo", "get_time"} <= set(names), "tools/list offers echo and get_time", f"tools were {names}")
    if options.step >= 9:
        report.check(USER_TOOLS <= set(names), "tools/list offers whoami and the note tools", f"tools were {names}")
    for tool in result.tools:
        if tool.name in ("echo", "get_time"):
            report.check(
                tool.output_schema is not None,
                f"{tool.name} declares an outputSchema",
                "no outputSchema, so the client cannot validate structuredContent",
            )


def check_prompts(result: types.ListPromptsResult, report: Report) -> None:
    names = [prompt.name for prompt in result.prompts]
    report.check({"greeting", "help"} <= set(names), "prompts/list offers greeting and help", f"prompts were {names}")
    greeting = next((p for p in result.prompts if p.name == "greeting"), None)
    if greeting is not None:
        arguments = {a.name: a.required for a in greeting.arguments or []}
        report.check(
            arguments.get("name") is True,
            "greeting takes a required argument `name`",
            f"arguments were {arguments}",
        )


def check_echo(result: types.CallToolResult, report: Report) -> None:
    report.check(not result.is_error, "echo succeeds (isError false)", f"isError true, content {result.content}")
    structured = result.structured_content
    report.check(
        isinstance(structured, dict) and structured.get("echoed") == "hello hello",
        'echo returns structuredContent.echoed == "hello hello"',
        f"structuredContent was {json.dumps(structured)}",
    )
    texts = [block.text for block in result.content if isinstance(block, types.TextContent)]
    try:
        mirrored = len(texts) == 1 and json.loads(texts[0]) == structured
    except ValueError:
        mirrored = False
    report.check(mirrored, "echo repeats structuredContent as JSON text content", f"text content was {texts}")


def check_greeting(result: types.GetPromptResult, report: Report) -> None:
    texts = [
        message.content.text
        for message in result.messages
        if message.role == "user" and isinstance(message.content, types.TextContent)
    ]
    report.check(
        any("Ada" in text for text in texts),
        "greeting renders a user message mentioning Ada",
        f"user text messages were {texts}",
    )


async def explain_discover_fallback(options: Options, report: Report) -> None:
    """Say why the client did not adopt 2026-07-28: repeat its probe and validate the answer the same way.

    The client sends exactly this (mcp/client/session.py, ClientSession.send_discover) and parses the
    result with mcp_types.DiscoverResult (mcp/client/_probe.py, negotiate_auto); any JSON-RPC error
    other than -32022, or a result that does not parse, sends it to `initialize` without a word.
    """
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": MODERN_VERSION,
        "Mcp-Method": "server/discover",
    }
    if options.token:
        headers["Authorization"] = f"Bearer {options.token}"
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "mcp", "version": "0.1.0"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {"_meta": meta}}
    try:
        async with httpx2.AsyncClient(timeout=options.timeout) as http:
            response = await http.post(options.url, json=body, headers=headers)
        reply = response.json()
    except Exception as error:
        report.note(f"server/discover probe failed: {describe(error)}")
        return
    if "error" in reply:
        report.note(f"server/discover answered HTTP {response.status_code} with error {json.dumps(reply['error'])}")
        return
    try:
        result = types.DiscoverResult.model_validate(reply.get("result"), by_name=False)
    except ValidationError as error:
        report.note(f"server/discover answered HTTP {response.status_code}, but {describe(error)}")
        return
    report.note(f"server/discover parsed; supportedVersions={result.supported_versions}")


async def main_async(options: Options) -> Report:
    report = Report()
    trace = HTTPTrace()
    try:
        with anyio.fail_after(options.timeout):
            if options.expect_unauthorized:
                await check_unauthorized(options, report, trace)
            else:
                await check_connected(options, report, trace)
    except TimeoutError:
        report.not_ok(f"finished within {options.timeout:g} s", "timed out (is the server running and answering?)")
        trace.dump(report)  # the answers that did arrive; the one that never came is not listed
    return report


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the MCP endpoint, e.g. http://127.0.0.1:9000/mcp")
    parser.add_argument("--mode", choices=["modern", "legacy"], required=True)
    parser.add_argument("--step", type=int, choices=range(2, 10), required=True, metavar="N")
    parser.add_argument("--token", help="bearer token sent as Authorization: Bearer TOKEN")
    parser.add_argument("--expect-unauthorized", action="store_true", help="assert the server refuses with 401")
    parser.add_argument(
        "--expect-forbidden-call",
        action="store_true",
        help="with a --token lacking mcp:tools: assert tools/list is empty and tools/call echo is refused with 403",
    )
    parser.add_argument(
        "--expect-no-challenge",
        action="store_true",
        help="with --expect-forbidden-call: assert the 403 carries no WWW-Authenticate challenge",
    )
    parser.add_argument(
        "--expect-subject",
        metavar="SUB",
        help="with --step 9: the token's sub, which whoami must report as its subject",
    )
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds for the whole run (default 20)")
    args = parser.parse_args(argv)
    if args.expect_forbidden_call and (args.token is None or args.expect_unauthorized):
        parser.error("--expect-forbidden-call needs a --token, and excludes --expect-unauthorized")
    if args.expect_no_challenge and not args.expect_forbidden_call:
        parser.error("--expect-no-challenge goes with --expect-forbidden-call")
    uses_user_tools = args.step >= 9 and not (args.expect_unauthorized or args.expect_forbidden_call)
    if uses_user_tools and (args.token is None or args.expect_subject is None):
        parser.error("--step 9 needs a --token and the --expect-subject whoami must report")
    return Options(
        args.url,
        args.mode,
        args.step,
        args.token,
        args.expect_unauthorized,
        args.expect_forbidden_call,
        args.expect_no_challenge,
        args.expect_subject,
        args.timeout,
    )


def main() -> int:
    options = parse_options()
    report = asyncio.run(main_async(options))
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 and report.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
