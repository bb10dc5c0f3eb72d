"""A client's own web site, for tests: serves Client ID Metadata Documents over HTTPS on 127.0.0.1.

A client that uses a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-document)
publishes a JSON document at an HTTPS URL, and that URL is its client_id: the authorization
server fetches the document to learn the client's name and redirect URIs (and, for
private_key_jwt, its public keys). This script is that web site, on this machine only:

    python3 client_site.py --site SITE_DIR --tls TLS_DIR

It makes a throw-away certificate authority and a certificate for 127.0.0.1 signed by it, with
openssl, in TLS_DIR (unless TLS_DIR already holds them), binds a free port on 127.0.0.1, prints

    url=https://127.0.0.1:PORT
    ca_file=TLS_DIR/ca.pem

on standard output, and serves each SITE_DIR/NAME.json at https://127.0.0.1:PORT/NAME.json
(as application/json) until it is stopped (SIGTERM or Ctrl-C). Callers write documents into
SITE_DIR whenever they like; nothing is cached. Each request is logged on standard error.

The authorization server under test must trust ca_file (generate_token serve --cimd-ca-file) and
be allowed to fetch from 127.0.0.1 (--cimd-trusted-host 127.0.0.1). The private keys stay in
TLS_DIR: give it a temporary folder, never one in the repository. Standard library and openssl only,
so that the tutorial tool (system python3) can run it as well as the tests (.venv).
"""

from __future__ import annotations

import argparse
import signal
import ssl
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# Valid for a day: long enough for any run, short enough that a leaked test CA is soon worthless.
DAYS = "1"
HANDSHAKE_TIMEOUT = 10  # seconds: a client that never finishes its handshake does not keep a thread


def openssl(*arguments: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *arguments], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"client_site: openssl {arguments[0]} failed: {result.stderr.strip()}")


def make_certificates(tls: Path) -> None:
    """A CA, and a server certificate for IP address 127.0.0.1 that it signs (P-256 keys)."""
    tls.mkdir(parents=True, exist_ok=True)
    if (tls / "ca.pem").is_file() and (tls / "site.pem").is_file() and (tls / "site.key").is_file():
        return
    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", DAYS,
            "-subj", "/CN=Workshop test CA (throw-away)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=tls)
    openssl("req", *curve, "-keyout", "site.key", "-out", "site.csr", "-subj", "/CN=127.0.0.1", cwd=tls)
    (tls / "site.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1\n"
    )
    openssl("x509", "-req", "-in", "site.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "site.pem", "-days", DAYS, "-extfile", "site.ext", cwd=tls)


class DocumentHandler(BaseHTTPRequestHandler):
    """GET /NAME.json (any depth) from the site folder; anything else is 404."""

    site: Path
    server_version = "client_site"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        path = self.path.split("?", 1)[0]
        target = (self.site / path.lstrip("/")).resolve()
        inside = target.is_relative_to(self.site.resolve())
        if not (inside and path.endswith(".json") and target.is_file()):
            self.send_error(404, "no such document")
            return
        body = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_request(self, code="-", size="-") -> None:
        agent = self.headers.get("User-Agent", "-") if self.headers else "-"
        print(f"client_site: {self.command} {self.path} -> {int(code)} ({agent})", file=sys.stderr, flush=True)

    def log_error(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass  # the request's own line says it all


class TLSServer(ThreadingHTTPServer):
    """An HTTP server whose connections speak TLS; each handshake runs in the connection's own thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, context: ssl.SSLContext):
        super().__init__(address, handler)
        self.context = context

    def finish_request(self, request, client_address) -> None:
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            print(f"client_site: TLS handshake with {client_address[0]} failed: {error}", file=sys.stderr, flush=True)
            return
        self.RequestHandlerClass(connection, client_address, self)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", required=True, type=Path, help="the folder whose *.json files are served")
    parser.add_argument("--tls", required=True, type=Path, help="a temporary folder for the CA and the certificate")
    args = parser.parse_args()
    args.site.mkdir(parents=True, exist_ok=True)
    make_certificates(args.tls)

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.tls / "site.pem", args.tls / "site.key")
    handler = type("Handler", (DocumentHandler,), {"site": args.site})
    server = TLSServer(("127.0.0.1", 0), handler, context)

    def stop(_signum, _frame) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"url=https://127.0.0.1:{server.server_address[1]}", flush=True)
    print(f"ca_file={(args.tls / 'ca.pem').resolve()}", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
