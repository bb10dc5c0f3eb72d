#!/usr/bin/env bash
# The workshop issuer — `generate_token serve`, an OAuth 2.1 authorization server: RFC 8414 metadata,
# Client ID Metadata Documents (a plain-http client_id refused; the flows live in the Swift and Python
# tests), RFC 7591 registration, the authorization code flow with PKCE S256 through the sign-in page as a
# browser posts it (RFC 6749, 7636, 9207), tokens for an RFC 8707 resource, refresh-token rotation
# with reuse detection, RFC 7662 introspection and RFC 7009 revocation; the rules that keep it safe:
# grants within the client's ceiling and the user's role, mcp:admin only for a configured client
# (--clients-file), no cross-site sign-in, introspection only for an allowed resource server, and
# limits per client (429 with Retry-After); RFC 8693 token exchange for the one server the operator
# allows, and its refusals (another audience, expired, revoked, another client, wider scope, a refresh
# token); then Step 9, trusting this issuer, accepts its
# client_credentials token for Step 9's own resource and refuses one for another resource.
# Usage: test_steps/test_issuer.sh   (builds .build/debug/generate_token and Step9 if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"

make_work_dir issuer
KEYS_DIR="$WORK_DIR/keys"   # not the repository's keys/: the token desk makes this run's pair (start_issuer)
STEP_PORT="$(free_port)"    # where Step 9 listens later: the issuer must know its resource from the start
RESOURCE="http://127.0.0.1:$STEP_PORT/mcp"
OTHER_RESOURCE="http://127.0.0.1:$STEP_PORT/elsewhere"
FORM="Content-Type: application/x-www-form-urlencoded"

# at_issuer — the request helpers and log checks speak to the issuer (lib.sh's start_issuer).
at_issuer() { STEP="issuer"; ISSUER="$ISSUER_URL"; BASE_URL="$ISSUER"; SERVER_LOG="$ISSUER_LOG"; }

