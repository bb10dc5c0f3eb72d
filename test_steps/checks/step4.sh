# test_steps/checks/step4.sh — what Step 4 promises: tools/call runs echo and get_time and answers
# with structuredContent and the same JSON as text; a tool's own failure is a result with isError
# true, an unknown tool or a missing name is invalid params; prompts/get renders greeting (with the
# person's name) and help; modern requests repeat params.name in an Mcp-Name header.
# Used by test_step4.sh and every later step's script (use_checks 4); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step4 BASE_URL [--token TOKEN] — tools/call and prompts/get of the server at BASE_URL.
# --token: every request carries it (Step 6 on).
checks_step4() {
  BASE_URL=$1
  local token=""
  shift
  while (($# > 0)); do
    case $1 in
      --token) token=${2?"checks_step4: --token needs a value"} ;;
      *) die "checks_step4 takes BASE_URL [--token TOKEN], not $1" ;;
    esac
    shift 2
  done
  local AUTH_TOKEN=$token   # what lib.sh's request helpers send

  # --- tools/call ---

  check "legacy: tools/call echo repeats the message (structuredContent, and the same JSON as text)"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.echoed' "hi hi"
    expect_json '.result.structuredContent.repeat_count' 2
    expect_json '.result.content[0].type' text
    expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true

  check "legacy: echo repeats once by default"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "modern: tools/call echo with Mcp-Name: echo works and says resultType complete"
    post_mcp_modern tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":2}}'
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.echoed' "hi hi"

  check "modern: tools/call without an Mcp-Name header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call"
    expect_error 400 -32020

  check "modern: an Mcp-Name header that differs from params.name is a header mismatch (400, -32020)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call" "Mcp-Name: get_time"
    expect_error 400 -32020

  check "modern: Mcp-Name may be base64-encoded (=?base64?ZWNobw==?= is echo)"
    post_mcp "$(modern_request tools/call '{"name":"echo","arguments":{"message":"hi"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: tools/call" "Mcp-Name: =?base64?ZWNobw==?="
    expect_result
    expect_json '.result.structuredContent.echoed' hi

  check "echo with repeat_count 11 is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","repeat_count":11}}'
    expect_result
    expect_json '.result.isError' true
    expect_json '.result.content[0].text | type' string

  check "echo without a message is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"repeat_count":2}}'
    expect_result
    expect_json '.result.isError' true

  check "echo with an unknown argument is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi","loud":true}}'
    expect_result
    expect_json '.result.isError' true

  check "legacy: tools/call of an unknown tool is invalid params (200, -32602)"
    post_mcp_legacy tools/call '{"name":"no_such_tool","arguments":{}}'
    expect_error 200 -32602

  check "modern: tools/call of an unknown tool is invalid params (-32602)"
    post_mcp_modern tools/call '{"name":"no_such_tool","arguments":{}}'
    expect_error 200 -32602

  check "tools/call without params.name is invalid params (-32602)"
    post_mcp_legacy tools/call '{"arguments":{"message":"hi"}}'
    expect_error 200 -32602

  check "get_time in Europe/Paris tells the time there"
    post_mcp_legacy tools/call '{"name":"get_time","arguments":{"timezone":"Europe/Paris"}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.timezone' Europe/Paris
    expect_json '.result.structuredContent.iso8601 | test("[+]0[12]:00$")' true
    expect_json '.result.structuredContent.unix_time | type' number
    expect_json '(.result.content[0].text | fromjson) == .result.structuredContent' true

  check "get_time without a timezone uses UTC"
    post_mcp_modern tools/call '{"name":"get_time","arguments":{}}'
    expect_result
    expect_json '.result.isError' false
    expect_json '.result.structuredContent.timezone' UTC

  check "get_time with a time zone that does not exist is a tool error: 200, isError true"
    post_mcp_legacy tools/call '{"name":"get_time","arguments":{"timezone":"Mars/Olympus_Mons"}}'
    expect_result
    expect_json '.result.isError' true

  # --- prompts/get ---

  check "legacy: prompts/get greeting renders a user message that names the person"
    post_mcp_legacy prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}'
    expect_result
    expect_json '.result.messages[0].role' user
    expect_json '.result.messages[0].content.type' text
    expect_json '.result.messages[0].content.text | contains("Ada")' true

  check "modern: prompts/get greeting (Mcp-Name: greeting) works and says resultType complete"
    post_mcp_modern prompts/get '{"name":"greeting","arguments":{"name":"Grace"}}'
    expect_result
    expect_json '.result.resultType' complete
    expect_json '.result.messages[0].content.text | contains("Grace")' true

  check "modern: prompts/get without an Mcp-Name header is a header mismatch (400, -32020)"
    post_mcp "$(modern_request prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}')" \
      "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: prompts/get"
    expect_error 400 -32020

  check "prompts/get help renders without arguments"
    post_mcp_legacy prompts/get '{"name":"help"}'
    expect_result
    expect_json '.result.messages | length > 0' true
    expect_json '.result.messages[0].content.type' text

  check "prompts/get greeting without its name argument is invalid params (-32602)"
    post_mcp_legacy prompts/get '{"name":"greeting","arguments":{}}'
    expect_error 200 -32602

  check "prompts/get of an unknown prompt is invalid params (-32602)"
    post_mcp_legacy prompts/get '{"name":"no_such_prompt"}'
    expect_error 200 -32602
}
