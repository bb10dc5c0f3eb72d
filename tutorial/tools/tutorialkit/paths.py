"""Where the tutorial lives, and the one error type every module raises."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
TUTORIAL = ROOT / "tutorial"
SOURCES = TUTORIAL / "src"
DIFFS = TUTORIAL / "diffs"
CAPTURES = TUTORIAL / "captures"
SCRIPT = "python3 tutorial/tools/tutorial.py"


class TutorialError(Exception):
    """A problem in a source, a directive or a session run; reported and the script exits 1."""


def rel(path: Path) -> str:
    """The path relative to the repository's root, or absolute when it lies outside."""
    absolute = Path(os.path.abspath(path))
    return absolute.relative_to(ROOT).as_posix() if absolute.is_relative_to(ROOT) else str(absolute)