# form NAME VALUE... — an application/x-www-form-urlencoded body, every value percent-encoded.
form() {
  local body=""
  while (($# >= 2)); do
    body+="${body:+&}$1=$(jq -rn --arg value "$2" '$value | @uri')"
    shift 2
  done
  printf '%s' "$body"
}

uri_encode() { jq -rn --arg value "$1" '$value | @uri'; }

# basic ID SECRET — the Authorization header of client_secret_basic (RFC 6749 §2.3.1).
basic() { printf 'Authorization: Basic %s' "$(printf '%s:%s' "$(uri_encode "$1")" "$(uri_encode "$2")" | openssl base64 -A)"; }

# redirect_param NAME — a parameter of the last response's Location query, as sent (percent-encoded).
redirect_param() {
  header_value Location | jq -rR --arg name "$1" \
    '(split("?")[1] // "") | split("&") | map(split("=")) | map(select(.[0] == $name)) | (.[0][1] // "")'
}

# register JSON — POST /register; sets the last response.
register() { send POST /register "$1" "Content-Type: application/json"; }

# pkce — sets VERIFIER (43 base64url characters) and CHALLENGE, its S256 hash (RFC 7636 §4.1-4.2).
pkce() {
  VERIFIER="$(openssl rand 32 | b64url)"
  CHALLENGE="$(printf '%s' "$VERIFIER" | openssl dgst -sha256 -binary | b64url)"
}

# authorize CLIENT_ID USERNAME [NAME VALUE...] — the sign-in as a browser does it, with PKCE for VERIFIER:
# GET /authorize shows the page; its form goes back with the page's token (csrf_token), from the
# issuer's own origin, approving as USERNAME. Sets CODE from the redirect. When the GET does not show
# the page (an error page or a redirect), that answer is the last response and CODE is empty.
authorize() {
  local client=$1 user=$2 request
  shift 2
  request="$(form response_type code client_id "$client" code_challenge "$CHALLENGE" code_challenge_method S256 "$@")"
  send GET "/authorize?$request" ""
  CODE=""
  [[ "$LAST_STATUS" == 200 ]] || return 0
  send POST /authorize "$request&$(form csrf_token "$(form_token)" username "$user" consent approve)" "$FORM" "Origin: $ISSUER"
  CODE="$(redirect_param code)"
}

# form_token — the token in the last response's sign-in page (its forms' hidden csrf_token).
form_token() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$LAST_BODY" | head -n 1; }

# expect_oauth_error STATUS ERROR — a JSON OAuth error response (RFC 6749 §5.2).
expect_oauth_error() {
  expect_status "$1"
  expect_content_type application/json
  expect_json '.error' "$2"
}

# expect_rs256_signature TOKEN — the token's signature verifies with the public key in KEYS_DIR.
expect_rs256_signature() {
  printf '%s' "$1" | cut -d. -f3 | b64url_decode >"$WORK_DIR/signature.bin"
  if ! printf '%s' "$1" | cut -d. -f1-2 | tr -d '\n' \
    | openssl dgst -sha256 -verify "$KEYS_DIR/public.pem" -signature "$WORK_DIR/signature.bin" >/dev/null 2>&1; then
    fail "an RS256 signature that verifies with $KEYS_DIR/public.pem" "it does not verify"
  fi
  expectation_passed
}

# The operator's clients (--clients-file): a public admin console, the only client that may hold
# mcp:admin, a resource server that may introspect tokens, and an MCP server that may exchange its
# users' tokens for a calendar API (RFC 8693), with secrets made for this run.
ADMIN_CONSOLE=admin-console
RS_ID=notes-resource-server; RS_SECRET="$(openssl rand -base64 32)"
EXCHANGER_ID=mcp-server; EXCHANGER_SECRET="$(openssl rand -base64 32)"
CALENDAR="http://127.0.0.1:$STEP_PORT/calendar"
EXCHANGE=urn:ietf:params:oauth:grant-type:token-exchange
ACCESS_TOKEN_TYPE=urn:ietf:params:oauth:token-type:access_token
cat >"$WORK_DIR/clients.json" <<EOF
{"clients": [
  {"client_id": "$ADMIN_CONSOLE", "client_name": "Admin console", "token_endpoint_auth_method": "none",
   "redirect_uris": ["http://127.0.0.1/callback"], "grant_types": ["authorization_code", "refresh_token"],
   "scope": "mcp:read mcp:tools mcp:prompts mcp:admin"},
  {"client_id": "$RS_ID", "client_secret": "$RS_SECRET", "grant_types": [], "introspection": true},
  {"client_id": "$EXCHANGER_ID", "client_secret": "$EXCHANGER_SECRET", "grant_types": ["$EXCHANGE"],
   "token_exchange": {"subject_audience": "$RESOURCE", "targets": {"$CALENDAR": {"calendar:read": "mcp:read"}}}}
]}
EOF

start_issuer --resource "$RESOURCE" --resource "$OTHER_RESOURCE" --keys-dir "$KEYS_DIR" --log-level debug \
  --clients-file "$WORK_DIR/clients.json" --cimd-trusted-host localhost
at_issuer

# --- Start-up and discovery ---

check "the start-up banner names the issuer, its metadata URL, the resources and the demo users"
  expect_log "Workshop issuer listening on $ISSUER"
  expect_log "Issuer: $ISSUER"
  expect_log "Metadata: $ISSUER/.well-known/oauth-authorization-server"
  expect_log "Resources: $RESOURCE, $OTHER_RESOURCE"
  expect_log "Demo users (no passwords): alice (user), bob (user), ada (admin), gus (guest)"
  expect_log "Configured clients: $ADMIN_CONSOLE, $RS_ID, $EXCHANGER_ID"
  expect_log "CIMD hosts trusted on private or loopback addresses (--cimd-trusted-host): localhost"
  expect_log "in memory"

check "RFC 8414 metadata: the issuer, its endpoints, PKCE S256, RFC 9207 iss, client ID metadata documents, private_key_jwt"
  send GET /.well-known/oauth-authorization-server ""
  expect_status 200
  expect_content_type application/json
  expect_json '.issuer' "$ISSUER"
  for pair in authorization_endpoint:/authorize token_endpoint:/token registration_endpoint:/register \
    jwks_uri:/jwks.json introspection_endpoint:/introspect revocation_endpoint:/revoke; do
    expect_json ".${pair%%:*}" "$ISSUER${pair#*:}"
  done
  expect_json '.scopes_supported' '["mcp:read","mcp:tools","mcp:prompts","mcp:admin","calendar:read"]'
  expect_json '.response_types_supported' '["code"]'
  expect_json '.grant_types_supported' '["authorization_code","refresh_token","client_credentials","urn:ietf:params:oauth:grant-type:token-exchange"]'
  expect_json '.code_challenge_methods_supported' '["S256"]'
  expect_json '.token_endpoint_auth_methods_supported' '["none","client_secret_basic","client_secret_post","private_key_jwt"]'
  expect_json '.token_endpoint_auth_signing_alg_values_supported' '["RS256","ES256"]'
  expect_json '.authorization_response_iss_parameter_supported' true
  expect_json '.client_id_metadata_document_supported' true
  metadata="$LAST_BODY"

check "the same document is served at /.well-known/openid-configuration"
  send GET /.well-known/openid-configuration ""
  expect_status 200
  expect_json '.' "$metadata"

check "the JWK Set at jwks_uri is the workshop key in --keys-dir: kid is its RFC 7638 thumbprint"
  send GET /jwks.json ""
  expect_status 200
  expect_json '.keys | length' 1
  expect_json '.keys[0].n' "$(rsa_modulus "$KEYS_DIR/private.pem")"
  expect_json '.keys[0].kid' "$(jq '.keys[0]' <<<"$LAST_BODY" | jwk_thumbprint)"
  expect_json '.keys[0] | has("d")' false

# --- Dynamic client registration (RFC 7591) ---

check "registration of a public client: 201, a client_id, no secret, the metadata it registered"
  register '{"client_name":"Script <app>","redirect_uris":["http://127.0.0.1/callback"],
             "token_endpoint_auth_method":"none","grant_types":["authorization_code","refresh_token"]}'
  expect_status 201
  expect_header Cache-Control no-store
  expect_json 'has("client_secret")' false
  expect_json '.token_endpoint_auth_method' none
  expect_json '.redirect_uris' '["http://127.0.0.1/callback"]'
  expect_json '.response_types' '["code"]'
  PUBLIC_ID="$(jq -r .client_id <<<"$LAST_BODY")"

check "registration of confidential clients: a secret that never expires (client_secret_expires_at 0)"
  register '{"client_name":"Robot","grant_types":["client_credentials"]}'
  expect_status 201
  expect_json '.token_endpoint_auth_method' client_secret_basic
  expect_json '.client_secret | length >= 43' true
  expect_json '.client_secret_expires_at' 0
  ROBOT_ID="$(jq -r .client_id <<<"$LAST_BODY")"; ROBOT_SECRET="$(jq -r .client_secret <<<"$LAST_BODY")"
  register '{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"client_secret_post",
             "grant_types":["authorization_code","refresh_token"]}'
  expect_status 201
  WEB_ID="$(jq -r .client_id <<<"$LAST_BODY")"; WEB_SECRET="$(jq -r .client_secret <<<"$LAST_BODY")"

