#!/usr/bin/env bash
# Step 9 — User-aware tools: whoami and private notes act for the caller the verified token names,
# never for whom the arguments or clientInfo claim; one user never sees another's notes (an admin
# lists them, but reads none); notes are kept in --data-dir and survive a restart; a notes file that
# cannot be read stops the server instead of being overwritten; every tool call is logged with the
# caller's subject.
# Usage: test_steps/test_step9.sh   (builds .build/debug/Step9 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
use_checks 1 2 3 4 5 6 7 8 9

make_work_dir 9
KEYS_DIR="$WORK_DIR/keys"   # not the repository's keys/: this run's server creates a pair of its own
DATA_DIR="$WORK_DIR/data"   # not the repository's data/: this run's notes are thrown away with it
# Debug level: the log says why each token was refused.
start_server 9 --keys-dir "$KEYS_DIR" --data-dir "$DATA_DIR" --log-level debug

check "the start-up banner says where Step 9 listens and prints the MCP endpoint, JWKS and metadata URLs"
  expect_log "Step 9 listening on $BASE_URL"
  expect_log "MCP endpoint: $BASE_URL/mcp"
  expect_log "JWKS: $BASE_URL/.well-known/jwks.json"
  expect_log "Resource metadata: $BASE_URL$METADATA_PATH"

# What Steps 2 to 8 promised still holds for an ordinary user (generate_token's default token), who
# now also sees the user-aware tools.
# shellcheck disable=SC2034 # lib.sh's request helpers send AUTH_TOKEN; checks_step3 and 8 read the others
AUTH_TOKEN="$(mint_token)"
# shellcheck disable=SC2034
LIST_CACHE_SCOPE=private
# shellcheck disable=SC2034
EXTRA_TOOLS=("${STEP9_TOOLS[@]}")
checks_step1 "$BASE_URL" 9
checks_step2 "$BASE_URL"
checks_step3 "$BASE_URL"
checks_step4 "$BASE_URL"
checks_step5 "$BASE_URL"
checks_step6 "$BASE_URL"
checks_step7 "$BASE_URL"   # restarts the server: BASE_URL changes, AUTH_TOKEN is for the old one
checks_step8 "$BASE_URL"
checks_step9 "$BASE_URL"   # restarts the server too, once with a notes file it must refuse

finish
