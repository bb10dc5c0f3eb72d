#!/usr/bin/env python3
"""Writes the committed seed inputs of the fuzz targets: fuzz/seeds/<target>/<name>.

Run it after changing a seed here; the files are committed, so the regression tests replay them.
The formats are described in fuzz/README.md.
"""
import json
import pathlib
import shutil

HERE = pathlib.Path(__file__).resolve().parent
MODERN = "2026-07-28"
META = {
    "io.modelcontextprotocol/protocolVersion": MODERN,
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "fuzz-seed", "version": "1.0.0"},
}


def message(method, params=None, id=1):
    body = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        body["id"] = id
    if params is not None:
        body["params"] = params
    return json.dumps(body, separators=(",", ":"))


def headers(lines, body):
    return "\n".join(lines) + "\n\n" + body


def modern(method, params=None, name=None, extra=()):
    params = dict(params or {})
    params["_meta"] = META
    lines = [f"MCP-Protocol-Version: {MODERN}", f"Mcp-Method: {method}"]
    if name is not None:
        lines.append(f"Mcp-Name: {name}")
    return headers(lines + list(extra), message(method, params))


def call(tool, arguments=None):
    params = {"name": tool}
    if arguments is not None:
        params["arguments"] = arguments
    return params


TOOLS = {
    "echo": {"message": "hello", "repeat_count": 2},
    "get_time": {"timezone": "Europe/Paris"},
    "server_status": {},
    "whoami": {},
    "note_create": {"title": "Plan", "text": "Ship step 9"},
    "note_list": {},
    "note_read": {"id": "alice-note"},
    "note_delete": {"id": "alice-note"},
}

INITIALIZE = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz-seed", "version": "1"}}