check "a self-registered client never holds mcp:admin: registering for it is refused, asking for it is invalid_scope"
  register '{"grant_types":["client_credentials"],"scope":"mcp:read mcp:admin"}'
  expect_oauth_error 400 invalid_client_metadata
  send POST /token "$(form grant_type client_credentials scope mcp:admin)" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_oauth_error 400 invalid_scope

check "registration refuses an http redirect URI off loopback (invalid_redirect_uri) and unknown methods"
  register '{"redirect_uris":["http://app.example/cb"]}'
  expect_oauth_error 400 invalid_redirect_uri
  register '{"redirect_uris":["https://app.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}'
  expect_oauth_error 400 invalid_client_metadata

check "a client_id that is a plain-http URL is refused before any fetch: invalid_client to the person, never a redirect"
  pkce
  send GET "/authorize?$(form response_type code client_id "http://127.0.0.1:$ISSUER_PORT/client.json" \
    redirect_uri http://127.0.0.1/callback code_challenge "$CHALLENGE" code_challenge_method S256)" ""
  expect_oauth_error 400 invalid_client
  expect_json '.error_description' "The client_id URL must use https, not http."
  expect_no_header Location
  expect_log "The client_id URL must use https, not http."

# --- The authorization code flow with PKCE ---

check "GET /authorize shows a sign-in page: the client's name escaped, the scopes, the demo users"
  pkce
  send GET "/authorize?$(form response_type code client_id "$PUBLIC_ID" code_challenge "$CHALLENGE" code_challenge_method S256 state abc)" \
    "" "Accept: text/html"
  expect_status 200
  expect_content_type text/html
  for text in "Script &lt;app&gt;</strong> (the name it gave itself, not verified)" "Client id <code>$PUBLIC_ID</code>" \
    'name="csrf_token"' 'name="withhold" value="mcp:tools"' "approve: mcp:read mcp:tools mcp:prompts<" \
    "Sign in as gus (guest) and approve: mcp:read<" 'value="deny"' "without passwords"; do
    if [[ "$LAST_BODY" != *"$text"* ]]; then fail "a page with: $text" "$(shorten "$LAST_BODY")"; fi
  done
  expectation_passed

