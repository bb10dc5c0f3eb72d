# test_steps/checks/step9.sh — what Step 9 promises: whoami and private notes act for the caller the
# verified token names, never for whom the arguments or clientInfo claim; one user never sees
# another's notes (an admin lists them, but reads none); arguments are checked before anything is
# done; notes are kept in --data-dir and survive a restart; a notes file that cannot be read stops
# the server instead of being overwritten; every tool call is logged with the caller's subject, and
# no note text or token ever is.
# Used by test_step9.sh (use_checks 9); the harness is ../lib.sh.
# shellcheck shell=bash disable=SC2034 # BASE_URL and AUTH_TOKEN are lib.sh's: its request helpers read them

# checks_step9 BASE_URL DATA_DIR — the user-aware tools of the server at BASE_URL, whose --data-dir
# is DATA_DIR, with no notes in it yet. Restarts the server (BASE_URL changes), last with a broken
# notes file that it must refuse.
# shellcheck disable=SC2016 # '$ARGS' and '$id' in the jq filters are jq's variables, not the shell's
checks_step9() {
  BASE_URL=$1
  local data_dir=${2?"checks_step9 takes BASE_URL DATA_DIR"}
  if (($# > 2)); then die "checks_step9 takes BASE_URL DATA_DIR only, not $3"; fi
  local -a step9_tools=(whoami note_create note_list note_read note_delete)   # what this step adds
  local AUTH_TOKEN=""   # each request below says whose token it sends
  local alice bob ada ulla gina carol token era tool args i id second_id random_id text body secret
  local notes_file="$data_dir/notes.json" saved="$WORK_DIR/notes.saved.json" note_id_pattern='^[A-Za-z0-9_-]{22}$'
  local user_tools='["echo","get_time","note_create","note_delete","note_list","note_read","whoami"]'
  local tool_def='(.result.tools | map({(.name): .}) | add)'   # a tools/list result's tools, by name
  secret="the door code is $(openssl rand -hex 4)"   # the text of alice's note: nobody else may ever read it
  alice="$(mint_token)" || exit 1
  bob="$(mint_token --username bob --expires-in 1800 --client-id bobs-laptop)" || exit 1
  ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
  ulla="$(mint_token --username ulla --scopes mcp:read,mcp:tools,mcp:prompts,mcp:admin --roles user)" || exit 1
  gina="$(mint_token --username gina --scopes mcp:read --roles guest)" || exit 1

  # --- Who sees which tools ---

  check "user: tools/list shows exactly $(and_list echo get_time "${step9_tools[@]}"), in both eras"
    for era in legacy modern; do
      with_token "$alice" "post_mcp_$era" tools/list
      expect_result
      expect_json '[.result.tools[].name] | sort' "$user_tools"
    done

  check "admin: tools/list shows all eight tools, server_status too"
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

  check "guest: whoami and note_list are refused with 403 insufficient_scope mcp:tools"
    for tool in whoami note_list; do
      call_tool legacy "$gina" "$tool"
      expect_insufficient_scope mcp:tools
    done

  # --- whoami: who the token says, never what the request claims ---

  check "whoami tells alice who she is, all from her token: subject, username, client_id, scopes, roles, expires_at"
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

  check "before the first note the data folder holds no notes file: the server starts without one"
    if [[ -e "$notes_file" ]]; then fail "no $notes_file yet" "$(ls -l "$notes_file")"; fi
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

  check "alice lists her notes (owner alice, all_users false) and reads one back: title and text"
    for era in legacy modern; do
      call_tool "$era" "$alice" note_list
      expect_tool_result
      expect_json '.result.structuredContent.all_users' false
      expect_json '[.result.structuredContent.notes[].id] | sort' "$(jq -nc '[$ARGS.positional[]] | sort' --args -- "$id" "$second_id")"
      expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.title, .owner]" '["Shopping list","alice"]'
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
    expect_json ".result.structuredContent.notes[] | select(.id == \"$id\") | [.owner, .title]" '["alice","Shopping list"]'
    expect_json '[.result.structuredContent.notes[].owner] | unique' '["alice","bob"]'
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

  # --- The notes file ---

  check "the notes file in --data-dir is readable by its owner only (600), in a folder that is 700; JSON, alice's note in it"
    if [[ -z "$(find "$notes_file" -perm 600)" ]]; then fail "$notes_file with mode 600" "$(ls -l "$notes_file")"; fi
    expectation_passed
    if [[ -z "$(find "$data_dir" -maxdepth 0 -perm 700)" ]]; then
      fail "$data_dir with mode 700" "$(ls -ld "$data_dir")"
    fi
    expectation_passed
    if ! jq -e --arg id "$id" '[.[] | select(.id == $id) | .owner] == ["alice"]' "$notes_file" >/dev/null; then
      fail "JSON with alice's note $id, owner alice" "$(head -c 300 "$notes_file")"
    fi
    expectation_passed

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

  cp -p "$notes_file" "$saved" || die "cannot copy $notes_file"
  for body in 'garbage, not JSON' '{"notes":[]}'; do
    check "with $body in notes.json the server refuses to start: non-zero exit, 'left as it is'; the file is unchanged"
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

  check "with the notes file put back, the server starts again and alice's note is there"
    cp -p "$saved" "$notes_file"
    restart_server_with
    alice="$(mint_token)" || exit 1
    call_tool legacy "$alice" note_read "{\"id\":\"$id\"}"
    expect_tool_result
    expect_json '.result.structuredContent.text' "$secret"
    ada="$(mint_token --username ada --scopes mcp:admin --roles admin)" || exit 1
    call_tool legacy "$ada" note_list
    expect_tool_result
    expect_json '.result.structuredContent.notes | length' "$(jq length "$saved")"
}

# token_identity TOKEN — what whoami must say about TOKEN, all of it from its claims: subject (sub),
# username (preferred_username, else sub), client_id, scopes, roles, expires_at (exp, ISO 8601 UTC).
token_identity() {
  jwt_part "$1" 2 | jq -c '{
      subject: .sub, username: (.preferred_username // .sub), client_id: (.client_id // null),
      scopes: (.scope // "" | split(" ") | map(select(. != ""))), roles: (.roles // []),
      expires_at: (.exp | todate)}'
}

# random_note_id — an id of the shape the server gives notes (128 random bits in base64url), that
# no note has.
random_note_id() {
  openssl rand 16 | b64url
}