request = {
    # 2025 era: plain bodies, sent with the default headers and the everyday caller's token.
    "legacy-initialize": message("initialize", INITIALIZE),
    "legacy-initialize-old-version": message("initialize", dict(INITIALIZE, protocolVersion="2024-11-05")),
    "legacy-initialize-no-version": message("initialize", {"capabilities": {}}),
    "legacy-ping": message("ping"),
    "legacy-tools-list": message("tools/list"),
    "legacy-tools-list-cursor": message("tools/list", {"cursor": "next"}),
    "legacy-prompts-list": message("prompts/list", id="list-1"),
    "legacy-prompts-get-greeting": message("prompts/get", {"name": "greeting", "arguments": {"name": "Ada"}}),
    "legacy-prompts-get-help": message("prompts/get", {"name": "help"}),
    "legacy-prompts-get-bad-argument": message("prompts/get", {"name": "greeting", "arguments": {"name": 3}}),
    "legacy-unknown-method": message("resources/list"),
    "legacy-unknown-tool": message("tools/call", call("rm_rf", {})),
    "legacy-notification": message("notifications/initialized", id=None),
    "legacy-version-header": headers(["MCP-Protocol-Version: 2025-06-18"], message("ping")),
    "legacy-unsupported-version-header": headers(["MCP-Protocol-Version: 1999-01-01"], message("ping")),
    # The parser's edges.
    "batch": "[" + message("ping") + "," + message("tools/list", id=2) + "]",
    "empty-batch": "[]",
    "bad-json": '{"jsonrpc":"2.0","id":1,"method":',
    "lone-surrogate": '{"jsonrpc":"2.0","id":1,"method":"\\ud800"}',
    "deep-nesting": '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":' + "[" * 64 + "]" * 64 + "}}",
    "null-id": '{"jsonrpc":"2.0","id":null,"method":"ping"}',
    "float-id": '{"jsonrpc":"2.0","id":1.5,"method":"ping"}',
    "big-id": '{"jsonrpc":"2.0","id":1e300,"method":"ping"}',
    "wrong-version": '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    "params-array": '{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}',
    "empty-body": "",
    # JSONDecoder reads both of these; RFC 8259 does not, and neither does JSONValue's parser.
    "trailing-comma": '{"jsonrpc":"2.0","method":"prompts/get","id":1,"params":{"name":"greeting",}}',
    "invalid-utf8-in-duplicate": b'{"jsonrpc":"2.0","method":"ping","method":"p\xff\xff","id":1}',
    "json-null": "null",
    # 2026-07-28: _meta in the body, the MCP headers repeating it.
    "modern-discover": modern("server/discover"),
    "modern-tools-list": modern("tools/list"),
    "modern-prompts-list": modern("prompts/list", {"cursor": ""}),
    "modern-prompts-get": modern("prompts/get", {"name": "greeting", "arguments": {"name": "Ada"}}, name="greeting"),
    "modern-ping": modern("ping"),
    "modern-initialize": modern("initialize", INITIALIZE),
    "modern-header-mismatch": headers(
        [f"MCP-Protocol-Version: {MODERN}", "Mcp-Method: tools/list"], message("prompts/list", {"_meta": META})),
    "modern-base64-name": modern("tools/call", call("echo", {"message": "héllo"}), name="=?base64?ZWNobw==?="),
    "modern-missing-meta": headers([f"MCP-Protocol-Version: {MODERN}", "Mcp-Method: tools/list"], message("tools/list")),
    "modern-future-version": headers(
        ["MCP-Protocol-Version: 2099-01-01", "Mcp-Method: tools/list"],
        message("tools/list", {"_meta": dict(META, **{"io.modelcontextprotocol/protocolVersion": "2099-01-01"})})),
    # Callers and transport: who may do what, and what reaches the endpoint at all.
    "admin-notes-list": headers(["Authorization: Bearer $admin"], message("tools/call", call("note_list", {}))),
    "guest-calls-tool": headers(["Authorization: Bearer $guest"], message("tools/call", call("echo", {"message": "hi"}))),
    "noroles-lists-tools": headers(["Authorization: Bearer $noroles"], message("tools/list")),
    "noscope-lists-tools": headers(["Authorization: Bearer $noscope"], message("tools/list")),
    "bob-reads-alice-note": headers(["Authorization: Bearer $bob"], message("tools/call", call("note_read", {"id": "alice-note"}))),
    "no-token": headers(["Authorization:"], message("ping")),
    "two-tokens": headers(["Authorization: Bearer $user", "Authorization: Bearer $admin"], message("ping")),
    "basic-auth": headers(["Authorization: Basic YWxpY2U6c2VjcmV0"], message("ping")),
    "foreign-origin": headers(["Origin: https://evil.example"], message("ping")),
    "local-origin": headers(["Origin: http://localhost:6274"], message("ping")),
    "text-content-type": headers(["Content-Type: text/plain"], message("ping")),
    "accept-html": headers(["Accept: text/html"], message("ping")),
    "get-mcp": headers(["GET /mcp"], ""),
    "delete-mcp": headers(["DELETE /mcp"], ""),
    "get-health": headers(["GET /health"], ""),
    "get-jwks": headers(["GET /.well-known/jwks.json"], ""),
    "get-resource-metadata": headers(["GET /.well-known/oauth-protected-resource/mcp"], ""),
    "options-resource-metadata": headers(["OPTIONS /.well-known/oauth-protected-resource", "Origin: https://app.example"], ""),
}
for tool, arguments in TOOLS.items():
    request[f"legacy-call-{tool}"] = message("tools/call", call(tool, arguments))
    request[f"modern-call-{tool}"] = modern("tools/call", call(tool, arguments), name=tool)
# server_status is for administrators; the everyday caller's attempt is kept as its own seed.
request["user-calls-server_status"] = request["legacy-call-server_status"]
request["legacy-call-server_status"] = headers(["Authorization: Bearer $admin"], request["legacy-call-server_status"])
request["modern-call-server_status"] = request["modern-call-server_status"].replace("\n\n", "\nAuthorization: Bearer $admin\n\n", 1)
request["legacy-call-echo-bad-arguments"] = message("tools/call", call("echo", {"message": "", "repeat_count": 99, "x": 1}))
request["legacy-call-get_time-bad-zone"] = message("tools/call", call("get_time", {"timezone": "Mars/Olympus"}))
request["legacy-call-note_create-too-long"] = message("tools/call", call("note_create", {"title": "x" * 201, "text": "y"}))

CLAIMS = {"iss": "$iss", "sub": "alice", "aud": "$aud", "exp": "$soon", "iat": "$now", "nbf": "$now",
          "client_id": "fuzz", "scope": "mcp:read mcp:tools", "roles": ["user"]}
