# test_steps/checks/step7.sh — what Step 7 promises: OAuth 2.0 protected resource metadata
# (RFC 9728) at /.well-known/oauth-protected-resource/mcp and at the root well-known path names the
# resource (its public URL's /mcp) and its authorization server (--issuer), readable from any web
# page; every 401 points to it with resource_metadata="…" and asks for scope="…"; a token must come
# from an issuer the server trusts, signed with that issuer's key; with --introspection-client-id
# (RFC 7662) a token revoked at the issuer is refused within seconds.
# Used by test_step7.sh and every later step's script (use_checks 7); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step7 BASE_URL — Step 7: RFC 9728 metadata tells a client which authorization server issues
# tokens for /mcp, and every 401 points to it. Needs --log-level debug (as checks_step6).
# Restarts the server with --public-url, then with --issuer, then in introspection mode beside a
# workshop issuer it starts (and stops), then with its own options again: BASE_URL changes, so
# tokens minted before are no longer for this server.
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

  checks_step7_introspection

  check "back with its own options, the server names $WORKSHOP_ISSUER and its own address again"
    restart_server_with
    send GET "$METADATA_PATH" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
}

# checks_step7_introspection — with --introspection-client-id (RFC 7662) a token revoked at the
# issuer is refused within seconds, and when the issuer cannot be asked no token is accepted (503);
# without it, the revoked token is accepted until it expires. Runs the workshop issuer with a clients
# file that allows the step to introspect and gives a robot client_credentials, and restarts the
# step trusting that issuer (its --public-url is the resource the issuer knows); stops the issuer.
checks_step7_introspection() {
  local resource_url="https://mcp.example.com" rs_secret robot_secret token fresh tries
  local clients="$WORK_DIR/introspection.clients.json" secret_file="$WORK_DIR/introspection.secret"
  rs_secret="$(openssl rand -hex 24)"
  robot_secret="$(openssl rand -hex 24)"
  printf '%s\n' "$rs_secret" >"$secret_file"
  jq -n --arg rs "$rs_secret" --arg robot "$robot_secret" '{clients: [
      {client_id: "workshop-mcp", client_secret: $rs, grant_types: [], introspection: true},
      {client_id: "robot", client_secret: $robot, grant_types: ["client_credentials"], scope: "mcp:read"}]}' >"$clients"
  start_issuer --clients-file "$clients" --resource "$resource_url/mcp" --keys-dir "$KEYS_DIR"
  local introspect=(--public-url "$resource_url" --issuer "$ISSUER_URL" --introspection-client-id workshop-mcp
    --introspection-secret-file "$secret_file" --introspection-cache 1)

  check "with --introspection-client-id the step starts, finds the issuer's introspection endpoint and its client is accepted"
    restart_server_with "${introspect[@]}"
    expect_log "Token introspection is on" "$ISSUER_URL/introspect" "workshop-mcp"
    token="$(step7_robot_token "$resource_url/mcp" "$robot_secret")" || exit 1
    with_token "$token" post_mcp_legacy ping
    expect_result

  check "with --introspection-client-id a token revoked at the issuer is refused within seconds: 401 invalid_token"
    step7_revoke "$token" "$robot_secret"
    tries=0
    while with_token "$token" post_mcp_legacy ping && [[ "$LAST_STATUS" == 200 ]] && ((tries < 40)); do
      sleep 0.1
      tries=$((tries + 1))
    done
    expect_token_refused "$token"
    expect_challenge_attribute error_description "The access token was revoked or is no longer active"
    expect_log "401: the issuer says the token is no longer active"
    expect_no_log "$token"

  check "without --introspection-client-id the same revoked token is accepted: nothing asks the issuer"
    restart_server_with --public-url "$resource_url" --issuer "$ISSUER_URL"
    with_token "$token" post_mcp_legacy ping
    expect_result

  check "with --introspection-client-id and the issuer stopped, a valid token is refused: 503 with Retry-After"
    fresh="$(step7_robot_token "$resource_url/mcp" "$robot_secret")" || exit 1
    restart_server_with "${introspect[@]}"
    with_token "$fresh" post_mcp_legacy ping
    expect_result
    stop_process "$ISSUER_PID"
    ISSUER_PID=""
    sleep 1.2   # the step holds the issuer's keys, and no answer of the issuer older than --introspection-cache
    with_token "$fresh" post_mcp_legacy ping
    expect_status 503
    expect_has_header Retry-After
    expect_log "503: could not ask the issuer whether the token is active"

  check "--introspection-client-id without a secret file or INTROSPECTION_CLIENT_SECRET: the step refuses to start and says how"
    INTROSPECTION_CLIENT_SECRET="" start_server_expecting_exit --introspection-client-id workshop-mcp
    expect_exit_failure
    expect_log "--introspection-secret-file"
}

# step7_robot_token RESOURCE SECRET — an access token for RESOURCE from the issuer at ISSUER_URL, by
# the client_credentials grant of the client "robot" (RFC 6749 §4.4).
step7_robot_token() {
  local BASE_URL="$ISSUER_URL"
  send POST /token "grant_type=client_credentials&resource=$(jq -rn --arg value "$1" '$value | @uri')" \
    "Content-Type: application/x-www-form-urlencoded" "$(step7_basic robot "$2")"
  if [[ "$LAST_STATUS" != 200 ]]; then die "the issuer gave no token by client_credentials: HTTP $LAST_STATUS $LAST_BODY"; fi
  jq -r .access_token <<<"$LAST_BODY"
}

# step7_revoke TOKEN SECRET — the robot revokes its TOKEN at the issuer (RFC 7009 §2.1).
step7_revoke() {
  local BASE_URL="$ISSUER_URL"
  send POST /revoke "token=$1&token_type_hint=access_token" "Content-Type: application/x-www-form-urlencoded" "$(step7_basic robot "$2")"
  if [[ "$LAST_STATUS" != 200 ]]; then die "the issuer did not revoke the token: HTTP $LAST_STATUS $LAST_BODY"; fi
}

step7_basic() { printf 'Authorization: Basic %s' "$(printf '%s:%s' "$1" "$2" | openssl base64 -A)"; }

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
