#!/usr/bin/env bash
# Step 7 — OAuth metadata: RFC 9728 protected resource metadata at
# /.well-known/oauth-protected-resource/mcp (and at the root well-known path) names the resource and
# its authorization server; every 401 carries resource_metadata="…" and scope="…"; opt-in token
# introspection (RFC 7662) refuses a token revoked at the issuer within seconds.
# Checks: test_steps/checks/step1.sh … step7.sh, then what holds only at Step 7 (in this script).
# Usage: test_steps/test_step7.sh   (builds .build/debug/Step7 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4 5 6 7

# Debug level: the log says why each token was refused.
start_server 7 --log-level debug
check_banner

# What Steps 1 to 6 promised still holds for a client that sends a valid token.
token="$(mint_token)"
checks_step1 "$BASE_URL" 7 --token "$token"
checks_step2 "$BASE_URL" --token "$token"
checks_step3 "$BASE_URL" --token "$token"
checks_step4 "$BASE_URL" --token "$token"
checks_step5 "$BASE_URL" --token "$token"   # restarts the server: BASE_URL changes, the token is for the old one
checks_step6 "$BASE_URL"
checks_step7 "$BASE_URL"   # restarts the server too

# Only at Step 7: the metadata lists the scopes, but nothing enforces them yet (Step 8 adds that).
check "a token with only mcp:read (role guest) may still call echo and get the greeting prompt"
  token="$(mint_token --scopes mcp:read --roles guest)"
  with_token "$token" post_mcp_legacy tools/call '{"name":"echo","arguments":{"message":"hi"}}'
  expect_result
  expect_json '.result.structuredContent.echoed' hi
  with_token "$token" post_mcp_modern prompts/get '{"name":"greeting","arguments":{"name":"Ada"}}'
  expect_result

finish
