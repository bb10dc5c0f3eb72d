"""A client whose client_id is a URL: its Client ID Metadata Document, and its private_key_jwt key.

With a Client ID Metadata Document (CIMD, draft-ietf-oauth-client-id-metadata-document), the
MCP 2026-07-28 way for a client to get a client_id, the client does not register: it publishes
a JSON document about itself at an HTTPS URL and uses that URL as its client_id. The
authorization server fetches the document when the user is sent to sign in, and checks that its
`client_id` is the URL it was fetched from. The SDK's `OAuthClientProvider` does this when given
`client_metadata_url` and the issuer's metadata says `client_id_metadata_document_supported`.

`publish_document` writes the document that the SDK's client metadata describes into the folder
client_site.py serves. With a `ClientKey`, the document says `private_key_jwt` and lists the
key's public half in `jwks`: the client then proves at the token endpoint that it holds the
private half, by a signed assertion (RFC 7523 §2.2), instead of using no authentication at all.

mcp 2.3.0's authorization-code flow cannot sign such an assertion: its `private_key_jwt`
support (`PrivateKeyJWTOAuthProvider`) is for the client credentials grant only, and its
code flow sends no client authentication for a CIMD client. `PrivateKeyJWTCodeProvider`
is the smallest extension that adds it: the SDK's own provider, whose token requests carry
`client_assertion_type` and `client_assertion`. Everything else is the SDK's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx2
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from mcp.client.auth import OAuthClientProvider
from mcp.shared.auth import OAuthClientMetadata

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"  # RFC 7523 §2.2
ASSERTION_LIFETIME = 60  # seconds: an assertion is used at once, so it need not live long


class ClientKey:
    """An RSA key pair made for one run and kept in memory: the public half goes into the client's
    document (`jwks`), the private half signs its client assertions (RS256, RFC 7518 §3.3)."""

    def __init__(self) -> None:
        self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = json.loads(RSAAlgorithm.to_jwk(self._private.public_key()))
        self.kid = thumbprint(public)
        self.public_jwk = {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": public["n"], "e": public["e"]}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def assertion(self, client_id: str, audience: str) -> str:
        """A client assertion (RFC 7523 §3): issued by the client about itself, for `audience`,
        short-lived, and unique (`jti`), so that the issuer can refuse a replay."""
        now = int(time.time())
        claims = {"iss": client_id, "sub": client_id, "aud": audience, "iat": now, "exp": now + ASSERTION_LIFETIME,
                  "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 thumbprint of an RSA JWK: SHA-256 over its members e, kty and n, in base64url."""
    members = json.dumps({name: jwk[name] for name in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def publish_document(url: str, site: Path, metadata: OAuthClientMetadata, key: ClientKey | None = None) -> dict[str, Any]:
    """Writes the client's metadata document for `url` into `site`, the folder served at the URL's
    origin, and returns it: the SDK's client metadata, with `client_id` the URL itself."""
    document: dict[str, Any] = {"client_id": url, **metadata.model_dump(mode="json", exclude_none=True)}
    if key is not None:
        document["token_endpoint_auth_method"] = "private_key_jwt"
        document["jwks"] = key.jwks()
    path = site / urlsplit(url).path.lstrip("/")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


class PrivateKeyJWTCodeProvider(OAuthClientProvider):
    """The SDK's OAuthClientProvider, whose token requests (code exchange and refresh) also carry a
    private_key_jwt client assertion (RFC 7523 §2.2, RFC 7521 §4.2) signed with `key`.

    The assertion's audience is the issuer identifier from the issuer's metadata, as
    draft-ietf-oauth-rfc7523bis requires and as the SDK's own PrivateKeyJWTOAuthProvider does."""

    def __init__(self, *args: Any, key: ClientKey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key = key

    async def _exchange_token_authorization_code(self, auth_code: str, code_verifier: str) -> httpx2.Request:
        return self._with_assertion(await super()._exchange_token_authorization_code(auth_code, code_verifier))

    async def _refresh_token(self) -> httpx2.Request:
        return self._with_assertion(await super()._refresh_token())

    def _with_assertion(self, request: httpx2.Request) -> httpx2.Request:
        if self.context.client_info is None or self.context.oauth_metadata is None:
            raise RuntimeError("private_key_jwt needs the client's id and the issuer's metadata")
        form = dict(parse_qsl(request.content.decode(), keep_blank_values=True))
        form["client_assertion_type"] = JWT_BEARER
        form["client_assertion"] = self._key.assertion(
            self.context.client_info.client_id, str(self.context.oauth_metadata.issuer)
        )
        headers = {name: value for name, value in request.headers.items() if name.lower() not in ("content-length",)}
        return httpx2.Request(request.method, request.url, data=form, headers=headers)
