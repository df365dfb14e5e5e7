"""``rulelint catalog build``: rule folders -> one SQLite catalog.

Deterministic: rows are written in sorted order into a fresh file with no timestamps, so the same
inputs give the same bytes. Incremental: a file whose content hash is unchanged reuses the parsed
rules stored in the previous catalog. Atomic: the catalog is written to a temporary file in the same
folder and moved into place, so a crash leaves the previous catalog intact.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rulelint.attack import Attack, default_attack
from rulelint.catalog.compress import pack, unpack, zdict_id
from rulelint.catalog.models import fitted_models
from rulelint.catalog.noise import noise_score
from rulelint.catalog.schema import (
    CENSUS,
    INDEXES,
    ROLE_EXCLUSION,
    ROLE_INDICATOR,
    SCHEMA_VERSION,
    TABLES,
)
from rulelint.catalog.serialize import rule_from_json, rule_to_json
from rulelint.catalog.sources import Source
from rulelint.formats import is_internal_error, read_rule_file
from rulelint.formats.parsecache import readers_fingerprint
from rulelint.model import Predicate, Rule
from rulelint.vocab.events import event
from rulelint.walk import iter_rule_files


@dataclass(slots=True)
class ParsedFile:
    source: int
    path: str  # relative to the source root, with forward slashes
    sha1: str
    format: str
    error: str | None
    rules: list[str]  # rule JSON


@dataclass(slots=True)
class BuildReport:
    files: int = 0
    reused: int = 0
    parsed: int = 0
    failed: int = 0
    rules: int = 0
    in_stats: int = 0
    per_vendor: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _sha1(path: str) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha1(handle.read()).hexdigest()


#: What decides how a file reads: reader code, vocabulary code and data tables.
def _parse_one(task: tuple[int, str, str, str]) -> ParsedFile | None:
    source, root, path, sha1 = task
    result = read_rule_file(path)
    relative = os.path.relpath(path, root).replace(os.sep, "/")
    if result is None:
        return None
    for rule in result.rules:
        rule.path = relative
        if rule.id == path or rule.id.startswith(path + "#"):
            # a rule without an id of its own (a .kql file, a Markdown page's queries) is named by
            # its path: relative to the source, so the catalog does not depend on where the
            # corpora sat when it was built
            rule.id = relative + rule.id[len(path) :]
    return ParsedFile(
        source, relative, sha1, result.format, result.error, [rule_to_json(r) for r in result.rules]
    )


def _previous_files(previous: Path | None) -> dict[tuple[str, str, str], ParsedFile]:
    """Parsed files of an earlier catalog, by (source name, path, sha1)."""
    if previous is None or not previous.is_file():
        return {}
    try:
        connection = sqlite3.connect(f"file:{previous}?mode=ro", uri=True)
        meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if (
            meta.get("schema") != str(SCHEMA_VERSION)
            or meta.get("zdict") != zdict_id()
            or meta.get("readers") != readers_fingerprint()
        ):
            return {}  # other readers may read the same file differently: parse it again
        rows = connection.execute(
            "SELECT s.name, f.id, f.path, f.sha1, f.format, f.error FROM files f JOIN sources s ON s.id = f.source"
        ).fetchall()
        bodies: dict[int, list[str]] = {}
        for file_id, body in connection.execute("SELECT file, body FROM rules ORDER BY id"):
            bodies.setdefault(file_id, []).append(unpack(body))
        connection.close()
    except (sqlite3.Error, zlib.error, ValueError):
        return {}  # an unreadable earlier catalog just means a full build
    return {
        (name, path, sha1): ParsedFile(0, path, sha1, fmt, error, bodies.get(file_id, []))
        for name, file_id, path, sha1, fmt, error in rows
        if not is_internal_error(error)
    }


def catalog_contents(path: Path) -> tuple[list[Source], list[ParsedFile]]:
    """The sources and parsed files stored in a catalog (to layer more rules onto it)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        rows = connection.execute(
            "SELECT id, name, root, repository, commit_id, license, url FROM sources ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    sources = [
        Source(name, root, repository, commit, license_, url=url)
        for _, name, root, repository, commit, license_, url in rows
    ]
    position = {source.name: index for index, source in enumerate(sources)}
    files = []
    for (name, _path, _sha1), parsed in _previous_files(path).items():
        parsed.source = position[name]
        files.append(parsed)
    files.sort(key=lambda f: (f.source, f.path))
    return sources, files


