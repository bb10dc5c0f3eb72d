# test_steps/checks/step5.sh — what Step 5 promises: GET /.well-known/jwks.json publishes the
# workshop's public key as a JWK Set (RFC 7517): one RSA key for RS256, with no private member, whose
# kid is its RFC 7638 thumbprint, the key the token desk signs with. The step loads the public key
# that the token desk (generate_token keys) made in its --keys-dir; it never writes a private key.
# Used by test_step5.sh and every later step's script (use_checks 5); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step5 BASE_URL [--token TOKEN] — the JWK Set of the server at BASE_URL, whose --keys-dir is
# the token desk's folder KEYS_DIR (as start_server makes it). --token: every request carries it
# (Step 6 on). Restarts the server on a folder holding only the public key, then with its own
# options again: BASE_URL changes.
checks_step5() {
  BASE_URL=$1
  local token=""
  shift
  while (($# > 0)); do
    case $1 in
      --token) token=${2?"checks_step5: --token needs a value"} ;;
      *) die "checks_step5 takes BASE_URL [--token TOKEN], not $1" ;;
    esac
    shift 2
  done
  local AUTH_TOKEN=$token   # what lib.sh's request helpers send
  local jwk kid_from_desk minted public_only="$WORK_DIR/public-key-only"

  check "GET /.well-known/jwks.json answers 200 JSON: a JWK Set of exactly one key, with Cache-Control"
    send GET /.well-known/jwks.json ""
    expect_status 200
    expect_content_type application/json
    expect_json '.keys | length' 1
    expect_has_header Cache-Control

  check "the key is an RSA key for RS256 signatures (kty RSA, alg RS256, use sig) with a kid, n and e"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kty' RSA
    expect_json '.keys[0].alg' RS256
    expect_json '.keys[0].use' sig
    expect_json '[.keys[0] | .kid, .n, .e | type == "string" and length > 0] | all' true

  check "the key has no private members (d, p, q, dp, dq, qi, oth)"
    send GET /.well-known/jwks.json ""
    expect_json '[.keys[0] | has("d", "p", "q", "dp", "dq", "qi", "oth")] | any' false

  check "n and e are the public half of the private key in the --keys-dir folder"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].n' "$(rsa_modulus "$KEYS_DIR/private.pem")"
    expect_json '.keys[0].e' "$(rsa_exponent "$KEYS_DIR/private.pem")"

  check "kid is the key's RFC 7638 thumbprint (computed here with jq and openssl)"
    send GET /.well-known/jwks.json ""
    jwk="$(jq -c '.keys[0]' <<<"$LAST_BODY")"
    expect_json '.keys[0].kid' "$(jwk_thumbprint <<<"$jwk")"

  check "generate_token keys reports the same kid"
    kid_from_desk="$(token_desk keys | awk '$1 == "kid:" { print $2 }')"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kid' "$kid_from_desk"

  check "a token minted by generate_token names the same kid in its header, and alg RS256"
    minted="$(mint_token)"
    send GET /.well-known/jwks.json ""
    expect_json '.keys[0].kid' "$(jwt_part "$minted" 1 | jq -r .kid)"
    expect_json '.keys[0].alg' "$(jwt_part "$minted" 1 | jq -r .alg)"

  # The step's folder need not hold the private key at all: the token desk keeps it.
  if ! { mkdir -p "$public_only" && cp "$KEYS_DIR/public.pem" "$public_only/"; }; then die "cannot copy public.pem to $public_only"; fi
  check "started on a folder holding only public.pem, the server publishes that key and writes no private.pem"
    restart_server_with --keys-dir "$public_only"
    send GET /.well-known/jwks.json ""
    expect_status 200
    expect_json '.keys[0].kid' "$kid_from_desk"
    if [[ -e "$public_only/private.pem" ]]; then fail "no private.pem in $public_only" "$(ls -l "$public_only")"; fi
    expectation_passed
  restart_server_with
}
