"""Sign in to Step 9 as a person does: the official client opens the issuer's page in a real browser.

The sign-in and consent page is what every attendee sees, so this test meets it in headless
Chromium (browser.py) rather than reading its HTML. The official Python SDK's
`OAuthClientProvider`, as a client with a Client ID Metadata Document (oauth_cimd.py, served by
client_site.py), meets Step 9's 401, discovers the issuer, and hands the authorization URL to its
`redirect_handler`, which here opens it in the browser. The test checks what the person sees
(the client's name and the host that vouches for it, the warning that its redirect URI is on
this machine, the scopes, a button to approve as alice and one to deny), saves a screenshot, and
clicks "Sign in as alice and approve". The browser posts the form (the page's own Origin and
csrf_token: nothing is forged), follows the issuer's 302 to the client's redirect URI, a real
listener on 127.0.0.1 (loopback_callback.py), which hands the code to the SDK's
`callback_handler`. The SDK exchanges the code, and the client calls whoami.

    python browser_sign_in.py --server-url http://127.0.0.1:9000/mcp --issuer http://127.0.0.1:9001 \\
        --client-metadata-url https://127.0.0.1:8443/clients/browser.json --client-site SITE_DIR \\
        [--mode legacy] [--screenshot signin.png]

One `ok - ...` / `not ok - ...` line per check, then `N passed, N failed`; exits 0 only when
every check passed, within --timeout seconds. If no headless Chromium can run here, it says what
is missing and exits 3 (run_browser_sign_in.sh decides whether that is a skip or a failure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import anyio

from browser import BrowserMissing, open_browser, save_page
from loopback_callback import LoopbackCallback
from mcp.shared.auth import AuthorizationCodeResult
from mcp_client_check import LEGACY_VERSION, MODERN_VERSION, Report, describe, run_check
from oauth_flow_check import Options, OneLineLog, client_metadata, connect, make_provider
from oauth_sign_in import InMemoryTokenStorage
from oauth_transcript import Transcript, redact_query

USER = "alice"
BROWSER_MISSING = 3  # the exit status when there is no browser to test with
PAGE_TIMEOUT = 10  # seconds for the page to load, and for the redirect to reach the callback


class SignInStopped(Exception):
    """A check of the page failed; the sign-in goes no further."""


@dataclass
class BrowserPerson:
    """A person at a real browser: the SDK's redirect_handler opens the page there and approves;
    its callback_handler waits for what the browser brings back to the client's listener."""

    driver: object
    callback: LoopbackCallback
    report: Report
    transcript: Transcript
    client_id: str
    screenshot: Path | None
    sign_ins: int = 0

    async def redirect_handler(self, authorization_url: str) -> None:
        self.sign_ins += 1
        self.transcript.step(f"the client opens the browser at {redact_query(authorization_url)}")
        await anyio.to_thread.run_sync(self._sign_in, authorization_url)

    async def callback_handler(self) -> AuthorizationCodeResult:
        # The browser has landed on the callback by now: the answer is there, or it never comes.
        result = await self.callback.result(PAGE_TIMEOUT)
        self.transcript.step(f"the client's listener at {self.callback.redirect_uri} received code, state and iss")
        return result

    def _sign_in(self, url: str) -> None:
        """Opens the page, checks what it shows, saves it, clicks alice's approve button, and waits
        until the browser has followed the redirect to the client's callback."""
        from selenium.common.exceptions import NoSuchElementException, TimeoutException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver, report = self.driver, self.report
        asked = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        driver.set_page_load_timeout(PAGE_TIMEOUT)
        driver.get(url)
        text = driver.find_element(By.TAG_NAME, "body").text
        if not report.check(driver.title.startswith("Sign in"), "the browser shows the issuer's sign-in page",
                            f"title {driver.title!r}, text {text[:300]!r}"):
            raise SignInStopped("not the sign-in page")
        host = urlsplit(self.client_id).hostname or ""
        report.check(f"Verified: {host}" in text and self.client_id in text,
                     f"the page shows the client's verified identity, the document's host {host}, and its URL",
                     f"the page says: {text!r}")
        warnings = [w.text for w in driver.find_elements(By.CSS_SELECTOR, ".warning") if w.is_displayed()]
        report.check(any(w.startswith("Warning") and "this machine" in w for w in warnings),
                     "the page warns that the answer goes only to this machine, where any program may listen",
                     f"warnings shown: {warnings}")
        shown_scopes = [item.text.split()[0] for item in driver.find_elements(By.CSS_SELECTOR, "ul li code")
                        if item.text.strip()]
        report.check(shown_scopes == asked.get("scope", "").split(), "the page lists the scopes the client asks for",
                     f"it lists {shown_scopes}, the client asked for {asked.get('scope')!r}")
        try:
            approve = driver.find_element(By.CSS_SELECTOR, f'button[name="username"][value="{USER}"]')
            driver.find_element(By.CSS_SELECTOR, 'button[name="consent"][value="deny"]')
        except NoSuchElementException as missing:
            report.not_ok(f"the page offers a button to sign in as {USER} and approve, and one to deny",
                          f"{missing.msg.splitlines()[0]}; the page says: {text!r}")
            raise SignInStopped("no button to press") from None
        report.check(approve.is_displayed() and approve.is_enabled() and approve.text.startswith(f"Sign in as {USER}"),
                     f"the page offers a button to sign in as {USER} and approve, and one to deny",
                     f"the button reads {approve.text!r} (enabled: {approve.is_enabled()})")
        if self.screenshot:
            save_page(driver, self.screenshot)
            self.transcript.detail(f"screenshot of the page: {self.screenshot}")
        self.transcript.step(f"the person clicks {approve.text!r}")
        approve.click()
        try:
            WebDriverWait(driver, PAGE_TIMEOUT).until(lambda d: d.current_url.startswith(self.callback.redirect_uri))
        except TimeoutException:
            report.not_ok("the browser follows the issuer's redirect to the client's callback",
                          f"it is at {redact_query(driver.current_url)}, showing "
                          f"{driver.find_element(By.TAG_NAME, 'body').text[:300]!r}")
            raise SignInStopped("the redirect did not reach the callback") from None
        landed = driver.find_element(By.TAG_NAME, "body").text
        if not report.check("Signed in" in landed, "the browser follows the issuer's redirect to the client's callback",
                            f"the callback page says {landed[:300]!r}"):
            raise SignInStopped("the redirect did not reach the callback")


