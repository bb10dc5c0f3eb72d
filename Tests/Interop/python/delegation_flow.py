"""The Delegation server acts for alice on two other APIs, driven by the official MCP Python SDK.

The Delegation server is Step 9 plus one capability (chapter 12). The official client
(`mcp` 2.3.0) signs in with OAuth as alice (oauth_sign_in.py's simulated user, a client
registered with RFC 7591) and then calls:

- `calendar_events`: the server exchanges alice's token at the workshop issuer for a
  token of the calendar API (RFC 8693), and answers with alice's events; the answer
  names alice and `via` the server's client, workshop-delegation.
- `partner_calendar_events`: the partner (another issuer, with its own calendar) knows
  nothing of alice yet, so the server asks the client to send alice to a page of its
  own by URL-mode elicitation: at 2025-11-25 the call fails with error -32042
  (`UrlElicitationRequiredError`) and the client calls again once the person is back;
  at 2026-07-28 the call answers input_required and the SDK hands the URL to its
  elicitation callback, then retries by itself. The person, here a browser simulated
  with an HTTP client that keeps cookies and signs in on the issuers' pages as alice
  (or, with --browser, headless Chromium), signs in at the workshop issuer, then at the
  partner, and lands on the page that says "Account linked". The call then answers
  with alice's partner events. A second call needs no link; `partner_unlink` removes
  it, and the next call asks again.
- A client that declared no elicitation gets a tool error that says what to use.

With --hostile, what bob can never do: complete a link alice asked for, at any stage.

    python delegation_flow.py --server-url http://127.0.0.1:9000/mcp --issuer http://127.0.0.1:9001 \\
        --partner-issuer http://127.0.0.1:9002 --partner-calendar-url http://127.0.0.1:9102/calendar \\
        [--mode legacy] [--browser [--screenshot PNG]] [--hostile]

The run prints a numbered transcript (tokens, codes, state and PKCE values as `…`), one
`ok - ...` / `not ok - ...` line per check, and `N passed, N failed`. It exits 0 only when
every check passed, within --timeout seconds; with --browser and no headless Chromium it
says what is missing and exits 3.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import anyio
import httpx2

import mcp.types as types
from mcp import Client, MCPError, UrlElicitationRequiredError
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp_client_check import LEGACY_VERSION, MODERN_VERSION, Report, describe, run_check
from oauth_flow_check import OneLineLog, client_metadata
from oauth_sign_in import REDIRECT_URI, FormReader, InMemoryTokenStorage, SimulatedUser
from oauth_transcript import REDACTED, Transcript, redact_query

CLIENT_ID = "workshop-delegation"  # the Delegation server's client at both issuers (Tests/Fixtures/delegation)
URL_ELICITATION_REQUIRED = -32042
DELEGATION_TOOLS = {"calendar_events", "partner_calendar_events", "partner_unlink"}
MAX_HOPS = 12  # redirects and sign-in pages between the elicitation URL and the "Account linked" page
BROWSER_MISSING = 3
PAGE_TIMEOUT = 10


@dataclass
class Options:
    server_url: str
    issuer: str
    partner_issuer: str
    partner_calendar_url: str | None
    mode: str
    browser: bool
    screenshot: Path | None
    hostile: bool
    timeout: float

    @property
    def base_url(self) -> str:
        parts = urlsplit(self.server_url)
        return f"{parts.scheme}://{parts.netloc}"


# --- The person's browser ---------------------------------------------------------


def shown(url: str) -> str:
    """The URL as the transcript prints it: secrets, and the link's single-use request id, as `…`."""
    parts = urlsplit(redact_query(url))
    query = "&".join(f"request={REDACTED}" if p.startswith("request=") else p for p in parts.query.split("&"))
    return parts._replace(query=query).geturl() if parts.query else parts.geturl()


@dataclass
class Visit:
    """Where one trip through a browser went: every request, each /authorize query, and where it stopped."""

    hops: list[tuple[str, int]] = field(default_factory=list)
    authorizations: list[dict[str, str]] = field(default_factory=list)
    link_cookie: str | None = None
    status: int = 0
    page: str = ""
    title: str = ""
    stopped_at: str | None = None

    @property
    def linked(self) -> bool:
        """The server's page says the account is linked (its refusals say "nothing was linked", with a 4xx)."""
        return self.status == 200 and "linked" in self.title.lower()


