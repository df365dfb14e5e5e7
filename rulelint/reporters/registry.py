"""Report formats by name: one function per format, all with the same signature."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from rulelint.catalog.store import Catalog
from rulelint.engine import FileReport


@dataclass(slots=True)
class ReportOptions:
    color: bool = False
    show_fixes: bool = True
    root: str | None = None  # paths in SARIF are relative to this
    changed: dict[str, set[int]] | None = None  # changed lines, to annotate those first
    fail_on: str = "warning"
    extra: dict[str, object] = field(default_factory=dict)


Writer = Callable[[list[FileReport], Catalog, TextIO, ReportOptions], None]


def _text(reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions) -> None:
    from rulelint.reporters.text import write_text

    write_text(reports, out, color=options.color, show_fixes=options.show_fixes)


def _json(reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions) -> None:
    from rulelint.reporters.json_report import write_json

    write_json(reports, catalog, out)


def _sarif(
    reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions
) -> None:
    from rulelint.reporters.sarif import write_sarif

    write_sarif(reports, catalog, out, options.root)


def _github(
    reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions
) -> None:
    from rulelint.reporters.github import write_github

    write_github(reports, out, options.changed)


def _markdown(
    reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions
) -> None:
    from rulelint.reporters.markdown import write_markdown

    write_markdown(reports, out, options.changed)


def _junit(
    reports: list[FileReport], catalog: Catalog, out: TextIO, options: ReportOptions
) -> None:
    from rulelint.reporters.junit import write_junit

    write_junit(reports, out, options.fail_on)


FORMATS: dict[str, Writer] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "markdown": _markdown,
    "junit": _junit,
}
