# test_steps/checks/step9.sh — what Step 9 promises: whoami and private notes act for the caller the
# verified token names, never for whom the arguments or clientInfo claim; one user never sees
# another's notes (an admin lists them, but reads none); arguments are checked before anything is
# done; a note belongs to the pair (issuer, subject), and a machine (sub = client_id) has none; notes
# are kept in an SQLite database in --data-dir, survive a restart and a SIGKILL, are shared safely by
# two servers, and fit quotas counted in UTF-8 bytes; an old notes.json is imported once; a notes
# file that cannot be read stops the server instead of being overwritten; every tool call is logged
# with the caller's subject, and no note text or token ever is.
# Used by test_step9.sh (use_checks 9); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step9 BASE_URL DATA_DIR [--extra-tools "NAME..."] — the user-aware tools of the server at
# BASE_URL, whose --data-dir is DATA_DIR, with no notes in it yet. Restarts the server (BASE_URL
# changes), with broken notes files that it must refuse, and runs more Step 9 servers beside it
# (checks_step9_storage). --extra-tools: the tools a person sees besides Step 9's (a server that is
# Step 9 plus a capability, such as Delegation).
# shellcheck disable=SC2016 # '$ARGS' and '$id' in the jq filters are jq's variables, not the shell's
checks_step9() {
  BASE_URL=$1
  local data_dir=${2?"checks_step9 takes BASE_URL DATA_DIR [--extra-tools \"NAME...\"]"} extra_tools=""
  shift 2
  while (($# > 0)); do
    case $1 in
      --extra-tools) extra_tools=${2?"checks_step9: --extra-tools needs a value"} ;;
      *) die "checks_step9 takes BASE_URL DATA_DIR [--extra-tools \"NAME...\"], not $1" ;;
    esac
    shift 2
  done
  local -a step9_tools=(whoami note_create note_list note_read note_delete)   # what this step adds
  local AUTH_TOKEN=""   # each request below says whose token it sends
  local alice bob ada ulla gina carol token era tool args i id second_id random_id text body secret
  local notes_file="$data_dir/notes.json" database="$data_dir/notes.sqlite" saved="$WORK_DIR/data.saved"
  local note_id_pattern='^[A-Za-z0-9_-]{22}$'
  local user_tools='["echo","get_time","note_create","note_delete","note_list","note_read","whoami"]'
  user_tools="$(jq -c --arg extra "$extra_tools" '. + ($extra | split(" ") | map(select(. != ""))) | sort' <<<"$user_tools")"
  local tool_def='(.result.tools | map({(.name): .}) | add)'   # a tools/list result's tools, by name
  secret="the door code is $(openssl rand -hex 4)"   # the text of alice's note: nobody else may ever read it
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob --expires-in 1800 --client-id bobs-laptop)" || exit 1
  ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
  ulla="$(mint_token --username ulla --scopes mcp:read,mcp:tools,mcp:prompts,mcp:admin --roles user)" || exit 1
  gina="$(mint_token --username gina --scopes mcp:read --roles guest)" || exit 1

  # --- Who sees which tools ---

  local -a extra=()
  read -ra extra <<<"$extra_tools"
  check "user: tools/list shows exactly $(and_list echo get_time "${step9_tools[@]}" ${extra[@]+"${extra[@]}"}), in both eras"
    for era in legacy modern; do
      with_token "$alice" "post_mcp_$era" tools/list
      expect_result
      expect_json '[.result.tools[].name] | sort' "$user_tools"
    done

  local -a numbers=(zero one two three four five six seven eight nine ten eleven twelve)
  check "admin: tools/list shows all ${numbers[$(jq length <<<"$user_tools") + 1]} tools, server_status too"
    with_token "$ada" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' "$(jq -c '. + ["server_status"] | sort' <<<"$user_tools")"

  check "the user tools are fully described: title, description, closed input schema, output schema, annotations"
    with_token "$alice" post_mcp_legacy tools/list
    expect_result
    for tool in "${step9_tools[@]}"; do
      expect_json "$tool_def.$tool | .title | type == \"string\" and length > 0" true
      expect_json "$tool_def.$tool | .description | type == \"string\" and length > 0" true
      expect_json "$tool_def.$tool | .inputSchema | [.type, .additionalProperties]" '["object",false]'
      expect_json "$tool_def.$tool | .outputSchema.type" object
      expect_json "$tool_def.$tool | .annotations.openWorldHint" false
    done
    expect_json "$tool_def.whoami.inputSchema.properties // {} | length" 0
    expect_json "$tool_def.whoami.outputSchema.required | contains([\"subject\", \"scopes\", \"roles\"])" true
    expect_json "$tool_def.note_create.inputSchema.required" '["title","text"]'
    expect_json "$tool_def.note_read.inputSchema.required" '["id"]'
    expect_json "$tool_def.note_delete.inputSchema.required" '["id"]'
    expect_json "$tool_def | map_values(.annotations.readOnlyHint) | {note_create, note_list, note_read, note_delete}" \
      '{"note_create":false,"note_list":true,"note_read":true,"note_delete":false}'
    expect_json "$tool_def.note_delete.annotations.destructiveHint" true

  check "guest: whoami and note_list are refused with 403 and no challenge: a guest's role never calls a tool"
    for tool in whoami note_list; do
      call_tool legacy "$gina" "$tool"
      expect_role_denied
    done

  # --- whoami: who the token says, never what the request claims ---

  check "whoami tells alice who she is, all from her token: issuer and subject, kind, username, client_id, scopes, roles, expires_at"
    for era in legacy modern; do
      call_tool "$era" "$alice" whoami
      expect_tool_result
      expect_json '.result.structuredContent | del(.effective_scopes)' "$(token_identity "$alice")"
      expect_json '.result.structuredContent.effective_scopes' '["mcp:prompts","mcp:read","mcp:tools"]'
    done

  check "whoami tells bob who he is: his subject, his client_id, his token's expiry"
    call_tool modern "$bob" whoami '{}'
    expect_tool_result
    expect_json '.result.structuredContent | del(.effective_scopes)' "$(token_identity "$bob")"
    expect_json '.result.structuredContent | [.subject, .client_id]' '["bob","bobs-laptop"]'

  check "whoami: subject is the token's sub, username its preferred_username, or the sub when there is none"
    token="$(rs256_token '.sub = "user-7f3a"')"   # preferred_username stays alice
    call_tool legacy "$token" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .username]' '["user-7f3a","alice"]'
    token="$(rs256_token '.sub = "user-7f3a" | del(.preferred_username)')"
    call_tool legacy "$token" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .username]' '["user-7f3a","user-7f3a"]'

  check "admin: whoami lists the admin's roles and effective scopes (mcp:admin implies the others)"
    call_tool legacy "$ada" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.subject, .scopes, .roles]' '["ada",["mcp:admin"],["admin"]]'
    expect_json '.result.structuredContent.effective_scopes' '["mcp:admin","mcp:prompts","mcp:read","mcp:tools"]'

  check "whoami with arguments ({\"subject\": \"bob\"}) is a tool error: who you are comes from the token"
    call_tool legacy "$alice" whoami '{"subject":"bob"}'
    expect_tool_error

  check "legacy: initialize with clientInfo name \"alice\" and bob's token: the instructions say signed in as bob"
    with_token "$bob" post_mcp_legacy initialize \
      '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"alice","version":"1.0.0"}}'
    expect_result
    expect_json '.result.instructions | contains("signed in as bob")' true
    expect_json '.result.instructions | contains("alice")' false
    call_tool legacy "$bob" whoami
    expect_tool_result
    expect_json '.result.structuredContent.subject' bob

  check "modern: server/discover with clientInfo name \"alice\" in _meta and bob's token: signed in as bob"
    REQUEST_ID=$((REQUEST_ID + 1))
    body="$(modern_request server/discover \
      | jq -c '.params._meta["io.modelcontextprotocol/clientInfo"] = {name: "alice", version: "1.0.0"}')"
    with_token "$bob" post_mcp "$body" "MCP-Protocol-Version: $MODERN_VERSION" "Mcp-Method: server/discover"
    expect_result
    expect_json '.result.instructions | contains("signed in as bob")' true

  # --- Notes: each user's own ---

  check "before the first note the data folder holds no notes.json, and the notes database is empty"
    if [[ -e "$notes_file" ]]; then fail "no $notes_file" "$(ls -l "$notes_file")"; fi
    expectation_passed
    call_tool legacy "$alice" note_list
    expect_tool_result
    expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'

  check "alice creates a note: its id is 22 characters of base64url (128 random bits); title and created_at come back"
    call_tool legacy "$alice" note_create "$(jq -nc --arg text "$secret" '{title: "Shopping list", text: $text}')"
    expect_tool_result
    expect_json ".result.structuredContent.id | test(\"$note_id_pattern\")" true
    expect_json '.result.structuredContent.title' "Shopping list"
    expect_json '.result.structuredContent.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' true
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"

  check "alice's second note has another id"
    call_tool modern "$alice" note_create '{"title":"Second","text":"to be deleted"}'
    expect_tool_result
    expect_json ".result.structuredContent.id | test(\"$note_id_pattern\") and . != \"$id\"" true
    second_id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"

  check "alice lists her notes (owner: the workshop issuer and alice, all_users false) and reads one back: title and text"
    for era in legacy modern; do
      call_tool "$era" "$alice" note_list
      expect_tool_result
      expect_json '.result.structuredContent.all_users' false
      expect_json '[.result.structuredContent.notes[].id] | sort' "$(jq -nc '[$ARGS.positional[]] | sort' --args -- "$id" "$second_id")"
      expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.title, .owner.issuer, .owner.subject]" \
        "[\"Shopping list\",\"$WORKSHOP_ISSUER\",\"alice\"]"
      call_tool "$era" "$alice" note_read "{\"id\":\"$id\"}"
      expect_tool_result
      expect_json '.result.structuredContent.id' "$id"
      expect_json '.result.structuredContent.title' "Shopping list"
      expect_json '.result.structuredContent.text' "$secret"
    done

  check "bob's note_list is empty: alice's notes are not his"
    for era in legacy modern; do
      call_tool "$era" "$bob" note_list
      expect_tool_result
      expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'
    done

  check "bob's note_read and note_delete of alice's id get exactly the tool error of an id that does not exist"
    random_id="$(random_note_id)"
    for tool in note_read note_delete; do
      call_tool legacy "$bob" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$bob" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
      expect_json "tostring | contains(\"$secret\") or contains(\"Shopping\")" false
      call_tool modern "$bob" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
    done

  check "after bob's attempts alice still has her note, unchanged"
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"

  check "a token with alice's username but another sub sees none of her notes: notes belong to the sub"
    token="$(rs256_token '.sub = "user-7f3a"')"   # preferred_username: alice
    call_tool legacy "$token" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes' '[]'
    call_tool legacy "$token" note_read "{\"id\":\"$id\"}"
    expect_tool_error

  check "admin: note_list shows every user's notes with their owners (all_users true), never their text"
    call_tool legacy "$bob" note_create '{"title":"A note of his own","text":"bob was here"}'
    expect_tool_result
    call_tool modern "$ada" note_list
    expect_tool_result
    expect_json '.result.structuredContent.all_users' true
    expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.owner.subject, .title]" '["alice","Shopping list"]'
    expect_json '[.result.structuredContent.notes[].owner.subject] | unique' '["alice","bob"]'
    expect_json '[.result.structuredContent.notes[].owner.issuer] | unique' "[\"$WORKSHOP_ISSUER\"]"
    expect_json '[.result.structuredContent.notes[] | has("text")] | any' false
    expect_json "tostring | contains(\"$secret\")" false

  check "admin: note_read and note_delete of alice's note are tool errors (it stays hers); she still has it"
    for tool in note_read note_delete; do
      call_tool legacy "$ada" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$ada" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "$text"
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result

  check "a user whose token holds mcp:admin lists only her own notes: her role bounds the scope"
    call_tool legacy "$ulla" note_list
    expect_tool_result
    expect_json '.result.structuredContent' '{"notes":[],"all_users":false}'

  # --- Arguments: checked before anything is done ---

  check "note_create with bad arguments is a tool error, and saves nothing"
    for args in '{}' '{"title":"t"}' '{"text":"x"}' '{"title":"","text":"x"}' '{"title":"t","text":""}' \
      '{"title":1,"text":"x"}' '{"title":"t","text":"x","owner":"bob"}' '"x"' '[]' \
      "{\"title\":\"$(printf 'x%.0s' {1..201})\",\"text\":\"x\"}" \
      "{\"title\":\"t\",\"text\":\"$(printf 'x%.0s' {1..10001})\"}"; do
      call_tool legacy "$alice" note_create "$args"
      expect_tool_error
    done
    call_tool legacy "$alice" note_list
    expect_json '.result.structuredContent.notes | length' 2

  check "a title of 200 characters (é: 400 bytes) is accepted: lengths count characters"
    call_tool legacy "$alice" note_create "{\"title\":\"$(printf 'é%.0s' {1..200})\",\"text\":\"x\"}"
    expect_tool_result
    call_tool legacy "$alice" note_delete "$(jq -c '{id: .result.structuredContent.id}' <<<"$LAST_BODY")"
    expect_tool_result

  check "note_read and note_delete with bad arguments are tool errors"
    for tool in note_read note_delete; do
      for args in '' '{}' '{"id":5}' '{"id":""}' "{\"id\":\"$id\",\"owner\":\"alice\"}" \
        "{\"id\":\"$(printf 'x%.0s' {1..65})\"}"; do
        call_tool legacy "$alice" "$tool" "$args"
        expect_tool_error
      done
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result

  check "note_list with an argument ({\"owner\": \"bob\"}) is a tool error"
    for args in '{"owner":"bob"}' '{"all_users":true}'; do
      call_tool legacy "$alice" note_list "$args"
      expect_tool_error
    done

  check "tools/call with arguments \"x\" (not an object) is a tool error, for every tool, in both eras"
    for era in legacy modern; do
      for tool in whoami note_list note_read echo get_time; do
        call_tool "$era" "$alice" "$tool" '"x"'
        expect_tool_error
      done
    done

  # --- Deleting ---

  check "alice deletes her second note: deleted true; after that it is the error of an id that does not exist"
    call_tool modern "$alice" note_delete "{\"id\":\"$second_id\"}"
    expect_tool_result
    expect_json '.result.structuredContent' "{\"id\":\"$second_id\",\"deleted\":true}"
    for tool in note_read note_delete; do
      call_tool legacy "$alice" "$tool" "{\"id\":\"$random_id\"}"
      expect_tool_error
      text="$(jq -r '.result.content[0].text' <<<"$LAST_BODY")"
      call_tool legacy "$alice" "$tool" "{\"id\":\"$second_id\"}"
      expect_tool_error "$text"
    done
    call_tool legacy "$alice" note_list
    expect_json '[.result.structuredContent.notes[].id]' "[\"$id\"]"

  check "a user keeps at most 100 notes: the 101st is a tool error, and deleting one makes room"
    carol="$(mint_token --username carol)" || exit 1
    for ((i = 1; i <= 100; i++)); do
      body="{\"name\":\"note_create\",\"arguments\":{\"title\":\"note $i\",\"text\":\"x\"}}"
      with_token "$carol" post_mcp_legacy tools/call "$body"
      # A plain match, not jq: this runs 100 times.
      if [[ "$LAST_STATUS" != 200 || "$LAST_BODY" != *'"isError":false'* ]]; then
        fail "note $i is saved" "HTTP $LAST_STATUS: $LAST_BODY"
      fi
    done
    expectation_passed
    call_tool legacy "$carol" note_create '{"title":"one too many","text":"x"}'
    expect_tool_error
    call_tool legacy "$carol" note_list
    expect_json '.result.structuredContent.notes | length' 100
    call_tool legacy "$carol" note_delete "$(jq -c '{id: .result.structuredContent.notes[0].id}' <<<"$LAST_BODY")"
    expect_tool_result
    call_tool legacy "$carol" note_create '{"title":"room again","text":"x"}'
    expect_tool_result

  # --- The notes database ---

  check "the notes database in --data-dir is readable by its owner only (600), in a folder that is 700; alice's note in it, owned by (issuer, alice)"
    if [[ -z "$(find "$database" -perm 600)" ]]; then fail "$database with mode 600" "$(ls -l "$database")"; fi
    expectation_passed
    if [[ -z "$(find "$data_dir" -maxdepth 0 -perm 700)" ]]; then
      fail "$data_dir with mode 700" "$(ls -ld "$data_dir")"
    fi
    expectation_passed
    expect_sqlite "$database" "SELECT owner_issuer || ' ' || owner_subject FROM notes WHERE id = '$id'" "$WORKSHOP_ISSUER alice"

  # --- Personal answers, and the log ---

  check "prompts/get greeting with bob's token says it comes from bob, whatever the name argument says"
    for era in legacy modern; do
      with_token "$bob" "post_mcp_$era" prompts/get '{"name":"greeting","arguments":{"name":"alice"}}'
      expect_result
      expect_json '.result.messages[0].content.text | contains("bob")' true
    done

  check "every tool call is logged with the caller's subject, the tool and the outcome (ok or error)"
    expect_log "tools/call" "sub=alice" "tool=note_create" "outcome=ok"
    expect_log "tools/call" "sub=alice" "tool=whoami" "outcome=error"
    expect_log "tools/call" "sub=bob" "tool=note_read" "outcome=error"
    expect_log "tools/call" "sub=ada" "tool=note_list" "outcome=ok"
    expect_log "tools/call" "sub=alice" "tool=echo" "outcome=error"

  check "the log holds no note text and no token"
    expect_no_log "$secret"
    for token in "$alice" "$bob" "$ada"; do expect_no_log "$token"; done

  # --- Notes are kept: across restarts, and never thrown away ---

  check "notes survive a restart: alice lists and reads her note again"
    restart_server
    alice="$(mint_token)" || exit 1   # BASE_URL changed, and with it the audience
    call_tool legacy "$alice" note_list
    expect_tool_result
    expect_json '[.result.structuredContent.notes[].id]' "[\"$id\"]"
    call_tool modern "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"

  stop_server_process
  cp -pR "$data_dir" "$saved" || die "cannot copy $data_dir"
  for body in 'garbage, not JSON' '{"notes":[]}'; do
    check "with $body in an old notes.json the server refuses to start: non-zero exit, 'left as it is'; the file is unchanged"
      printf '%s\n' "$body" >"$notes_file"
      cp -p "$notes_file" "$WORK_DIR/notes.broken.json"
      start_server_expecting_exit
      expect_exit_failure
      expect_log "notes.json" "left as it is"
      if ! cmp -s "$notes_file" "$WORK_DIR/notes.broken.json"; then
        fail "$notes_file unchanged: $body" "$(head -c 300 "$notes_file")"
      fi
      expectation_passed
  done
  rm -f "$notes_file"

  check "with a notes.sqlite that is not a database the server refuses to start: non-zero exit, 'left as it is'; the file is unchanged"
    rm -f "$database" "$database-wal" "$database-shm"
    printf 'not a database %.0s' {1..40} >"$database"
    cp -p "$database" "$WORK_DIR/notes.broken.sqlite"
    start_server_expecting_exit
    expect_exit_failure
    expect_log "notes.sqlite" "left as it is"
    if ! cmp -s "$database" "$WORK_DIR/notes.broken.sqlite"; then fail "$database unchanged" "it changed"; fi
    expectation_passed

  check "with the notes database put back, the server starts again and alice's note is there"
    rm -rf "$data_dir"
    cp -pR "$saved" "$data_dir"
    restart_server_with
    alice="$(mint_token)" || exit 1
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"
    ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
    call_tool legacy "$ada" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes | length' "$(sqlite_query "$saved/notes.sqlite" "SELECT count(*) FROM notes" || echo 102)"

  checks_step9_storage "$data_dir"
}