check "POST /authorize as bob redirects to the loopback redirect URI on any port with code, state and iss (RFC 9207)"
  authorize "$PUBLIC_ID" bob redirect_uri http://127.0.0.1:43210/callback state "s 1" resource "$RESOURCE"
  expect_status 302
  if [[ "$(header_value Location)" != "http://127.0.0.1:43210/callback?code="* ]]; then
    fail "Location: http://127.0.0.1:43210/callback?code=…" "Location: $(header_value Location)"
  fi
  expectation_passed
  [[ "$(redirect_param state)" == "s%201" && "$(redirect_param iss)" == "$(uri_encode "$ISSUER")" ]] \
    || fail "state=s%201 and iss=$(uri_encode "$ISSUER")" "Location: $(header_value Location)"
  expectation_passed

check "the code and its verifier buy bob an RS256 at+jwt token for the resource, and a refresh token"
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" \
    code_verifier "$VERIFIER" redirect_uri http://127.0.0.1:43210/callback)" "$FORM"
  expect_status 200
  expect_header Cache-Control no-store
  expect_json '.token_type' Bearer
  expect_json '.expires_in' 300
  expect_json '.scope' "mcp:read mcp:tools mcp:prompts"
  expect_json '.refresh_token | length >= 43' true
  BOB_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"; BOB_REFRESH="$(jq -r .refresh_token <<<"$LAST_BODY")"
  LAST_BODY="$(jwt_part "$BOB_TOKEN" 1)"
  expect_json '.typ' at+jwt
  expect_json '.alg' RS256
  LAST_BODY="$(jwt_part "$BOB_TOKEN" 2)"
  expect_json '[.iss, .sub, .aud, .client_id, .preferred_username]' "[\"$ISSUER\",\"bob\",\"$RESOURCE\",\"$PUBLIC_ID\",\"bob\"]"
  expect_json '.roles' '["user"]'
  expect_json '.exp - .iat' 300
  expect_rs256_signature "$BOB_TOKEN"

check "the same code again is invalid_grant, and the refresh token it gave is revoked with it"
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" \
    code_verifier "$VERIFIER" redirect_uri http://127.0.0.1:43210/callback)" "$FORM"
  expect_oauth_error 400 invalid_grant
  send POST /token "$(form grant_type refresh_token refresh_token "$BOB_REFRESH" client_id "$PUBLIC_ID")" "$FORM"
  expect_oauth_error 400 invalid_grant

check "PKCE: plain is refused at the redirect URI (invalid_request), a wrong verifier at the token endpoint (invalid_grant)"
  send GET "/authorize?$(form response_type code client_id "$PUBLIC_ID" code_challenge "$VERIFIER" code_challenge_method plain)" ""
  expect_status 302
  [[ "$(redirect_param error)" == invalid_request && -z "$(redirect_param code)" ]] \
    || fail "error=invalid_request and no code" "Location: $(header_value Location)"
  expectation_passed
  pkce
  authorize "$PUBLIC_ID" alice
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" \
    code_verifier "$(openssl rand 32 | b64url)")" "$FORM"
  expect_oauth_error 400 invalid_grant

check "the sign-in form is refused with 403 when another site posts it, or when it lacks its page's token; no code"
  pkce
  request="$(form response_type code client_id "$PUBLIC_ID" code_challenge "$CHALLENGE" code_challenge_method S256)"
  send GET "/authorize?$request" ""
  token="$(form_token)"
  send POST /authorize "$request&$(form csrf_token "$token" username ada consent approve)" "$FORM" "Origin: https://attacker.example"
  expect_status 403
  expect_no_header Location
  send POST /authorize "$request&$(form csrf_token "$token" username ada consent approve)" "$FORM" "Sec-Fetch-Site: cross-site"
  expect_status 403
  send POST /authorize "$request&$(form username ada consent approve)" "$FORM"
  expect_status 403
  expect_no_header Location

