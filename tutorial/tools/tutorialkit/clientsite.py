"""The client's own HTTPS site, for a session whose commands publish Client ID Metadata Documents.

A session with client-site="yes" (it needs issuer="yes") gets, before its servers start,
Tests/Interop/python/client_site.py: a throw-away CA and a certificate for 127.0.0.1, made with
openssl in the session's scratch folder, and an HTTPS server on a free port of 127.0.0.1 that
serves a folder of JSON documents. The commands find the folder in $CLIENT_SITE_DIR (they write
documents there), the site in $CLIENT_SITE_URL, the CA's certificate in $CLIENT_SITE_CA, and the
site's log, a line per request it served, in $CLIENT_SITE_LOG. The
issuer is started allowed to fetch documents from it: --cimd-trusted-host 127.0.0.1
--cimd-ca-file $CLIENT_SITE_CA. Transcripts show the site's port as 9443, and the folder, the CA
and the log by their variables. The site is stopped with the servers.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .normalise import SHOWN_SITE_PORT
from .paths import ROOT, TutorialError

SITE = ROOT / "Tests" / "Interop" / "python" / "client_site.py"
START_TIMEOUT = 30  # seconds for openssl and the site to start
STOP_TIMEOUT = 10


@dataclass
class ClientSite:
    process: subprocess.Popen
    url: str  # https://127.0.0.1:PORT
    folder: Path  # what it serves
    ca: Path  # the certificate of the CA that signed its certificate

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def issuer_options(self) -> list[str]:
        """What the issuer needs to fetch documents from this site."""
        return ["--cimd-trusted-host", "127.0.0.1", "--cimd-ca-file", str(self.ca)]

    @property
    def log(self) -> Path:
        """One line per request the site served: how a reader sees the issuer fetch a document."""
        return self.folder.parent / "client-site.log"

    def environment(self) -> dict[str, str]:
        return {"CLIENT_SITE_URL": self.url, "CLIENT_SITE_DIR": str(self.folder), "CLIENT_SITE_CA": str(self.ca),
                "CLIENT_SITE_LOG": str(self.log)}

    def shown_ports(self) -> list[tuple[str, str]]:
        """The site's address as transcripts show it, also percent-encoded (in a client_id parameter)."""
        return [(f"127.0.0.1{colon}{self.port}", f"127.0.0.1{colon}{SHOWN_SITE_PORT}") for colon in (":", "%3A", "%3a")]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT)


def start(scratch: Path) -> ClientSite:
    """The site, serving scratch/client-site with a CA of its own in scratch/client-tls, once it
    has said where it listens."""
    folder, tls = scratch / "client-site", scratch / "client-tls"
    out, log = scratch / "client-site.out", scratch / "client-site.log"
    with open(out, "wb") as stdout, open(log, "wb") as stderr:
        process = subprocess.Popen([sys.executable, str(SITE), "--site", str(folder), "--tls", str(tls)],
                                   cwd=ROOT, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
                                   start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        values = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
        if "url" in values and "ca_file" in values:
            return ClientSite(process, values["url"], folder, Path(values["ca_file"]))
        time.sleep(0.05)
    site = ClientSite(process, "https://127.0.0.1:0", folder, tls / "ca.pem")
    site.stop()
    raise TutorialError(f"the client's site ({SITE.name}) did not start within {START_TIMEOUT}s:\n"
                        f"{log.read_text(errors='replace')[-2000:]}")
