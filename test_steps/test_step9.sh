#!/usr/bin/env bash
# Step 9 — User-aware tools: whoami and private notes act for the caller the verified token names,
# never for whom the arguments or clientInfo claim; one user never sees another's notes (an admin
# lists them, but reads none); notes are kept in --data-dir and survive a restart; a notes file that
# cannot be read stops the server instead of being overwritten; every tool call is logged with the
# caller's subject.
# Checks: test_steps/checks/step1.sh … step9.sh.
# Usage: test_steps/test_step9.sh   (builds .build/debug/Step9 and generate_token if they are missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
script_help "$@"
use_checks 1 2 3 4 5 6 7 8 9

# Debug level: the log says why each token was refused. A data folder of this run, in DATA_DIR.
start_server 9 --log-level debug
check_banner

# What Steps 1 to 8 promised still holds for an ordinary user (generate_token's default token), who
# now also sees the user-aware tools.
user_tools="whoami note_create note_list note_read note_delete"
token="$(mint_token)"
checks_step1 "$BASE_URL" 9 --token "$token"
checks_step2 "$BASE_URL" --token "$token"
checks_step3 "$BASE_URL" --token "$token" --cache-scope private --extra-tools "$user_tools"
checks_step4 "$BASE_URL" --token "$token"
checks_step5 "$BASE_URL" --token "$token"   # restarts the server: BASE_URL changes, the token is for the old one
checks_step6 "$BASE_URL"
checks_step7 "$BASE_URL"   # restarts the server too
checks_step8 "$BASE_URL" 9 --extra-tools "$user_tools"
checks_step9 "$BASE_URL" "$DATA_DIR"   # restarts the server too, once with a notes file it must refuse

finish