check "CORS: pages on this machine may call /register and /token, other sites may not; /introspect answers no page"
  send OPTIONS /register "" "Origin: https://attacker.example" "Access-Control-Request-Method: POST"
  expect_status 403
  expect_no_header Access-Control-Allow-Origin
  send OPTIONS /token "" "Origin: http://localhost:6274" "Access-Control-Request-Method: POST"
  expect_status 204
  expect_header Access-Control-Allow-Origin http://localhost:6274
  send POST /introspect "$(form token x)" "$FORM" "Origin: http://localhost:6274"
  expect_status 403

check "an unregistered redirect URI is a 400 to the person, never a redirect; an unknown resource is invalid_target"
  authorize "$PUBLIC_ID" alice redirect_uri https://evil.example/callback
  expect_status 400
  expect_no_header Location
  authorize "$PUBLIC_ID" alice resource https://evil.example/mcp
  expect_status 302
  [[ "$(redirect_param error)" == invalid_target ]] || fail "error=invalid_target" "Location: $(header_value Location)"
  expectation_passed

check "a sign-in grants what the user's role allows: bob asking for mcp:admin, even through the admin console, gets none"
  pkce
  authorize "$ADMIN_CONSOLE" bob scope "mcp:read mcp:tools mcp:admin"
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$ADMIN_CONSOLE" code_verifier "$VERIFIER")" "$FORM"
  expect_status 200
  expect_json '.scope' "mcp:read mcp:tools"
  pkce
  authorize "$PUBLIC_ID" gus
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" code_verifier "$VERIFIER")" "$FORM"
  expect_json '.scope' "mcp:read"

# --- Refresh, introspection, revocation ---

check "a refresh rotates the refresh token; the old one again is invalid_grant and revokes the new one too"
  pkce
  authorize "$PUBLIC_ID" alice
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" code_verifier "$VERIFIER")" "$FORM"
  expect_status 200
  first_refresh="$(jq -r .refresh_token <<<"$LAST_BODY")"
  send POST /token "$(form grant_type refresh_token refresh_token "$first_refresh" client_id "$PUBLIC_ID" scope mcp:read)" "$FORM"
  expect_status 200
  expect_json '.scope' mcp:read
  second_refresh="$(jq -r .refresh_token <<<"$LAST_BODY")"
  [[ "$second_refresh" != "$first_refresh" ]] || fail "a new refresh token" "the same one"
  expectation_passed
  send POST /token "$(form grant_type refresh_token refresh_token "$first_refresh" client_id "$PUBLIC_ID")" "$FORM"
  expect_oauth_error 400 invalid_grant
  send POST /token "$(form grant_type refresh_token refresh_token "$second_refresh" client_id "$PUBLIC_ID")" "$FORM"
  expect_oauth_error 400 invalid_grant

check "introspection (the resource server the operator allows, Basic): an access token is active with its scope, client, user"
  pkce
  authorize "$ADMIN_CONSOLE" ada scope "mcp:read mcp:admin"
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$ADMIN_CONSOLE" code_verifier "$VERIFIER")" "$FORM"
  ADA_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"; ADA_REFRESH="$(jq -r .refresh_token <<<"$LAST_BODY")"
  send POST /introspect "$(form token "$ADA_TOKEN")" "$FORM" "$(basic "$RS_ID" "$RS_SECRET")"
  expect_status 200
  expect_json '[.active, .token_type, .scope, .username, .sub]' '[true,"Bearer","mcp:read mcp:admin","ada","ada"]'
  expect_json '[.client_id, .aud, .iss]' "[\"$ADMIN_CONSOLE\",\"$RESOURCE\",\"$ISSUER\"]"
  send POST /introspect "$(form token "$ADA_REFRESH")" "$FORM" "$(basic "$RS_ID" "$RS_SECRET")"
  expect_json '.' '{"active":false}'   # a refresh token is the admin console's business, not the resource server's
  send POST /introspect "$(form token not-a-token)" "$FORM" "$(basic "$RS_ID" "$RS_SECRET")"
  expect_json '.' '{"active":false}'

