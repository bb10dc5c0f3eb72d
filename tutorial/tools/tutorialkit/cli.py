"""The commands: generate, check and test."""

from __future__ import annotations

import argparse
import difflib
import io
import signal
import sys
import time
import unittest
from pathlib import Path

from . import screenshots, servers
from .diffs import generate_diffs
from .directives import Session, read_chapters, session_runs
from .paths import CAPTURES, DIFFS, SOURCES, TUTORIAL, SCRIPT, TutorialError, rel
from .render import broken_links, failed_assertions, render
from .sessions import capture
from .variables import unset_variables

TESTS = Path(__file__).resolve().parents[1] / "tests"


class Built:
    """Every generated file with its expected text, the generated files nothing generates any
    more, warnings, the claims of the prose that the captures or files contradict, and the
    screenshots: each picture with the HTML it must show (see screenshots)."""

    def __init__(self, files: dict[Path, str], stale: list[Path], warnings: list[str], contradicted: list[str],
                 pictures: dict[Path, str]):
        self.files, self.stale, self.warnings, self.contradicted = files, stale, warnings, contradicted
        self.pictures = pictures


def build_everything(recapture: set[str] | None, verbose: bool) -> Built:
    """recapture: names of sessions to run (None = all); the others come from tutorial/captures."""
    files: dict[Path, str] = {}
    diffs = generate_diffs()
    files.update(diffs)
    chapters = read_chapters()
    if not chapters:
        raise TutorialError(f"no chapter sources in {rel(SOURCES)}")
    sessions: dict[str, Session] = {}
    for chapter in chapters:
        for session in chapter.sessions:
            if session.name in sessions:
                raise TutorialError(f"{session.source}: session {session.name} is also defined at "
                                    f"{sessions[session.name].source}")
            sessions[session.name] = session
    if recapture:
        unknown = recapture - sessions.keys()
        if unknown:
            raise TutorialError("no session named " + ", ".join(sorted(unknown)))
    transcripts: dict[str, str] = {}
    shots = [shot for chapter in chapters for shot in chapter.screenshots]
    pages: dict[str, str] = {}
    for run in session_runs(chapters):
        names = [session.name for session in run]
        run_shots = [shot for shot in shots if shot.session in names]
        if recapture is None or recapture & set(names):
            started = time.monotonic()
            for name, transcript in zip(names, capture(run, run_shots, pages)):
                transcripts[name] = transcript
            if verbose:
                print(f"  captured {', '.join(names)} ({run[0].program}, {time.monotonic() - started:.1f}s)",
                      file=sys.stderr)
        for name in names:
            stored = CAPTURES / f"{name}.txt"
            if name not in transcripts:
                if not stored.exists():
                    raise TutorialError(f"{rel(stored)} is missing; run {SCRIPT} generate")
                transcripts[name] = stored.read_text(encoding="utf-8")
            files[stored] = transcripts[name]
        for shot in run_shots:
            if shot.name not in pages:
                if not shot.html.exists():
                    raise TutorialError(f"{rel(shot.html)} is missing; run {SCRIPT} generate")
                pages[shot.name] = shot.html.read_text(encoding="utf-8")
            files[shot.html] = pages[shot.name]
    warnings = []
    for chapter in chapters:
        files[chapter.output] = render(chapter, transcripts, diffs)
    pictures = {shot.png: pages[shot.name] for shot in shots}
    generated = set(files) | set(pictures) | {picture.parent for picture in pictures}
    for chapter in chapters:
        warnings += broken_links(chapter.output, files[chapter.output], generated)
    generated_chapter_names = {c.output.name for c in chapters}
    stale = [p for p in DIFFS.glob("*.diff") if p not in files]
    stale += [p for p in CAPTURES.glob("*.txt") if p not in files]
    stale += [p for p in CAPTURES.glob("*.html") if p not in files]
    stale += screenshots.stale(pictures)
    stale += [
        p for p in TUTORIAL.glob("*.md")
        if p.name not in generated_chapter_names and p.read_text(encoding="utf-8").startswith("<!-- generated from")
    ]
    prose_problems = failed_assertions(chapters, transcripts) + unset_variables(chapters, session_runs(chapters))
    return Built(files, sorted(stale), warnings, prose_problems, pictures)


def _recapture(args) -> set[str] | None:
    return set() if args.no_capture else (set(args.session) if args.session else None)


def _report_contradictions(contradicted: list[str]) -> None:
    print("The prose says something that the captures or files contradict (see its assert directives), or its "
          "commands use a variable it never sets:\n")
    print("\n".join(contradicted))


