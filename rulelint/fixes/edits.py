"""Line-based text edits: what a fix changes, applied in one pass, previewed as a diff."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace lines ``start``..``end`` (1-based, inclusive) with ``text`` (whole lines)."""

    start: int
    end: int
    text: str


def apply_edits(original: str, edits: list[TextEdit]) -> str:
    """The text with the edits applied (bottom-up, so earlier line numbers stay valid)."""
    lines = original.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        replacement = [line + newline for line in edit.text.split("\n")] if edit.text else []
        lines[edit.start - 1 : edit.end] = replacement
    return "".join(lines)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