check "introspection is for allowed resource servers: a self-registered client gets 403, a public one, a wrong secret or none 401"
  send POST /introspect "$(form token "$ADA_TOKEN")" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_oauth_error 403 unauthorized_client
  send POST /introspect "$(form token "$ADA_TOKEN" client_id "$PUBLIC_ID")" "$FORM"
  expect_oauth_error 401 invalid_client
  send POST /introspect "$(form token "$ADA_TOKEN")" "$FORM" "$(basic "$ROBOT_ID" wrong-secret)"
  expect_oauth_error 401 invalid_client
  send POST /introspect "$(form token "$ADA_TOKEN")" "$FORM"
  expect_oauth_error 401 invalid_client
  if [[ "$(header_value WWW-Authenticate)" != Basic* ]]; then fail "WWW-Authenticate: Basic …" "$(header_value WWW-Authenticate)"; fi
  expectation_passed

check "revocation: another client may not revoke ada's token; her client revokes it and introspection says inactive"
  send POST /revoke "$(form token "$ADA_TOKEN" client_id "$WEB_ID" client_secret "$WEB_SECRET")" "$FORM"
  expect_oauth_error 400 unauthorized_client
  send POST /revoke "$(form token "$ADA_TOKEN" client_id "$ADMIN_CONSOLE" token_type_hint access_token)" "$FORM"
  expect_status 200
  send POST /introspect "$(form token "$ADA_TOKEN")" "$FORM" "$(basic "$RS_ID" "$RS_SECRET")"
  expect_json '.active' false
  send POST /revoke "$(form token "$ADA_REFRESH" client_id "$ADMIN_CONSOLE")" "$FORM"
  expect_status 200
  send POST /token "$(form grant_type refresh_token refresh_token "$ADA_REFRESH" client_id "$ADMIN_CONSOLE")" "$FORM"
  expect_oauth_error 400 invalid_grant
  send POST /revoke "$(form token never-issued client_id "$PUBLIC_ID")" "$FORM"
  expect_status 200

# --- One client's load is its own ---

check "a client that holds 25 grants, its limit, gets 429 with Retry-After; another client still signs in"
  register '{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none",
             "grant_types":["authorization_code","refresh_token"]}'
  GREEDY_ID="$(jq -r .client_id <<<"$LAST_BODY")"
  for _ in $(seq 25); do
    pkce
    authorize "$GREEDY_ID" alice
    send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$GREEDY_ID" code_verifier "$VERIFIER")" "$FORM"
    expect_status 200
  done
  pkce
  authorize "$GREEDY_ID" alice
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$GREEDY_ID" code_verifier "$VERIFIER")" "$FORM"
  expect_oauth_error 429 temporarily_unavailable
  [[ "$(header_value Retry-After)" =~ ^[1-9][0-9]*$ ]] || fail "Retry-After: <seconds>" "Retry-After: $(header_value Retry-After)"
  expectation_passed
  pkce
  authorize "$PUBLIC_ID" bob
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" code_verifier "$VERIFIER")" "$FORM"
  expect_status 200

# --- Hostile input ---

check "bad input gets standard errors, never a 500: repeated, non-UTF-8, bad Basic, wrong type, too large"
  send POST /token "grant_type=client_credentials&grant_type=client_credentials" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_oauth_error 400 invalid_request
  send POST /token "grant_type=%FF%FE" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_oauth_error 400 invalid_request
  send POST /token "grant_type=client_credentials" "$FORM" "Authorization: Basic %%%not-base64"
  expect_oauth_error 401 invalid_client
  send POST /token '{"grant_type":"client_credentials"}' "Content-Type: application/json"
  expect_oauth_error 400 invalid_request
  head -c 40000 /dev/zero | tr '\0' 'x' >"$WORK_DIR/huge"
  send POST /token "@$WORK_DIR/huge" "$FORM"
  expect_status 413
  send POST /register "@$WORK_DIR/huge" "Content-Type: application/json"
  expect_status 413
  send GET "/authorize?client_id=%FF&redirect_uri=%%" ""
  expect_status 400

# --- client_credentials, end to end with Step 9 ---

