"""The tutorial tool: builds the chapters from tutorial/src and checks that they have not drifted.

Modules, in the order a run uses them:
  directives  reads the chapter sources: include, session, assert and screenshot directives
  diffs       the step diffs (diff -ruN) and the new files each step adds
  swiftdecl   cuts one declaration out of a Swift file, and reads a file's doc comment
  servers     starts and stops the servers a session talks to (through test_steps/serve.sh)
  clientsite  starts and stops the client's HTTPS site, for a session's client metadata documents
  cast        starts a server after the steps (Delegation) with its issuers and calendar APIs
  sessions    runs a session's commands and captures what they print (and the pages screenshots show)
  normalise   makes a transcript the same on every run (ports, times, tokens, ids)
  render      turns a chapter source into the chapter, and checks its claims
  variables   checks that a chapter sets the variables its commands use (a new terminal has none)
  screenshots the screenshot directive: a page's HTML as a capture, and its picture, rendered by Chromium
  cli         the commands: generate, check, test

The directive manual is the docstring of tutorial/tools/tutorial.py (and its --help).
"""