def command_generate(args) -> int:
    built = build_everything(_recapture(args), verbose=True)
    changed = 0
    for path, text in built.files.items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel(path)}")
            changed += 1
    for path in built.stale:
        path.unlink()
        print(f"removed {rel(path)} (nothing generates it any more)")
    for path in screenshots.write(built.pictures):
        print(f"wrote {rel(path)} (rendered by headless Chromium)")
        changed += 1
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{len(built.files) + len(built.pictures)} generated files, {changed} changed, {len(built.stale)} removed")
    if built.contradicted:
        print()
        _report_contradictions(built.contradicted)
        print("\nThe files are written; correct the prose (or the code) and generate again.")
        return 1
    return 0


def run_unit_tests(verbosity: int) -> unittest.TestResult:
    suite = unittest.defaultTestLoader.discover(str(TESTS), top_level_dir=str(TESTS.parent))
    stream = sys.stderr if verbosity else io.StringIO()
    result = unittest.TextTestRunner(stream=stream, verbosity=verbosity).run(suite)
    if not verbosity and not result.wasSuccessful():
        print(stream.getvalue(), file=sys.stderr)
    return result


def command_test(args) -> int:
    return 0 if run_unit_tests(2 if args.verbose else 1).wasSuccessful() else 1


def command_check(args) -> int:
    started = time.monotonic()
    tests = run_unit_tests(0)
    if not tests.wasSuccessful():
        print(f"tutorial check FAILED: the tool's own unit tests fail (run `{SCRIPT} test -v`).")
        return 1
    built = build_everything(_recapture(args), verbose=False)
    problems = []
    for path, expected in built.files.items():
        if not path.exists():
            problems.append(f"{rel(path)} is missing.")
            continue
        actual = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = list(difflib.unified_diff(
                actual.splitlines(), expected.splitlines(),
                f"{rel(path)} (committed)", f"{rel(path)} (from the sources now)", n=1, lineterm="",
            ))
            shown = diff[:24] + ([f"… and {len(diff) - 24} more diff lines"] if len(diff) > 24 else [])
            problems.append(f"{rel(path)} is out of date:\n" + "\n".join("    " + d for d in shown))
    problems += screenshots.problems(built.pictures)
    for path in built.stale:
        problems.append(f"{rel(path)} is generated by nothing any more; delete it.")
    for warning in built.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    elapsed = time.monotonic() - started
    if built.contradicted:
        print("tutorial check FAILED.\n")
        _report_contradictions(built.contradicted)
        if problems:
            print()
    elif problems:
        print("tutorial check FAILED: the generated tutorial differs from what the sources give now.\n")
    if problems:
        print("\n\n".join(problems))
        print(f"\nIf the change is intended, run `{SCRIPT} generate` and commit the result.")
    if problems or built.contradicted:
        print(f"({elapsed:.1f}s)")
        return 1
    print(f"tutorial check passed: {tests.testsRun} unit tests, {len(built.files) + len(built.pictures)} generated "
          f"files up to date, "
          f"every assert holds ({elapsed:.1f}s)")
    return 0


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def parser(manual: str) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog=SCRIPT, description=manual, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="{generate,check,test}")
    capture_options = argparse.ArgumentParser(add_help=False)
    capture_options.add_argument("--no-capture", action="store_true",
                                 help="reuse the stored captures instead of starting servers")
    capture_options.add_argument("--session", action="append", metavar="NAME",
                                 help="re-capture only this session (repeatable); the others are reused")
    commands.add_parser(
        "generate", parents=[capture_options],
        help="regenerate step diffs, captures (runs the step servers) and chapters, writing the files",
        description="Regenerates tutorial/diffs, tutorial/captures and tutorial/*.md from the sources, "
                    "writes the files that changed, and exits 1 if an assert directive does not hold.",
    )
    commands.add_parser(
        "check", parents=[capture_options],
        help="run the tool's unit tests, regenerate everything in memory, and fail if a committed "
             "generated file differs or an assert does not hold",
        description="Runs the tool's unit tests, then regenerates everything in memory (including "
                    "captures, so it starts the step servers) and exits 1, with a short diff, if any "
                    "generated file is out of date or an assert directive does not hold.",
    )
    test = commands.add_parser(
        "test", help="run the tool's own unit tests (no servers, no binaries)",
        description=f"Runs the unit tests in {rel(TESTS)}: the Swift declaration scanner, the "
                    "normalisers, directive parsing, diffs, rendering, and what is asked of "
                    "test_steps/serve.sh. `check` runs them too.",
    )
    test.add_argument("-v", "--verbose", action="store_true", help="name each test as it runs")
    return top


def main(argv: list[str], manual: str = "") -> int:
    args = parser(manual or __doc__).parse_args(argv)
    signal.signal(signal.SIGTERM, _on_signal)
    commands = {"generate": command_generate, "check": command_check, "test": command_test}
    try:
        return commands[args.command](args)
    except TutorialError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        servers.stop_all()
