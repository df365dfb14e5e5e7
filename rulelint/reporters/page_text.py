"""A technique page in the terminal, readable in 80 columns."""

from __future__ import annotations

import shutil
import textwrap
from typing import TextIO

from rulelint.catalog.pages import TechniquePage, vendor_title


def _cut(text: str, width: int) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _table(
    out: TextIO, headers: list[str], rows: list[list[str]], widths: list[int], right: set[int]
) -> None:
    def line(cells: list[str]) -> str:
        parts = []
        for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            cell = _cut(cell, width)
            parts.append(cell.rjust(width) if index in right else cell.ljust(width))
        return "  ".join(parts).rstrip()

    out.write(line(headers) + "\n")
    out.write(line(["-" * w for w in widths]) + "\n")
    for row in rows:
        out.write(line(row) + "\n")


def write_page(page: TechniquePage, out: TextIO, width: int | None = None) -> None:
    width = max(60, min(width or shutil.get_terminal_size((80, 24)).columns, 160))
    title = f"{page.id} {page.name}".strip()
    out.write(f"{title}\n{'=' * min(len(title), width)}\n")
    if page.tactics:
        out.write(f"Tactic: {', '.join(page.tactics)}\n")
    if page.also:
        out.write(f"Also tagged as (ATT&CK v18): {', '.join(page.also)}\n")
    if page.url:
        out.write(f"{page.url}\n")
    if page.filters:
        out.write("Filtered: " + ", ".join(f"{k}={v}" for k, v in page.filters.items()) + "\n")
    vendors = ", ".join(f"{vendor_title(v)} {n}" for v, n in page.vendors.items()) or "none"
    out.write(f"\n{page.total_rules} rules in the catalog ({vendors})\n")

    out.write(f"\nEvents covered ({len(page.events)})\n\n")
    if page.events:
        rest = width - 30 - 10 - 6 - 6
        _table(
            out,
            ["Provider", "Event", "Title", "Rules"],
            [
                [
                    e.provider,
                    e.code if not e.code.isdigit() else f"ID {e.code}",
                    e.title,
                    str(e.rules),
                ]
                for e in page.events
            ],
            [30, 10, rest, 5],
            {3},
        )

    out.write(f"\nFields filtered most ({page.distinct_fields} distinct)\n\n")
    if page.fields:
        rest = width - 30 - 5 - 26 - 6
        _table(
            out,
            ["Field", "Rules", "How", "Sample values"],
            [
                [
                    f.field,
                    str(f.rules),
                    ", ".join(f"{op} {n}" for op, n in f.operators),
                    ", ".join(f.samples),
                ]
                for f in page.fields
            ],
            [30, 5, 26, rest],
            {1},
        )

    out.write(
        f"\nTop indicator values ({page.distinct_indicators} distinct; ! = corpus reach >= {page.high_reach})\n\n"
    )
    if page.indicators:
        rest = width - 28 - 11 - 5 - 6 - 8
        _table(
            out,
            ["Field", "Kind", "Value", "Here", "Reach"],
            [
                [
                    v.field,
                    v.operator,
                    v.display,
                    str(v.rules),
                    f"{v.reach}{'!' if v.high_reach else ''}",
                ]
                for v in page.indicators
            ],
            [28, 11, rest, 5, 6],
            {3, 4},
        )

    out.write(f"\nExclusions ({page.distinct_exclusions} distinct)\n\n")
    if page.exclusions:
        rest = width - 28 - 11 - 9 - 6
        _table(
            out,
            ["Field", "Kind", "Value", "Excluding"],
            [[v.field, v.operator, v.display, str(v.rules)] for v in page.exclusions],
            [28, 11, rest, 9],
            {3},
        )

    out.write("\nRules under this technique\n")
    by_vendor: dict[str, list[str]] = {}
    for rule in page.rules:
        by_vendor.setdefault(str(rule["vendor"]), []).append(str(rule["title"]))
    for vendor, titles in by_vendor.items():
        out.write(f"\n{vendor_title(vendor)} ({len(titles)} rules)\n")
        for title_text in titles:
            out.write(textwrap.shorten(f"- {title_text}", width=width, placeholder="…") + "\n")
