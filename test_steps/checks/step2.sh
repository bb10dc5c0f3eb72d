# test_steps/checks/step2.sh — what Step 2 promises: POST /mcp speaks JSON-RPC 2.0 to clients of both
# protocol eras — 2025-11-25 / 2025-06-18 clients (initialize, then an MCP-Protocol-Version header)
# and 2026-07-28 clients (no handshake: server/discover, _meta and matching MCP headers on every
# request) — one well-formed message per POST, and guards the HTTP transport: methods, Origin,
# content types, size.
# Used by test_step2.sh and every later step's script (use_checks 2); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step2 BASE_URL [--token TOKEN] — JSON-RPC on POST /mcp of the server at BASE_URL.
# --token: every request carries it (Step 6 on); server/discover then names the caller, so its
# answer is cacheScope private.
checks_step2() {
  BASE_URL=$1
  local version token=""
  shift
  while (($# > 0)); do
    case $1 in
      --token) token=${2?"checks_step2: --token needs a value"} ;;
      *) die "checks_step2 takes BASE_URL [--token TOKEN], not $1" ;;
    esac
    shift 2
  done
  local AUTH_TOKEN=$token   # what lib.sh's request helpers send

  # --- 2025-11-25 / 2025-06-18 clients: initialize, then MCP-Protocol-Version on each request ---

  for version in 2025-11-25 2025-06-18 2025-03-26; do
    check "legacy: initialize with $version is answered with $version"
      post_mcp_legacy initialize "$(initialize_params "$version")"
      expect_result
      expect_json '.result.protocolVersion' "$version"
  done

  check "legacy: initialize returns capabilities, serverInfo and instructions, and no Mcp-Session-Id"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.capabilities | type' object
    expect_json '.result.serverInfo.name' mcp-workshop
    expect_json '.result.serverInfo.version' 1.0.0
    expect_json '.result.serverInfo.title | type' string
    expect_json '.result.instructions | type' string
    expect_no_header Mcp-Session-Id

  check "legacy: initialize with an unknown version is answered with $LEGACY_VERSION"
    post_mcp_legacy initialize "$(initialize_params 1999-01-01)"
    expect_result
    expect_json '.result.protocolVersion' "$LEGACY_VERSION"

  check "legacy: initialize without protocolVersion is invalid params (200, -32602)"
    post_mcp_legacy initialize '{"capabilities":{},"clientInfo":{"name":"test_steps","version":"1.0.0"}}'
    expect_error 200 -32602
    expect_json '.id' "$REQUEST_ID"

  check "legacy: notifications/initialized is accepted: 202, empty body"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 202
    expect_empty_body

  check "legacy: ping answers an empty result"
    post_mcp_legacy ping
    expect_result
    expect_json '.result' '{}'

  check "legacy: a string id is echoed"
    post_mcp '{"jsonrpc":"2.0","id":"ping-1","method":"ping"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_result
    expect_json '.id' ping-1

  check "legacy: an unknown method is method not found, with HTTP 200 (-32601)"
    post_mcp_legacy no/such/method
    expect_error 200 -32601
    expect_json '.id' "$REQUEST_ID"

  check "legacy: an unsupported MCP-Protocol-Version header is refused (400, -32022, data.supported)"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: 1999-01-01"
    expect_error 400 -32022
    expect_json '.error.data.supported' "$SUPPORTED_VERSIONS"
    expect_json '.error.data.requested' 1999-01-01

  # --- 2026-07-28 clients: no handshake; _meta and matching headers on every request ---

  check "modern: server/discover describes the server (versions, capabilities, caching; serverInfo in _meta)"
    post_mcp_modern server/discover
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.supportedVersions' "$SUPPORTED_VERSIONS"
    expect_json '.result.capabilities | type' object
    expect_json '.result.instructions | type' string
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    # From Step 6 on the answer names the signed-in caller, so no shared cache may keep it.
    if [[ -n "$token" ]]; then expect_json '.result.cacheScope' private; else expect_json '.result.cacheScope' public; fi
    expect_json ".result._meta[\"$META_SERVER_INFO_KEY\"].name" mcp-workshop
    expect_json ".result._meta[\"$META_SERVER_INFO_KEY\"].version" 1.0.0
    expect_no_header Mcp-Session-Id

  check "modern: a request without _meta is invalid params (400, -32602)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover"}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32602

  check "modern: _meta without clientCapabilities is invalid params (400, -32602)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover",
               "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32602

  check "modern: an unsupported _meta protocolVersion is refused (400, -32022, data.supported)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":"server/discover",
               "params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01",
                                  "io.modelcontextprotocol/clientCapabilities":{}}}}' \
      "MCP-Protocol-Version: 2099-01-01" "Mcp-Method: server/discover"
    expect_error 400 -32022
    expect_json '.error.data.supported' "$SUPPORTED_VERSIONS"
    expect_json '.error.data.requested' 2099-01-01

  check "modern: no MCP-Protocol-Version header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "Mcp-Method: server/discover"
    expect_error 400 -32020

  check "modern: an MCP-Protocol-Version header that differs from _meta is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $LEGACY_VERSION" "Mcp-Method: server/discover"
    expect_error 400 -32020

  check "modern: no Mcp-Method header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $MODERN_VERSION"
    expect_error 400 -32020

  check "modern: an Mcp-Method header that differs from the body is a header mismatch (400, -32020)"
    post_mcp "$(modern_request server/discover)" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: ping"
    expect_error 400 -32020

  check "modern: an unknown method is method not found, with HTTP 404 (-32601)"
    post_mcp_modern no/such/method
    expect_error 404 -32601
    expect_json '.id' "$REQUEST_ID"

  check "modern: ping is not a 2026-07-28 method (404, -32601)"
    post_mcp_modern ping
    expect_error 404 -32601

  check "modern: a notification is accepted: 202, empty body"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/cancelled",
               "params":{"requestId":7,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                                                 "io.modelcontextprotocol/clientCapabilities":{}}}}' \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: notifications/cancelled"
    expect_status 202
    expect_empty_body

  # --- The JSON-RPC envelope: one well-formed message per POST ---

  check "a body that is not JSON is a parse error (400, -32700, id null)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":'
    expect_error 400 -32700
    expect_json '.id' null

  check "a batch (JSON array) is an invalid request (400, -32600, id null)"
    post_mcp '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"}]'
    expect_error 400 -32600
    expect_json '.id' null

  check "jsonrpc \"1.0\" is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"1.0","id":1,"method":"ping"}'
    expect_error 400 -32600

  check "id null is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":null,"method":"ping"}'
    expect_error 400 -32600

  check "an object id is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":{"n":1},"method":"ping"}'
    expect_error 400 -32600

  check "a method that is not a string is an invalid request (400, -32600)"
    post_mcp '{"jsonrpc":"2.0","id":1,"method":42}'
    expect_error 400 -32600

  # --- HTTP: methods, Origin, content negotiation, size ---

  check "GET /mcp is not allowed: 405 with Allow: POST"
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_status 405
    expect_header Allow POST

  check "DELETE /mcp is not allowed: 405 with Allow: POST (there are no sessions)"
    send DELETE /mcp ""
    expect_status 405
    expect_header Allow POST

  check "a foreign Origin is refused with 403 (DNS rebinding defence)"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: https://evil.example"
    expect_error 403 -32600
    expect_json '.id' null

  check "an Origin that only starts like localhost (http://localhost.evil.example) is refused with 403"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: http://localhost.evil.example"
    expect_status 403

  check "Origin: null (a sandboxed page) is refused with 403"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: null"
    expect_status 403

  check "a local Origin (http://localhost:3000) is accepted"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: http://localhost:3000"
    expect_result

  check "the server's own origin ($BASE_URL) is accepted"
    post_mcp "$(jsonrpc_request ping)" "MCP-Protocol-Version: $LEGACY_VERSION" "Origin: $BASE_URL"
    expect_result

  check "Content-Type: text/plain is refused with 415"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: text/plain" "Accept: application/json"
    expect_error 415 -32600

  check "Content-Type: application/json; charset=utf-8 is accepted"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json; charset=utf-8" "Accept: application/json"
    expect_result

  check "Accept: text/html (no JSON) is refused with 406"
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json" "Accept: text/html"
    expect_error 406 -32600

  check "no Accept header at all is fine"
    # "Accept:" with no value tells curl to leave out the Accept header it would add.
    send POST /mcp "$(jsonrpc_request ping)" "Content-Type: application/json" "Accept:"
    expect_result

  check "a body of exactly 1 MiB is accepted"
    ping_of_size 1048576 >"$WORK_DIR/1MiB.json"
    post_mcp "@$WORK_DIR/1MiB.json" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 200
    expect_json '.result' '{}'

  check "a body of 1 MiB and 1 byte is refused with 413"
    ping_of_size 1048577 >"$WORK_DIR/1MiB+1.json"
    post_mcp "@$WORK_DIR/1MiB+1.json" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_error 413 -32600
}

# ping_of_size BYTES — a legacy ping padded (in params) to exactly BYTES bytes of JSON.
ping_of_size() {
  local prefix='{"jsonrpc":"2.0","id":1,"method":"ping","params":{"padding":"' suffix='"}}'
  printf '%s' "$prefix"
  head -c $(($1 - ${#prefix} - ${#suffix})) /dev/zero | tr '\0' x
  printf '%s' "$suffix"
}

