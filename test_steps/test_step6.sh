#!/usr/bin/env bash
# Step 6 — Validation: every /mcp request needs Authorization: Bearer <RS256 JWT> signed with the
# workshop key, for this server (aud), from the workshop issuer (iss), not expired, typed at+jwt.
# /health and /.well-known/jwks.json stay public.
# Checks: test_steps/checks/step1.sh … step6.sh, then what holds only at Step 6 (in this script).
# Usage: test_steps/test_step6.sh   (builds .build/debug/Step6 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4 5 6

# Debug level: the log says why each token was refused.
start_server 6 --log-level debug
check_banner

# What Steps 1 to 5 promised still holds for a client that sends a valid token.
token="$(mint_token)"
checks_step1 "$BASE_URL" 6 --token "$token"
checks_step2 "$BASE_URL" --token "$token"
checks_step3 "$BASE_URL" --token "$token"
checks_step4 "$BASE_URL" --token "$token"
checks_step5 "$BASE_URL" --token "$token"   # restarts the server: BASE_URL changes, the token is for the old one
checks_step6 "$BASE_URL"

# Only at Step 6: the challenge is the bare minimum (Step 7 adds resource_metadata and scope).
check "without a token the challenge is exactly: Bearer realm=\"mcp\""
  post_mcp_legacy ping
  expect_status 401
  expect_header WWW-Authenticate 'Bearer realm="mcp"'

finish
