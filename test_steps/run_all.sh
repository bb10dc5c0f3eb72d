#!/usr/bin/env bash
# Runs the step scripts in order, then the issuer's, then the Delegation server's (Step 9 plus
# chapter 12), carries on past failures, and counts every
# check that ran: a line per script, then on the last line
#   N passed, M failed
# A script that stops before its end without naming a failed check counts as one failure.
# Usage: test_steps/run_all.sh          every test_stepN.sh, then test_issuer.sh and test_delegation.sh
#        test_steps/run_all.sh 2 4      only Steps 2 and 4
#        test_steps/run_all.sh issuer   only the issuer (generate_token serve)
#        test_steps/run_all.sh delegation   only the Delegation server
#        test_steps/run_all.sh --help   this help
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

steps=()
if (($# > 0)); then
  for step in "$@"; do
    if [[ "$step" == -h || "$step" == --help ]]; then usage; exit 0; fi
    if [[ ! "$step" =~ ^([0-9]+|issuer|delegation)$ ]]; then
      echo "usage: $0 [STEP_NUMBER... | issuer | delegation]   (not a step number: '$step'; see --help)" >&2
      exit 2
    fi
    steps+=("$step")
  done
else
  # test_step1.sh … test_step9.sh, in numeric order
  while read -r step; do steps+=("$step"); done < <(
    for script in "$here"/test_step*.sh; do
      name="${script##*/test_step}"
      echo "${name%.sh}"
    done | sort -n
  )
  steps+=(issuer delegation)
fi

results="$(mktemp "${TMPDIR:-/tmp}/run_all.XXXXXX")"
trap 'rm -f "$results"' EXIT

passed=0 failed=0 failures="" counts=()
for step in "${steps[@]}"; do
  name="test_step$step.sh"
  if [[ "$step" == issuer || "$step" == delegation ]]; then name="test_$step.sh"; fi
  script="$here/$name"
  echo "=== $name"
  : >"$results"
  if [[ ! -f "$script" ]]; then
    echo "not ok - there is no test_steps/$name" >&2
    echo "not ok - test_steps/$name" >>"$results"
    status=1
  else
    TEST_STEPS_RESULTS="$results" bash "$script"
    status=$?
  fi
  if ((status == 130)); then
    echo "interrupted" >&2
    exit 130
  fi
  ok="$(grep -c '^ok - ' "$results")"
  not_ok="$(grep -c '^not ok - ' "$results")"
  if ((status != 0 && not_ok == 0)); then
    echo "not ok - $name stopped before its end (exit status $status)" >&2
    not_ok=1
  fi
  passed=$((passed + ok)) failed=$((failed + not_ok))
  if ((not_ok > 0)); then failures="$failures $name"; fi
  counts+=("$(printf '%-16s %4d passed, %d failed' "$name:" "$ok" "$not_ok")")
  echo
done

printf '# %s\n' "${counts[@]}"
if ((failed > 0)); then echo "failed:$failures"; fi
echo "$passed passed, $failed failed"
((failed == 0))
