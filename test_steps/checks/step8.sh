# test_steps/checks/step8.sh — what Step 8 promises: one policy table says which scopes each method
# and tool needs; a caller's role bounds what its token's scopes allow; a token that lacks a scope
# gets 403 with an insufficient_scope challenge naming every scope the operation needs (RFC 6750
# §3.1), one whose role forbids the operation a plain 403; lists show only what the caller may use
# (the admin-only tool server_status to admins alone) and say so to caches (cacheScope private).
# Used by test_step8.sh and every later step's script (use_checks 8); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# The access matrix of Step 8: who may do what. The operations, in the order of the matrix's columns:
# label, method, the scopes a 403 must ask for (comma-separated), params.
STEP8_OPERATIONS='
  tools/list     tools/list    mcp:read             {}
  prompts/list   prompts/list  mcp:read             {}
  echo           tools/call    mcp:tools            {"name":"echo","arguments":{"message":"hi"}}
  server_status  tools/call    mcp:tools,mcp:admin  {"name":"server_status","arguments":{}}
  greeting       prompts/get   mcp:prompts          {"name":"greeting","arguments":{"name":"Ada"}}'

# The callers (a token each: username, scopes, roles) and the HTTP status of each operation. An
# operation needs its scopes in the token and allowed by a role: ulla holds mcp:admin but is a user
# (403-role: her token has the scopes, her role forbids it), arno is an admin whose token holds
# mcp:read only.
STEP8_MATRIX='
  # user  scopes                                    roles  tools/list prompts/list echo server_status greeting
  gina    mcp:read                                  guest  200 200 403 403 403
  uma     mcp:read,mcp:tools,mcp:prompts            user   200 200 200 403 200
  ada     mcp:admin                                 admin  200 200 200 200 200
  ulla    mcp:read,mcp:tools,mcp:prompts,mcp:admin  user   200 200 200 403-role 200
  arno    mcp:read                                  admin  200 200 403 403 403'