def check_answer(report: Report, callback: LoopbackCallback, issuer: str | None) -> None:
    """What reached the listener: one answer, with a code, a state, and the issuer's iss (RFC 9207)."""
    answers = callback.answers
    report.check(len(answers) == 1, "exactly one answer reached the client's redirect URI", f"{len(answers)} answers")
    if answers:
        answer = answers[-1]
        report.check(bool(answer.get("code")) and bool(answer.get("state")) and answer.get("iss") == issuer,
                     "the answer carries a code, the state, and iss naming the issuer",
                     f"it carries {sorted(answer)}, iss {answer.get('iss')!r}")


async def main_async(options: Options, screenshot: Path | None) -> Report:
    report = Report()
    transcript = Transcript(options.server_url)
    driver = open_browser()
    try:
        with LoopbackCallback() as callback:
            person = BrowserPerson(driver, callback, report, transcript, options.client_metadata_url or "", screenshot)
            metadata = client_metadata(callback.redirect_uri)
            provider = make_provider(options, metadata, InMemoryTokenStorage(), person.redirect_handler,
                                     person.callback_handler)
            http_client, client = connect(options, provider, transcript)
            try:
                with anyio.fail_after(options.timeout):
                    async with http_client, client:
                        expected = MODERN_VERSION if options.mode == "modern" else LEGACY_VERSION
                        report.check(client.protocol_version == expected, f"negotiated protocol {expected}",
                                     f"got {client.protocol_version}")
                        whoami = await run_check(report, "tools/call whoami", client.call_tool("whoami", {}))
            except TimeoutError:
                report.not_ok(f"finished within {options.timeout:g} s", "timed out")
                whoami = None
            except Exception as error:
                if not isinstance(error, SignInStopped) and "SignInStopped" not in describe(error):
                    report.not_ok("connect and sign in through the browser", describe(error))
                whoami = None
            check_answer(report, callback, options.issuer)
    finally:
        driver.quit()
    report.check(person.sign_ins == 1, "the person signed in once", f"{person.sign_ins} sign-ins")
    if whoami is not None:
        content = whoami.structured_content or {}
        transcript.detail(f"whoami: {json.dumps({k: content.get(k) for k in ('subject', 'client_id')})}")
        report.check(content.get("subject") == USER and content.get("client_id") == options.client_metadata_url,
                     f"whoami names {USER}, and the client by its document's URL",
                     f"structuredContent {json.dumps(content)}")
    return report


def parse_options() -> tuple[Options, Path | None]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server-url", required=True, help="Step 9's MCP endpoint")
    parser.add_argument("--issuer", required=True, help="the issuer: the answer's iss must name it")
    parser.add_argument("--client-metadata-url", required=True, metavar="URL",
                        help="the client's metadata document: an HTTPS URL with a path, its client_id")
    parser.add_argument("--client-site", required=True, type=Path, metavar="DIR",
                        help="the folder client_site.py serves at that URL's origin")
    parser.add_argument("--mode", choices=["modern", "legacy"], default="modern")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="save the sign-in page here")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds for the whole run (default 60)")
    args = parser.parse_args()
    options = Options(args.server_url, args.issuer, USER, args.mode, None, False, args.timeout,
                      client_metadata_url=args.client_metadata_url, client_site=args.client_site)
    return options, args.screenshot


def main() -> int:
    options, screenshot = parse_options()
    logging.basicConfig(level=logging.WARNING, handlers=[OneLineLog()])
    try:
        report = asyncio.run(main_async(options, screenshot))
    except BrowserMissing as missing:
        print(f"# no headless Chromium: {missing}", flush=True)
        return BROWSER_MISSING
    print(f"{report.passed} passed, {report.failed} failed", flush=True)
    return 0 if report.failed == 0 and report.passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