def collect_files(sources: list[Source]) -> list[tuple[int, str, str, str]]:
    """(source index, root, absolute path, sha1) of every candidate rule file, sorted."""
    tasks: list[tuple[int, str, str, str]] = []
    for index, source in enumerate(sources):
        for path in iter_rule_files([source.root]):
            relative = os.path.relpath(path, source.root).replace(os.sep, "/")
            if any(pattern in f"/{relative}" for pattern in source.exclude):
                continue
            tasks.append((index, source.root, path, _sha1(path)))
    return tasks


def parse_sources(
    sources: list[Source], previous: Path | None = None, jobs: int | None = None
) -> tuple[list[ParsedFile], BuildReport]:
    report = BuildReport()
    cached = _previous_files(previous)
    tasks = collect_files(sources)
    todo: list[tuple[int, str, str, str]] = []
    parsed: list[ParsedFile] = []
    for task in tasks:
        source, root, path, sha1 = task
        relative = os.path.relpath(path, root).replace(os.sep, "/")
        hit = cached.get((sources[source].name, relative, sha1))
        if hit is not None:
            hit.source = source
            parsed.append(hit)
            report.reused += 1
        else:
            todo.append(task)
    jobs = jobs or min(len(todo) // 200 + 1, os.cpu_count() or 1)
    if jobs > 1:
        from concurrent.futures import ProcessPoolExecutor  # only multi-process builds pay for it

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results: Iterable[ParsedFile | None] = list(pool.map(_parse_one, todo, chunksize=64))
    else:
        results = [_parse_one(task) for task in todo]
    for result in results:
        if result is not None:
            parsed.append(result)
            report.parsed += 1
    parsed.sort(key=lambda f: (f.source, f.path))
    report.files = len(parsed)
    return parsed, report


def _indicator_keys(rule: Rule) -> set[tuple[str, str, str]]:
    return {p.key for p in rule.indicators()}


def build_catalog(
    sources: list[Source],
    output: Path,
    *,
    incremental: bool = True,
    jobs: int | None = None,
    attack: Attack | None = None,
) -> BuildReport:
    """Build the catalog at ``output`` from ``sources`` (atomically replacing any earlier one)."""
    files, report = parse_sources(sources, output if incremental else None, jobs)
    return write_catalog(sources, files, output, report, attack)


def write_catalog(
    sources: list[Source],
    files: list[ParsedFile],
    output: Path,
    report: BuildReport | None = None,
    attack: Attack | None = None,
) -> BuildReport:
    """Write parsed files as a catalog: reach, per-rule rows, indexes; atomic and deterministic."""
    attack = attack or default_attack()
    report = report or BuildReport(files=len(files))
    rules: list[tuple[int, Rule]] = []  # (file index, rule)
    for index, parsed in enumerate(files):
        if parsed.error:
            report.failed += 1
            report.errors.append((f"{sources[parsed.source].name}/{parsed.path}", parsed.error))
        for body in parsed.rules:
            rules.append((index, rule_from_json(body)))
    # corpus reach: rules in the statistics using each indicator, each rule counted once
    reach: Counter[tuple[str, str, str]] = Counter()
    for _, rule in rules:
        if not rule.deprecated:
            reach.update(_indicator_keys(rule))
    total = sum(1 for _, rule in rules if not rule.deprecated)

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".catalog-", suffix=".tmp", dir=output.parent)
    os.close(handle)
    try:
        _write(Path(temporary), sources, files, rules, reach, total, attack, report)
        os.replace(temporary, output)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return report