# checks_step8 BASE_URL STEP [--extra-tools "NAME..."] — scopes and roles at the server at BASE_URL,
# which runs Step STEP (server_status reports it) with --log-level debug (as checks_step6).
# --extra-tools: the tools an ordinary user sees besides echo and get_time, in order (Step 9's user
# tools); an admin sees them too, and server_status.
# shellcheck disable=SC2016 # '$now' in the jq filters is jq's variable, not the shell's
checks_step8() {
  BASE_URL=$1
  local step=$2 extra_tools=""
  shift 2
  while (($# > 0)); do
    case $1 in
      --extra-tools) extra_tools=${2?"checks_step8: --extra-tools needs a value"} ;;
      *) die "checks_step8 takes BASE_URL STEP [--extra-tools \"NAME...\"], not $1" ;;
    esac
    shift 2
  done
  local -a extra=() user_tools=()
  read -ra extra <<<"$extra_tools"
  read -ra user_tools <<<"echo get_time $extra_tools"   # what an ordinary user's tools/list shows
  local AUTH_TOKEN=""   # each request below says whose token it sends
  local -A tokens=()
  local -a labels=() methods=() scopes=() params=() rows=() expected=()
  local line label method scope param user roles statuses era i summary url no_roles
  local status_tool='.result.tools[] | select(.name == "server_status")'

  while read -r label method scope param; do
    if [[ -n "$label" ]]; then labels+=("$label"); methods+=("$method"); scopes+=("${scope//,/ }"); params+=("$param"); fi
  done <<<"$STEP8_OPERATIONS"
  while read -r line; do
    if [[ -n "$line" && "$line" != "#"* ]]; then rows+=("$line"); fi
  done <<<"$STEP8_MATRIX"
  for line in "${rows[@]}"; do
    read -r user scope roles _ <<<"$line"
    tokens[$user]="$(mint_token --username "$user" --scopes "$scope" --roles "$roles")" || exit 1
  done

  # --- The matrix, in both eras: one check per caller ---

  for era in legacy modern; do
    for line in "${rows[@]}"; do
      read -r user scope roles statuses <<<"$line"
      read -ra expected <<<"$statuses"
      summary=""
      for i in "${!labels[@]}"; do summary+="${summary:+, }${labels[i]} ${expected[i]}"; done
      check "$era: $user (scopes $scope; role $roles): $summary"
        for i in "${!labels[@]}"; do
          with_token "${tokens[$user]}" "post_mcp_$era" "${methods[i]}" "${params[i]}"
          expect_access "${expected[i]}" "${scopes[i]}"
        done
    done
  done

  # --- Lists show only what the caller may use, and say so to caches ---

  check "guest: tools/list and prompts/list answer empty lists, in both eras"
    for era in legacy modern; do
      with_token "${tokens[gina]}" "post_mcp_$era" tools/list
      expect_result
      expect_json '.result.tools' '[]'
      with_token "${tokens[gina]}" "post_mcp_$era" prompts/list
      expect_result
      expect_json '.result.prompts' '[]'
    done

  check "user: tools/list shows $(and_list "${user_tools[@]}") (not server_status); prompts/list greeting and help"
    for era in legacy modern; do
      with_token "${tokens[uma]}" "post_mcp_$era" tools/list
      expect_result
      expect_tool_definitions ${extra[@]+"${extra[@]}"}
      with_token "${tokens[uma]}" "post_mcp_$era" prompts/list
      expect_result
      expect_prompt_definitions
    done

  check "admin: tools/list shows $(and_list "${user_tools[@]}" server_status), each fully described"
    for era in legacy modern; do
      with_token "${tokens[ada]}" "post_mcp_$era" tools/list
      expect_result
      expect_json '[.result.tools[].name] | sort' "$(sorted_names "${user_tools[@]}" server_status)"
    done
    expect_json "$status_tool | .title | type == \"string\" and length > 0" true
    expect_json "$status_tool | .description | type == \"string\" and length > 0" true
    expect_json "$status_tool | .inputSchema.type" object
    expect_json "$status_tool | .outputSchema.properties.step.type" integer
    expect_json "$status_tool | .annotations.readOnlyHint" true

  check "a user whose token holds mcp:admin does not see server_status: the role bounds the scope"
    with_token "${tokens[ulla]}" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' "$(sorted_names "${user_tools[@]}")"

  check "modern: every caller's tools/list and prompts/list say cacheScope private (they differ per caller)"
    for user in gina uma ada; do
      for method in tools/list prompts/list; do
        with_token "${tokens[$user]}" post_mcp_modern "$method"
        expect_result
        expect_json '.result.cacheScope' private
      done
    done

  # --- What each refusal and each success says ---

  check "admin: tools/call server_status reports step $step (structuredContent, and the same JSON as text)"
    for era in legacy modern; do
      with_token "${tokens[ada]}" "post_mcp_$era" tools/call '{"name":"server_status","arguments":{}}'
      expect_result
      expect_json '.result.isError' false
      expect_json '.result.structuredContent.step' "$step"
      expect_json '.result.structuredContent.version' 1.0.0
      expect_json '.result.structuredContent.process_id | type == "number" and . > 0' true
      expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true
    done

  check "user: server_status is refused with 403 that asks for every scope it needs: mcp:tools mcp:admin"
    with_token "${tokens[uma]}" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_insufficient_scope "mcp:tools mcp:admin"
    expect_json '.error.message | contains("mcp:admin")' true

  check "the 403's resource_metadata URL serves the metadata"
    with_token "${tokens[gina]}" post_mcp_modern tools/call '{"name":"server_status","arguments":{}}'
    expect_status 403
    url="$(challenge_attribute resource_metadata)" || fail "a resource_metadata attribute" "none"
    send GET "${url#"$BASE_URL"}" ""
    expect_metadata "$BASE_URL/mcp" "$WORKSHOP_ISSUER"
    expect_json '.scopes_supported | contains(["mcp:tools"])' true

  check "the server's log says why: 403: insufficient scope, with the method"
    expect_log "403: insufficient scope" "tools/call"
    expect_log "403: insufficient scope" "prompts/get"

  check "a guest can still connect: initialize, ping and server/discover need no scope"
    with_token "${tokens[gina]}" post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    with_token "${tokens[gina]}" post_mcp_legacy ping
    expect_result
    with_token "${tokens[gina]}" post_mcp_modern server/discover
    expect_result

  check "a token without a roles claim (an issuer that sends none) is bounded by its scopes alone"
    no_roles="$(rs256_token '.scope = "mcp:read" | del(.roles)')"
    with_token "$no_roles" post_mcp_legacy tools/list
    expect_result
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_insufficient_scope mcp:tools
    no_roles="$(rs256_token '.scope = "mcp:admin" | del(.roles)')"
    with_token "$no_roles" post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_result

  check "without a token, even server_status is a 401 challenge, not a 403"
    post_mcp_legacy tools/call '{"name":"server_status","arguments":{}}'
    expect_status 401
    expect_header WWW-Authenticate "$(step7_challenge "$BASE_URL")"
}

# expect_insufficient_scope SCOPE — what a valid token without the scopes SCOPE (space-separated) gets:
# 403, a JSON-RPC error 403 for the request just sent, and exactly the challenge
# Bearer error="insufficient_scope", scope="SCOPE", resource_metadata="…" (RFC 6750 §3.1, RFC 9728 §5.1).
expect_insufficient_scope() {
  expect_error 403 403
  expect_json '.id' "$REQUEST_ID"
  expect_header WWW-Authenticate \
    "Bearer error=\"insufficient_scope\", scope=\"$1\", resource_metadata=\"$BASE_URL$METADATA_PATH\""
}

# expect_role_denied — what a token gets when it holds the scopes but the caller's role forbids the
# operation: 403 and a JSON-RPC error saying so, with no challenge (no scope would help, and a client
# that saw insufficient_scope would sign its user in again for nothing).
expect_role_denied() {
  expect_error 403 403
  expect_json '.id' "$REQUEST_ID"
  expect_json '.error.message' "Your role does not allow this operation"
  expect_no_header WWW-Authenticate
}

# expect_access STATUS SCOPE — STATUS 200: a result; 403: refused for want of SCOPE; 403-role: refused
# by the caller's role although the token holds the scopes.
expect_access() {
  case "$1" in
    200) expect_result ;;
    403) expect_insufficient_scope "$2" ;;
    403-role) expect_role_denied ;;
    *) die "expect_access: no expectation for status $1" ;;
  esac
}