check "client_credentials: the robot gets a token for Step 9's resource; sub is its client_id, no roles, no refresh token"
  send POST /token "$(form grant_type client_credentials resource "$RESOURCE")" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_status 200
  expect_json 'has("refresh_token")' false
  ROBOT_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"
  send POST /token "$(form grant_type client_credentials resource "$OTHER_RESOURCE")" "$FORM" "$(basic "$ROBOT_ID" "$ROBOT_SECRET")"
  expect_status 200
  OTHER_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"
  LAST_BODY="$(jwt_part "$ROBOT_TOKEN" 2)"
  expect_json '[.sub, .client_id, .aud, .iss]' "[\"$ROBOT_ID\",\"$ROBOT_ID\",\"$RESOURCE\",\"$ISSUER\"]"
  expect_json 'has("roles") or has("preferred_username")' false

# --- Token exchange (RFC 8693), for the MCP server the operator allows ---

# sign_in USER [NAME VALUE...] — USER's tokens for the public client (for RESOURCE unless told):
# sets USER_TOKEN and USER_REFRESH.
sign_in() {
  local user=$1
  shift
  pkce
  authorize "$PUBLIC_ID" "$user" resource "$RESOURCE" "$@"
  send POST /token "$(form grant_type authorization_code code "$CODE" client_id "$PUBLIC_ID" code_verifier "$VERIFIER")" "$FORM"
  USER_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"; USER_REFRESH="$(jq -r .refresh_token <<<"$LAST_BODY")"
}

