"""The person at the browser, simulated: opens the workshop issuer's sign-in page and approves.

The SDK's `OAuthClientProvider` hands the authorization URL to a `redirect_handler`
(a real client opens a browser there) and then waits on a `callback_handler` for
the code that comes back to its redirect URI. `SimulatedUser` plays both parts
without a browser, doing what a browser does: it GETs the authorization URL, reads
the page, and posts the page's approval form as it stands (its hidden fields,
among them the token that binds the form to the page, and the button of the
chosen user), from the issuer's own origin (`Origin`, `Sec-Fetch-Site:
same-origin`). It does not follow the 302 it gets, and reads `code`, `state` and
`iss` from its Location (RFC 6749 §4.1.2, RFC 9207 §2). Nothing listens on the
redirect URI.

It checks what a careful client checks, independently of the SDK: the `state`
that comes back is the one sent, and `iss` is the issuer the client discovered.

Granting less than asked: the page lets the person withhold scopes with a
checkbox each. `grant_scope` ticks every scope not in it, at the first sign-in
only; every later sign-in grants what is asked, as a person agreeing to a
step-up would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2

from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthToken
from oauth_transcript import Transcript, redact_query

# Nothing listens here: the simulated user reads the redirect instead of following it.
REDIRECT_URI = "http://127.0.0.1:33418/callback"


class SignInFailed(Exception):
    """The issuer did not answer the sign-in with a redirect carrying a code, state and iss."""


@dataclass
class Form:
    """One <form> of a page: where it posts, its hidden fields, its checkboxes, and its enabled buttons."""

    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    checkboxes: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class FormReader(HTMLParser):
    """The forms of an HTML page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif self.forms and tag == "input" and a.get("type") == "hidden":
            self.forms[-1].hidden[a.get("name", "")] = a.get("value", "")
        elif self.forms and tag == "input" and a.get("type") == "checkbox":
            self.forms[-1].checkboxes.setdefault(a.get("name", ""), []).append(a.get("value", ""))
        elif self.forms and tag == "button" and "disabled" not in a:
            self.forms[-1].buttons.append((a.get("name", ""), a.get("value", "")))


def approval_form(page: str) -> Form:
    """The page's form that approves (the one whose hidden `consent` is approve)."""
    reader = FormReader()
    reader.feed(page)
    for form in reader.forms:
        if form.hidden.get("consent") == "approve":
            return form
    raise SignInFailed("the sign-in page holds no approval form")


@dataclass
class Authorization:
    """One trip to /authorize: what the client asked for and what the user granted."""

    asked: dict[str, str]
    granted_scope: str | None


@dataclass
class SimulatedUser:
    """The SDK's redirect_handler and callback_handler for one person; `authorizations` lists each sign-in."""

    username: str
    transcript: Transcript
    timeout: float
    grant_scope: str | None = None
    expected_issuer: str | None = None
    authorizations: list[Authorization] = field(default_factory=list)
    _result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, authorization_url: str) -> None:
        """Called by the SDK instead of opening a browser: open the page, sign in, approve, and keep the code."""
        self._result = None
        asked = {k: v[0] for k, v in parse_qs(urlsplit(authorization_url).query, keep_blank_values=True).items()}
        self.transcript.step(f"the client sends the user to {redact_query(authorization_url)}")
        async with httpx2.AsyncClient(timeout=self.timeout, follow_redirects=False) as browser:
            page = await browser.get(authorization_url, headers={"Accept": "text/html"})
            self.transcript.step(f"GET the sign-in page -> {page.status_code}")
            if page.status_code != 200:
                raise SignInFailed(f"the sign-in page answered {page.status_code}: {page.text[:300]}")
            form = approval_form(page.text)
            if ("username", self.username) not in form.buttons:
                raise SignInFailed(f"the page offers {self.username} no button: {form.buttons}")
            offered = form.checkboxes.get("withhold", [])
            narrowed = self.grant_scope is not None and not self.authorizations
            withheld = [s for s in offered if s not in self.grant_scope.split()] if narrowed else []
            granted = " ".join(s for s in offered if s not in withheld)
            self.authorizations.append(Authorization(asked, granted))
            granting = f", withholding {' '.join(withheld)}" if withheld else ""
            self.transcript.detail(f"{self.username} signs in and approves{granting}")
            endpoint = urljoin(authorization_url, form.action)
            origin = f"{urlsplit(endpoint).scheme}://{urlsplit(endpoint).netloc}"
            response = await browser.post(
                endpoint,
                data={**form.hidden, "withhold": withheld, "username": self.username},
                headers={"Origin": origin, "Sec-Fetch-Site": "same-origin"},
            )
        location = response.headers.get("location", "")
        self.transcript.step(f"POST {endpoint} (the sign-in form) -> {response.status_code}")
        if response.status_code != 302 or not location:
            raise SignInFailed(f"POST {endpoint} answered {response.status_code}, not 302: {response.text[:300]}")
        self.transcript.detail(f"Location: {redact_query(location)}")

        redirect_uri = asked.get("redirect_uri", "")
        if urlsplit(location)._replace(query="").geturl() != redirect_uri:
            raise SignInFailed(f"the redirect goes to {redact_query(location)}, not the redirect_uri {redirect_uri}")
        back = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        if "error" in back:
            why = back.get("error_description", "")
            raise SignInFailed(f"the issuer redirected with error={back['error']}: {why}")
        if back.get("state") != asked.get("state"):
            raise SignInFailed("the state in the redirect is not the one the client sent")
        issuer = self.expected_issuer or (self.transcript.issuer_metadata or {}).get("issuer")
        if back.get("iss") != issuer:
            raise SignInFailed(f"the redirect's iss is {back.get('iss')!r}, not the issuer {issuer!r}")
        if not back.get("code"):
            raise SignInFailed("the redirect carries no code")
        self._result = AuthorizationCodeResult(code=back["code"], state=back["state"], iss=back["iss"])

    async def callback_handler(self) -> AuthorizationCodeResult:
        """Called by the SDK to wait for the redirect: the code the sign-in brought back."""
        if self._result is None:
            raise SignInFailed("no authorization code: the sign-in did not complete")
        result, self._result = self._result, None
        return result


class InMemoryTokenStorage:
    """The SDK's TokenStorage protocol, kept in memory: a new client registers and signs in afresh."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info

