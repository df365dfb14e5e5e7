"""What every command shares: errors, exit codes, opening the catalog, collecting files."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A mistake in how rulelint was called or configured (exit 2, one clear line)."""


def add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="DB",
        help="catalog to judge against (default: the embedded default catalog)",
    )


def open_catalog(path: str | None):  # type: ignore[no-untyped-def]
    from rulelint.catalog.store import CatalogError
    from rulelint.catalog.store import open_catalog as _open

    try:
        return _open(path)
    except CatalogError as error:
        raise UsageError(str(error)) from None


def split_codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def collect(paths: Sequence[str]) -> list[str]:
    """Rule files under the given paths; a path that does not exist is a usage error."""
    from rulelint.walk import iter_rule_files

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    return list(iter_rule_files(paths))
