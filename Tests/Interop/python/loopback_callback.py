"""The client's redirect URI, for real: a small HTTP listener on 127.0.0.1 that receives the sign-in's answer.

A native MCP client cannot be reached from the web, so it listens on a loopback address, on a
port free at the time, while its user signs in (RFC 8252 §7.3); its redirect URI is
http://127.0.0.1:PORT/callback. The issuer answers the sign-in with a redirect there, the
browser follows it, and the listener reads `code`, `state` and `iss` from the query (RFC 6749
§4.1.2, RFC 9207 §2), shows the person a short page, and hands them to the SDK through its
`callback_handler`.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import anyio

from mcp.shared.auth import AuthorizationCodeResult

PATH = "/callback"
PAGE = (b"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed in</title></head>"
        b"<body><h1>Signed in</h1><p>You can close this window and go back to the application.</p></body></html>")


class CallbackFailed(Exception):
    """No usable answer reached the redirect URI in time."""


class LoopbackCallback:
    """Listens on 127.0.0.1:<a free port> from `start()` to `close()`; `answers` lists each query
    that reached PATH, in order."""

    def __init__(self) -> None:
        self.answers: list[dict[str, str]] = []
        self._arrived = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                if parts.path != PATH:
                    self.send_error(404)  # the browser also asks for /favicon.ico
                    return
                listener.answers.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)
                listener._arrived.set()

            def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
                pass  # the URL carries the code: never print it

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    def start(self) -> LoopbackCallback:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackCallback:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.close()

    async def result(self, timeout: float) -> AuthorizationCodeResult:
        """The code, state and iss of the next answer, waiting at most `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        while not self._arrived.is_set():
            if time.monotonic() > deadline:
                raise CallbackFailed(f"nothing reached {self.redirect_uri} within {timeout:g} s")
            await anyio.sleep(0.05)
        self._arrived.clear()
        answer = self.answers[-1]
        if "error" in answer:
            raise CallbackFailed(f"the issuer answered error={answer['error']}: {answer.get('error_description', '')}")
        if not answer.get("code"):
            raise CallbackFailed("the answer at the redirect URI carries no code")
        return AuthorizationCodeResult(code=answer["code"], state=answer.get("state"), iss=answer.get("iss"))
