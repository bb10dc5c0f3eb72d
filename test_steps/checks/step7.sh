# test_steps/checks/step7.sh — what Step 7 promises: OAuth 2.0 protected resource metadata
# (RFC 9728) at /.well-known/oauth-protected-resource/mcp and at the root well-known path names the
# resource (its public URL's /mcp) and its authorization server (--issuer), readable from any web
# page; every 401 points to it with resource_metadata="…" and asks for scope="…"; a token must come
# from an issuer the server trusts, signed with that issuer's key.
# Used by test_step7.sh and every later step's script (use_checks 7); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step7 BASE_URL — Step 7: RFC 9728 metadata tells a client which authorization server issues
# tokens for /mcp, and every 401 points to it. Needs --log-level debug (as checks_step6).
# Restarts the server with --public-url, then with --issuer, then with its own options again:
# BASE_URL changes, so tokens minted before are no longer for this server.
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step7() {
  BASE_URL=$1
  if (($# > 1)); then die "checks_step7 takes BASE_URL only, not $2"; fi
  local AUTH_TOKEN=""   # each request below says which credentials it sends, if any
  local path url token bad_token metadata public_url="https://mcp.example.com" other_issuer="https://login.example.com"

  for path in "$METADATA_PATH" "$ROOT_METADATA_PATH"; do
    check "GET $path answers 200 JSON without a token: resource $BASE_URL/mcp, issuer, scopes, header"
      send GET "$path" ""
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"

    check "GET $path may be read from any web page (Access-Control-Allow-Origin: *) and cached"
      send GET "$path" "" "Origin: https://app.example"
      expect_status 200
      expect_header Access-Control-Allow-Origin '*'
      expect_has_header Cache-Control

    check "GET $path is served to requests with MCP headers, and with a bad token, too"
      send GET "$path" "" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
      send GET "$path" "" "Authorization: Bearer not-a-jwt"
      expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
  done

  check "a token for the resource and from the authorization server that the metadata names is accepted"
    send GET "$METADATA_PATH" ""
    metadata=$LAST_BODY
    token="$(token_desk --audience "$(jq -r '.resource' <<<"$metadata")" \
      --issuer "$(jq -r '.authorization_servers[0]' <<<"$metadata")")"
    with_token "$token" post_mcp_legacy ping
    expect_result

  # --- Every 401 says where the metadata is and which scopes to ask for ---

  check "legacy: initialize without a token: 401, exactly $(step7_challenge "$BASE_URL")"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "modern: server/discover without a token: 401, the same challenge"
    post_mcp_modern server/discover
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "GET /mcp without a token: 401, the same challenge (not 405)"
    send GET /mcp "" "Accept: application/json, text/event-stream"
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"

  check "a bad token (not a JWT; expired) gets the same challenge plus error=\"invalid_token\""
    for bad_token in not-a-jwt "$(rs256_token '.exp = $now - 120')"; do
      with_token "$bad_token" post_mcp_legacy ping
      expect_token_refused "$bad_token"
      expect_challenge_attribute realm mcp
      expect_challenge_attribute resource_metadata "$BASE_URL$METADATA_PATH"
      expect_challenge_attribute scope "$BASELINE_SCOPE"
      expect_challenge_attribute error invalid_token
    done

  check "the resource_metadata URL of the challenge serves the metadata"
    post_mcp_legacy ping
    expect_status 401
    url="$(challenge_attribute resource_metadata)" || fail "a resource_metadata attribute" "none"
    if [[ "$url" != "$BASE_URL/"* ]]; then fail "a URL on this server ($BASE_URL/…)" "$url"; fi
    send GET "${url#"$BASE_URL"}" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"

  # --- The public URL names the resource; the issuer names the authorization server ---

  check "with --public-url $public_url the server starts and prints its metadata URL under it"
    restart_server_with --public-url "$public_url"
    expect_log "Resource metadata: $public_url$METADATA_PATH"

  check "with --public-url the resource is $public_url/mcp, at both metadata paths"
    for path in "$METADATA_PATH" "$ROOT_METADATA_PATH"; do
      send GET "$path" ""
      expect_metadata "$public_url/mcp" "$WORKSHOP_ISSUER"
    done

  check "with --public-url the 401 challenge points to $public_url$METADATA_PATH"
    post_mcp_legacy ping
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$public_url")"

  check "with --public-url a token for $public_url/mcp is accepted, one for the address it listens on is refused"
    token="$(mint_token --audience "$public_url/mcp")"
    with_token "$token" post_mcp_legacy ping
    expect_result
    bad_token="$(mint_token)"   # for $BASE_URL/mcp
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"
    expect_log "401" "does not contain $public_url/mcp"

  check "with --issuer $other_issuer the metadata names it as the authorization server"
    restart_server_with --issuer "$other_issuer"
    send GET "$METADATA_PATH" ""
    expect_metadata "$BASE_URL/mcp" "$other_issuer"

  check "with --issuer $other_issuer (unreachable here) the workshop key does not vouch for it: 401"
    token="$(mint_token --issuer "$other_issuer")"   # signed with the key in keys/, pinned to $WORKSHOP_ISSUER
    with_token "$token" post_mcp_legacy ping
    expect_token_refused "$token"
    expect_log "401" "is not a key of $other_issuer"
    expect_log "Could not fetch the issuer's signing keys"

  check "with --issuer $other_issuer only, a token from $WORKSHOP_ISSUER is refused"
    bad_token="$(mint_token)"
    with_token "$bad_token" post_mcp_legacy ping
    expect_token_refused "$bad_token"
    expect_log "401" "is not a trusted issuer"

  check "back with its own options, the server names $WORKSHOP_ISSUER and its own address again"
    restart_server_with
    send GET "$METADATA_PATH" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
}

# expect_metadata RESOURCE ISSUER — the last response is protected resource metadata (RFC 9728 §2)
# for RESOURCE that names ISSUER as its one authorization server, and says no more than is true.
expect_metadata() {
  expect_status 200
  expect_content_type application/json
  expect_json '.resource' "$1"
  expect_json '.authorization_servers' "$(jq -nc --arg issuer "$2" '[$issuer]')"
  expect_json '.scopes_supported' "$MCP_SCOPES"
  expect_json '.bearer_methods_supported' '["header"]'
  expect_json 'has("jwks_uri")' false   # the server signs nothing; the issuer's keys are the issuer's
}

# step7_challenge PUBLIC_URL — the exact 401 challenge, from Step 7 on, of a request without a token
# to a server whose public base URL is PUBLIC_URL.
step7_challenge() {
  printf 'Bearer realm="mcp", resource_metadata="%s%s", scope="%s"' "$1" "$METADATA_PATH" "$BASELINE_SCOPE"
}