@dataclass
class HTTPBrowser:
    """A browser without a screen: keeps its cookies, follows redirects, and on an issuer's sign-in
    page approves as `username` (the page's own form, from the page's origin, as a browser posts it)."""

    username: str
    transcript: Transcript
    timeout: float
    _client: httpx2.AsyncClient | None = None

    async def __aenter__(self) -> HTTPBrowser:
        self._client = httpx2.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def visit(self, url: str, stop_before: str | None = None) -> Visit:
        """Opens `url` and goes where the pages lead; with `stop_before` (a path), stops before
        opening a URL on that path, and keeps it in `stopped_at`."""
        assert self._client is not None
        visit = Visit()
        for _ in range(MAX_HOPS):
            if stop_before and urlsplit(url).path == stop_before:
                visit.stopped_at = url
                return visit
            if urlsplit(url).path.endswith("/authorize"):
                visit.authorizations.append({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
            response = await self._client.get(url, headers={"Accept": "text/html"})
            self._note(visit, "GET", url, response)
            if "link_session=" in response.headers.get("set-cookie", ""):
                visit.link_cookie = response.headers["set-cookie"]
            form = sign_in_form(response.text) if response.status_code == 200 else None
            if form is not None:
                endpoint = urljoin(url, form.action)
                origin = f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}"
                self.transcript.detail(f"{self.username} signs in and approves")
                response = await self._client.post(
                    endpoint, data={**form.hidden, "username": self.username},
                    headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"})
                self._note(visit, "POST", endpoint, response)
            location = response.headers.get("location")
            if response.status_code in (301, 302, 303, 307) and location:
                url = urljoin(url, location)
                continue
            visit.status, visit.page, visit.title = response.status_code, response.text, page_title(response.text)
            return visit
        visit.page = f"more than {MAX_HOPS} redirects and pages"
        return visit

    def _note(self, visit: Visit, method: str, url: str, response: httpx2.Response) -> None:
        visit.hops.append((url, response.status_code))
        self.transcript.step(f"{self.username}'s browser: {method} {shown(url)} -> {response.status_code}")


def sign_in_form(page: str):
    """The issuer's approval form on `page` (its hidden `consent` is approve), or None."""
    reader = FormReader()
    reader.feed(page)
    return next((f for f in reader.forms if f.hidden.get("consent") == "approve"), None)


def asked(visit: Visit) -> list[dict[str, str]]:
    """The /authorize requests of a visit, for a message: state and PKCE values as `…`."""
    return [{k: REDACTED if k in ("state", "code_challenge") else v for k, v in a.items()} for a in visit.authorizations]


def page_title(page: str) -> str:
    """The page's <title>."""
    start, end = page.find("<title>"), page.find("</title>")
    return page[start + len("<title>"):end].strip() if 0 <= start < end else ""


def page_text(page: str) -> str:
    """The page as a person reads it: its text, tags removed, spaces collapsed."""
    class Text(FormReader):
        def __init__(self) -> None:
            super().__init__()
            self.parts: list[str] = []

        def handle_data(self, data: str) -> None:
            self.parts.append(data)
    reader = Text()
    reader.feed(page)
    return " ".join(" ".join(reader.parts).split())


class ChromiumBrowser:
    """The same trip in headless Chromium (browser.py): it opens the URL, clicks alice's button on
    each issuer's page, and must land on the Delegation server's "Account linked" page."""

    def __init__(self, transcript: Transcript, screenshot: Path | None) -> None:
        from browser import open_browser
        self.driver = open_browser()
        self.transcript = transcript
        self.screenshot = screenshot

    def close(self) -> None:
        self.driver.quit()

    async def visit(self, url: str) -> Visit:
        return await anyio.to_thread.run_sync(self._visit, url)

    def _visit(self, url: str) -> Visit:
        from selenium.common.exceptions import NoSuchElementException, TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver, visit = self.driver, Visit()
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        self.transcript.step(f"Chromium opens {shown(url)}")
        driver.get(url)
        for _ in range(3):  # the workshop issuer's page, the partner's page, then "Account linked"
            here = driver.current_url
            visit.hops.append((here, 200))
            if urlsplit(here).path.endswith("/authorize"):
                visit.authorizations.append({k: v[0] for k, v in parse_qs(urlsplit(here).query).items()})
            try:
                button = driver.find_element(By.CSS_SELECTOR, 'button[name="username"][value="alice"]')
            except NoSuchElementException:
                break
            self.transcript.step(f"Chromium shows {driver.title!r} at {shown(here)}; alice clicks {button.text!r}")
            button.click()
            try:
                WebDriverWait(driver, PAGE_TIMEOUT).until(
                    lambda d: d.current_url != here and d.execute_script("return document.readyState") == "complete")
            except TimeoutException:
                break
        visit.page = driver.find_element(By.TAG_NAME, "body").text
        visit.title = driver.title
        # Chromium shows no status: the page must be the server's answer to the partner's redirect.
        visit.status = 200 if urlsplit(driver.current_url).path == "/link/callback" else 0
        self.transcript.step(f"Chromium lands on {shown(driver.current_url)}: {visit.page[:80]!r}")
        if self.screenshot:
            from browser import save_page
            save_page(driver, self.screenshot)
            self.transcript.detail(f"screenshot of the page: {self.screenshot}")
        return visit


# --- URL elicitation, as the client meets it in each era --------------------------


Play = Callable[[types.ElicitRequestURLParams], Awaitable[bool]]


@dataclass
class LinkHandler:
    """The client's elicitation callback (2026-07-28: the SDK calls it for the input_required
    result); at 2025-11-25 the flow calls `play` itself with the -32042 error's elicitation.
    `play` is what the person does with the URL; it says whether the link was completed."""

    play: Play | None = None
    seen: list[types.ElicitRequestURLParams] = field(default_factory=list)

    async def elicitation_callback(self, context: Any, params: types.ElicitRequestParams) -> types.ElicitResult | types.ErrorData:
        if not isinstance(params, types.ElicitRequestURLParams) or self.play is None:
            return types.ErrorData(code=types.INVALID_PARAMS, message="this client expects only URL-mode elicitation")
        self.seen.append(params)
        if await self.play(params):
            return types.ElicitResult(action="accept")
        # Declining would be answered with input_required again; an error ends the call here.
        return types.ErrorData(code=URL_ELICITATION_REQUIRED, message="the person did not complete the link")


@dataclass
class Outcome:
    elicitations: list[types.ElicitRequestURLParams]
    result: types.CallToolResult | None
    error: str | None


async def call_with_link(client: Client, handler: LinkHandler, mode: str, tool: str, play: Play) -> Outcome:
    """Calls `tool`; when the server asks for a URL elicitation, the person plays it, and the call is
    made again (at 2025-11-25 by us, after the -32042 error; at 2026-07-28 by the SDK)."""
    handler.play = play
    before = len(handler.seen)
    try:
        result = await client.call_tool(tool, {})
    except Exception as error:
        code = getattr(error, "code", None)
        if mode == "modern" or not isinstance(error, MCPError) or code != URL_ELICITATION_REQUIRED:
            return Outcome(handler.seen[before:], None, describe(error))
        elicitations = UrlElicitationRequiredError.from_error(error.error).elicitations
        handler.seen.extend(elicitations)
        for params in elicitations:
            if not await play(params):
                return Outcome(elicitations, None, "the person did not complete the link")
        try:
            return Outcome(elicitations, await client.call_tool(tool, {}), None)
        except Exception as again:
            return Outcome(elicitations, None, describe(again))
    return Outcome(handler.seen[before:], result, None)


# --- The checks --------------------------------------------------------------------


@dataclass
class Flow:
    options: Options
    report: Report
    transcript: Transcript
    handler: LinkHandler
    plain: Client
    chromium: ChromiumBrowser | None = None

    def check_elicitation(self, outcome: Outcome, what: str) -> types.ElicitRequestURLParams | None:
        """The server asked for exactly one URL elicitation, shaped as the era says."""
        report, era = self.report, self.options.mode
        how = "the input_required result's elicitation/create" if era == "modern" else "error -32042"
        if not report.check(len(outcome.elicitations) == 1, f"{what}: the server asks for one URL elicitation ({how})",
                            f"{len(outcome.elicitations)} elicitations; the call {outcome.error or 'succeeded'}"):
            return None
        params = outcome.elicitations[0]
        start = f"{self.options.base_url}/link/start?request="
        report.check(params.mode == "url" and params.url.startswith(start) and len(params.url) > len(start)
                     and bool(params.message.strip()),
                     f"{what}: the elicitation is mode url, to {start}…, with a message for the person",
                     f"mode {params.mode!r}, url {params.url!r}, message {params.message!r}")
        if era == "legacy":
            report.check(bool(params.elicitation_id), f"{what}: the elicitation has an elicitationId (2025-11-25)",
                         f"elicitationId {params.elicitation_id!r}")
        else:
            report.check(params.elicitation_id is None, f"{what}: the elicitation has no elicitationId (removed at 2026-07-28)",
                         f"elicitationId {params.elicitation_id!r}")
        return params

    def check_events(self, result: types.CallToolResult | None, what: str, issuer: str, via: str | None) -> None:
        """A calendar's answer, as the tool passes it on: alice's own events, from `issuer`, via `via`."""
        if result is None:
            return
        content = result.structured_content or {}
        owner = content.get("owner") or {}
        events = content.get("events")
        self.transcript.detail(f"{what}: {json.dumps({k: content.get(k) for k in ('calendar', 'owner', 'via')})}")
        self.report.check(
            not result.is_error and owner == {"issuer": issuer, "subject": "alice"} and content.get("via") == via
            and isinstance(events, list) and len(events) > 0 and all("title" in e and "start" in e for e in events),
            f"{what}: alice's events, owner (issuer {issuer}, subject alice), {f'via {via}' if via else 'no actor (via null)'}",
            f"isError {result.is_error}, content {json.dumps(content) if content else result.content}")

    async def link_as(self, username: str, params: types.ElicitRequestURLParams, stop_before: str | None = None) -> Visit:
        async with self._browser(username) as browser:
            return await browser.visit(params.url, stop_before)

    def _browser(self, username: str) -> HTTPBrowser:
        return HTTPBrowser(username, self.transcript, self.options.timeout)

    async def alice_links(self, params: types.ElicitRequestURLParams, what: str, chromium: bool = False) -> bool:
        """alice follows the URL, signs in at both issuers, and lands on "Account linked"; what a browser saw is checked."""
        if chromium and self.chromium is not None:
            visit = await self.chromium.visit(params.url)
            self.check_trip(visit, f"{what} (headless Chromium)", cookies=False)
        else:
            async with self._browser("alice") as browser:
                visit = await browser.visit(params.url)
            self.check_trip(visit, what, cookies=True)
        return visit.linked

    def check_trip(self, visit: Visit, what: str, cookies: bool) -> None:
        report, options = self.report, self.options
        report.check(visit.linked, f"{what}: the person signs in at both issuers and lands on a page that says the account is linked",
                     f"it ended with {visit.status} {visit.title!r}: {page_text(visit.page)[:300]!r}")
        at = {urlsplit(a.get("redirect_uri", "")).path: a for a in visit.authorizations}
        home, partner = at.get("/link/signed-in", {}), at.get("/link/callback", {})
        report.check(home.get("client_id") == CLIENT_ID and home.get("code_challenge_method") == "S256"
                     and bool(home.get("state")) and home.get("resource") == options.server_url,
                     f"{what}: first to the workshop issuer's /authorize as {CLIENT_ID}, PKCE S256, a state, resource the MCP endpoint",
                     f"the authorization requests were {asked(visit)}")
        report.check(partner.get("client_id") == CLIENT_ID and partner.get("code_challenge_method") == "S256"
                     and bool(partner.get("state")) and partner.get("state") != home.get("state")
                     and "calendar:read" in partner.get("scope", "").split()
                     and (options.partner_calendar_url is None or partner.get("resource") == options.partner_calendar_url),
                     f"{what}: then to the partner's /authorize, PKCE S256, a new state, scope calendar:read, resource its calendar",
                     f"the authorization requests were {asked(visit)}")
        if not cookies:
            return
        cookie = (visit.link_cookie or "").lower()
        report.check("httponly" in cookie and "samesite=lax" in cookie and "path=/link" in cookie,
                     f"{what}: the link page sets its link_session cookie HttpOnly, SameSite=Lax, Path=/link",
                     f"Set-Cookie: {'link_session=…' + cookie.split(';', 1)[-1] if cookie else '(none)'}")
        secrets = [v for a in visit.authorizations for k, v in a.items() if k in ("state", "code_challenge")]
        report.check(not any(s in visit.page for s in secrets),
                     f"{what}: the page shows no state", "the page repeats a state or PKCE value")

    async def run(self, client: Client) -> None:
        report, options, transcript = self.report, self.options, self.transcript
        expected = MODERN_VERSION if options.mode == "modern" else LEGACY_VERSION
        report.check(client.protocol_version == expected, f"negotiated protocol {expected}", f"got {client.protocol_version}")
        tools = await run_check(report, "tools/list", client.list_tools())
        if tools is not None:
            names = {tool.name for tool in tools.tools}
            report.check(DELEGATION_TOOLS <= names, f"tools/list offers {', '.join(sorted(DELEGATION_TOOLS))}",
                         f"tools were {sorted(names)}")
        # The runs share one server: each starts from no link, whatever the last one left.
        transcript.step("alice starts with no partner link")
        clean = await run_check(report, "tools/call partner_unlink (alice starts with no link)",
                                client.call_tool("partner_unlink", {}))
        if clean is not None:
            report.check(not clean.is_error, "partner_unlink answers without a tool error", f"content {clean.content}")
        if options.hostile:
            await self.hostile(client)
            return

        transcript.step("the client calls calendar_events: the server exchanges alice's token (RFC 8693)")
        calendar = await run_check(report, "tools/call calendar_events", client.call_tool("calendar_events", {}))
        self.check_events(calendar, "calendar_events", options.issuer, CLIENT_ID)
        report.check(not self.handler.seen, "calendar_events asks for no elicitation", f"{len(self.handler.seen)} elicitations")

        transcript.step("the client calls partner_calendar_events; alice has linked no partner account yet")
        outcome = await call_with_link(client, self.handler, options.mode, "partner_calendar_events",
                                       lambda p: self.alice_links(p, "first link", chromium=options.browser))
        self.check_elicitation(outcome, "partner_calendar_events, not linked")
        report.check(outcome.result is not None, "partner_calendar_events succeeds once alice has linked",
                     f"the call failed: {outcome.error}")
        self.check_events(outcome.result, "partner_calendar_events", options.partner_issuer, None)

        transcript.step("the client calls partner_calendar_events again: the link is kept")
        again = await call_with_link(client, self.handler, options.mode, "partner_calendar_events", self.refuse)
        report.check(again.result is not None and not again.elicitations,
                     "partner_calendar_events again: answered from the stored link, with no elicitation",
                     f"{len(again.elicitations)} elicitations; {again.error or 'succeeded'}")
        self.check_events(again.result, "partner_calendar_events again", options.partner_issuer, None)

        transcript.step("alice unlinks")
        unlink = await run_check(report, "tools/call partner_unlink", client.call_tool("partner_unlink", {}))
        if unlink is not None:
            report.check(not unlink.is_error and (unlink.structured_content or {}).get("unlinked") is True,
                         "partner_unlink answers unlinked: true", f"content {unlink.structured_content or unlink.content}")
        twice = await run_check(report, "tools/call partner_unlink again", client.call_tool("partner_unlink", {}))
        if twice is not None:
            report.check(not twice.is_error and (twice.structured_content or {}).get("unlinked") is False,
                         "partner_unlink again answers unlinked: false", f"content {twice.structured_content or twice.content}")

        transcript.step("the client calls partner_calendar_events after the unlink")
        relink = await call_with_link(client, self.handler, options.mode, "partner_calendar_events",
                                      lambda p: self.alice_links(p, "link again"))
        self.check_elicitation(relink, "partner_calendar_events after partner_unlink")
        report.check(relink.result is not None, "partner_calendar_events succeeds once alice has linked again",
                     f"the call failed: {relink.error}")
        self.check_events(relink.result, "partner_calendar_events after linking again", options.partner_issuer, None)
        await self.without_elicitation(client)

    async def without_elicitation(self, client: Client) -> None:
        """Another client of alice's, on the same sign-in, that declared no elicitation, once she has
        unlinked. It connects only now: at 2025-11-25 the server keeps what a client declared per user
        and client_id, so its handshake stands for the first client's from then on."""
        self.transcript.step("alice unlinks, and a client that declared no elicitation calls partner_calendar_events")
        await run_check(self.report, "tools/call partner_unlink", client.call_tool("partner_unlink", {}))
        async with self.plain:
            refused = await run_check(self.report, "tools/call partner_calendar_events by a client without elicitation",
                                      self.plain.call_tool("partner_calendar_events", {}))
        if refused is not None:
            text = " ".join(getattr(c, "text", "") for c in refused.content)
            self.report.check(refused.is_error and "elicitation" in text.lower(),
                              "a client without URL elicitation gets a tool error that says to use one supporting it",
                              f"isError {refused.is_error}, text {text!r}")

    async def refuse(self, params: types.ElicitRequestURLParams) -> bool:
        self.transcript.detail(f"an elicitation nobody expected: {shown(params.url)}")
        return False

    async def hostile(self, client: Client) -> None:
        """bob, at his own browser, tries each stage of a link alice asked for; none may link anything."""
        report, transcript = self.report, self.transcript

        async def keep(params: types.ElicitRequestURLParams) -> bool:
            return False  # the URL goes elsewhere: this call ends without a link

        async def ask(what: str) -> types.ElicitRequestURLParams | None:
            transcript.step(f"alice's client calls partner_calendar_events ({what})")
            outcome = await call_with_link(client, self.handler, self.options.mode, "partner_calendar_events", keep)
            return self.check_elicitation(outcome, what)

        if (first := await ask("bob opens the link")) is not None:
            visit = await self.link_as("bob", first)
            text = page_text(visit.page)
            report.check(visit.status == 403 and "another user" in text and not visit.linked,
                         "bob opens alice's link URL and signs in as bob: 403, a page saying another user requested it",
                         f"it ended with {visit.status}: {text[:300]!r}")
            report.check(not any(a.get("state", "\0") in visit.page for a in visit.authorizations),
                         "the refusal page shows no state", "the page repeats the state")

        if (second := await ask("bob takes over the workshop issuer's answer")) is not None:
            visit = await self.link_as("alice", second, stop_before="/link/signed-in")
            if report.check(visit.stopped_at is not None, "alice's browser is sent back to /link/signed-in with a code",
                            f"it ended with {visit.status}: {page_text(visit.page)[:300]!r}"):
                async with self._browser("bob") as bob:
                    taken = await bob.visit(visit.stopped_at or "", stop_before="/authorize")
                report.check(taken.stopped_at is None and 400 <= taken.status < 500,
                             "bob's browser opening alice's /link/signed-in URL is refused (4xx), and not sent on to the partner",
                             f"it ended with {taken.status} {page_text(taken.page)[:200]!r}, stopped at {shown(taken.stopped_at or '')}")

        if (third := await ask("bob takes over the partner's answer")) is not None:
            visit = await self.link_as("alice", third, stop_before="/link/callback")
            if report.check(visit.stopped_at is not None, "alice's browser is sent back to /link/callback with the partner's code",
                            f"it ended with {visit.status}: {page_text(visit.page)[:300]!r}"):
                async with self._browser("bob") as bob:
                    taken = await bob.visit(visit.stopped_at or "")
                report.check(400 <= taken.status < 500 and not taken.linked,
                             "bob's browser opening alice's /link/callback URL is refused (4xx), and nothing is linked",
                             f"it ended with {taken.status}: {page_text(taken.page)[:200]!r}")

        after = await ask("after bob's attempts")
        report.check(after is not None, "alice still has no link: bob's attempts linked nothing", "see above")


# --- Running -----------------------------------------------------------------------


def connect(options: Options, provider: OAuthClientProvider, transcript: Transcript,
            handler: LinkHandler | None) -> tuple[httpx2.AsyncClient, Client, Client]:
    """The MCP client (with the elicitation callback), and a second one on the same signed-in HTTP
    client that declares no elicitation."""
    http_client = httpx2.AsyncClient(auth=provider, timeout=httpx2.Timeout(options.timeout),
                                     event_hooks={"response": [transcript.record]})
    mode = "auto" if options.mode == "modern" else "legacy"

    def make(callback: Any) -> Client:
        return Client(streamable_http_client(options.server_url, http_client=http_client), mode=mode,
                      read_timeout_seconds=options.timeout, cache=None, elicitation_callback=callback)

    return http_client, make(handler.elicitation_callback if handler else None), make(None)


async def main_async(options: Options) -> Report:
    report = Report()
    transcript = Transcript(options.server_url)
    user = SimulatedUser("alice", transcript, options.timeout, expected_issuer=options.issuer)
    provider = OAuthClientProvider(server_url=options.server_url, client_metadata=client_metadata(REDIRECT_URI),
                                   storage=InMemoryTokenStorage(), redirect_handler=user.redirect_handler,
                                   callback_handler=user.callback_handler)
    handler = LinkHandler()
    http_client, client, plain = connect(options, provider, transcript, handler)
    chromium = ChromiumBrowser(transcript, options.screenshot) if options.browser else None
    flow = Flow(options, report, transcript, handler, plain, chromium)
    try:
        with anyio.fail_after(options.timeout):
            async with http_client:
                try:
                    async with client:
                        await flow.run(client)
                except Exception as error:
                    report.not_ok("connect, sign in and call", describe(error))
    except TimeoutError:
        report.not_ok(f"finished within {options.timeout:g} s", "timed out (are the servers running?)")
    finally:
        if chromium is not None:
            chromium.close()
    report.check(len(user.authorizations) == 1, "alice signed in to the MCP server once", f"{len(user.authorizations)} sign-ins")
    return report


def parse_options() -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", required=True, help="the Delegation server's MCP endpoint")
    parser.add_argument("--issuer", required=True, help="the workshop issuer, which the server trusts")
    parser.add_argument("--partner-issuer", required=True, help="the partner's issuer, which signs its calendar's tokens")
    parser.add_argument("--partner-calendar-url", help="the partner's calendar resource, e.g. http://127.0.0.1:9102/calendar")
    parser.add_argument("--mode", choices=["modern", "legacy"], default="modern")
    parser.add_argument("--browser", action="store_true", help="alice's first link in headless Chromium")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="with --browser: save the Account linked page here")
    parser.add_argument("--hostile", action="store_true", help="bob tries to complete alice's link, at each stage")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds for the whole run (default 90)")
    args = parser.parse_args()
    if args.screenshot and not args.browser:
        parser.error("--screenshot needs --browser")
    if args.hostile and args.browser:
        parser.error("--hostile runs without a browser: give one of --hostile and --browser")
    return Options(args.server_url, args.issuer, args.partner_issuer, args.partner_calendar_url, args.mode,
                   args.browser, args.screenshot, args.hostile, args.timeout)


def main() -> int:
    options = parse_options()
    logging.basicConfig(level=logging.WARNING, handlers=[OneLineLog()])
    try:
        report = asyncio.run(main_async(options))
    except Exception as error:
        from browser import BrowserMissing
        if isinstance(error, BrowserMissing):
            print(f"# no headless Chromium: {error}", flush=True)
            return BROWSER_MISSING
        raise
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 and report.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
