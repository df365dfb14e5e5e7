"""Reading a catalog: the lookups the checks and the technique pages make.

A catalog is opened read-only and immutable (no locks, safe for parallel pre-commit hooks). Every
statistic used to judge a rule can leave that rule's own catalog entry out (``without``): a rule
never vouches for itself.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from rulelint.catalog.compress import zdict_id
from rulelint.catalog.models import stored_model
from rulelint.catalog.schema import ROLE_EXCLUSION, ROLE_INDICATOR, SCHEMA_VERSION
from rulelint.vocab.fields import same_family

Key = tuple[str, str, str]


REACH_PRELOAD_AFTER = 2000
PEER_PRELOAD_AFTER = 50


class CatalogError(Exception):
    """A catalog file that is missing, corrupt, truncated or of another schema version."""


@dataclass(slots=True)
class PeerExclusion:
    key: Key
    support: int
    raw_fields: Counter[str]
    hows: Counter[str]
    displays: Counter[str]
    groups: Counter[str]
    vendor_hows: Counter[tuple[str, str, str]]  # (vendor, raw field, how)
    vendor_displays: Counter[tuple[str, str]] = dataclass_field(
        default_factory=Counter
    )  # (vendor, value)


@dataclass(slots=True)
class CoIndicator:
    key: Key
    rules: int
    reach: int
    raw_field: str
    how: str
    display: str


def _placeholders(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


class Catalog:
    """A read-only view of one catalog file."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            from rulelint.catalog.packed import default_catalog_path

            path = default_catalog_path()
        self.path = Path(path)
        if not self.path.is_file():
            raise CatalogError(
                f"catalog {self.path} does not exist (build one with 'rulelint catalog build')"
            )
        try:
            self.db = sqlite3.connect(
                f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            meta = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
            self.db.execute("SELECT count(*) FROM rule_techniques").fetchone()
        except sqlite3.DatabaseError as error:
            raise CatalogError(
                f"catalog {self.path} is not a readable rulelint catalog ({error})"
            ) from None
        if meta.get("schema") != str(SCHEMA_VERSION) or meta.get("zdict", zdict_id()) != zdict_id():
            raise CatalogError(
                f"catalog {self.path} has schema {meta.get('schema')!r}, this rulelint reads {SCHEMA_VERSION}: rebuild it"
            )
        self.meta = meta
        self._reach_table: dict[Key, int] | None = None
        self._reach_lookups = 0
        self._peer_lookups = 0
        self._bulk = False  # set once a run has asked enough to make loading everything cheaper

    def close(self) -> None:
        self.db.close()

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(
            f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )

    def reconnect(self) -> None:
        """A fresh connection (in a forked process: the parent's must not be used, nor closed)."""
        self._inherited = [*getattr(self, "_inherited", []), self.db]
        self.db = self._connect()

    def preload(self) -> None:
        """Load the tables bulk runs look up (reach, every rule's keys, rules per event category)."""
        self._bulk = True
        self._reach_lookups = REACH_PRELOAD_AFTER
        self.reach(("", "", ""))
        _ = self._rule_keys, self._category_rules, self._in_stats, self._indicator_index

    def verify(self) -> None:
        """Full integrity check (reads every page): for ``catalog info --verify``."""
        try:
            result = self.db.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError as error:
            raise CatalogError(f"catalog {self.path} is corrupt: {error}") from None
        if not result or result[0] != "ok":
            raise CatalogError(
                f"catalog {self.path} is corrupt: {result[0] if result else 'no answer'}"
            )

    def model(self, name: str) -> dict[str, object] | None:
        """A judgement model fitted offline in ``bench/`` and stored at build time, or None."""
        return stored_model(self.db, name)

    # -- totals -------------------------------------------------------------------------------

    @cached_property
    def total_rules(self) -> int:
        return int(self.meta.get("rules_in_stats", "0"))

    def sources(self) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT name, root, repository, commit_id, license, url FROM sources ORDER BY id"
        )
        keys = ("name", "root", "repository", "commit", "license", "url")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def vendor_counts(self) -> dict[str, int]:
        return dict(
            self.db.execute(
                "SELECT vendor, count(*) FROM rules WHERE in_stats GROUP BY vendor ORDER BY vendor"
            )
        )

    # -- a rule's own entry ---------------------------------------------------------------------

    def own_rules(self, rule_id: str, vendor: str) -> list[int]:
        """Catalog rows of a rule being checked (same id and vendor), to leave out of its judgement."""
        if not rule_id:
            return []
        found = [
            r
            for (r,) in self.db.execute(
                "SELECT id FROM rules WHERE rule_id = ? AND vendor = ?", (rule_id, vendor)
            )
        ]
        if found or "/" not in rule_id.replace("\\", "/"):
            return found
        # a rule named by its path: the catalog keeps paths relative to their source, so a file
        # checked from elsewhere is the catalog's entry whose id ends its path
        parts = rule_id.replace("\\", "/").split("/")
        index = self._path_ids
        for start in range(1, len(parts)):
            found = index.get((vendor, "/".join(parts[start:])), [])
            if found:
                return found
        return []

    @cached_property
    def _path_ids(self) -> dict[tuple[str, str], list[int]]:
        """Rules named by their path (relative to their source), by (vendor, path)."""
        index: dict[tuple[str, str], list[int]] = {}
        for rule, vendor, rule_id in self.db.execute(
            "SELECT r.id, r.vendor, r.rule_id FROM rules r JOIN files f ON f.id = r.file "
            "WHERE r.rule_id = f.path OR substr(r.rule_id, 1, length(f.path) + 1) = f.path || '#'"
        ):
            index.setdefault((vendor, rule_id), []).append(rule)
        return index

    def own_indicator_keys(self, own: Sequence[int]) -> set[Key]:
        if not own:
            return set()
        if self._bulk:
            keys: set[Key] = set()
            for rule in own:
                if rule in self._in_stats:
                    keys |= self._rule_keys.get(rule, (frozenset(), frozenset()))[0]
            return keys
        rows = self.db.execute(
            f"SELECT DISTINCT field, operator, value FROM predicates p JOIN rules r ON r.id = p.rule "
            f"WHERE p.rule IN ({_placeholders(own)}) AND p.role = {ROLE_INDICATOR} AND r.in_stats",
            list(own),
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]

    # -- reach ----------------------------------------------------------------------------------

    def reach(self, key: Key) -> int:
        """Rules in the statistics using an indicator. Looked up one by one at first; once a run has
        asked for many, the whole table is loaded (a bulk check asks for tens of thousands)."""
        table = self._reach_table
        if table is not None:
            return table.get(key, 0)
        self._reach_lookups += 1
        if self._reach_lookups > REACH_PRELOAD_AFTER:
            self._reach_table = {
                (field, operator, value): rules
                for field, operator, value, rules in self.db.execute(
                    "SELECT field, operator, value, rules FROM reach"
                )
            }
            return self._reach_table.get(key, 0)
        row = self.db.execute(
            "SELECT rules FROM reach WHERE field = ? AND operator = ? AND value = ?", key
        ).fetchone()
        return int(row[0]) if row else 0

    def reach_many(self, keys: Iterable[Key]) -> dict[Key, int]:
        found: dict[Key, int] = {}
        for key in set(keys):
            found[key] = self.reach(key)
        return found

    # -- rules under techniques -----------------------------------------------------------------

    def technique_rules(self, techniques: Sequence[str], exclude: Sequence[int] = ()) -> list[int]:
        """Rules in the statistics tagged with any of these page ids (cached per technique set)."""
        if not techniques:
            return []
        key = tuple(sorted(set(techniques)))
        found = self._technique_cache.get(key)
        if found is None and self._bulk:
            index = self._rules_by_technique
            found = sorted(set().union(*(index.get(technique, ()) for technique in key)))
            self._technique_cache[key] = found
        elif found is None:
            rows = self.db.execute(
                f"SELECT DISTINCT t.rule FROM rule_techniques t JOIN rules r ON r.id = t.rule "
                f"WHERE t.technique IN ({_placeholders(key)}) AND r.in_stats ORDER BY t.rule",
                list(key),
            )
            found = self._technique_cache[key] = [r for (r,) in rows]
        if not exclude:
            return list(found)
        excluded = set(exclude)
        return [r for r in found if r not in excluded]

    @cached_property
    def _technique_cache(self) -> dict[tuple[str, ...], list[int]]:
        return {}

    @cached_property
    def _rules_by_technique(self) -> dict[str, list[int]]:
        """Rules in the statistics per page id: loaded once for bulk runs (hundreds of distinct
        technique sets would otherwise be as many queries)."""
        index: dict[str, list[int]] = {}
        for technique, rule in self.db.execute(
            "SELECT t.technique, t.rule FROM rule_techniques t JOIN rules r ON r.id = t.rule "
            "WHERE r.in_stats"
        ):
            index.setdefault(technique, []).append(rule)
        return index

    @cached_property
    def _category_rules(self) -> dict[str, set[int]]:
        by_category: dict[str, set[int]] = {}
        for rule, category in self.db.execute("SELECT rule, category FROM rule_events"):
            by_category.setdefault(category, set()).add(rule)
        return by_category

    def rules_reading(self, rules: Sequence[int], categories: Iterable[str]) -> list[int]:
        """The subset of ``rules`` that read events of any of these categories."""
        categories = sorted(set(categories))
        if not self._bulk and "_category_rules" not in self.__dict__:
            if not rules or not categories:
                return []
            rows = self.db.execute(
                f"SELECT DISTINCT rule FROM rule_events WHERE category IN ({_placeholders(categories)})",
                categories,
            )
            found = {rule for (rule,) in rows}
            return [r for r in rules if r in found]
        reading: set[int] = set()
        for category in set(categories):
            reading |= self._category_rules.get(category, set())
        return [r for r in rules if r in reading]

    def peer_exclusions(
        self,
        pages: tuple[str, ...],
        categories: tuple[str, ...],
        platforms: tuple[str, ...] = (),
        vendor: str | None = None,
        min_support: int = 1,
    ) -> tuple[list[int], list[tuple[Key, int]]]:
        """Rules under these technique pages reading these event categories (on these platforms,
        when the rule names some), and the exclusions they carry with how many carry each, most
        carried first (cached: rules share pages).

        With ``vendor``, only exclusions on fields these categories of events have as that
        vendor's rules write them (else as any vendor's do): a fix on a field the rule's events
        lack would not be valid in it. Exclusions fewer than ``min_support`` rules carry are left
        out before ranking (most exclusions belong to one rule)."""
        cache_key = (pages, categories, platforms, vendor, min_support)
        found = self._peer_cache.get(cache_key)
        if found is not None:
            return found
        rules = self.rules_reading(self.technique_rules(pages), categories)
        if platforms:
            wanted = set(platforms)
            declared = self._rule_platforms if self._bulk else self._platforms_of(rules)
            rules = [r for r in rules if not declared.get(r) or declared[r] & wanted]
        counts: Counter[Key] = Counter()
        self._peer_lookups += 1
        if self._peer_lookups > PEER_PRELOAD_AFTER:
            self._bulk = True
        if self._bulk:
            rule_keys = self._rule_keys
            for rule in rules:
                found_keys = rule_keys.get(rule)
                if found_keys:
                    counts.update(found_keys[1])
        for chunk in _chunks(rules) if not self._bulk else ():
            rows = self.db.execute(
                f"SELECT field, operator, value, count(DISTINCT rule) FROM predicates "
                f"WHERE role = {ROLE_EXCLUSION} AND rule IN ({_placeholders(chunk)}) GROUP BY field, operator, value",
                list(chunk),
            )
            for field, operator, value, count in rows:
                counts[(field, operator, value)] += count
        items: Iterable[tuple[Key, int]] = counts.items()
        if min_support > 1:
            items = [(key, count) for key, count in items if count >= min_support]
        if vendor is not None:
            fields = self.event_fields(categories, vendor)
            if fields:
                items = [(key, count) for key, count in items if key[0] in fields]
        ranked = sorted(items)  # by key, then (stable) by count, most carried first: two C sorts
        ranked.sort(key=itemgetter(1), reverse=True)
        found = (rules, ranked)
        if len(self._peer_cache) > 512:
            self._peer_cache.clear()
        self._peer_cache[cache_key] = found
        return found

    @cached_property
    def _rule_keys(self) -> dict[int, tuple[frozenset[Key], frozenset[Key]]]:
        """(indicator keys, exclusion keys) of every rule: loaded once for bulk runs."""
        by_role: list[dict[int, frozenset[Key]]] = []
        for role in (ROLE_INDICATOR, ROLE_EXCLUSION):
            rows = self.db.execute(
                "SELECT rule, field, operator, value FROM predicates WHERE role = ? ORDER BY rule",
                (role,),
            )
            by_role.append(
                {
                    rule: frozenset((f, o, v) for _, f, o, v in group)
                    for rule, group in groupby(rows, itemgetter(0))
                }
            )
        indicators, exclusions = by_role
        empty: frozenset[Key] = frozenset()
        return {
            rule: (indicators.get(rule, empty), exclusions.get(rule, empty))
            for rule in indicators.keys() | exclusions.keys()
        }

    def _platforms_of(self, rules: Sequence[int]) -> dict[int, frozenset[str]]:
        found: dict[int, frozenset[str]] = {}
        for chunk in _chunks(rules):
            for rule, platforms in self.db.execute(
                f"SELECT id, platforms FROM rules WHERE id IN ({_placeholders(chunk)})", list(chunk)
            ):
                found[rule] = frozenset(p for p in platforms.split(",") if p)
        return found

    @cached_property
    def _rule_platforms(self) -> dict[int, frozenset[str]]:
        """Platforms each rule declares (a Windows exclusion is no advice for a Linux rule)."""
        return {
            rule: frozenset(p for p in platforms.split(",") if p)
            for rule, platforms in self.db.execute("SELECT id, platforms FROM rules")
        }

    @cached_property
    def _in_stats(self) -> set[int]:
        return {rule for (rule,) in self.db.execute("SELECT id FROM rules WHERE in_stats")}

    @cached_property
    def _peer_cache(
        self,
    ) -> dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[int], list[tuple[Key, int]]]]:
        return {}

    def exclusion_keys(self, rules: Sequence[int]) -> set[Key]:
        if not rules:
            return set()
        if self._bulk:
            keys: set[Key] = set()
            for rule in rules:
                keys |= self._rule_keys.get(rule, (frozenset(), frozenset()))[1]
            return keys
        rows = self.db.execute(
            f"SELECT DISTINCT field, operator, value FROM predicates "
            f"WHERE role = {ROLE_EXCLUSION} AND rule IN ({_placeholders(rules)})",
            list(rules),
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]

    def exclusion_details(self, rules: Sequence[int], key: Key, support: int) -> PeerExclusion:
        """How the rules carrying an exclusion write it (fields, operators, values, group names)."""
        entry = PeerExclusion(key, support, Counter(), Counter(), Counter(), Counter(), Counter())
        rows: list[tuple[str, str, str, str, str]] = []
        for chunk in _chunks(rules):  # by rule (indexed), then by key: never a scan of the table
            rows.extend(
                self.db.execute(
                    f"SELECT p.raw_field, p.how, p.display, p.grp, r.vendor FROM predicates p "
                    f"JOIN rules r ON r.id = p.rule WHERE p.rule IN ({_placeholders(chunk)}) AND p.role = ? "
                    f"AND p.field = ? AND p.operator = ? AND p.value = ?",
                    [*chunk, ROLE_EXCLUSION, *key],
                )
            )
        for raw_field, how, display, group, vendor in rows:
            if raw_field:
                entry.raw_fields[raw_field] += 1
            if how:
                entry.hows[how] += 1
                entry.vendor_hows[(vendor, raw_field, how)] += 1
            entry.displays[display or key[2]] += 1
            entry.vendor_displays[(vendor, display or key[2])] += 1
            if group:
                entry.groups[group] += 1
        return entry

    def indicators_of(self, rules: Sequence[int]) -> dict[int, set[Key]]:
        if self._bulk:
            keys = self._rule_keys
            return {rule: set(keys[rule][0]) for rule in rules if rule in keys}
        by_rule: dict[int, set[Key]] = {}
        for chunk in _chunks(rules):
            rows = self.db.execute(
                f"SELECT rule, field, operator, value FROM predicates "
                f"WHERE role = {ROLE_INDICATOR} AND rule IN ({_placeholders(chunk)})",
                list(chunk),
            )
            for rule, field, operator, value in rows:
                by_rule.setdefault(rule, set()).add((field, operator, value))
        return by_rule

    def co_indicators(
        self, rules: Sequence[int], key: Key, max_reach: int, vendor: str, limit: int = 3
    ) -> list[CoIndicator]:
        """Indicators that rules using ``key`` combine it with, more specific than ``max_reach``."""
        with_key = set()
        for chunk in _chunks(rules):
            rows = self.db.execute(
                f"SELECT DISTINCT rule FROM predicates WHERE role = {ROLE_INDICATOR} AND field = ? AND operator = ? "
                f"AND value = ? AND rule IN ({_placeholders(chunk)})",
                [*key, *chunk],
            )
            with_key.update(r for (r,) in rows)
        counts: Counter[Key] = Counter()
        shown: dict[Key, tuple[int, str, str, str]] = {}
        ordered = sorted(with_key)
        for chunk in _chunks(ordered):
            rows = self.db.execute(
                f"SELECT p.rule, p.field, p.operator, p.value, p.raw_field, p.how, p.display, r.vendor "
                f"FROM predicates p JOIN rules r ON r.id = p.rule "
                f"WHERE p.role = {ROLE_INDICATOR} AND p.rule IN ({_placeholders(chunk)}) ORDER BY p.rule",
                list(chunk),
            )
            for _rule, field, operator, value, raw_field, how, display, rule_vendor in rows:
                other = (field, operator, value)
                if other == key or same_family(field, key[0]):
                    continue  # the same thing spelled another way is an alternative, not a combination
                counts[other] += 1
                rank = 0 if rule_vendor == vendor else 1
                if other not in shown or rank < shown[other][0]:
                    shown[other] = (rank, raw_field, how, display or value)
        found: list[CoIndicator] = []
        for other, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            if count < 2:
                break
            reach = self.reach(other)
            if reach >= max_reach:
                continue
            _, raw_field, how, display = shown[other]
            found.append(CoIndicator(other, count, reach, raw_field, how, display))
            if len(found) >= limit:
                break
        return found

    def rules_with_indicator(self, key: Key) -> list[int]:
        if self._bulk:
            return self._indicator_index.get(key, [])
        rows = self.db.execute(
            f"SELECT DISTINCT p.rule FROM predicates p JOIN rules r ON r.id = p.rule WHERE p.role = {ROLE_INDICATOR} "
            "AND p.field = ? AND p.operator = ? AND p.value = ? AND r.in_stats",
            key,
        )
        return [rule for (rule,) in rows]

    @cached_property
    def _indicator_index(self) -> dict[Key, list[int]]:
        index: dict[Key, list[int]] = {}
        in_stats = self._in_stats
        for rule, (indicators, _) in sorted(self._rule_keys.items()):
            if rule in in_stats:
                for key in indicators:
                    index.setdefault(key, []).append(rule)
        return index

    def vendor_fields_for_category(self, vendor: str, category: str) -> tuple[set[str], int]:
        """Raw fields that rules of a vendor reading a category of events use, and how many rules."""
        cache_key = (vendor, category)
        found = self._field_cache.get(cache_key)
        if found is None:
            rows = self.db.execute(
                "SELECT raw_field FROM category_raw_fields WHERE category = ? AND vendor = ?",
                (category, vendor),
            )
            fields = {field for (field,) in rows}
            (count,) = self.db.execute(
                "SELECT count(DISTINCT e.rule) FROM rule_events e JOIN rules r ON r.id = e.rule "
                "WHERE e.category = ? AND r.vendor = ? AND r.in_stats",
                (category, vendor),
            ).fetchone()
            found = self._field_cache[cache_key] = (fields, int(count))
        return found

    @cached_property
    def _field_cache(self) -> dict[tuple[str, str], tuple[set[str], int]]:
        return {}

    def fields_of_category(self, category: str, vendor: str = "") -> frozenset[str]:
        """Canonical fields tested by rules (of ``vendor``, when given) that read only this
        category of events.

        Multi-event rules (EQL sequences, joins) mix categories: their network exclusion
        (``source.ip``) must not look like a process-creation field."""
        found = self._category_fields.get((category, vendor))
        if found is None:
            rows = self.db.execute(
                "SELECT DISTINCT field FROM category_fields WHERE category = ? "
                "AND (? = '' OR vendor = ?)",
                (category, vendor, vendor),
            )
            found = self._category_fields[(category, vendor)] = frozenset(f for (f,) in rows)
        return found

    @cached_property
    def _category_fields(self) -> dict[tuple[str, str], frozenset[str]]:
        return {}

    def event_fields(self, categories: Iterable[str], vendor: str) -> frozenset[str]:
        """Fields of these categories of events as ``vendor``'s rules use them, or as any
        vendor's do when this vendor has no single-category rule reading them."""
        categories = tuple(categories)
        found = frozenset().union(*(self.fields_of_category(c, vendor) for c in categories))
        return found or frozenset().union(*(self.fields_of_category(c) for c in categories))

    def vendor_field(self, vendor: str, canonical_field: str) -> str | None:
        """How rules of a vendor most often spell a canonical field (for writing fixes)."""
        row = self.db.execute(
            "SELECT raw_field FROM vendor_fields WHERE vendor = ? AND field = ? "
            "ORDER BY uses DESC, raw_field LIMIT 1",
            (vendor, canonical_field),
        ).fetchone()
        return row[0] if row else None

    def fields_for_category(self, category: str) -> Counter[str]:
        """Canonical fields used by rules reading a category of events (field -> rules)."""
        rows = self.db.execute(
            "SELECT p.field, count(DISTINCT p.rule) FROM predicates p JOIN rule_events e ON e.rule = p.rule "
            "WHERE e.category = ? GROUP BY p.field",
            (category,),
        )
        return Counter(dict(rows))

    def rule_summaries(self, rules: Sequence[int]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for chunk in _chunks(rules):
            rows = self.db.execute(
                f"SELECT r.id, r.rule_id, r.vendor, r.title, r.platforms, r.noise, f.path, s.repository, s.commit_id, s.name "
                f"FROM rules r JOIN files f ON f.id = r.file JOIN sources s ON s.id = f.source "
                f"WHERE r.id IN ({_placeholders(chunk)})",
                list(chunk),
            )
            for (
                pk,
                rule_id,
                vendor,
                title,
                platforms,
                noise,
                path,
                repository,
                commit,
                source,
            ) in rows:
                link = (
                    f"https://github.com/{repository}/blob/{commit}/{path}"
                    if repository and len(commit) == 40
                    else ""
                )
                out.append(
                    {
                        "pk": pk,
                        "id": rule_id,
                        "vendor": vendor,
                        "title": title,
                        "platforms": [p for p in platforms.split(",") if p],
                        "noise_score": noise,
                        "path": path,
                        "source": source,
                        "url": link,
                    }
                )
        out.sort(key=lambda r: (str(r["vendor"]), str(r["title"]).lower(), int(r["pk"])))  # type: ignore[call-overload]
        return out


def _chunks(values: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def same_file(checked_id: str, catalog_id: str, *, queries_only: bool = False) -> bool:
    """Whether a rule being checked and a catalog rule come from one file, for rules named by
    their path (``x.kql#2``): the catalog keeps that path relative to its source, so a checked
    path ends with it. ``queries_only``: only for files of several queries (``#n``), the
    Defender XDR and Sentinel variants of one page."""
    if queries_only and ("#" not in checked_id or "#" not in catalog_id):
        return False
    mine = checked_id.rsplit("#", 1)[0].replace("\\", "/")
    theirs = catalog_id.rsplit("#", 1)[0]
    return mine == theirs or mine.endswith("/" + theirs)


def open_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    return Catalog(None if path is None else Path(path))
