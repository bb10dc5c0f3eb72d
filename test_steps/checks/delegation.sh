# test_steps/checks/delegation.sh — what the Delegation server (Step 9 plus chapter 12) promises: it
# never passes the user's token on, and accepts only tokens issued for itself; calendar_events gets
# a token of its own for the calendar API by token exchange at the workshop issuer (RFC 8693), which
# records the server as the actor (act) and refuses every exchange it should (another audience, an
# expired, revoked or refresh token, a client not allowed, a wider scope, another target); the
# partner's calendar needs the user's own sign-in there, asked for by URL-mode elicitation (2025-11-25:
# error -32042; 2026-07-28: input_required), through pages of the server that bind the link to the
# user who asked, so that bob can never complete alice's link; the partner's tokens are kept sealed.
# Used by test_delegation.sh (after delegation_servers.sh started the five servers); the harness is
# ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL, SERVER_LOG and AUTH_TOKEN are lib.sh's: its helpers read them

DELEGATION_FORM="Content-Type: application/x-www-form-urlencoded"
TOKEN_EXCHANGE="urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE="urn:ietf:params:oauth:token-type:access_token"
REFRESH_TOKEN_TYPE="urn:ietf:params:oauth:token-type:refresh_token"
PUBLIC_REDIRECT="http://127.0.0.1/callback"

