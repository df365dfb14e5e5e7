"""A team's own rule folders layered onto a catalog (``extra-rules`` in the configuration).

The combined catalog is the base catalog's rules plus the folders' rules, written like any other
catalog and cached: it is rebuilt only when a file in the folders (or the base catalog) changes,
and then only the changed files are parsed again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from rulelint import __version__
from rulelint.catalog.build import (
    catalog_contents,
    collect_files,
    parse_sources,
    write_catalog,
)
from rulelint.catalog.sources import Source, source_for_path


def cache_dir() -> Path:
    base = (
        os.environ.get("RULELINT_CACHE_DIR")
        or os.environ.get("XDG_CACHE_HOME")
        or str(Path.home() / ".cache")
    )
    path = Path(base) if os.environ.get("RULELINT_CACHE_DIR") else Path(base) / "rulelint"
    return path


def _identity(base: Path, folders: list[Path]) -> str:
    stat = base.stat()
    text = "|".join(
        [
            __version__,
            str(base.resolve()),
            str(stat.st_size),
            str(stat.st_mtime_ns),
            *map(str, folders),
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def _fingerprint(sources: list[Source]) -> str:
    """Content hash of every candidate rule file of the folders (cheap: no parsing)."""
    digest = hashlib.sha256()
    for _, root, path, sha1 in collect_files(sources):
        digest.update(f"{os.path.relpath(path, root)}\0{sha1}\n".encode())
    return digest.hexdigest()


def combined_catalog(base: Path, folders: list[Path], cache: Path | None = None) -> Path:
    """A catalog of ``base`` plus ``folders``, built once and reused while nothing changes."""
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    folders = sorted(Path(f).resolve() for f in folders)
    name = f"combined-{_identity(base, folders)}"
    output = cache / f"{name}.db"
    stamp = cache / f"{name}.stamp"
    extra = [source_for_path(str(folder)) for folder in folders]
    for index, source in enumerate(extra):
        source.name = f"extra-{index}-{source.name}"
    fingerprint = _fingerprint(extra)
    if output.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == fingerprint:
        return output
    sources, files = catalog_contents(base)
    offset = len(sources)
    parsed, report = parse_sources(extra, output if output.is_file() else None)
    for item in parsed:
        item.source += offset
    write_catalog(sources + extra, files + parsed, output, report)
    temporary = stamp.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(fingerprint, encoding="utf-8")
    os.replace(temporary, stamp)
    return output