# token_identity TOKEN — what whoami must say about the person TOKEN speaks for, all of it from its
# claims: issuer (iss) and subject (sub), kind person, username (preferred_username, else sub),
# client_id, scopes, roles (for a token without them, the default role: guest), expires_at (exp).
token_identity() {
  jwt_part "$1" 2 | jq -c '{
      issuer: .iss, subject: .sub, kind: "person", username: (.preferred_username // .sub),
      client_id: (.client_id // null), scopes: (.scope // "" | split(" ") | map(select(. != ""))),
      roles: (.roles // ["guest"]), expires_at: (.exp | todate)}'
}

# random_note_id — an id of the shape the server gives notes (128 random bits in base64url), that
# no note has.
random_note_id() {
  openssl rand 16 | b64url
}

# checks_step9_storage DATA_DIR — (part of checks_step9, whose server keeps its notes in DATA_DIR) machines keep no notes; two issuers' alices are two
# people; two servers share one --data-dir and lose nothing; a server killed in the middle of a burst
# of writes keeps every note it acknowledged; quotas count UTF-8 bytes, and the total stops a flood
# of new owners; an old notes.json is imported once. Runs servers beside the one under test, and
# restarts it (BASE_URL changes).
# shellcheck disable=SC2016 # '$ids' in the jq filters is jq's variable, not the shell's
checks_step9_storage() {
  local data_dir=$1
  local AUTH_TOKEN="" alice bob carol robot token id other_keys other_issuer other_alice first second tool i
  local acked="$WORK_DIR/acked.ids" listed="$WORK_DIR/listed.ids" writers=() pid user controls emoji folder
  local database="$data_dir/notes.sqlite"
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob)" || exit 1

  # --- Machines: a token with no person behind it has no notes (RFC 9068 §2.2: sub = client_id) ---

  check "a machine token (sub = client_id, scope mcp:admin): every note tool is a tool error naming client credentials; no note of anyone's shows"
    robot="$(mint_token --username nightly-report --client-id nightly-report --scopes mcp:admin --roles admin)" || exit 1
    for tool in note_list note_create note_read note_delete; do
      case "$tool" in
        note_create) call_tool legacy "$robot" "$tool" '{"title":"t","text":"x"}' ;;
        note_read | note_delete) call_tool legacy "$robot" "$tool" "{\"id\":\"$(random_note_id)\"}" ;;
        *) call_tool legacy "$robot" "$tool" ;;
      esac
      expect_tool_error
      expect_json '.result.content[0].text | contains("client credentials")' true
      expect_json 'tostring | contains("Shopping")' false
    done

  check "the machine's tools/list has no note tools; whoami says kind machine, no roles, no mcp:admin"
    with_token "$robot" post_mcp_modern tools/list
    expect_result
    expect_json '[.result.tools[].name] | sort' '["echo","get_time","whoami"]'
    call_tool legacy "$robot" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.kind, .roles, (.effective_scopes | index("mcp:admin"))]' '["machine",[],null]'

  # --- Identity is the pair (iss, sub): alice of another trusted issuer is another person ---

  check "trusting a second issuer, its alice cannot list, read or delete the workshop issuer's alice's note"
    other_keys="$WORK_DIR/other-issuer-keys"
    start_issuer --keys-dir "$other_keys"
    other_issuer="$ISSUER_URL"
    restart_server_with --issuer "$WORKSHOP_ISSUER" --issuer "$other_issuer"
    alice="$(mint_token)" || exit 1
    other_alice="$("$BIN_DIR/generate_token" --keys-dir "$other_keys" --issuer "$other_issuer" \
      --audience "$BASE_URL/mcp" 2>/dev/null)" || die "generate_token could not mint for $other_issuer"
    call_tool legacy "$other_alice" whoami
    expect_tool_result
    expect_json '.result.structuredContent | [.issuer, .subject]' "[\"$other_issuer\",\"alice\"]"
    call_tool legacy "$alice" note_create '{"title":"A-alice only","text":"secret of alice at the workshop issuer"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    call_tool legacy "$other_alice" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes' '[]'
    for tool in note_read note_delete; do
      call_tool legacy "$other_alice" "$tool" "{\"id\":\"$id\"}"
      expect_tool_error "No note with that id."
    done
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "secret of alice at the workshop issuer"
    stop_process "$ISSUER_PID"
    ISSUER_PID=""

  # --- Two servers, one --data-dir ---

  restart_server_with
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob)" || exit 1

  check "a second Step 9 on the same --data-dir: alice writes through the first, bob through the second, and each server reads both"
    start_step9_beside "$data_dir" "$WORK_DIR/second.log"
    first="$BASE_URL"; second="$BESIDE_URL"
    call_tool legacy "$alice" note_create '{"title":"alice-1","text":"through the first"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    BASE_URL="$second"
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    call_tool legacy "$bob" note_create '{"title":"bob-1","text":"through the second"}'
    expect_tool_result
    id="$(jq -r '.result.structuredContent.id' <<<"$LAST_BODY")"
    BASE_URL="$first"
    call_tool legacy "$bob" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.title' bob-1
    call_tool legacy "$alice" note_list
    expect_json '[.result.structuredContent.notes[].title] | index("alice-1") != null' true

  check "forty notes written at once, twenty through each server, are all acknowledged and all kept"
    : >"$acked"
    for ((i = 1; i <= 40; i++)); do
      user="$alice"; if ((i % 2 == 0)); then user="$bob"; fi
      if ((i % 4 < 2)); then BASE_URL="$second"; else BASE_URL="$first"; fi
      ( curl -s "$BASE_URL/mcp" -H "Authorization: Bearer $user" -H 'Content-Type: application/json' \
          -H "MCP-Protocol-Version: $LEGACY_VERSION" \
          -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"note_create\",\"arguments\":{\"title\":\"burst $i\",\"text\":\"x\"}}}" \
          | jq -r 'select(.result.isError == false) | .result.structuredContent.id' >>"$acked" ) &
      writers+=("$!")
    done
    # Not a bare wait: that would wait for the servers started beside this one too.
    for pid in "${writers[@]}"; do wait "$pid" || true; done
    writers=()
    BASE_URL="$first"
    if [[ "$(wc -l <"$acked")" -ne 40 ]]; then fail "40 acknowledged notes" "$(wc -l <"$acked")"; fi
    expectation_passed
    expect_sqlite "$database" "SELECT count(*) FROM notes WHERE title LIKE 'burst %'" 40
    for user in "$alice" "$bob"; do
      for BASE_URL in "$first" "$second"; do
        call_tool legacy "$user" note_list
        expect_json '[.result.structuredContent.notes[].title | select(startswith("burst "))] | length' 20
      done
    done
    BASE_URL="$first"
    stop_process "$BESIDE_PID"

  # --- A crash in the middle of writing ---

  check "Step 9 killed with SIGKILL during a burst of writes: after a restart every acknowledged note is there, and the database is intact"
    : >"$acked"
    for user in dora emil; do
      token="$(mint_token --username "$user")" || exit 1
      ( for ((i = 1; i <= 90; i++)); do
          curl -s --max-time 5 "$BASE_URL/mcp" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
            -H "MCP-Protocol-Version: $LEGACY_VERSION" \
            -d "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"note_create\",\"arguments\":{\"title\":\"crash $i\",\"text\":\"$(printf 'x%.0s' {1..2000})\"}}}" \
            | jq -r 'select(.result.isError == false) | .result.structuredContent.id' >>"$acked" || break
        done ) &
      writers+=("$!")
    done
    i=0
    until (($(wc -l <"$acked") >= 20)) || ((i > 300)); do sleep 0.05; i=$((i + 1)); done
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
    for pid in "${writers[@]}"; do wait "$pid" 2>/dev/null || true; done
    if (($(wc -l <"$acked") < 20)); then fail "at least 20 notes acknowledged before the kill" "$(wc -l <"$acked")"; fi
    expectation_passed
    note "$(wc -l <"$acked") notes acknowledged before SIGKILL"
    expect_sqlite "$database" "PRAGMA integrity_check" ok
    restart_server
    alice="$(mint_token)" || exit 1   # BASE_URL changed, and with it the audience
    bob="$(mint_token --username bob)" || exit 1
    : >"$listed"
    for user in dora emil; do
      token="$(mint_token --username "$user")" || exit 1
      call_tool legacy "$token" note_list
      expect_tool_result
      jq -r '.result.structuredContent.notes[].id' <<<"$LAST_BODY" >>"$listed"
    done
    if [[ -n "$(comm -23 <(sort "$acked") <(sort "$listed"))" ]]; then
      fail "every acknowledged note after the restart" "missing: $(comm -23 <(sort "$acked") <(sort "$listed") | head -3)"
    fi
    expectation_passed

  # --- Quotas, in UTF-8 bytes ---

  check "room for 25,000 bytes: two notes of 10,000 control characters (10,001 bytes each) fit, a third does not: the store is full"
    folder="$WORK_DIR/quota-data"
    start_step9_beside "$folder" "$WORK_DIR/quota.log" --notes-max-bytes 25000
    first="$BASE_URL"; BASE_URL="$BESIDE_URL"
    controls="$(jq -nc '{title: "c", text: ([range(10000) | "\u0001"] | add)}')"
    carol="$(BASE_URL="$first" mint_token --username carol)" || exit 1
    for user in "$alice" "$bob"; do
      call_tool legacy "$user" note_create "$controls"
      expect_tool_result
    done
    call_tool legacy "$carol" note_create "$controls"
    expect_tool_error "The server's notes store is full; no note can be saved until some are deleted."
    if ! grep -q "Notes store is full" "$WORK_DIR/quota.log"; then fail "a log line: Notes store is full" "none"; fi
    expectation_passed
    expect_sqlite "$folder/notes.sqlite" "SELECT sum(bytes) FROM notes" 20002
    stop_process "$BESIDE_PID"
    BASE_URL="$first"

  check "one person's notes may hold 1 MiB of UTF-8: 26 notes of 10,000 four-byte characters fit, the 27th does not"
    emoji="$(jq -nc '{title: "e", text: ([range(10000) | "😀"] | add)}')"
    token="$(mint_token --username frida)" || exit 1
    for ((i = 1; i <= 26; i++)); do
      with_token "$token" post_mcp_legacy tools/call "$(jq -c '{name: "note_create", arguments: .}' <<<"$emoji")"
      if [[ "$LAST_STATUS" != 200 || "$LAST_BODY" != *'"isError":false'* ]]; then
        fail "note $i is saved" "HTTP $LAST_STATUS: $(shorten "$LAST_BODY")"
      fi
    done
    expectation_passed
    call_tool legacy "$token" note_create "$emoji"
    expect_tool_error
    expect_json '.result.content[0].text | contains("1048576 bytes")' true

  # --- Notes from an earlier Step 9 ---

  check "an old notes.json is imported once, every note owned by (workshop issuer, its subject), and kept as notes.json.migrated"
    folder="$WORK_DIR/old-data"
    mkdir -p "$folder"
    jq -nc '[{id: "old-alice", owner: "alice", title: "from before", text: "kept", createdAt: "2026-01-01T00:00:00Z"},
             {id: "old-bob", owner: "bob", title: "his", text: "also kept", createdAt: "2026-01-02T00:00:00Z"}]' >"$folder/notes.json"
    cp -p "$folder/notes.json" "$WORK_DIR/notes.original.json"
    start_step9_beside "$folder" "$WORK_DIR/old-data.log"
    first="$BASE_URL"; BASE_URL="$BESIDE_URL"
    if ! grep -q "Imported notes.json into the notes database.*" "$WORK_DIR/old-data.log" \
      || ! grep "Imported notes.json" "$WORK_DIR/old-data.log" | grep -q "notes=2"; then
      fail "a log line: Imported notes.json ... notes=2" "$(grep -i notes "$WORK_DIR/old-data.log" | head -3)"
    fi
    expectation_passed
    call_tool legacy "$alice" note_read '{"id":"old-alice"}'
    expect_tool_result
    expect_json '.result.structuredContent.text' kept
    call_tool legacy "$alice" note_read '{"id":"old-bob"}'
    expect_tool_error "No note with that id."
    call_tool legacy "$bob" note_list
    expect_json '.result.structuredContent.notes | map([.id, .owner.issuer, .owner.subject])' "[[\"old-bob\",\"$WORKSHOP_ISSUER\",\"bob\"]]"
    if [[ -e "$folder/notes.json" ]] || ! cmp -s "$folder/notes.json.migrated" "$WORK_DIR/notes.original.json"; then
      fail "notes.json renamed to notes.json.migrated, unchanged" "$(ls "$folder")"
    fi
    expectation_passed
    stop_process "$BESIDE_PID"
    BASE_URL="$first"
}