# checks_delegation BASE_URL ISSUER PARTNER_ISSUER CALENDAR PARTNER_CALENDAR — the Delegation server
# at BASE_URL, trusting the workshop issuer ISSUER, configured with its client at ISSUER and at the
# partner's issuer PARTNER_ISSUER, and the calendar resources CALENDAR (which allows the server as
# actor) and PARTNER_CALENDAR (which trusts PARTNER_ISSUER). The logs are lib.sh's SERVER_LOG and
# ISSUER_LOG, and CALENDAR_LOG; the server's --data-dir is DATA_DIR. HOME_EXTRA_CLIENTS must have
# registered other-service (OTHER_SERVICE_SECRET) at ISSUER: a confidential client without
# token_exchange.
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_delegation() {
  local mcp=$1 issuer=$2 partner=$3 calendar=$4 partner_calendar=$5
  if (($# != 5)); then die "checks_delegation takes BASE_URL ISSUER PARTNER_ISSUER CALENDAR PARTNER_CALENDAR"; fi
  local AUTH_TOKEN="" mcp_log=$SERVER_LOG
  local alice bob narrow alice_refresh exchanged era machine minted url request state jar other_jar body log
  local secret secret_text scope
  secret="$(head -n 1 "$DELEGATION_FIXTURES/delegation.secret")"
  BASE_URL=$mcp

  # --- The tools, and tokens from the workshop issuer ---

  check "tools/list for a person shows calendar_events, partner_calendar_events and partner_unlink, with closed input schemas"
    minted="$(mint_token --issuer "$issuer")" || exit 1
    for era in legacy modern; do
      with_token "$minted" "post_mcp_$era" tools/list
      expect_result
      expect_json '["calendar_events", "partner_calendar_events", "partner_unlink"] - [.result.tools[].name]' '[]'
      expect_json '[.result.tools[] | select(.name | test("calendar|unlink")) | .inputSchema.additionalProperties] | all(. == false)' true
    done

  check "the workshop issuer signs alice and bob in for the MCP server: tokens with aud the MCP endpoint"
    issuer_sign_in "$issuer" alice "$mcp/mcp" "mcp:read mcp:tools mcp:prompts"
    alice=$SIGNED_IN_TOKEN alice_refresh=$SIGNED_IN_REFRESH
    issuer_sign_in "$issuer" bob "$mcp/mcp" "mcp:read mcp:tools mcp:prompts"
    bob=$SIGNED_IN_TOKEN
    LAST_BODY="$(jwt_part "$alice" 2)"
    expect_json '[.iss, .sub, .aud]' "[\"$issuer\",\"alice\",\"$mcp/mcp\"]"

  # --- Token exchange, through the tool ---

  check "calendar_events, in both eras: alice's own events from the calendar API, via workshop-delegation"
    BASE_URL=$mcp
    for era in legacy modern; do
      call_tool "$era" "$alice" calendar_events
      expect_tool_result
      expect_json '.result.structuredContent | [.calendar, .owner, .via]' \
        "[\"$HOME_CALENDAR_NAME\",{\"issuer\":\"$issuer\",\"subject\":\"alice\"},\"$DELEGATION_CLIENT_ID\"]"
      expect_json '.result.structuredContent.events | length > 0 and all(has("title") and has("start"))' true
    done

  check "calendar_events for bob: bob's events, not alice's"
    call_tool legacy "$alice" calendar_events
    body=$LAST_BODY
    call_tool legacy "$bob" calendar_events
    expect_tool_result
    expect_json '.result.structuredContent.owner.subject' bob
    if [[ "$(jq -c '.result.structuredContent.events' <<<"$LAST_BODY")" == "$(jq -c '.result.structuredContent.events' <<<"$body")" ]]; then
      fail "bob's events differ from alice's" "the same events"
    fi
    expectation_passed

  check "the issuer logs each exchange (token-exchange, act workshop-delegation); no log holds alice's token"
    at_log "$ISSUER_LOG" expect_log "Issued an access token" "token-exchange" "$DELEGATION_CLIENT_ID"
    for log in "$mcp_log" "$ISSUER_LOG" "$CALENDAR_LOG"; do
      if grep -qF -- "$alice" "$log"; then LAST_REQUEST_LINE=""; fail "no token in $log" "alice's token is in it"; fi
      expectation_passed
    done

  check "a machine (sub = client_id) calling calendar_events gets a tool error: no person to act for"
    machine="$(mint_token --issuer "$issuer" --username nightly-report --client-id nightly-report)" || exit 1
    call_tool legacy "$machine" calendar_events
    expect_tool_error

  # --- Token exchange at the issuer (RFC 8693 §2) ---

  BASE_URL=$issuer
  SERVER_LOG=$ISSUER_LOG

  check "the issuer's metadata lists the token-exchange grant"
    send GET /.well-known/oauth-authorization-server ""
    expect_status 200
    expect_json ".grant_types_supported | index(\"$TOKEN_EXCHANGE\") != null" true

  check "the server's exchange of alice's token: an access token for the calendar, calendar:read, no refresh token (§2.2.1)"
    exchange "$secret" "$alice"
    expect_status 200
    expect_header Cache-Control no-store
    expect_json '[.issued_token_type, .token_type, .scope]' "[\"$ACCESS_TOKEN_TYPE\",\"Bearer\",\"calendar:read\"]"
    expect_json 'has("refresh_token")' false
    expect_json '.expires_in > 0 and .expires_in <= 60' true
    exchanged="$(jq -r .access_token <<<"$LAST_BODY")"

  check "the exchanged token: sub alice, aud the calendar, client_id and act.sub workshop-delegation (§4.1), at most 60 s"
    LAST_BODY="$(jwt_part "$exchanged" 1)"
    expect_json '.typ' at+jwt
    LAST_BODY="$(jwt_part "$exchanged" 2)"
    expect_json '[.iss, .sub, .aud, .client_id, .scope, .act]' \
      "[\"$issuer\",\"alice\",\"$calendar\",\"$DELEGATION_CLIENT_ID\",\"calendar:read\",{\"sub\":\"$DELEGATION_CLIENT_ID\"}]"
    expect_json '.exp - .iat <= 60' true
    expect_json ".jti | type == \"string\" and . != \"$(jwt_part "$alice" 2 | jq -r .jti)\"" true

  check "the calendar API accepts the exchanged token: alice's events, via workshop-delegation"
    calendar_get "$calendar" "$exchanged"
    expect_status 200
    expect_json '[.owner, .via]' "[{\"issuer\":\"$issuer\",\"subject\":\"alice\"},\"$DELEGATION_CLIENT_ID\"]"

  check "passthrough refused: alice's MCP token sent straight to the calendar API is 401 invalid_token"
    calendar_get "$calendar" "$alice"
    expect_status 401
    expect_challenge_text 'error="invalid_token"'
    expect_challenge_text "resource_metadata="

  check "confused deputy refused: the calendar token sent to the MCP server is 401 invalid_token"
    BASE_URL=$mcp
    with_token "$exchanged" post_mcp_modern tools/list
    expect_token_refused "$exchanged"
    BASE_URL=$issuer

  check "the calendar API refuses a token for it that names no actor (403): it expects workshop-delegation"
    minted="$("$BIN_DIR/generate_token" --keys-dir "$ISSUER_KEYS_DIR" --issuer "$issuer" --audience "$calendar" \
      --scopes calendar:read 2>/dev/null)" || die "generate_token could not mint a calendar token"
    calendar_get "$calendar" "$minted"
    expect_status 403

  check "exchange refused, invalid_request: a subject token alice's client got for another audience (the calendar)"
    issuer_sign_in "$issuer" alice "$calendar" mcp:read
    LAST_BODY="$(jwt_part "$SIGNED_IN_TOKEN" 2)"
    expect_json '[.aud, .act]' "[\"$calendar\",null]"
    exchange "$secret" "$SIGNED_IN_TOKEN"
    expect_exchange_error 400 invalid_request

  check "exchange refused, invalid_request: a token that was itself obtained by exchange (it has act)"
    exchange "$secret" "$exchanged"
    expect_exchange_error 400 invalid_request

  check "exchange refused, invalid_request: an expired subject token"
    minted="$(BASE_URL=$mcp rs256_token ".iss = \"$issuer\" | .aud = \"$mcp/mcp\" | .exp = \$now - 120 | .iat = \$now - 420")" || exit 1
    exchange "$secret" "$minted"
    expect_exchange_error 400 invalid_request

  check "exchange refused, invalid_request: a refresh token as subject, by its type or passed as an access token"
    exchange "$secret" "$alice_refresh" subject_token_type "$REFRESH_TOKEN_TYPE"
    expect_exchange_error 400 invalid_request
    exchange "$secret" "$alice_refresh"
    expect_exchange_error 400 invalid_request

  check "exchange refused, invalid_request: no subject_token_type, or an actor_token"
    exchange "$secret" "$alice" subject_token_type ""
    expect_exchange_error 400 invalid_request
    exchange "$secret" "$alice" actor_token "$bob" actor_token_type "$ACCESS_TOKEN_TYPE"
    expect_exchange_error 400 invalid_request

  check "exchange refused, invalid_target: the partner's calendar, the MCP server itself, a relative resource"
    for url in "$partner_calendar" "$mcp/mcp" calendar; do
      exchange "$secret" "$alice" resource "$url"
      expect_exchange_error 400 invalid_target
    done

  check "exchange refused, invalid_scope: a scope the target does not grant (mcp:tools, calendar:write)"
    for scope in mcp:tools "calendar:read calendar:write"; do
      exchange "$secret" "$alice" scope "$scope"
      expect_exchange_error 400 invalid_scope
    done

  check "exchange refused, invalid_scope: a subject token without mcp:read may not become calendar:read"
    issuer_sign_in "$issuer" alice "$mcp/mcp" "mcp:read mcp:tools" mcp:read
    narrow=$SIGNED_IN_TOKEN
    LAST_BODY="$(jwt_part "$narrow" 2)"
    expect_json '.scope' mcp:tools
    exchange "$secret" "$narrow"
    expect_exchange_error 400 invalid_scope

  check "exchange refused: a wrong client secret is 401 invalid_client; a client not allowed to exchange is unauthorized_client"
    exchange "wrong-secret-$secret" "$alice"
    expect_exchange_error 401 invalid_client
    send POST /token "$(exchange_form "$alice")" "$DELEGATION_FORM" "$(basic_auth other-service "$OTHER_SERVICE_SECRET")"
    expect_exchange_error 400 unauthorized_client

  check "exchange refused, invalid_request: a revoked subject token (RFC 7009), and the tool says so instead of answering"
    issuer_sign_in "$issuer" alice "$mcp/mcp" "mcp:read mcp:tools mcp:prompts"
    minted=$SIGNED_IN_TOKEN
    send POST /revoke "$(url_form token "$minted" client_id "$SIGNED_IN_CLIENT" token_type_hint access_token)" "$DELEGATION_FORM"
    expect_status 200
    exchange "$secret" "$minted"
    expect_exchange_error 400 invalid_request
    BASE_URL=$mcp
    call_tool legacy "$minted" calendar_events
    expect_tool_error
    BASE_URL=$issuer

  # --- URL elicitation: its shape in each era ---

  BASE_URL=$mcp
  SERVER_LOG=$mcp_log

  check "2025-11-25: partner_calendar_events, not linked, is error -32042 with one URL elicitation to /link/start"
    legacy_call_declaring_url "$alice" partner_calendar_events
    expect_error 200 -32042
    expect_json '.error.data.elicitations | length' 1
    expect_json '.error.data.elicitations[0] | [.mode, (.elicitationId | type), (.message | type)]' '["url","string","string"]'
    expect_json ".error.data.elicitations[0].url | startswith(\"$mcp/link/start?request=\")" true

  check "2026-07-28: partner_calendar_events, not linked, is input_required with elicitation/create in URL mode"
    modern_call_declaring_url "$alice" partner_calendar_events
    expect_result
    expect_json '.result.resultType' input_required
    expect_json '.result.inputRequests | length' 1
    expect_json '.result.inputRequests[] | [.method, .params.mode, (.params.message | type)]' '["elicitation/create","url","string"]'
    expect_json ".result.inputRequests[].params.url | startswith(\"$mcp/link/start?request=\")" true
    expect_json '.result.requestState | type' string

  check "2026-07-28: retrying with the inputResponses and requestState while still not linked asks again"
    state="$(jq -r .result.requestState <<<"$LAST_BODY")"
    modern_call_declaring_url "$alice" partner_calendar_events \
      "$(jq -nc --arg state "$state" '{inputResponses: {link: {action: "accept"}}, requestState: $state}')"
    expect_result
    expect_json '.result.resultType' input_required

  check "a client that declared no URL elicitation gets a tool error naming it, in both eras"
    with_token "$alice" post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    call_tool legacy "$alice" partner_calendar_events
    expect_tool_error
    expect_json '.result.content[0].text | ascii_downcase | contains("elicitation")' true
    call_tool modern "$alice" partner_calendar_events
    expect_tool_error
    expect_json '.result.content[0].text | ascii_downcase | contains("elicitation")' true

  # --- The link pages ---

  jar="$WORK_DIR/alice.cookies" other_jar="$WORK_DIR/bob.cookies"

  check "GET /link/start with a request id nobody was given: an HTML page that says what happened, no cookie"
    browse GET "$mcp/link/start?request=$(openssl rand -hex 16)" "$jar"
    expect_page_refused
    expect_no_header Set-Cookie

  check "GET /link/start: 302 to the workshop issuer's /authorize (its client, PKCE S256, a state, resource the MCP endpoint), and a link_session cookie"
    url="$(elicitation_url "$alice")"
    browse GET "$url" "$jar"
    expect_status 302
    request="$(header_value Location)"
    expect_authorize_request "$request" "$issuer" "$mcp/link/signed-in" "$mcp/mcp"
    expect_link_cookie

  check "the request id is single use: opening it again is refused"
    browse GET "$url" "$other_jar"
    expect_page_refused

  check "bob signs in where alice's link sent him: 403, a page saying another user requested it, and no state in it"
    url="$(elicitation_url "$alice")"
    : >"$other_jar"
    browse GET "$url" "$other_jar"
    expect_status 302
    request="$(header_value Location)"
    sign_in_at "$request" bob "$other_jar"
    browse GET "$(header_value Location)" "$other_jar"
    expect_status 403
    expect_content_type text/html
    expect_page_text "another user"
    state="$(query_param "$request" state)"
    expect_page_without "$state"

  check "bob's browser, with alice's code and state for /link/signed-in, is refused (4xx) and not sent to the partner"
    url="$(elicitation_url "$alice")"
    : >"$jar"
    browse GET "$url" "$jar"
    sign_in_at "$(header_value Location)" alice "$jar"
    url="$(header_value Location)"
    browse GET "$url" "$other_jar"
    expect_page_refused

  check "a /link/signed-in or /link/callback with a state nobody was given is refused; so is a callback with error=access_denied"
    browse GET "$mcp/link/signed-in?code=x&state=$(openssl rand -hex 16)" "$jar"
    expect_page_refused
    browse GET "$mcp/link/callback?code=x&state=$(openssl rand -hex 16)" "$jar"
    expect_page_refused
    browse GET "$mcp/link/callback?error=access_denied&state=$(openssl rand -hex 16)" "$jar"
    expect_page_refused

  check "alice links: the workshop issuer, then the partner's /authorize (PKCE S256, new state, calendar:read), then a page saying Account linked"
    url="$(elicitation_url "$alice")"
    : >"$jar"
    browse GET "$url" "$jar"
    request="$(header_value Location)"
    sign_in_at "$request" alice "$jar"
    browse GET "$(header_value Location)" "$jar"
    expect_status 302
    url="$(header_value Location)"
    expect_authorize_request "$url" "$partner" "$mcp/link/callback" "$partner_calendar"
    if [[ "$(query_param "$url" state)" == "$(query_param "$request" state)" ]]; then fail "a new state" "the same state"; fi
    expectation_passed
    [[ " $(url_decode "$(query_param "$url" scope)") " == *" calendar:read "* ]] || fail "scope calendar:read" "$(query_param "$url" scope)"
    expectation_passed
    sign_in_at "$url" alice "$jar"
    url="$(header_value Location)"
    browse GET "$url" "$other_jar"
    expect_page_refused   # bob's browser with alice's partner code
    browse GET "$url" "$jar"
    if [[ "$LAST_STATUS" != 200 ]]; then
      # Refusing bob may have used the state up: then alice links again from the start.
      alice_links "$alice" "$jar"
    fi
    expect_status 200
    expect_page_text "<title>Account linked</title>"
    expect_page_without "$(query_param "$url" code)"

  check "partner_calendar_events after the link, in both eras: alice's partner events, from the partner's issuer, no actor"
    legacy_call_declaring_url "$alice" partner_calendar_events
    expect_tool_result
    expect_json '.result.structuredContent | [.calendar, .owner, .via]' \
      "[\"$PARTNER_CALENDAR_NAME\",{\"issuer\":\"$partner\",\"subject\":\"alice\"},null]"
    modern_call_declaring_url "$alice" partner_calendar_events
    expect_tool_result
    expect_json '.result.structuredContent.owner' "{\"issuer\":\"$partner\",\"subject\":\"alice\"}"

  check "bob is not linked by alice's link: his call still asks for an elicitation"
    legacy_call_declaring_url "$bob" partner_calendar_events
    expect_error 200 -32042

  check "the partner's tokens are sealed at rest: alice's row in partner_links, no JWT in notes.sqlite; link.key is 32 bytes, mode 600"
    expect_sqlite "$DATA_DIR/notes.sqlite" "SELECT owner_issuer || ' ' || owner_subject FROM partner_links" "$issuer alice"
    # A JWT's header in base64url starts so: {"alg":, {"typ":, {"kid":
    if grep -qaE 'eyJ(hbGci|0eXAi|raWQi)' "$DATA_DIR/notes.sqlite" "$DATA_DIR"/notes.sqlite-wal 2>/dev/null; then
      LAST_REQUEST_LINE=""; fail "no JWT (eyJ…) in the notes database" "there is one"
    fi
    expectation_passed
    [[ "$(wc -c <"$DATA_DIR/link.key" | tr -d ' ')" == 32 ]] || fail "a 32-byte link.key" "$(wc -c <"$DATA_DIR/link.key" 2>&1)"
    expectation_passed
    [[ "$(stat -c %a "$DATA_DIR/link.key")" == 600 ]] || fail "link.key mode 600" "$(stat -c %a "$DATA_DIR/link.key")"
    expectation_passed

  check "partner_unlink: unlinked true, then false; the next call asks for an elicitation again"
    call_tool legacy "$alice" partner_unlink
    expect_tool_result
    expect_json '.result.structuredContent.unlinked' true
    call_tool modern "$alice" partner_unlink
    expect_tool_result
    expect_json '.result.structuredContent.unlinked' false
    legacy_call_declaring_url "$alice" partner_calendar_events
    expect_error 200 -32042

  check "no log holds a token, a code or the client secrets"
    for log in "$mcp_log" "$ISSUER_LOG" "$PARTNER_ISSUER_LOG" "$CALENDAR_LOG" "$PARTNER_CALENDAR_LOG"; do
      for secret_text in "$alice" "$bob" "$exchanged" "$secret" "$(head -n 1 "$DELEGATION_FIXTURES/partner.secret")"; do
        if grep -qF -- "$secret_text" "$log"; then LAST_REQUEST_LINE=""; fail "no token or secret in $log" "one is in it"; fi
      done
      expectation_passed
    done
}

# --- Requests of a client of the workshop issuer ---

# url_form NAME VALUE... — an application/x-www-form-urlencoded body, every value percent-encoded;
# a pair whose VALUE is empty is left out.
url_form() {
  local body=""
  while (($# >= 2)); do
    if [[ -n "$2" ]]; then body+="${body:+&}$1=$(jq -rn --arg value "$2" '$value | @uri')"; fi
    shift 2
  done
  printf '%s' "$body"
}

# basic_auth ID SECRET — the Authorization header of client_secret_basic (RFC 6749 §2.3.1).
basic_auth() {
  printf 'Authorization: Basic %s' "$(printf '%s:%s' "$(jq -rn --arg v "$1" '$v | @uri')" \
    "$(jq -rn --arg v "$2" '$v | @uri')" | openssl base64 -A)"
}

# exchange_form SUBJECT [NAME VALUE...] — the body of the server's token exchange for the calendar
# (CALENDAR_URL, calendar:read); a NAME given again replaces the default, an empty VALUE removes it.
exchange_form() {
  local subject=$1
  shift
  local -A fields=([grant_type]="$TOKEN_EXCHANGE" [subject_token]="$subject" [subject_token_type]="$ACCESS_TOKEN_TYPE"
    [resource]="$CALENDAR_URL" [scope]="calendar:read")
  local -a order=(grant_type subject_token subject_token_type resource scope)
  while (($# >= 2)); do
    if [[ -z "${fields[$1]+set}" ]]; then order+=("$1"); fi
    fields[$1]=$2
    shift 2
  done
  local pairs=() name
  for name in "${order[@]}"; do pairs+=("$name" "${fields[$name]}"); done
  url_form "${pairs[@]}"
}

# exchange SECRET SUBJECT [NAME VALUE...] — POST /token at the issuer (BASE_URL) as workshop-delegation.
exchange() {
  local secret=$1
  shift
  send POST /token "$(exchange_form "$@")" "$DELEGATION_FORM" "$(basic_auth "$DELEGATION_CLIENT_ID" "$secret")"
}

# expect_exchange_error STATUS ERROR — an RFC 6749 §5.2 error with a description of what to do.
expect_exchange_error() {
  expect_status "$1"
  expect_content_type application/json
  expect_json '.error' "$2"
  expect_json '.error_description | type == "string" and length > 0' true
  expect_json 'has("access_token")' false
}

# issuer_sign_in ISSUER USER RESOURCE SCOPE [WITHHOLD] — a client registered at ISSUER (RFC 7591,
# public, with refresh tokens) signs USER in for RESOURCE asking for SCOPE, as a browser posts the
# sign-in page (withholding the scope WITHHOLD, if given). Sets SIGNED_IN_TOKEN, SIGNED_IN_REFRESH
# and SIGNED_IN_CLIENT. BASE_URL is ISSUER afterwards.
SIGNED_IN_TOKEN=""; SIGNED_IN_REFRESH=""; SIGNED_IN_CLIENT=""
issuer_sign_in() {
  local issuer=$1 user=$2 resource=$3 scope=$4 withhold=${5:-} verifier challenge request code
  BASE_URL=$issuer
  send POST /register "$(jq -nc --arg uri "$PUBLIC_REDIRECT" '{client_name: "test_delegation", redirect_uris: [$uri],
    grant_types: ["authorization_code", "refresh_token"], token_endpoint_auth_method: "none"}')" "Content-Type: application/json"
  expect_status 201
  SIGNED_IN_CLIENT="$(jq -r .client_id <<<"$LAST_BODY")"
  verifier="$(openssl rand 32 | b64url)"
  challenge="$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)"
  request="$(url_form response_type code client_id "$SIGNED_IN_CLIENT" redirect_uri "$PUBLIC_REDIRECT" \
    code_challenge "$challenge" code_challenge_method S256 state s1 resource "$resource" scope "$scope")"
  send GET "/authorize?$request" "" "Accept: text/html"
  expect_status 200
  send POST /authorize "$request&$(url_form csrf_token "$(page_csrf_token)" username "$user" consent approve withhold "$withhold")" \
    "$DELEGATION_FORM" "Origin: $issuer"
  expect_status 302
  code="$(query_param "$(header_value Location)" code)"
  send POST /token "$(url_form grant_type authorization_code code "$(url_decode "$code")" client_id "$SIGNED_IN_CLIENT" \
    code_verifier "$verifier" redirect_uri "$PUBLIC_REDIRECT" resource "$resource")" "$DELEGATION_FORM"
  expect_status 200
  SIGNED_IN_TOKEN="$(jq -r .access_token <<<"$LAST_BODY")"
  SIGNED_IN_REFRESH="$(jq -r '.refresh_token // ""' <<<"$LAST_BODY")"
}

# page_csrf_token — the hidden csrf_token of the sign-in page in the last response.
page_csrf_token() { sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$LAST_BODY" | head -n 1; }

# query_param URL NAME — the parameter NAME of URL's query, as sent (percent-encoded); empty if absent.
query_param() {
  jq -rn --arg url "$1" --arg name "$2" \
    '($url | split("?")[1] // "") | split("&") | map(split("=")) | map(select(.[0] == $name)) | (.[0][1] // "")'
}

# url_decode TEXT — TEXT with its percent-encoding (and + for space) undone.
url_decode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote_plus(sys.argv[1]))' "$1"; }

# at_log LOG COMMAND... — runs an expectation about the log file LOG.
at_log() {
  local SERVER_LOG=$1
  shift
  "$@"
}

# calendar_get CALENDAR TOKEN — GET CALENDAR/events with the bearer TOKEN.
calendar_get() {
  local BASE_URL="${1%/calendar}"
  with_token "$2" send GET /calendar/events ""
}

# expect_challenge_text TEXT — the WWW-Authenticate header holds TEXT.
expect_challenge_text() {
  if [[ "$(header_value WWW-Authenticate)" != *"$1"* ]]; then fail "WWW-Authenticate with $1" "WWW-Authenticate: $(header_value WWW-Authenticate)"; fi
  expectation_passed
}

# --- MCP requests of a client that declares URL elicitation ---

# legacy_call_declaring_url TOKEN TOOL — a 2025-11-25 client that declared elicitation {url: {}} in
# initialize (and sends back the session id, if the server gave one) calls TOOL.
legacy_call_declaring_url() {
  local token=$1 tool=$2 session
  with_token "$token" post_mcp_legacy initialize \
    '{"protocolVersion":"2025-11-25","capabilities":{"elicitation":{"url":{}}},"clientInfo":{"name":"test_delegation","version":"1.0.0"}}'
  expect_result
  session="$(header_value Mcp-Session-Id)"
  REQUEST_ID=$((REQUEST_ID + 1))
  with_token "$token" post_mcp "$(jsonrpc_request tools/call "{\"name\":\"$tool\",\"arguments\":{}}")" \
    "MCP-Protocol-Version: $LEGACY_VERSION" ${session:+"Mcp-Session-Id: $session"}
}

# modern_call_declaring_url TOKEN TOOL [EXTRA] — a 2026-07-28 tools/call of TOOL whose client
# capabilities (in _meta) declare elicitation {url: {}}; EXTRA, a JSON object, is added to params.
modern_call_declaring_url() {
  local token=$1 tool=$2 extra=${3:-"{}"} body
  REQUEST_ID=$((REQUEST_ID + 1))
  body="$(modern_request tools/call "{\"name\":\"$tool\",\"arguments\":{}}" | jq -c --argjson extra "$extra" --arg key "$META_CAPABILITIES_KEY" \
    '.params._meta[$key] = {elicitation: {url: {}}} | .params += $extra')"
  with_token "$token" post_mcp "$body" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call" "Mcp-Name: $tool"
}

# elicitation_url TOKEN — the URL of a new elicitation for partner_calendar_events (2025-11-25).
elicitation_url() {
  legacy_call_declaring_url "$1" partner_calendar_events >/dev/null
  jq -r '.error.data.elicitations[0].url // empty' <<<"$LAST_BODY"
}

# --- A browser: cookies kept in a jar, redirects not followed ---

# browse METHOD URL JAR [BODY [HEADER...]] — a request as a browser sends it, with the cookies of
# JAR (and keeping those it gets). Sets the last response, as lib.sh's send does.
browse() {
  local method=$1 url=$2 jar=$3 body=${4:-}
  shift 3
  if (($# > 0)); then shift; fi
  local args=(-sS -X "$method" -o "$WORK_DIR/body" -D "$WORK_DIR/headers" -w '%{http_code}' --max-time 10
    -b "$jar" -c "$jar" -H "Accept: text/html")
  local header
  for header in "$@"; do args+=(-H "$header"); done
  if [[ -n "$body" ]]; then args+=(--data-binary "$body"); fi
  touch "$jar"
  LAST_REQUEST_LINE="$method $url"; LAST_REQUEST_HEADERS="$(printf '%s\n' "$@")"; LAST_REQUEST_BODY=$body; LAST_BODY=""
  : >"$WORK_DIR/headers"; : >"$WORK_DIR/body"
  LAST_STATUS="$(curl "${args[@]}" "$url")" || fail "an HTTP response" "curl failed; is the server still running?"
  LAST_BODY="$(cat "$WORK_DIR/body")"
}

# sign_in_at AUTHORIZE_URL USER JAR — the issuer's sign-in page at AUTHORIZE_URL, approved as USER
# from the page's origin; the last response is the issuer's 302.
sign_in_at() {
  local url=$1 user=$2 jar=$3 origin
  origin="$(sed -E 's#^(https?://[^/]+).*#\1#' <<<"$url")"
  browse GET "$url" "$jar"
  expect_status 200
  browse POST "$origin/authorize" "$jar" \
    "${url#*\?}&$(url_form csrf_token "$(page_csrf_token)" username "$user" consent approve)" \
    "$DELEGATION_FORM" "Origin: $origin"
  expect_status 302
}

# alice_links TOKEN JAR — alice's whole link, from a new elicitation to the "Account linked" page (the last response).
alice_links() {
  local token=$1 jar=$2
  : >"$jar"
  browse GET "$(elicitation_url "$token")" "$jar"
  sign_in_at "$(header_value Location)" alice "$jar"
  browse GET "$(header_value Location)" "$jar"
  sign_in_at "$(header_value Location)" alice "$jar"
  browse GET "$(header_value Location)" "$jar"
}

# expect_authorize_request URL ISSUER REDIRECT_URI RESOURCE — URL is ISSUER's /authorize for
# workshop-delegation with code, PKCE S256, a state, REDIRECT_URI and RESOURCE.
expect_authorize_request() {
  local url=$1
  if [[ "$url" != "$2/authorize?"* ]]; then fail "Location: $2/authorize?…" "Location: $url"; fi
  expectation_passed
  local name expected
  for name in response_type client_id code_challenge_method redirect_uri resource; do
    case $name in
      response_type) expected=code ;; client_id) expected=$DELEGATION_CLIENT_ID ;; code_challenge_method) expected=S256 ;;
      redirect_uri) expected=$3 ;; resource) expected=$4 ;;
    esac
    if [[ "$(url_decode "$(query_param "$url" "$name")")" != "$expected" ]]; then
      fail "$name=$expected in the authorization request" "$name=$(query_param "$url" "$name")"
    fi
    expectation_passed
  done
  if (($(query_param "$url" state | wc -c) < 16)) || (($(query_param "$url" code_challenge | wc -c) < 43)); then
    fail "a random state and a code_challenge" "$url"
  fi
  expectation_passed
}

# expect_link_cookie — the last response sets link_session HttpOnly, SameSite=Lax, Path=/link.
expect_link_cookie() {
  local cookie
  cookie="$(grep -i '^set-cookie: *link_session=' "$WORK_DIR/headers" | tr -d '\r' | tr '[:upper:]' '[:lower:]')" || true
  if [[ "$cookie" != *httponly* || "$cookie" != *"samesite=lax"* || "$cookie" != *"path=/link"* ]]; then
    fail "Set-Cookie: link_session=…; HttpOnly; SameSite=Lax; Path=/link" "${cookie:-no link_session cookie}"
  fi
  expectation_passed
}

# expect_page_refused — an HTML page with a 4xx status: the server says what happened, and links nothing.
expect_page_refused() {
  if [[ ! "$LAST_STATUS" =~ ^4[0-9][0-9]$ ]]; then fail "HTTP 4xx (a page saying what happened)" "HTTP $LAST_STATUS"; fi
  expectation_passed
  expect_content_type text/html
  if [[ "$LAST_BODY" == *"<title>Account linked"* ]]; then fail "a page that links nothing" "it says Account linked"; fi
  expectation_passed
}

# expect_page_text TEXT — the page holds TEXT (case-insensitive).
expect_page_text() {
  if [[ "${LAST_BODY,,}" != *"${1,,}"* ]]; then fail "a page saying: $1" "$(shorten "$LAST_BODY")"; fi
  expectation_passed
}

# expect_page_without TEXT — the page does not repeat TEXT (a state, a code).
expect_page_without() {
  if [[ -n "$1" && "$LAST_BODY" == *"$1"* ]]; then fail "a page that does not repeat it" "the page repeats $1"; fi
  expectation_passed
}
