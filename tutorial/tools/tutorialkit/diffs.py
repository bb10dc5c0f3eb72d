"""The step diffs: what `diff -ruN Sources/StepN-1 Sources/StepN` prints, new files whole; and
for a server after the steps, Step N plus one capability in a folder of its own, what
`diff -ruN Sources/StepN Sources/<Name>` prints (stepN_to_<name>)."""

from __future__ import annotations

import os
import re
import subprocess

from .paths import DIFFS, ROOT, TutorialError

DIFF_OPTIONS = "-ruN"  # -N: a file only one side has is shown whole, as if the other side had it empty
# The servers after the steps, each with the step it copies whole and adds one capability to.
AFTER_STEPS = {"Delegation": 9}


def step_numbers() -> list[int]:
    numbers = []
    for path in (ROOT / "Sources").glob("Step*"):
        match = re.fullmatch(r"Step(\d+)", path.name)
        if match and path.is_dir():
            numbers.append(int(match.group(1)))
    return sorted(numbers)


def tidy_diff(output: str) -> str:
    """diff's output without what changes from run to run or machine to machine: the file times,
    and the -x option on each file's header line."""
    lines = []
    for line in output.splitlines():
        if line.startswith("diff -r"):
            line = f"diff {DIFF_OPTIONS} " + " ".join(line.split()[-2:])
        elif line.startswith(("--- ", "+++ ")) and "\t" in line:
            line = line.split("\t", 1)[0]
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def step_diff(old: int, new: int) -> str:
    """diff -ruN Sources/Step<old> Sources/Step<new>, without timestamps, so it is stable."""
    return folder_diff(f"Sources/Step{old}", f"Sources/Step{new}")


def folder_diff(a: str, b: str) -> str:
    """diff -ruN A B (folders named from the repository's root), without timestamps."""
    result = subprocess.run(
        ["diff", DIFF_OPTIONS, "-x", ".DS_Store", a, b],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"},
    )
    if result.returncode not in (0, 1):
        raise TutorialError(f"diff {DIFF_OPTIONS} {a} {b} failed: {result.stderr.strip()}")
    return tidy_diff(result.stdout)


def diff_path(old: int, new: int | str):
    """tutorial/diffs/step<old>_to_step<new>.diff, or step<old>_to_<name>.diff for a server after the steps."""
    return DIFFS / (f"step{old}_to_step{new}.diff" if isinstance(new, int) else f"step{old}_to_{new.lower()}.diff")


def generate_diffs() -> dict:
    numbers = step_numbers()
    diffs = {diff_path(n - 1, n): step_diff(n - 1, n) for n in numbers if n - 1 in numbers}
    for name, step in AFTER_STEPS.items():
        if (ROOT / "Sources" / name).is_dir() and step in numbers:
            diffs[diff_path(step, name)] = folder_diff(f"Sources/Step{step}", f"Sources/{name}")
    return diffs


FILE_HEADER = re.compile(r"^diff -\w+ (?P<old>\S+) (?P<new>\S+)\n--- (?P=old)\n\+\+\+ (?P=new)\n@@ -0,0 ", re.MULTILINE)


def new_files(diff_text: str) -> list[str]:
    """The files (paths from the repository's root) that a -N diff adds: those whose old side is
    empty, in the diff's order."""
    return [match.group("new") for match in FILE_HEADER.finditer(diff_text)]
