"""Rule formats: detect a file's format and read it into canonical rules.

Every reader is listed in :data:`READERS`; detection tries them in order, first by file suffix,
then by sniffing the head of the file. Reading never raises: a bad file becomes a
:class:`ReadResult` with an ``error``, so one broken rule does not stop a run.
"""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
from functools import cache

from rulelint.formats.base import ExclusionFix, Reader, ReadResult
from rulelint.formats.errors import RuleReadError
from rulelint.formats.parsecache import ParseCache
from rulelint.model import Rule

#: Default upper bound on one rule file (the largest public rule is about 300 KB).
MAX_FILE_BYTES = 2 * 1024 * 1024
SNIFF_BYTES = 16 * 1024


class LazyReader:
    """A reader whose module is imported the first time a file of its kind is sniffed.

    A run over Sigma rules never pays for the KQL, SPL, EQL and YARA-L grammars and their tables
    (about half of ``rulelint check``'s start-up). ``format``, ``vendor`` and ``suffixes`` are
    declared here so detection can pick candidates without importing; a test checks them against
    the reader classes.
    """

    def __init__(
        self, module: str, name: str, format: str, vendor: str, suffixes: tuple[str, ...]
    ) -> None:
        self.module = module
        self.name = name
        self.format = format
        self.vendor = vendor
        self.suffixes = suffixes
        self._reader: Reader | None = None

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            self._reader = getattr(importlib.import_module(self.module), self.name)()
        return self._reader

    def sniff(self, path: str, head: str) -> bool:
        return self.reader.sniff(path, head)

    def read(self, path: str, text: str) -> list[Rule]:
        return self.reader.read(path, text)

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        return self.reader.exclusion_snippet(rule, fixes)

    def __getattr__(self, attribute: str) -> object:  # reader-specific helpers
        return getattr(self.reader, attribute)


_YAML = (".yml", ".yaml")
READERS: list[LazyReader] = [
    LazyReader("rulelint.formats.sigma.reader", "SigmaReader", "sigma", "sigma", _YAML),
    LazyReader("rulelint.formats.splunk.reader", "SplunkReader", "splunk-yaml", "splunk", _YAML),
    LazyReader(
        "rulelint.formats.elastic.reader", "ElasticReader", "elastic-toml", "elastic", (".toml",)
    ),
    LazyReader("rulelint.formats.yaral.reader", "YaralReader", "yaral", "yaral", (".yaral",)),
    LazyReader("rulelint.formats.panther.reader", "PantherReader", "panther", "panther", _YAML),
    LazyReader(
        "rulelint.formats.kusto.reader",
        "SentinelReader",
        "sentinel-yaml",
        "kusto",
        (".yaml", ".yml"),
    ),
    LazyReader(
        "rulelint.formats.kusto.reader",
        "KqlFileReader",
        "kql",
        "kusto",
        (".kql", ".kusto", ".csl", ".txt"),
    ),
    LazyReader(
        "rulelint.formats.kusto.reader",
        "KqlMarkdownReader",
        "kql-markdown",
        "kusto",
        (".md", ".markdown"),
    ),
]


def readers_for_suffix(path: str) -> list[LazyReader]:
    lower = path.lower()
    return [reader for reader in READERS if lower.endswith(reader.suffixes)]


def candidate_suffixes() -> tuple[str, ...]:
    return tuple(sorted({suffix for reader in READERS for suffix in reader.suffixes}))


def detect_format(path: str, head: str) -> Reader | None:
    """The reader for a file, or None when no reader recognizes it."""
    for entry in readers_for_suffix(path):
        if entry.sniff(path, head):
            return entry.reader
    return None


def decode(data: bytes, path: str) -> str:
    """Rule text as str; binary and non-UTF-8 files are refused with a clear message."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise RuleReadError("binary file (contains NUL bytes), not a rule")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RuleReadError(f"not valid UTF-8 (byte {error.start})", line) from None
    return text[1:] if text.startswith("\ufeff") else text


@cache
def trusted_root() -> str:
    """The folder symlinks may point into: the git repository around the working directory, or
    the working directory itself."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return os.path.realpath(result.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.realpath(os.getcwd())


def read_bytes(path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):  # a symbolic link must stay inside the repository
        real = os.path.realpath(path)
        root = trusted_root()
        if os.path.commonpath([real, root]) != root:
            raise RuleReadError(
                f"symbolic link to {real}, outside the repository ({root}): not followed"
            )
        info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise RuleReadError("not a regular file")
    size = info.st_size
    if size > max_bytes:
        raise RuleReadError(
            f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for a rule file"
        )
    with open(path, "rb") as handle:
        return handle.read(max_bytes + 1)


def read_rule_file(
    path: str,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    reader: Reader | None = None,
    cache: ParseCache | None = None,
) -> ReadResult | None:
    """Read one file into rules. None when no reader recognizes it (and none was forced)."""
    try:
        data = read_bytes(path, max_bytes)
        text = decode(data, path)
    except RuleReadError as error:
        return ReadResult(
            path, reader.format if reader else "unknown", error=str(error), error_line=error.line
        )
    except OSError as error:
        return ReadResult(path, "unknown", error=f"cannot read file: {error.strerror or error}")
    key = cache.key(data) if cache is not None else ""
    if cache is not None and reader is None:
        hit = cache.get(key, path, text)
        if hit is not None:
            return hit
    if reader is None:
        reader = detect_format(path, text[:SNIFF_BYTES])
        if reader is None:
            return None
    result = _read(reader, path, text)
    if cache is not None and not is_internal_error(result.error):
        cache.put(key, result)
    return result


INTERNAL_ERROR = "internal error while reading"


def is_internal_error(error: str | None) -> bool:
    """A reader bug rather than a verdict on the file: never cached, so a fixed reader sees it."""
    return bool(error) and error.startswith(INTERNAL_ERROR)  # type: ignore[union-attr]


def _read(reader: Reader, path: str, text: str) -> ReadResult:
    try:
        rules = reader.read(path, text)
    except RuleReadError as error:
        return ReadResult(path, reader.format, error=str(error), error_line=error.line, text=text)
    except RecursionError:
        return ReadResult(path, reader.format, error="rule is nested too deeply to read", text=text)
    except ImportError:
        raise  # a broken installation, not a bad file: stop and say so (cli.py)
    except Exception as error:  # a reader bug must not take the whole run down
        return ReadResult(
            path,
            reader.format,
            error=f"{INTERNAL_ERROR}: {type(error).__name__}: {error}",
            text=text,
        )
    return ReadResult(path, reader.format, rules=rules, text=text)
