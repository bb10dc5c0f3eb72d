#!/usr/bin/env bash
# The sign-in page in a real browser (browser_sign_in.py), in both protocol eras: the official
# Python client, as a client with a Client ID Metadata Document, hands the authorization URL to
# headless Chromium; the test checks what the page shows, clicks "Sign in as alice and approve",
# the browser follows the redirect to the client's loopback listener, and the client calls whoami
# on Step 9. The issuer, Step 9 and the client's HTTPS site run on free loopback ports with a
# temporary key pair, data folder and CA (oauth_servers.sh), stopped on every exit path. The
# screenshots of the page are kept in .build/browser-sign-in/ (git-ignored), one per era.
#
# Needs .venv/ with requirements.txt installed (selenium among them; scripts/test-all.sh creates
# it), openssl, and Debian's chromium and chromium-driver (or $CHROMIUM and $CHROMEDRIVER). Where
# no headless Chromium can run, it says so loudly and exits 77 (skipped), unless CI=true: in CI a
# missing browser is a failure, so that the test can never be skipped unseen.
#
# Usage: Tests/Interop/python/run_browser_sign_in.sh
# Ends with "N passed, M failed" over the checks of both runs; exits non-zero if one failed.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-$root/.venv/bin/python}"
# shellcheck source=../../../test_steps/lib.sh
source "$root/test_steps/lib.sh"
# shellcheck source=oauth_servers.sh
source "$here/oauth_servers.sh"
script_help "$@"
if [ ! -x "$python" ]; then
  echo "run_browser_sign_in: $python not found; create it with: python3 -m venv .venv && .venv/bin/pip install -r Tests/Interop/python/requirements.txt" >&2
  exit 2
fi

if ! missing="$("$python" "$here/browser.py" check 2>&1)"; then
  if [[ "${CI:-}" == true ]]; then
    echo "not ok - a headless Chromium runs here, to test the sign-in page: $missing"
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "#"
  echo "# SKIPPED: the browser test of the sign-in page did not run."
  echo "#   $missing"
  echo "#   (In CI, with CI=true, this is a failure.)"
  echo "#"
  exit 77
fi

make_work_dir browser_sign_in
start_client_site
# shellcheck disable=SC2119 # no issuer options of its own
start_issuer_and_step9
shots="$root/.build/browser-sign-in"
mkdir -p "$shots"

passed=0; failed=0
for mode in modern legacy; do
  echo
  echo "# --- $mode era: alice signs in through headless Chromium"
  document="/clients/browser-$mode.json"
  "$python" "$here/browser_sign_in.py" --server-url "$MCP_URL" --issuer "$ISSUER_URL" --mode "$mode" \
    --client-metadata-url "$CLIENT_SITE_URL$document" --client-site "$CLIENT_SITE_DIR" \
    --screenshot "$shots/signin-page-$mode.png" | tee "$WORK_DIR/run.txt"
  status=${PIPESTATUS[0]}
  passed=$((passed + $(grep -c '^ok - ' "$WORK_DIR/run.txt")))
  failed=$((failed + $(grep -c '^not ok - ' "$WORK_DIR/run.txt")))
  if ((status != 0)) && ! grep -q '^not ok - ' "$WORK_DIR/run.txt"; then
    echo "not ok - $mode era: browser_sign_in.py ran to its end (it exited with status $status)"
    failed=$((failed + 1))
  fi
  if site_served "$document"; then
    echo "ok - $mode era: the issuer fetched $document from the client's site"
    passed=$((passed + 1))
  else
    echo "not ok - $mode era: the issuer fetched $document from the client's site: the site's log has no such request"
    failed=$((failed + 1))
    status=1
  fi
  if ((status != 0)); then
    echo "# FAILED: the $mode era; the servers' logs end with:"
    tail -n 15 "$ISSUER_LOG" "$SERVER_LOG" | sed 's/^/#   /'
  fi
done
note "screenshots of the sign-in page: ${shots#"$root/"}/signin-page-{modern,legacy}.png"

echo
echo "${passed} passed, ${failed} failed"
((failed == 0))
