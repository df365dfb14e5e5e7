"""GitHub workflow-command annotations (``::warning file=...,line=...::message``).

GitHub shows at most 10 annotations per type per step and 50 per job; the most severe findings go
first, and the last line says how many were left out (the job summary lists them all).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TextIO

from rulelint.checks.base import severity_rank
from rulelint.engine import FileReport

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
PER_TYPE = 10
PER_JOB = 50


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(slots=True)
class Annotation:
    severity: str
    path: str
    line: int
    column: int
    title: str
    message: str
    changed: bool = True


def display_path(path: str) -> str:
    """Paths relative to the working directory (the repository root in CI), with forward slashes."""
    relative = os.path.relpath(path)
    return (path if relative.startswith("..") else relative).replace("\\", "/")


def annotations(
    reports: list[FileReport], changed: dict[str, set[int]] | None = None
) -> list[Annotation]:
    """Unsuppressed findings and unreadable files, most severe first, changed lines before others."""
    found: list[Annotation] = []
    for report in reports:
        shown_path = display_path(report.path)
        lines = None if changed is None else changed.get(report.path.replace("\\", "/"), set())
        if report.error:
            found.append(
                Annotation(
                    "error",
                    shown_path,
                    max(report.error_line, 1),
                    1,
                    "rulelint: unreadable rule",
                    report.error,
                )
            )
        for rule in report.rules:
            for f in rule.findings:
                if f.suppressed:
                    continue
                message = f.message + (f"\n\nFix:\n{f.fix}" if f.fix else "")
                if f.path:  # the line is in another file (a Panther rule's Python body)
                    in_diff = changed is None or f.line in changed.get(
                        f.path.replace("\\", "/"), set()
                    )
                else:
                    in_diff = lines is None or f.line in lines
                found.append(
                    Annotation(
                        f.severity,
                        display_path(f.path) if f.path else shown_path,
                        max(f.line, 1),
                        max(f.column, 1),
                        f"{f.code} {f.check}",
                        message,
                        in_diff,
                    )
                )
    found.sort(key=lambda a: (-severity_rank(a.severity), not a.changed, a.path, a.line))
    return found


def select(
    found: list[Annotation], per_type: int = PER_TYPE, per_job: int = PER_JOB
) -> tuple[list[Annotation], int]:
    """The annotations GitHub will show, and how many are left out."""
    shown: list[Annotation] = []
    counts: dict[str, int] = {}
    for annotation in found:
        command = COMMANDS.get(annotation.severity, "warning")
        if counts.get(command, 0) >= per_type or len(shown) >= per_job:
            continue
        counts[command] = counts.get(command, 0) + 1
        shown.append(annotation)
    return shown, len(found) - len(shown)


def write_github(
    reports: list[FileReport], out: TextIO, changed: dict[str, set[int]] | None = None
) -> None:
    shown, left_out = select(annotations(reports, changed))
    for a in shown:
        properties = f"file={_escape_property(a.path)},line={a.line},col={a.column},title={_escape_property(a.title)}"
        out.write(
            f"::{COMMANDS.get(a.severity, 'warning')} {properties}::{_escape_data(a.message)}\n"
        )
    if left_out:
        out.write(
            f"::notice title=rulelint::{left_out} more finding(s) not annotated (GitHub shows {PER_TYPE} per type); see the job summary\n"
        )