# exchange SUBJECT_TOKEN [NAME VALUE...] — the MCP server asks for a calendar:read token for the
# calendar with SUBJECT_TOKEN; a NAME given replaces that parameter (given twice, it is sent twice).
exchange() {
  local subject=$1 i
  shift
  local -A given=()
  local sent=("$@") pairs=()
  for ((i = 0; i + 1 < ${#sent[@]}; i += 2)); do given[${sent[i]}]=1; done
  local defaults=(grant_type "$EXCHANGE" subject_token "$subject" subject_token_type "$ACCESS_TOKEN_TYPE"
    resource "$CALENDAR" scope calendar:read)
  for ((i = 0; i < ${#defaults[@]}; i += 2)); do
    [[ -n "${given[${defaults[i]}]:-}" ]] || pairs+=("${defaults[i]}" "${defaults[i + 1]}")
  done
  send POST /token "$(form "${pairs[@]}" "$@")" "$FORM" "$(basic "$EXCHANGER_ID" "$EXCHANGER_SECRET")"
}

# exchange_as ID SECRET SUBJECT_TOKEN — the same request from another client.
exchange_as() {
  send POST /token "$(form grant_type "$EXCHANGE" subject_token "$3" subject_token_type "$ACCESS_TOKEN_TYPE" \
    resource "$CALENDAR" scope calendar:read)" "$FORM" "$(basic "$1" "$2")"
}

check "token exchange: alice's token for the MCP server buys it a 60 s calendar:read token for the calendar, with act, no refresh token"
  sign_in alice
  ALICE_TOKEN="$USER_TOKEN"; ALICE_REFRESH="$USER_REFRESH"
  exchange "$ALICE_TOKEN"
  expect_status 200
  expect_header Cache-Control no-store
  expect_json '[.issued_token_type, .token_type, .scope, .expires_in]' "[\"$ACCESS_TOKEN_TYPE\",\"Bearer\",\"calendar:read\",60]"
  expect_json 'has("refresh_token")' false
  EXCHANGED_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"
  expect_rs256_signature "$EXCHANGED_TOKEN"
  LAST_BODY="$(jwt_part "$EXCHANGED_TOKEN" 2)"
  expect_json '[.iss, .sub, .aud, .client_id, .act.sub, .scope]' \
    "[\"$ISSUER\",\"alice\",\"$CALENDAR\",\"$EXCHANGER_ID\",\"$EXCHANGER_ID\",\"calendar:read\"]"
  expect_json '.exp - .iat' 60
  expect_log "Issued an access token"
  expect_log "act=$EXCHANGER_ID"

check "token exchange refuses a subject token issued for another audience (invalid_request)"
  sign_in alice resource "$OTHER_RESOURCE"
  OTHER_AUDIENCE_TOKEN="$USER_TOKEN"
  exchange "$OTHER_AUDIENCE_TOKEN"
  expect_oauth_error 400 invalid_request

check "token exchange refuses an expired or a revoked subject token (invalid_request)"
  EXPIRING_TOKEN="$(token_desk --audience "$RESOURCE" --issuer "$ISSUER" --expires-in 3)"
  exchange "$EXPIRING_TOKEN"
  expect_status 200
  sleep 3
  exchange "$EXPIRING_TOKEN"
  expect_oauth_error 400 invalid_request
  sign_in bob
  REVOKED_TOKEN="$USER_TOKEN"
  send POST /revoke "$(form token "$REVOKED_TOKEN" client_id "$PUBLIC_ID")" "$FORM"
  expect_status 200
  exchange "$REVOKED_TOKEN"
  expect_oauth_error 400 invalid_request

check "token exchange is only for the client the operator allows: another configured or a self-registered one is unauthorized_client"
  exchange_as "$RS_ID" "$RS_SECRET" "$ALICE_TOKEN"
  expect_oauth_error 400 unauthorized_client
  exchange_as "$ROBOT_ID" "$ROBOT_SECRET" "$ALICE_TOKEN"
  expect_oauth_error 400 unauthorized_client
  register "{\"grant_types\":[\"$EXCHANGE\"]}"
  expect_oauth_error 400 invalid_client_metadata

check "token exchange never widens: another scope, or a subject token without mcp:read, is invalid_scope"
  exchange "$ALICE_TOKEN" scope "calendar:read mcp:tools"
  expect_oauth_error 400 invalid_scope
  sign_in alice scope mcp:tools
  exchange "$USER_TOKEN"
  expect_oauth_error 400 invalid_scope

check "token exchange refuses a refresh token as subject, typed as one or not (invalid_request)"
  exchange "$ALICE_REFRESH" subject_token_type urn:ietf:params:oauth:token-type:refresh_token
  expect_oauth_error 400 invalid_request
  exchange "$ALICE_REFRESH"
  expect_oauth_error 400 invalid_request
  expect_json '.error_description | contains("refresh token")' true

check "token exchange refuses another target (invalid_target) and an actor token (invalid_request)"
  exchange "$ALICE_TOKEN" resource "$RESOURCE"
  expect_oauth_error 400 invalid_target
  exchange "$ALICE_TOKEN" resource "$CALENDAR" resource "$RESOURCE"   # two targets in one request
  expect_oauth_error 400 invalid_target
  exchange "$ALICE_TOKEN" actor_token "$ALICE_TOKEN" actor_token_type "$ACCESS_TOKEN_TYPE"
  expect_oauth_error 400 invalid_request
  expect_json '.error_description | startswith("actor_token is not supported")' true

check "the issuer's log holds no token, refresh token, code or client secret"
  for secret in "$BOB_TOKEN" "$BOB_REFRESH" "$ADA_TOKEN" "$ADA_REFRESH" "$ROBOT_TOKEN" "$CODE" "$ROBOT_SECRET" "$WEB_SECRET" "$RS_SECRET" \
    "$ALICE_TOKEN" "$ALICE_REFRESH" "$EXCHANGED_TOKEN" "$EXCHANGER_SECRET"; do
    expect_no_log "$secret"
  done

# Step 9 on the port the resource names, trusting this issuer; the issuer keeps running.
close_check
start_server --on-port "$STEP_PORT" 9 --issuer "$ISSUER" --keys-dir "$KEYS_DIR" --data-dir "$WORK_DIR/data" \
  --log-level debug || die "port $STEP_PORT was taken before Step 9 could bind it; run the script again"
note "Step 9 is running at $BASE_URL (pid $SERVER_PID), trusting $ISSUER"

check "Step 9 runs tools/call echo with the robot's client_credentials token (200) and bob's token too"
  call_tool legacy "$ROBOT_TOKEN" echo '{"message":"hello from the issuer"}'
  expect_tool_result
  expect_json '.result.structuredContent.text // .result.content[0].text | tostring | contains("hello from the issuer")' true
  call_tool modern "$BOB_TOKEN" echo '{"message":"hi"}'
  expect_tool_result

check "Step 9 refuses the robot's token for another resource: 401 invalid_token"
  call_tool legacy "$OTHER_TOKEN" echo '{"message":"hi"}'
  expect_token_refused "$OTHER_TOKEN"

close_check
echo "# The issuer: all $CHECKS_PASSED checks passed"
