"""A technique page in the terminal: tables whose cells wrap, readable in 80 columns."""

from __future__ import annotations

import shutil
import textwrap
from typing import TextIO

from rulelint.catalog.pages import TechniquePage, vendor_title


def _wrap(text: str, width: int) -> list[str]:
    text = text.replace("\n", " ")
    if len(text) <= width:
        return [text]
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)
    return lines[:4] if len(lines) <= 4 else [*lines[:3], lines[3][: max(width - 1, 1)] + "…"]


def table(
    out: TextIO, headers: list[str], rows: list[list[str]], widths: list[int], right: set[int]
) -> None:
    """Columns of fixed widths; a cell too long for its column wraps onto more lines."""

    def emit(cells: list[list[str]]) -> None:
        for index in range(max(len(c) for c in cells)):
            parts = []
            for column, (lines, width) in enumerate(zip(cells, widths, strict=True)):
                text = lines[index] if index < len(lines) else ""
                parts.append(text.rjust(width) if column in right else text.ljust(width))
            out.write("  ".join(parts).rstrip() + "\n")

    emit([[h] for h in headers])
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        emit([_wrap(cell, width) for cell, width in zip(row, widths, strict=True)])


def _flexible(total: int, fixed: list[int]) -> int:
    """Width left for the one flexible column, with two spaces between columns."""
    return max(10, total - sum(fixed) - 2 * len(fixed))


def write_page(
    page: TechniquePage, out: TextIO, width: int | None = None, rule_limit: int | None = None
) -> None:
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
        fixed = [24, 14, 5]
        table(
            out,
            ["Provider", "Event", "Rules", "Title"],
            [
                [e.provider, f"ID {e.code}" if e.code.isdigit() else e.code, str(e.rules), e.title]
                for e in page.events
            ],
            [*fixed, _flexible(width, fixed)],
            {2},
        )

    out.write(f"\nFields filtered most ({page.distinct_fields} distinct)\n\n")
    if page.fields:
        fixed = [28, 5, 22]
        table(
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
            [*fixed, _flexible(width, fixed)],
            {1},
        )

    heading = (
        f"Top indicator values ({page.distinct_indicators} distinct; ! marks a corpus reach of "
        f"{page.high_reach} or more: broad on its own)"
    )
    out.write("\n" + "\n".join(textwrap.wrap(heading, width)) + "\n\n")
    if page.indicators:
        fixed = [26, 11, 5, 6]
        table(
            out,
            ["Field", "Kind", "Here", "Reach", "Value"],
            [
                [
                    v.field,
                    v.operator,
                    str(v.rules),
                    f"{v.reach}{'!' if v.high_reach else ''}",
                    v.display,
                ]
                for v in page.indicators
            ],
            [*fixed, _flexible(width, fixed)],
            {2, 3},
        )

    out.write(f"\nExclusions ({page.distinct_exclusions} distinct; rules excluding each)\n\n")
    if page.exclusions:
        fixed = [26, 11, 9]
        table(
            out,
            ["Field", "Kind", "Excluding", "Value"],
            [[v.field, v.operator, str(v.rules), v.display] for v in page.exclusions],
            [*fixed, _flexible(width, fixed)],
            {2},
        )

    out.write("\nRules under this technique\n")
    by_vendor: dict[str, list[str]] = {}
    for rule in page.rules:
        by_vendor.setdefault(str(rule["vendor"]), []).append(str(rule["title"]))
    for vendor, titles in by_vendor.items():
        out.write(f"\n{vendor_title(vendor)} ({len(titles)} rules)\n")
        shown = titles if rule_limit is None else titles[:rule_limit]
        for title_text in shown:
            out.write(textwrap.shorten(f"- {title_text}", width=width, placeholder="…") + "\n")
        if len(shown) < len(titles):
            out.write(
                f"  … and {len(titles) - len(shown)} more (--limit to see more, --format json for all)\n"
            )
