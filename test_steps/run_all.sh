#!/usr/bin/env bash
# Runs the step scripts in order, then the issuer's, carries on past failures, and sums up on the
# last line:
#   N passed, M failed
# Usage: test_steps/run_all.sh          every test_stepN.sh, then test_issuer.sh
#        test_steps/run_all.sh 2 4      only Steps 2 and 4
#        test_steps/run_all.sh issuer   only the issuer (generate_token serve)
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

steps=()
if (($# > 0)); then
  for step in "$@"; do
    if [[ ! "$step" =~ ^([0-9]+|issuer)$ ]]; then
      echo "usage: $0 [STEP_NUMBER... | issuer]   (not a step number: '$step')" >&2
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
  steps+=(issuer)
fi

passed=0 failed=0 failures=""
for step in "${steps[@]}"; do
  name="test_step$step.sh"
  if [[ "$step" == issuer ]]; then name="test_issuer.sh"; fi
  script="$here/$name"
  echo "=== $name"
  if [[ ! -f "$script" ]]; then
    echo "not ok - there is no test_steps/$name" >&2
    status=1
  else
    bash "$script"
    status=$?
  fi
  if ((status == 130)); then
    echo "interrupted" >&2
    exit 130
  fi
  if ((status == 0)); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures="$failures $name"
  fi
  echo
done

if ((failed > 0)); then echo "failed:$failures"; fi
echo "$passed passed, $failed failed"
((failed == 0))
