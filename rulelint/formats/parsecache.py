"""A cache of parsed rules, by file content: unchanged files are not parsed again.

Entries live in ``<cache dir>/parse-<fingerprint>/``; the fingerprint covers rulelint's version,
its readers' code and its data tables, so any change to how rules are read starts a fresh cache.
Entries are written atomically (temporary file, then rename), so parallel runs (pre-commit runs
hooks in parallel) never see half an entry; an unreadable entry is just a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from rulelint import __version__
from rulelint.formats.base import ReadResult

PACKAGE = Path(__file__).resolve().parent.parent
#: What decides how a rule file reads: reader code, the model, the vocabularies and data tables.
READER_INPUTS = (
    "formats",
    "vocab",
    "model.py",
    "attack.py",
    "data/fields",
    "data/events",
    "data/macros",
    "data/attack",
)


def default_cache_dir() -> Path:
    explicit = os.environ.get("RULELINT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rulelint"


READER_SUFFIXES = (".py", ".tsv", ".json")


def _reader_files() -> list[tuple[str, str]]:
    """(path relative to the package, absolute path) of every reader input, in a stable order
    (os.walk: this runs on every check, and pathlib's rglob costs several milliseconds)."""
    files: list[tuple[str, str]] = []
    package = str(PACKAGE)
    for entry in READER_INPUTS:
        root = os.path.join(package, entry)
        if os.path.isfile(root):
            files.append((entry, root))
            continue
        found: list[tuple[str, str]] = []
        for folder, subfolders, names in os.walk(root):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            relative = os.path.relpath(folder, package).replace(os.sep, "/")
            found.extend(
                (f"{relative}/{name}", os.path.join(folder, name))
                for name in names
                if name.endswith(READER_SUFFIXES)
            )
        files.extend(sorted(found))
    return files


@cache
def readers_fingerprint() -> str:
    """A digest of the content of every reader input: the same on every machine, so a catalog
    built elsewhere can have its parses reused (catalog/build.py)."""
    digest = hashlib.sha256()
    for relative, path in _reader_files():
        with open(path, "rb") as handle:
            digest.update(relative.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()[:16]


@cache
def fingerprint() -> str:
    """This installation's reader inputs by name, size and modification time: cheap enough for
    every run (no file is read), and any edit or reinstall starts a fresh parse cache."""
    digest = hashlib.sha256(__version__.encode())
    for relative, path in _reader_files():
        info = os.stat(path)
        digest.update(f"{relative}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


class ParseCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_cache_dir()) / f"parse-{fingerprint()}"
        self._pruned = False

    @staticmethod
    def key(data: bytes) -> str:
        return hashlib.sha1(data).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, path: str, text: str) -> ReadResult | None:
        from rulelint.catalog.serialize import rule_from_json

        try:
            stored = json.loads(self._entry(key).read_text(encoding="utf-8"))
            rules = [rule_from_json(body) for body in stored["rules"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        for rule in rules:
            rule.path = path
        return ReadResult(
            path, stored["format"], rules, stored["error"], stored["error_line"], text
        )

    def put(self, key: str, result: ReadResult) -> None:
        from rulelint.catalog.serialize import rule_to_json

        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            document = {
                "format": result.format,
                "error": result.error,
                "error_line": result.error_line,
                "rules": [rule_to_json(rule) for rule in result.rules],
            }
            handle, temporary = tempfile.mkstemp(prefix=".entry-", dir=entry.parent)
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, separators=(",", ":"))
            os.replace(temporary, entry)
        except OSError:
            return  # a cache that cannot be written is only slower
        if not self._pruned:
            self._pruned = True
            self._prune()

    def _prune(self) -> None:
        """Drop caches of other rulelint versions (best effort)."""
        for other in self.root.parent.glob("parse-*"):
            if other != self.root and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
