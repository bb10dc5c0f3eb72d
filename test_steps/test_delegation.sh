#!/usr/bin/env bash
# The Delegation server — Step 9 plus acting for the user on other APIs (chapter 12). First, run with
# no delegation options, it keeps every promise of Steps 1 to 9 (their checks, with its three tools
# more). Then, beside the workshop issuer, a partner issuer and a calendar API trusting each
# (delegation_servers.sh): no token is passed through or accepted for another audience;
# calendar_events gets its own token by token exchange (RFC 8693), which the issuer refuses in every
# case it must; partner_calendar_events asks for URL-mode elicitation in both eras; the link pages
# bind the link to the user who asked, so bob never completes alice's; the partner's tokens are
# sealed at rest; partner_unlink removes the link.
# Checks: test_steps/checks/step1.sh … step9.sh, checks/delegation.sh.
# Usage: test_steps/test_delegation.sh   (builds .build/debug/Delegation, CalendarAPI and generate_token if missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$TEST_STEPS_DIR/delegation_servers.sh"
script_help "$@"
use_checks 1 2 3 4 5 6 7 8 9
# shellcheck source=checks/delegation.sh
source "$TEST_STEPS_DIR/checks/delegation.sh"

SERVER_PROGRAM=Delegation
make_work_dir delegation
start_server 9 --log-level debug

check "the start-up banner says where the Delegation server listens and prints the MCP endpoint and metadata URLs"
  expect_log "Step 9 + delegation listening on $BASE_URL"
  expect_log "MCP endpoint: $BASE_URL/mcp"
  expect_log "Resource metadata: $BASE_URL$METADATA_PATH"

# What Steps 1 to 9 promised still holds; a person sees the three delegation tools besides Step 9's.
user_tools="whoami note_create note_list note_read note_delete"
delegation_tools="calendar_events partner_calendar_events partner_unlink"
token="$(mint_token)"
checks_step1 "$BASE_URL" 9 --token "$token"
checks_step2 "$BASE_URL" --token "$token"
checks_step3 "$BASE_URL" --token "$token" --cache-scope private --extra-tools "$user_tools $delegation_tools"
checks_step4 "$BASE_URL" --token "$token"
checks_step5 "$BASE_URL" --token "$token"   # restarts the server: BASE_URL changes, the token is for the old one
checks_step6 "$BASE_URL"
checks_step7 "$BASE_URL"   # restarts the server too
checks_step8 "$BASE_URL" 9 --extra-tools "$user_tools $delegation_tools"
checks_step9 "$BASE_URL" "$DATA_DIR" --extra-tools "$delegation_tools"   # restarts the server too
close_check   # the last of Step 9's checks passed
stop_server_process

# The capability itself, with a confidential client at the workshop issuer that may not exchange.
OTHER_SERVICE_SECRET="$(openssl rand -base64 32)"
HOME_EXTRA_CLIENTS="$(jq -nc --arg secret "$OTHER_SERVICE_SECRET" \
  '[{client_id: "other-service", client_name: "A service not allowed to exchange", client_secret: $secret,
     grant_types: ["client_credentials"], scope: "mcp:read"}]')"
# shellcheck disable=SC2119 # no options of its own
start_delegation_servers
checks_delegation "$BASE_URL" "$ISSUER_URL" "$PARTNER_ISSUER_URL" "$CALENDAR_URL" "$PARTNER_CALENDAR_URL"

finish