HEADER = {"alg": "RS256", "typ": "at+jwt", "kid": "$kid"}


def jwt(header=None, claims=None, instruction=None, drop=()):
    header = dict(HEADER, **(header or {}))
    claims = {k: v for k, v in dict(CLAIMS, **(claims or {})).items() if k not in drop}
    text = "jwt\n" + json.dumps(header, separators=(",", ":")) + "\n" + json.dumps(claims, separators=(",", ":"))
    # Numbers are written as placeholders, then unquoted: "$soon" becomes $soon, a JSON number.
    for name in ("soon", "now", "later", "past"):
        text = text.replace(f'"${name}"', f"${name}")
    return text + ("\n" + instruction if instruction else "")


token = {
    # Authorization values, one per line.
    "raw-valid": "Bearer $user",
    "raw-admin": "Bearer $admin",
    "raw-lowercase-scheme": "bearer $user",
    "raw-extra-spaces": "Bearer    $user   ",
    "raw-two-headers": "Bearer $user\nBearer $admin",
    "raw-empty": "Bearer ",
    "raw-basic": "Basic YWxpY2U6c2VjcmV0",
    "raw-padding": "Bearer abc==",
    "raw-padding-inside": "Bearer ab=c",
    "raw-bad-character": "Bearer abc!def",
    "raw-two-parts": "Bearer $user.x",
    "raw-truncated": "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0",
    "raw-alg-none": "Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJhbGljZSJ9.",
    # Structured: header, claims, and how to sign.
    "jwt-valid": jwt(),
    "jwt-array-audience": jwt(claims={"aud": ["https://other.example", "$aud"]}),
    "jwt-typ-jwt": jwt(header={"typ": "JWT"}),
    "jwt-typ-application": jwt(header={"typ": "application/at+jwt"}),
    "jwt-alg-none": jwt(header={"alg": "none"}, instruction="none"),
    "jwt-hs256-confusion": jwt(header={"alg": "HS256"}, instruction="hs256"),
    "jwt-attacker-key": jwt(instruction="attacker"),
    "jwt-bad-signature": jwt(instruction="AAAA"),
    "jwt-crit": jwt(header={"crit": ["exp"]}),
    "jwt-jku": jwt(header={"jku": "https://evil.example/jwks.json"}),
    "jwt-unknown-kid": jwt(header={"kid": "nobody"}),
    "jwt-no-kid": jwt(header={"kid": None}),
    "jwt-expired": jwt(claims={"exp": "$past"}),
    "jwt-not-yet-valid": jwt(claims={"nbf": "$later"}),
    "jwt-issued-in-future": jwt(claims={"iat": "$later"}),
    "jwt-exp-string": jwt(claims={"exp": "tomorrow"}),
    "jwt-exp-float": jwt(claims={"exp": 1800000600.5}),
    "jwt-exp-huge": jwt(claims={"exp": 1e300}),
    "jwt-exp-negative-huge": jwt(claims={"exp": -1e300}),
    "jwt-nbf-huge": jwt(claims={"nbf": 1e300}),
    "jwt-no-exp": jwt(drop=("exp",)),
    "jwt-wrong-issuer": jwt(claims={"iss": "https://evil.example"}),
    "jwt-wrong-audience": jwt(claims={"aud": "https://other.example/mcp"}),
    "jwt-empty-subject": jwt(claims={"sub": ""}),
    "jwt-no-subject": jwt(drop=("sub",)),
    "jwt-roles-not-array": jwt(claims={"roles": "admin"}),
    "jwt-scope-array": jwt(claims={"scope": ["mcp:admin"]}),
    "jwt-admin": jwt(claims={"scope": "mcp:admin", "roles": ["admin"], "preferred_username": "root"}),
    "jwt-not-json": "jwt\n{not json\n{\"sub\":",
    # RFC 7519 §4: a claims set with a duplicate name must be refused, or read last-wins.
    "jwt-duplicate-audience": jwt().replace('"roles"', '"aud":"https://other.example/mcp","roles"'),
}

for target, seeds in (("request", request), ("token", token)):
    folder = HERE / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for name, text in sorted(seeds.items()):
        if isinstance(text, bytes):
            (folder / name).write_bytes(text)
        else:
            (folder / name).write_text(text)
    print(f"{len(seeds)} seeds in {folder}")