def _write(
    path: Path,
    sources: list[Source],
    files: list[ParsedFile],
    rules: list[tuple[int, Rule]],
    reach: Counter[tuple[str, str, str]],
    total: int,
    attack: Attack,
    report: BuildReport,
) -> None:
    os.unlink(path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA page_size = 4096")
    connection.executescript(TABLES)
    with connection:
        meta = {
            "schema": str(SCHEMA_VERSION),
            "attack": attack.version,
            "rules": str(len(rules)),
            "rules_in_stats": str(total),
            "zdict": zdict_id(),
            "readers": readers_fingerprint(),
        }
        connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        connection.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i + 1,
                    s.name,
                    os.path.basename(s.root.rstrip("/")),
                    s.repository,
                    s.commit,
                    s.license,
                    s.url,
                )
                for i, s in enumerate(sources)
            ],
        )
        connection.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
            [(i + 1, f.source + 1, f.path, f.sha1, f.format, f.error) for i, f in enumerate(files)],
        )
        event_keys: set[str] = set()
        for rule_pk, (file_index, rule) in enumerate(rules, start=1):
            in_stats = 0 if rule.deprecated else 1
            own = _indicator_keys(rule) if in_stats else set()

            def own_reach(predicate: Predicate, own: set[tuple[str, str, str]] = own) -> int:
                return reach.get(predicate.key, 0) - (1 if predicate.key in own else 0)

            noise = noise_score(rule.expression, own_reach, max(total - in_stats, 1))
            report.rules += 1
            report.in_stats += in_stats
            report.per_vendor[rule.vendor] += 1
            body = pack(rule_to_json(rule))
            connection.execute(
                "INSERT INTO rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rule_pk,
                    file_index + 1,
                    rule.id,
                    rule.vendor,
                    rule.title,
                    rule.language,
                    rule.status,
                    rule.level,
                    int(rule.deprecated),
                    in_stats,
                    ",".join(rule.platforms),
                    rule.line,
                    noise,
                    body,
                ),
            )
            direct = {attack.page_id(t) for t in rule.techniques}
            connection.executemany(
                "INSERT INTO rule_techniques VALUES (?, ?, ?)",
                [(page, rule_pk, int(page in direct)) for page in attack.rollup(rule.techniques)],
            )
            connection.executemany(
                "INSERT OR IGNORE INTO rule_events VALUES (?, ?, ?)",
                [(rule_pk, key, event(key).category) for key in rule.events],
            )
            event_keys.update(rule.events)
            connection.executemany(
                "INSERT INTO predicates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _predicate_rows(rule_pk, rule),
            )
        connection.executemany(
            "INSERT INTO reach VALUES (?, ?, ?, ?)",
            [(*key, count) for key, count in sorted(reach.items())],
        )
        connection.executemany("INSERT INTO models VALUES (?, ?)", fitted_models())
        connection.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [
                (e.key, e.provider, e.code, e.title, e.category)
                for e in (event(k) for k in sorted(event_keys))
            ],
        )
    connection.executescript(INDEXES)
    connection.executescript(CENSUS)  # after the indexes: it joins predicates by rule
    connection.execute("ANALYZE")
    connection.commit()
    connection.execute("VACUUM")
    connection.close()


def _predicate_rows(rule_pk: int, rule: Rule) -> list[tuple[object, ...]]:
    """One row per (role, key) of a rule: a rule counts once per statistic row."""
    rows: list[tuple[object, ...]] = []
    seen: set[tuple[int, str, str, str]] = set()
    for role, predicates in (
        (ROLE_INDICATOR, rule.indicators()),
        (ROLE_EXCLUSION, rule.exclusions()),
    ):
        for p in predicates:
            marker = (role, *p.key)
            if marker in seen:
                continue
            seen.add(marker)
            rows.append(
                (
                    rule_pk,
                    role,
                    p.canonical_field,
                    p.operator,
                    p.key[2],
                    p.field or "",
                    p.how,
                    "" if p.display_value == p.key[2] else p.display_value,
                    p.group,
                    p.line,
                )
            )
    return rows
