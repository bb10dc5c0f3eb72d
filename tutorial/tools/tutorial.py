#!/usr/bin/env python3
"""Builds the workshop chapters from their sources, and checks that they have not drifted.

Chapters are written in tutorial/src/*.md and generated into tutorial/*.md. The sources never
hold code or output typed by hand; they hold directives instead, each an HTML comment starting
on a line of its own (directives inside ``` fences are left alone):

  <!-- include file="Sources/Step1/App.swift" -->
      the whole file, in a ```swift block (other extensions get their own language)
  <!-- include file="Sources/Step2/EraCheck.swift" decl="static func checkModern" -->
      one declaration, named by its keyword and name as written (the modifiers before it may
      be left out): the comment and attribute lines just above it, then everything up to its
      matching closing brace (or bracket, for `static let x = [ ... ]`), dedented. It must
      match exactly one line of the file.
  <!-- include diff="step1_to_step2" -->
      tutorial/diffs/step1_to_step2.diff, generated from diff -ruN Sources/Step1 Sources/Step2
      (-N shows a new file whole, as if the older step had it empty). A server after the steps,
      Step N plus one capability in a folder of its own (Sources/Delegation, after Step 9), has
      its diff named stepN_to_<name>: diff="step9_to_delegation" is diff -ruN Sources/Step9
      Sources/Delegation (the list is AFTER_STEPS in tutorialkit/diffs.py).
  <!-- include new-files="step8_to_step9" -->
      the files that diff adds, counted in words ("Six new files:") and listed in a table, each
      linked and described by the first sentence of its first /// doc comment, so that neither
      the count nor the list can drift from the code. A new file without a doc comment is an
      error.
  <!-- session name="step2-discover" step="2" [show-server="yes"] [args="--public-url ..."]
  curl -s "$BASE/mcp" ... | jq

  curl -si "$BASE/mcp" ...
  -->
      a captured run: the script starts .build/debug/Step2 on a free port with the test
      harness's test_steps/serve.sh, which returns once /health answers; then it runs each
      command (commands are separated by blank lines; a command's leading `# ...` lines are
      shown as comments) with $BASE set to the server's base URL, stops the server, and stores
      the normalised transcript in tutorial/captures/<name>.txt.
      show-server="yes" also shows what the server printed on stdout while starting (its
      banner; log lines go to stderr and are left out).
      show-log="yes" also shows the server's own log lines (those whose source is the step's
      module; the dependencies' lines are left out), each after the command that caused it, as
      "[server log] <level> <label>: <metadata> [StepN] <message>": the real line without its
      time stamp and request id. Start the server with args="--log-level debug" to see the
      debug lines. show-log="all" shows every line of the server's log, whatever module wrote
      it: WorkshopSupport's too, such as the line RequestLogger writes for each request.
      Commands share shell state: a variable or function defined by one command is there for
      the next ones (TOKEN=$(...) in one, curl ... "$TOKEN" in the next).
      A step that takes --keys-dir (Step 5 on) is started with a fresh key folder, never the
      repository's keys/, in which the token desk has just created a key pair (generate_token
      keys, as an attendee does before starting Step 5); the commands find it in $KEYS, and the
      transcript shows it as $KEYS.
      An attendee pastes the commands into a new terminal, where none of $BASE, $KEYS, $ISSUER
      and $ISSUER_KEYS is set: check fails if a session uses one that no line before it in the
      chapter exports (`export BASE=… KEYS=…`, at the chapter's top or where a section starts
      its servers) and no command of its run assigns.
      issuer="yes" (Step 7 on) also runs the workshop issuer, .build/debug/generate_token serve,
      on a free port of its own, with the session's $KEYS and --resource naming the step's MCP
      endpoint; the step is started with --issuer naming it, and the commands run once the step
      has fetched the issuer's keys, with the issuer's URL in $ISSUER. The issuer is stopped
      with the step. issuer="other" runs it the same way as another issuer: with a key pair of
      its own (also created first), in $ISSUER_KEYS, and shown on another port (below). show-server="yes" then
      shows the issuer's command line and banner before the step's; show-issuer-log="yes"
      shows the issuer's own log lines, as "[issuer log] …", each after the command that
      caused it (after the step's lines, if those are shown). issuer-args="--clients-file FILE"
      gives the issuer more arguments (paths relative to the repository's root).
      startup-log="sorted" waits until the step's log has been quiet for a second, then shows
      its start-up lines sorted by their text: for a step whose start-up runs several tasks at
      once (fetching the issuer's keys, checking token introspection), whose lines come in
      either order.
      client-site="yes" (with issuer="yes") also runs the client's own HTTPS site, for Client ID
      Metadata Documents (Tests/Interop/python/client_site.py): before the servers start, a
      throw-away CA and a certificate for 127.0.0.1 are made with openssl in the session's
      scratch folder, and the site serves the folder $CLIENT_SITE_DIR (the commands write
      documents there) at $CLIENT_SITE_URL, shown as https://127.0.0.1:9443, and logs a line per
      request in $CLIENT_SITE_LOG; the issuer is started with --cimd-trusted-host 127.0.0.1
      --cimd-ca-file $CLIENT_SITE_CA, so that it may fetch them. The site is stopped with the
      servers.
      step="Delegation" (a server after the steps; it needs issuer="yes") runs that server with
      its home issuer and, for each of these attributes, a service it calls for its users, on
      free ports, all shown on the chapter's defaults:
        calendar="ARGS"          .build/debug/CalendarAPI trusting the home issuer, with $KEYS:
                                 $CALENDAR, shown as http://127.0.0.1:9100
        partner-issuer="ARGS"    another generate_token serve, with a key pair of its own in
                                 $PARTNER_KEYS (made first): $PARTNER_ISSUER, shown on port 9002
        partner-calendar="ARGS"  CalendarAPI trusting the partner issuer, with $PARTNER_KEYS:
                                 $PARTNER_CALENDAR, shown as http://127.0.0.1:9102
      ARGS (may be "") are more arguments for that service, as issuer-args are for the home
      issuer. The server gets --keys-dir $KEYS, --issuer $ISSUER, --data-dir $DATA_DIR (a fresh
      folder, unless args name one; the commands find it in $DATA_DIR too) and, where its --help lists them, --calendar-url,
      --partner-issuer and --partner-calendar-url naming the services that run. Write every
      argument with the default addresses (127.0.0.1:9000 the server, 9001 the home issuer, 9002,
      9100, 9102): they are rewritten to the real ports, and a JSON file of the repository that
      names one (a clients-file: its redirect URIs, subject_audience and targets) is replaced by
      a rewritten copy that transcripts show by the original's name. show-server="yes" shows
      each program's command line and banner; show-log="yes" the server's own lines
      ([Delegation] …), show-issuer-log="yes" the home issuer's. The order in which they start,
      and why, is in tutorialkit/cast.py.
  <!-- session name="signin-token" continues="signin-register" [show-log="yes"] …
  -->
      a session that goes on where another one, earlier in the same chapter, stopped: the same
      servers, the same shell state, the same placeholders, so that prose can come between the
      parts of one run. It takes its step, args, issuer, client-site and show-server from the
      session it continues, and its services (show-log and show-issuer-log are its own), and a session is
      continued by at most one other. Re-capturing one part (generate --session) re-runs the whole run.
  <!-- include session="step2-discover" -->
      a transcript defined elsewhere, shown again
  <!-- assert session="step6-query-log" in="server log" lacks="access_token" -->
  <!-- assert file="Sources/WorkshopSupport/RequestLogger.swift" contains="request.uri.path" -->
      ties a claim of the prose to what it is about: the check fails if the capture (or the
      file, named from the repository's root) does not contain the text (contains=), or does
      contain it (lacks=). in= narrows a session to its "server log" or "issuer log" lines (the
      default, "transcript", is all of it). The text is matched against the normalised capture,
      as the chapter shows it (<token>, $KEYS, port 9000); write &quot; for a double quote. An
      assert shows nothing in the chapter; put it just after the sentence it checks.
  <!-- screenshot name="signin-page" session="signin-authorize" url="$ISSUER/authorize?$QUERY" alt="…" -->
      a picture of a page the session's servers serve: after the commands of the session named
      (a session of the same chapter), with its servers still running, the page at url (read as
      if inside double quotes in the session's shell state, so its variables expand) is fetched
      with curl. Its HTML, normalised like the transcripts (placeholders escaped, so that the
      page shows them, and the form's csrf_token, code_challenge and state shown as
      <csrf-token>, <code-challenge> and <state>), is stored in tutorial/captures/<name>.html;
      headless Chromium renders that HTML into tutorial/images/<name>.png, and the chapter shows
      ![alt](images/<name>.png). check compares the HTML, not the pixels (which differ with the
      browser and its fonts), and fails if the PNG is missing or was rendered from other HTML
      (generate writes the HTML's SHA-256 into the PNG); generate renders the PNG again only
      when its HTML changed, and needs .venv (selenium), chromium and chromedriver to do so
      (Tests/Interop/python/browser.py).

Transcripts are normalised so that they are the same on every run: the port becomes 9000,
HTTP dates become the fixed moment 2026-07-28T12:00:00Z, and ISO-8601 and unix times near the
present are shown relative to it: the moment the command started becomes 12:00:00, and a time
an hour later 13:00:00 (to the nearest minute; ISO times keep their offset, and a relative
"(in 60 minutes)" after an ISO time is worded again for the shown time, by generate_token
itself: generate_token --expires-in N says how it words N seconds, "valid for …"). JWTs become
<token>, UUIDs <uuid>, and the key ids and RSA moduli of the session's key folder (from the
server's /.well-known/jwks.json, and every jwks.json in $KEYS or a folder inside it) become
<kid> and <n> (<kid-2>, <n-2> for a second key; $ISSUER_KEYS's key is learnt from the issuer's
/jwks.json, and a partner issuer's too). Where an issuer runs, its port becomes 9001 (9002 for
issuer="other" and for a partner issuer; 9100 and 9102 for the calendars), in URLs also when
percent-encoded; the client ids it registers (read from its log) become <client-id>;
and the client secrets, refresh tokens, authorization codes and PKCE challenges that commands
print (as the JSON members client_secret and refresh_token, and as code=… and code_challenge=…
in a URL or at the start of a line) become <client-secret>, <refresh-token>, <code> and <code-challenge>,
a second value of a kind <client-id-2>, and so on; so do a state=… (of 16 characters or more: a
server's own, random) and the id of a URL elicitation (request=… in its link, and its
elicitationId), as <state> and <request-id>. A command that exits non-zero, or runs
longer than 20 seconds, fails the run; servers are always stopped.

generate writes every generated file that changed and removes generated files that nothing
generates any more; it exits 1 (after writing) if an assert does not hold. check runs the tool's
unit tests, computes the same files in memory and exits 1, naming each file that differs with a
short diff, and each assert that does not hold; it needs the step binaries in .build/debug (it
builds a missing one). test runs only the unit tests (tutorial/tools/tests; no servers), as does
python3 -m unittest discover -s tutorial/tools/tests -t tutorial/tools.

The code is the package tutorial/tools/tutorialkit (its __init__ lists the modules); this file
is its entry point and manual.

Links in a source are written as they resolve from tutorial/, where the generated chapter lives.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tutorialkit.cli import main  # noqa: E402  (the package lives beside this file)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], manual=__doc__))
