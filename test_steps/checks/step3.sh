# test_steps/checks/step3.sh — what Step 3 promises: initialize and server/discover advertise tools
# and prompts; tools/list describes echo and get_time (title, schemas, annotations) and prompts/list
# greeting and help, the same in both eras, the modern lists complete and cacheable; an unknown
# cursor is invalid params.
# Used by test_step3.sh and every later step's script (use_checks 3); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step3 BASE_URL [--token TOKEN] [--cache-scope SCOPE] [--extra-tools "NAME..."] — the lists
# of the server at BASE_URL. --token: every request carries it (Step 6 on). --cache-scope: the
# cacheScope of the modern lists, public unless they depend on the caller (private, Step 8 on).
# --extra-tools: the tools an ordinary user sees besides echo and get_time, in order (Step 9's
# user tools); this step checks their names, their own step the rest.
checks_step3() {
  BASE_URL=$1
  local token="" cache_scope=public extra_tools=""
  shift
  while (($# > 0)); do
    case $1 in
      --token) token=${2?"checks_step3: --token needs a value"} ;;
      --cache-scope) cache_scope=${2?"checks_step3: --cache-scope needs a value"} ;;
      --extra-tools) extra_tools=${2?"checks_step3: --extra-tools needs a value"} ;;
      *) die "checks_step3 takes BASE_URL [--token TOKEN] [--cache-scope SCOPE] [--extra-tools \"NAME...\"], not $1" ;;
    esac
    shift 2
  done
  local AUTH_TOKEN=$token   # what lib.sh's request helpers send
  local -a extra=()
  read -ra extra <<<"$extra_tools"

  check "legacy: initialize advertises tools and prompts"
    post_mcp_legacy initialize "$(initialize_params "$LEGACY_VERSION")"
    expect_result
    expect_json '.result.capabilities.tools.listChanged' false
    expect_json '.result.capabilities.prompts.listChanged' false

  check "modern: server/discover advertises tools and prompts"
    post_mcp_modern server/discover
    expect_result
    expect_json '.result.capabilities.tools.listChanged' false
    expect_json '.result.capabilities.prompts.listChanged' false

  check "legacy: tools/list describes echo and get_time (title, schemas, annotations)${extra_tools:+; it lists $extra_tools too}"
    post_mcp_legacy tools/list
    expect_result
    expect_tool_definitions ${extra[@]+"${extra[@]}"}

  check "modern: tools/list describes the same tools, complete and cacheable"
    post_mcp_modern tools/list
    expect_result
    expect_tool_definitions ${extra[@]+"${extra[@]}"}
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' "$cache_scope"

  check "legacy: prompts/list describes greeting (argument name, required) and help"
    post_mcp_legacy prompts/list
    expect_result
    expect_prompt_definitions

  check "modern: prompts/list describes the same prompts, complete and cacheable"
    post_mcp_modern prompts/list
    expect_result
    expect_prompt_definitions
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' "$cache_scope"

  check "legacy: tools/list with an unknown cursor is invalid params (-32602)"
    post_mcp_legacy tools/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602

  check "modern: prompts/list with an unknown cursor is invalid params (-32602)"
    post_mcp_modern prompts/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602
}

# sorted_names NAME... — the NAMEs as a sorted JSON array: what [.result.tools[].name] | sort must be.
sorted_names() {
  jq -nc '$ARGS.positional | sort' --args -- "$@"
}

# Tool and prompt definitions are the same in both eras; these expect them in the last response.
# expect_tool_definitions [EXTRA_TOOL...] — exactly echo, get_time and the EXTRA_TOOLs: echo and
# get_time in full, the EXTRA_TOOLs by name (their own step's checks the rest).
expect_tool_definitions() {
  local tool
  expect_json '[.result.tools[].name] | sort' "$(sorted_names echo get_time "$@")"
  for tool in echo get_time; do
    local t=".result.tools[] | select(.name == \"$tool\")"
    expect_json "$t | .title | type == \"string\" and length > 0" true
    expect_json "$t | .description | type == \"string\" and length > 0" true
    expect_json "$t | .inputSchema.type" object
    expect_json "$t | .outputSchema.type" object
    expect_json "$t | .annotations.readOnlyHint" true
    expect_json "$t | .annotations.openWorldHint" false
  done
  local echo_tool='.result.tools[] | select(.name == "echo")'
  expect_json "$echo_tool | .inputSchema.required" '["message"]'
  expect_json "$echo_tool | .inputSchema.properties.message.type" string
  expect_json "$echo_tool | .inputSchema.properties.repeat_count | [.type, .minimum, .maximum]" '["integer",1,10]'
  expect_json "$echo_tool | .outputSchema.properties.echoed.type" string
  local get_time_tool='.result.tools[] | select(.name == "get_time")'
  expect_json "$get_time_tool | .inputSchema.properties.timezone.type" string
  expect_json "$get_time_tool | .inputSchema.required // [] | index(\"timezone\")" null
}

# expect_prompt_definitions — exactly greeting (one required argument, name) and help (none).
expect_prompt_definitions() {
  expect_json '[.result.prompts[].name] | sort' '["greeting","help"]'
  expect_json '[.result.prompts[] | .title | type == "string" and length > 0] | all' true
  expect_json '[.result.prompts[] | .description | type == "string" and length > 0] | all' true
  expect_json '.result.prompts[] | select(.name == "greeting") | .arguments | map({name, required})' \
    '[{"name":"name","required":true}]'
  expect_json '.result.prompts[] | select(.name == "help") | .arguments // [] | length' 0
}
