# test_steps/checks/step6.sh — what Step 6 promises: every /mcp request needs an Authorization:
# Bearer token, an RS256 JWT signed with a workshop key, for this server (aud), from the workshop
# issuer (iss), not expired, typed at+jwt; without one the answer is 401 with a Bearer challenge
# (RFC 6750 §3), with a bad one 401 error="invalid_token", and the log, never the client, says why.
# /health and /.well-known/jwks.json stay public. No token ever reaches the log.
# Used by test_step6.sh and every later step's script (use_checks 6); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step6 BASE_URL — bearer tokens at the server at BASE_URL, which must run with
# --log-level debug (the checks read why each token was refused). The crafted tokens are signed with
# the token desk's key in KEYS_DIR, which the server trusts.
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step6() {
  BASE_URL=$1
  if (($# > 1)); then die "checks_step6 takes BASE_URL only, not $2"; fi
  local AUTH_TOKEN=""   # each request below says which credentials it sends, if any
  local token port ping crafted bad_token other_key other_jwk other_kid other_audience other_issuer
  REFUSED_TOKENS=()
  token="$(mint_token)"
  port="${BASE_URL##*:}"
  port="${port%%/*}"
  ping="$(jsonrpc_request ping)"
  other_key="$WORK_DIR/other-key.pem"   # an RSA key the server has never seen
  openssl genrsa -out "$other_key" 2048 2>/dev/null || die "openssl genrsa failed"

  # --- Without a token: the public routes answer; /mcp challenges, without an error ---

  check "GET /health and GET /.well-known/jwks.json still answer without a token"
    send GET /health ""
    expect_status 200
    send GET /.well-known/jwks.json ""
    expect_status 200
    expect_json '.keys | length' 1

  check "legacy: initialize without a token is refused: 401, WWW-Authenticate: Bearer realm=\"mcp\", no error"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_challenge

  check "modern: server/discover without a token is refused: 401, Bearer realm=\"mcp\", no error"
    post_mcp_modern server/discover
    expect_challenge

  check "every other /mcp request without a token is refused before anything else: 401, no error"
    post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_challenge   # not 202
    post_mcp '{"jsonrpc":"2.0","id":1,"method":'
    expect_challenge   # not 400: the body is not read
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_challenge   # not 405
    send DELETE /mcp ""
    expect_challenge

  check "an Authorization header of another scheme (Basic) is no bearer token: 401, no error"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: Basic YWxpY2U6c2VjcmV0"
    expect_challenge

  check "a token in the query string (?access_token=…) is not read (401, no error), nor written to the log"
    bad_token="$(mint_token)"
    send POST "/mcp?access_token=$bad_token" "$ping" \
      "Content-Type: application/json" "Accept: application/json, text/event-stream" "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_challenge
    expect_log "request" "path=/mcp"
    expect_no_log "$bad_token"

  # --- With a valid token: both eras work, and the handshake knows who is calling ---

  check "legacy: with a token, initialize answers 200 and its instructions say 'signed in as alice'"
    with_token "$token" post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.instructions | contains("signed in as alice")' true
    with_token "$token" post_mcp '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
      "MCP-Protocol-Version: $LEGACY_VERSION"
    expect_status 202

  check "legacy: with a token, tools/call echo works"
    with_token "$token" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.structuredContent.echoed' "hi hi"

  check "modern: with a token, server/discover answers and its instructions say 'signed in as alice'"
    with_token "$token" post_mcp_modern server/discover
    expect_result
    expect_json '.result.instructions | contains("signed in as alice")' true

  check "modern: with a token, tools/call echo (Mcp-Name: echo) works"
    with_token "$token" post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "the scheme name is case-insensitive: 'bearer' and 'BEARER' work too"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: bearer $token"
    expect_result
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: BEARER $token"
    expect_result

  check "a token signed here with the server's key (a re-signed copy of a minted one) is accepted"
    # The bad tokens below are made the same way, each with one thing wrong.
    crafted="$(rs256_token)"
    with_token "$crafted" post_mcp_legacy ping
    expect_result

  check "an aud array that contains this server's URI is accepted"
    crafted="$(rs256_token '.aud = ["https://other.example/mcp", .aud]')"
    with_token "$crafted" post_mcp_legacy ping
    expect_result

  # --- Bad tokens: 401 error="invalid_token"; the log says why, the client is told no more ---

  check "a token that is not a JWT is refused: 401 invalid_token"
    bad_token="not-a-jwt"
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"

  check "a token that expired 2 minutes ago (beyond the 60 s leeway) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.exp = $now - 120')"
    expect_refused "$bad_token" "expired"

  check "a token without exp is refused: 401 invalid_token"
    bad_token="$(rs256_token 'del(.exp)')"
    expect_refused "$bad_token" "exp missing"

  check "a token not valid for another 10 minutes (nbf) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.nbf = $now + 600')"
    expect_refused "$bad_token" "not valid before"

  check "a token whose claims were changed after signing (sub: mallory) is refused: 401 invalid_token"
    bad_token="$(rs256_token)"
    bad_token="${bad_token%%.*}.$(jwt_part "$bad_token" 2 | jq -c '.sub = "mallory"' | b64url).${bad_token##*.}"
    expect_refused "$bad_token" "signature does not verify"

  check "a token signed by another key (with the server's kid) is refused: 401 invalid_token"
    bad_token="$(rs256_token . . "$other_key")"
    expect_refused "$bad_token" "signature does not verify"

  check "an unsigned token (alg none) is refused: 401 invalid_token"
    bad_token="$(signing_input . '.alg = "none"')."
    expect_refused "$bad_token" '"none"'

  check "an HS256 token whose secret is the public key (algorithm confusion) is refused: 401 invalid_token"
    bad_token="$(signing_input . '.alg = "HS256"')"
    bad_token="$bad_token.$(printf '%s' "$bad_token" \
      | openssl dgst -sha256 -hmac "$(cat "$KEYS_DIR/public.pem")" -binary | b64url)"
    expect_refused "$bad_token" '"HS256"'

  check "a token typed JWT instead of at+jwt (not an access token) is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.typ = "JWT"')"
    expect_refused "$bad_token" '"JWT"'

  check "a token with an unknown kid is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.kid = "no-such-key"')"
    expect_refused "$bad_token" '"no-such-key"'

  check "a token that carries its own key (jwk header) and is signed with it is refused: 401 invalid_token"
    # The server trusts its own key set only, never a key the token brings along (RFC 8725 §3.10).
    other_jwk="$(jq -nc --arg n "$(rsa_modulus "$other_key")" --arg e "$(rsa_exponent "$other_key")" \
      '{kty: "RSA", n: $n, e: $e}')"
    other_kid="$(jwk_thumbprint <<<"$other_jwk")"
    bad_token="$(rs256_token . ".jwk = $other_jwk | .kid = \"$other_kid\"" "$other_key")"
    expect_refused "$bad_token" "\"$other_kid\""

  check "a token with a critical header extension the server does not know (crit) is refused: 401 invalid_token"
    bad_token="$(rs256_token . '.crit = ["urn:example:must-understand"] | .["urn:example:must-understand"] = true')"
    expect_refused "$bad_token" "crit"

  check "a token issued 10 minutes in the future (iat) is refused: 401 invalid_token"
    bad_token="$(rs256_token '.iat = $now + 600 | .nbf = $now')"
    expect_refused "$bad_token" "future"

  check "a token whose exp is not a number (\"exp\": \"tomorrow\") is refused: 401 invalid_token"
    bad_token="$(rs256_token '.exp = "tomorrow"')"
    expect_refused "$bad_token" "not a number"

  check "a token without sub (nobody to act for) is refused: 401 invalid_token"
    bad_token="$(rs256_token 'del(.sub)')"
    expect_refused "$bad_token" "sub"

  check "a token for another server (aud: the MCP endpoint on port $((port + 1))) is refused: 401 invalid_token"
    other_audience="${BASE_URL%:*}:$((port + 1))/mcp"
    bad_token="$(mint_token --audience "$other_audience")"
    expect_refused "$bad_token" "$other_audience"

  check "a token from another issuer (iss with a trailing slash: compared exactly) is refused: 401 invalid_token"
    other_issuer="$(jwt_part "$token" 2 | jq -r '.iss')/"
    bad_token="$(mint_token --issuer "$other_issuer")"
    expect_refused "$bad_token" "$other_issuer"

  check "two Authorization headers are refused: 401 invalid_token"
    post_mcp "$ping" "MCP-Protocol-Version: $LEGACY_VERSION" "Authorization: Bearer $token" "Authorization: Bearer $token"
    expect_token_refused "$token"
    expect_log "401" "more than one Authorization header"

  check "the server's log never contains a token it was sent in Authorization"
    for bad_token in "$token" "${REFUSED_TOKENS[@]}"; do
      expect_no_log "$bad_token"
    done

  check "after all of that the server still serves a valid token"
    with_token "$token" post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"still here"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' "still here"
}

# expect_refused TOKEN WHY — a ping that sends TOKEN is refused (expect_token_refused), and the
# server's log says WHY (a fixed string) on a line that says 401. TOKEN joins REFUSED_TOKENS.
REFUSED_TOKENS=()
expect_refused() {
  REFUSED_TOKENS+=("$1")
  with_token "$1" post_mcp_legacy ping
  expect_token_refused "$1"
  expect_log "401" "$2"
}
