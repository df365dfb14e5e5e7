"""Loading of the package's tab-separated data tables (``rulelint/data``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def read_table(relative_path: str, min_columns: int = 2) -> tuple[tuple[str, ...], ...]:
    """Rows of a TSV table under ``rulelint/data``; ``#`` comments and blank lines skipped."""
    rows: list[tuple[str, ...]] = []
    text = (DATA_DIR / relative_path).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = tuple(part.strip() for part in line.split("\t"))
        if len(columns) < min_columns:
            raise ValueError(
                f"{relative_path}:{number}: expected {min_columns} tab-separated columns"
            )
        rows.append(columns)
    return tuple(rows)


def table_names(folder: str, suffix: str = ".tsv") -> list[str]:
    """The tables of a data folder, sorted, as paths relative to ``rulelint/data``."""
    return sorted(f"{folder}/{p.name}" for p in (DATA_DIR / folder).glob(f"*{suffix}"))
