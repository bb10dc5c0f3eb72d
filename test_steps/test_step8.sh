#!/usr/bin/env bash
# Step 8 — Scopes and roles: one policy table says which scopes each method and tool needs, roles
# bound what a token's scopes allow, a missing scope is a 403 insufficient_scope challenge, and lists
# show only what the caller may use (the admin-only tool server_status to admins alone).
# Checks: test_steps/checks/step1.sh … step8.sh.
# Usage: test_steps/test_step8.sh   (builds .build/debug/Step8 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4 5 6 7 8

# Debug level: the log says why each token was refused.
start_server 8 --log-level debug
check_banner

# What Steps 1 to 7 promised still holds for an ordinary user: generate_token's default token
# (mcp:read, mcp:tools, mcp:prompts; role user). Lists now depend on the caller: cacheScope private.
token="$(mint_token)"
checks_step1 "$BASE_URL" 8 --token "$token"
checks_step2 "$BASE_URL" --token "$token"
checks_step3 "$BASE_URL" --token "$token" --cache-scope private
checks_step4 "$BASE_URL" --token "$token"
checks_step5 "$BASE_URL" --token "$token"   # restarts the server: BASE_URL changes, the token is for the old one
checks_step6 "$BASE_URL"
checks_step7 "$BASE_URL"   # restarts the server too
checks_step8 "$BASE_URL" 8

finish
