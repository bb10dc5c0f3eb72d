# test_steps/checks/step3.sh — what Step 3 promises: initialize and server/discover advertise tools
# and prompts; tools/list describes echo and get_time (title, schemas, annotations) and prompts/list
# greeting and help, the same in both eras, the modern lists complete and cacheable; an unknown
# cursor is invalid params.
# Used by test_step3.sh and every later step's script (use_checks 3); the harness is ../lib.sh.
# shellcheck shell=bash

# tool_names NAME... — the names a tools/list should show, as a sorted JSON array: the NAMEs plus
# EXTRA_TOOLS. tools_label [NAME...] — how a check's name says so: echo, get_time, EXTRA_TOOLS, NAMEs.
tool_names() {
  jq -nc '$ARGS.positional | sort' --args "$@" ${EXTRA_TOOLS[@]+"${EXTRA_TOOLS[@]}"}
}

tools_label() {
  and_list echo get_time ${EXTRA_TOOLS[@]+"${EXTRA_TOOLS[@]}"} "$@"
}

# and_list WORD... — "a", "a and b", "a, b and c".
and_list() {
  local text=$1 i
  for ((i = 2; i <= $#; i++)); do
    if ((i == $#)); then text+=" and ${!i}"; else text+=", ${!i}"; fi
  done
  printf '%s' "$text"
}

# Tool and prompt definitions are the same in both eras; these expect them in the last response
# (echo and get_time in full; EXTRA_TOOLS by name, their step checks the rest).
expect_tool_definitions() {
  local tool
  expect_json '[.result.tools[].name] | sort' "$(tool_names echo get_time)"
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

expect_prompt_definitions() {
  expect_json '[.result.prompts[].name] | sort' '["greeting","help"]'
  expect_json '[.result.prompts[] | .title | type == "string" and length > 0] | all' true
  expect_json '[.result.prompts[] | .description | type == "string" and length > 0] | all' true
  expect_json '.result.prompts[] | select(.name == "greeting") | .arguments | map({name, required})' \
    '[{"name":"name","required":true}]'
  expect_json '.result.prompts[] | select(.name == "help") | .arguments // [] | length' 0
}

# checks_step3 BASE_URL — Step 3: the server lists its tools and prompts, in both eras.
checks_step3() {
  BASE_URL=$1

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

  check "legacy: tools/list describes echo and get_time (title, schemas, annotations)${EXTRA_TOOLS[*]:+; it lists ${EXTRA_TOOLS[*]} too}"
    post_mcp_legacy tools/list
    expect_result
    expect_tool_definitions

  check "modern: tools/list describes the same tools, complete and cacheable"
    post_mcp_modern tools/list
    expect_result
    expect_tool_definitions
    expect_json '.result.resultType' complete
    expect_json '.result.ttlMs | type == "number" and . > 0' true
    expect_json '.result.cacheScope' "$LIST_CACHE_SCOPE"

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
    expect_json '.result.cacheScope' "$LIST_CACHE_SCOPE"

  check "legacy: tools/list with an unknown cursor is invalid params (-32602)"
    post_mcp_legacy tools/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602

  check "modern: prompts/list with an unknown cursor is invalid params (-32602)"
    post_mcp_modern prompts/list '{"cursor":"no-such-page"}'
    expect_error 200 -32602
}