# start_beside OUT PROGRAM [ARGUMENT...] — runs BIN_DIR/PROGRAM with the ARGUMENTs and --port on a
# free port, beside the server under test, and waits for GET /health. Sets BESIDE_URL and BESIDE_PID;
# its output goes to the file OUT. The exit trap stops it, if nothing did before.
BESIDE_PIDS=(); BESIDE_URL=""; BESIDE_PID=""
start_beside() {
  local out=$1 program=$2 port attempt
  shift 2
  ensure_built "$program"
  if ((${#BESIDE_PIDS[@]} == 0)); then EXIT_HOOKS+=(stop_beside); fi
  for attempt in 1 2 3; do
    port="$(free_port)"
    run_in_background "$out" "$out" "$BIN_DIR/$program" "$@" --port "$port"
    BESIDE_PID=$!
    BESIDE_PIDS+=("$BESIDE_PID")
    BESIDE_URL="http://127.0.0.1:$port"
    if wait_for_server "$BESIDE_PID" "$port" "$out" "$out" "$program beside Step $STEP"; then return 0; fi
  done
  die "$program could not bind a free port in 3 attempts"
}

# stop_beside — stops every server start_beside started (an EXIT_HOOKS entry).
stop_beside() {
  local pid
  for pid in ${BESIDE_PIDS[@]+"${BESIDE_PIDS[@]}"}; do stop_process "$pid"; done
  BESIDE_PIDS=()
}

# start_step9_beside DATA_DIR LOG [OPTION...] — another Step 9, with the key pair of the server under
# test and its public URL (so that the same tokens work), keeping its notes in DATA_DIR.
start_step9_beside() {
  local data=$1 log=$2
  shift 2
  start_beside "$log" "$(server_program)" --public-url "$BASE_URL" --keys-dir "$KEYS_DIR" --data-dir "$data" "$@"
}

# sqlite_query DATABASE SQL — prints what SQL returns from the SQLite file DATABASE, a line per row,
# through python3's sqlite3 module or the sqlite3 command; returns 2 when there is neither.
sqlite_query() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]): print(*row)
db.close()' "$1" "$2"
  elif command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$1" "$2"
  else
    return 2
  fi
}

# expect_sqlite DATABASE SQL EXPECTED — SQL on DATABASE prints EXPECTED. Without python3 or sqlite3
# the expectation is skipped, and says so.
expect_sqlite() {
  local output status=0
  output="$(sqlite_query "$1" "$2" 2>&1)" || status=$?
  if ((status == 2)); then note "skipped (no python3 or sqlite3 to read $1): $2"; return 0; fi
  if ((status != 0)) || [[ "$output" != "$3" ]]; then LAST_REQUEST_LINE=""; fail "$2 on $1 prints $3" "$output"; fi
  expectation_passed
}
