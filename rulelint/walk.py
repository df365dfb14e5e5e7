"""Finding rule files under the paths a user names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from rulelint.formats import candidate_suffixes
from rulelint.formats.panther.reader import yaml_files_naming

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
)


def iter_rule_files(paths: Iterable[str], *, follow_symlinks: bool = False) -> Iterator[str]:
    """Files under ``paths`` (files as given, folders walked in sorted order) with a rule suffix.

    Named files are yielded whatever their suffix (the user asked for them); inside folders only
    files with a suffix some reader handles. A named ``.py`` is a Panther rule's body: its rule
    YAML is yielded instead (nothing when no YAML names it: then it is no rule's). Symlinked
    folders are not followed by default.
    """
    suffixes = candidate_suffixes()
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, followlinks=follow_symlinks):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if name.lower().endswith(suffixes):
                        yield os.path.join(root, name)
        elif path.lower().endswith(".py"):
            yield from yaml_files_naming(path)
        else:
            yield path
