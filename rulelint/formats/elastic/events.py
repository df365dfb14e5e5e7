"""The events and platforms of an Elastic rule, from what its predicates select (data tables).

An Elastic rule says what it reads with ECS predicates (``process where``, ``event.category``,
``event.type``, ``event.action``, ``event.dataset``), Windows event codes with their channel or
provider, and its index patterns. ``data/events/elastic_sources.tsv``,
``elastic_windows.tsv`` and ``elastic_platforms.tsv`` map those onto the event vocabulary.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rulelint.model import Node, indicators
from rulelint.vocab.events import event_table
from rulelint.vocab.tables import read_table

PLATFORM_ORDER = (
    "windows",
    "linux",
    "macos",
    "aws",
    "azure",
    "gcp",
    "m365",
    "okta",
    "github",
    "kubernetes",
)

#: canonical field -> which selection set its positive ``eq`` values go to
SELECTION_FIELDS = {
    "event.category": "categories",
    "event.type": "types",
    "event.action": "actions",
    "event.dataset": "datasets",
    "data_stream.dataset": "datasets",
    "winlog.channel": "channels",
    "event.provider": "providers",
    "winlog.provider_name": "providers",
    "event.code": "codes",
    "host.os.type": "os",
    "host.os.platform": "os",
    "event.module": "modules",
}


@dataclass(slots=True)
class Selection:
    """Values the rule's indicators (predicates not under a negation) select, lower case."""

    categories: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    os: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)


def selection(expression: Node | None) -> Selection:
    found = Selection()
    for predicate in indicators(expression):
        if predicate.canonical_field not in found.fields:
            found.fields.append(predicate.canonical_field)
        target = SELECTION_FIELDS.get(predicate.canonical_field)
        if target is None or not predicate.value:
            continue
        if predicate.operator == "eq":
            value = predicate.value.lower()
        elif predicate.operator == "starts_with" and target == "datasets":
            value = predicate.value.lower() + "*"
        else:
            continue
        values: list[str] = getattr(found, target)
        if value not in values:
            values.append(value)
    return found


@cache
def _sources() -> tuple[tuple[str, ...], ...]:
    return read_table("events/elastic_sources.tsv", min_columns=4)


@cache
def _windows() -> tuple[tuple[str, ...], ...]:
    return read_table("events/elastic_windows.tsv", min_columns=3)


@cache
def _platforms() -> tuple[tuple[str, ...], ...]:
    return read_table("events/elastic_platforms.tsv", min_columns=3)


def _literal_prefix(pattern: str) -> str:
    return pattern.split("*", 1)[0].lower()


def _glob_matches(value: str, pattern: str) -> bool:
    """A value (maybe itself a pattern, ``aws.*``) against a table glob."""
    if "*" in value:
        return _literal_prefix(value).startswith(_literal_prefix(pattern)) and bool(
            _literal_prefix(pattern)
        )
    return fnmatch.fnmatchcase(value, pattern)


def _index_matches(index: str, prefix: str) -> bool:
    """A rule's index pattern against a table prefix: the pattern must be at least as specific."""
    return _literal_prefix(index).startswith(prefix)


@cache
def _rows(kind: str) -> tuple[tuple[str, ...], ...]:
    return tuple(row for row in _sources() if row[0] == kind)


@lru_cache(maxsize=4096)
def _keys_for(kind: str, value: str) -> tuple[str, ...]:
    for row in _rows(kind):
        if _index_matches(value, row[1]) if kind == "index" else _glob_matches(value, row[1]):
            return tuple(row[3].split())
    return ()


def rule_events(expression: Node | None, indexes: list[str], platforms: list[str]) -> list[str]:
    """Event keys of a rule, sorted."""
    chosen = selection(expression)
    keys: list[str] = []
    qualifiers = set(chosen.types) | set(chosen.actions)
    for category in chosen.categories:
        rows = [row for row in _rows("category") if row[1] == category]
        specific = [row for row in rows if row[2] != "*" and row[2] in qualifiers]
        for row in specific or [row for row in rows if row[2] == "*"][:1]:
            keys.extend(row[3].split())
    for action in chosen.actions:
        keys.extend(key for row in _rows("action") if row[1] == action for key in row[3].split())
    for dataset in chosen.datasets:
        keys.extend(_keys_for("dataset", dataset))
    for module in chosen.modules:
        keys.extend(key for row in _rows("module") if row[1] == module for key in row[3].split())
    for name in chosen.fields:
        keys.extend(key for row in _rows("field") if row[1] == name for key in row[3].split())
    keys.extend(windows_events(chosen, indexes, platforms))
    if not keys:
        for index in indexes:
            keys.extend(_keys_for("index", index))
    return sorted(set(keys))


def windows_prefixes(chosen: Selection, indexes: list[str]) -> list[str]:
    """Windows logs (``security``, ``sysmon`` ...) the rule names by channel, provider, dataset or index."""
    prefixes: list[str] = []
    evidence = {
        "channel": chosen.channels,
        "provider": chosen.providers,
        "dataset": chosen.datasets,
    }
    for row in _windows():
        kind, value, prefix = row[0], row[1], row[2]
        if kind == "index":
            hit = any(_index_matches(index, value) for index in indexes)
        else:
            hit = value in evidence.get(kind, [])
        if hit and prefix not in prefixes:
            prefixes.append(prefix)
    return prefixes


def windows_events(chosen: Selection, indexes: list[str], platforms: list[str]) -> list[str]:
    """``security:4624``-style keys for the event codes a Windows rule selects."""
    if not chosen.codes:
        return []
    named = windows_prefixes(chosen, indexes)
    if (
        not named
        and "windows" not in platforms
        and not any(f.startswith("winlog.") for f in chosen.fields)
    ):
        return []
    table = event_table()
    keys: list[str] = []
    for code in chosen.codes:
        if not code.isdigit():
            continue
        candidates = named or ["security"]
        known = [f"{prefix}:{code}" for prefix in candidates if f"{prefix}:{code}" in table]
        if known:
            keys.extend(known)
        elif named:
            keys.append(f"{named[0]}:{code}")
    return keys


def rule_platforms(tags: list[str], expression: Node | None) -> list[str]:
    """Platforms from ``OS: X`` (and cloud data-source) tags, ``host.os.type`` and datasets."""
    chosen = selection(expression)
    found: set[str] = set()
    lowered = [tag.strip().lower() for tag in tags]
    for kind, value, platform in (row[:3] for row in _platforms()):
        selected = (
            (kind == "tag" and value in lowered)
            or (kind == "os" and value in chosen.os)
            or (
                kind == "dataset"
                and any(_glob_matches(dataset, value) for dataset in chosen.datasets)
            )
        )
        if selected:
            found.add(platform)
    return sorted(
        found,
        key=lambda p: (PLATFORM_ORDER.index(p) if p in PLATFORM_ORDER else len(PLATFORM_ORDER), p),
    )
