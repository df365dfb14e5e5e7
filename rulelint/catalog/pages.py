"""Per-technique statistics: what a technique page shows.

Sections as on the seed pages: events covered; fields filtered most (rules per field, operators,
sample values); top indicator values (rules here, corpus reach); exclusions (rules excluding);
rules by vendor. Each rule counts at most once per row. Sub-techniques roll up into their parent,
and v18 ids that ATT&CK v19 moved share the v19 page.

The statistics read the catalog through a *slice*: :class:`QuerySlice` asks SQLite for one page's
rows (``catalog show``); :class:`BulkSlice` loads every row once, so that the HTML report computes
hundreds of pages in seconds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Protocol

from rulelint.attack import Attack, default_attack
from rulelint.catalog.schema import ROLE_EXCLUSION, ROLE_INDICATOR
from rulelint.catalog.store import Catalog, Key, _chunks, _placeholders
from rulelint.model import VENDOR_TITLES, VENDORS
from rulelint.vocab.fields import name_path_pairs

Row = tuple[
    int, int, str, str, str, str, str, str
]  # rule, role, field, op, value, raw, how, display


@dataclass(slots=True)
class FieldRow:
    field: str
    rules: int
    operators: list[tuple[str, int]]
    samples: list[str]
    spellings: list[str]
    vendors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ValueRow:
    field: str
    operator: str
    value: str
    display: str
    rules: int
    reach: int = 0
    high_reach: bool = False
    spelled: str = ""
    vendors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class EventRow:
    key: str
    provider: str
    code: str
    title: str
    rules: int


@dataclass(slots=True)
class TechniquePage:
    id: str
    name: str
    tactics: list[str]
    url: str
    also: list[str]
    total_rules: int
    vendors: dict[str, int]
    events: list[EventRow]
    fields: list[FieldRow]
    distinct_fields: int
    indicators: list[ValueRow]
    distinct_indicators: int
    exclusions: list[ValueRow]
    distinct_exclusions: int
    rules: list[dict[str, Any]] = field(default_factory=list)
    high_reach: int = 0
    filters: dict[str, str] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class PageError(LookupError):
    pass


class CatalogSlice(Protocol):
    catalog: Catalog

    def technique_rules(self, page_id: str) -> list[int]: ...

    def summaries(self, rules: list[int]) -> list[dict[str, Any]]: ...

    def event_counts(self, rules: list[int]) -> Counter[str]: ...

    def event_info(self, keys: list[str]) -> dict[str, tuple[str, str, str, str]]: ...

    def rows(self, rules: list[int]) -> Iterable[Row]: ...

    def reach(self, key: Key) -> int: ...


class QuerySlice:
    """One page's data, asked of SQLite as needed (``rulelint catalog show``)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def technique_rules(self, page_id: str) -> list[int]:
        return self.catalog.technique_rules([page_id])

    def summaries(self, rules: list[int]) -> list[dict[str, Any]]:
        return self.catalog.rule_summaries(rules)

    def event_counts(self, rules: list[int]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for chunk in _chunks(rules):
            rows = self.catalog.db.execute(
                f"SELECT event FROM rule_events WHERE rule IN ({_placeholders(chunk)})", list(chunk)
            )
            counts.update(event for (event,) in rows)
        return counts

    def event_info(self, keys: list[str]) -> dict[str, tuple[str, str, str, str]]:
        if not keys:
            return {}
        rows = self.catalog.db.execute(
            f"SELECT key, provider, code, title FROM events WHERE key IN ({_placeholders(keys)})",
            keys,
        )
        return {row[0]: row for row in rows}

    def rows(self, rules: list[int]) -> Iterator[Row]:
        for chunk in _chunks(rules):
            yield from self.catalog.db.execute(
                f"SELECT rule, role, field, operator, value, raw_field, how, display FROM predicates "
                f"WHERE rule IN ({_placeholders(chunk)})",
                list(chunk),
            )

    def reach(self, key: Key) -> int:
        return self.catalog.reach(key)


class BulkSlice:
    """Every row of the catalog, loaded once (the HTML report computes all pages from it)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        catalog.preload()

    @cached_property
    def _techniques(self) -> dict[str, list[int]]:
        by_page: dict[str, list[int]] = defaultdict(list)
        in_stats = self.catalog._in_stats
        for technique, rule in self.catalog.db.execute(
            "SELECT technique, rule FROM rule_techniques ORDER BY rule"
        ):
            if rule in in_stats:
                by_page[technique].append(rule)
        return by_page

    def pages(self) -> list[str]:
        return sorted(self._techniques)

    def technique_rules(self, page_id: str) -> list[int]:
        return list(self._techniques.get(page_id, []))

    @cached_property
    def _summaries(self) -> dict[int, dict[str, Any]]:
        every = [rule for (rule,) in self.catalog.db.execute("SELECT id FROM rules")]
        return {int(s["pk"]): s for s in self.catalog.rule_summaries(every)}

    def summaries(self, rules: list[int]) -> list[dict[str, Any]]:
        found = [self._summaries[r] for r in rules if r in self._summaries]
        return sorted(
            found, key=lambda r: (str(r["vendor"]), str(r["title"]).lower(), int(r["pk"]))
        )

    @cached_property
    def _events(self) -> dict[int, list[str]]:
        by_rule: dict[int, list[str]] = defaultdict(list)
        for rule, event in self.catalog.db.execute("SELECT rule, event FROM rule_events"):
            by_rule[rule].append(event)
        return by_rule

    def event_counts(self, rules: list[int]) -> Counter[str]:
        return Counter(event for rule in rules for event in self._events.get(rule, ()))

    @cached_property
    def _event_info(self) -> dict[str, tuple[str, str, str, str]]:
        return {
            row[0]: row
            for row in self.catalog.db.execute("SELECT key, provider, code, title FROM events")
        }

    def event_info(self, keys: list[str]) -> dict[str, tuple[str, str, str, str]]:
        return {key: self._event_info[key] for key in keys if key in self._event_info}

    @cached_property
    def _rows(self) -> dict[int, list[Row]]:
        by_rule: dict[int, list[Row]] = defaultdict(list)
        for row in self.catalog.db.execute(
            "SELECT rule, role, field, operator, value, raw_field, how, display FROM predicates"
        ):
            by_rule[row[0]].append(row)
        return by_rule

    def rows(self, rules: list[int]) -> Iterator[Row]:
        for rule in rules:
            yield from self._rows.get(rule, ())

    def reach(self, key: Key) -> int:
        return self.catalog.reach(key)


def technique_page(
    catalog: Catalog | CatalogSlice,
    technique: str,
    *,
    attack: Attack | None = None,
    vendor: str | None = None,
    platform: str | None = None,
    limit: int = 15,
    high_reach: int | None = None,
) -> TechniquePage:
    """Statistics of one technique page (``T1021``, ``t1021.002`` or a v18 id that moved)."""
    source: CatalogSlice = QuerySlice(catalog) if isinstance(catalog, Catalog) else catalog
    attack = attack or default_attack()
    page_id = attack.page_id(technique.strip().upper())
    info = attack.lookup(page_id)
    rules = source.technique_rules(page_id)
    if info is None and not rules:
        raise PageError(
            f"{technique} is not an ATT&CK technique in the shipped table and no catalog rule uses it"
        )
    summaries = source.summaries(rules)
    platforms = Counter(p for s in summaries for p in s["platforms"])
    if vendor:
        summaries = [s for s in summaries if s["vendor"] == vendor]
    if platform:
        summaries = [s for s in summaries if platform in s["platforms"]]
    rules = sorted(int(s["pk"]) for s in summaries)
    threshold = (
        high_reach if high_reach is not None else max(40, round(0.01 * source.catalog.total_rules))
    )
    vendors = Counter(str(s["vendor"]) for s in summaries)
    page = TechniquePage(
        id=page_id,
        name=info.name if info else "",
        tactics=[_tactic_name(attack, t) for t in (info.tactics if info else [])],
        url=info.url if info else "",
        also=sorted(old for old, new in attack.aliases.items() if new == page_id),
        total_rules=len(rules),
        vendors={v: vendors[v] for v in VENDORS if vendors.get(v)},
        events=_events(source, rules),
        fields=[],
        distinct_fields=0,
        indicators=[],
        distinct_indicators=0,
        exclusions=[],
        distinct_exclusions=0,
        rules=summaries,
        high_reach=threshold,
        filters={k: v for k, v in (("vendor", vendor), ("platform", platform)) if v},
        platforms=dict(sorted(platforms.items(), key=lambda item: (-item[1], item[0]))),
    )
    vendor_of = {int(s["pk"]): str(s["vendor"]) for s in summaries}
    _predicate_sections(source, rules, vendor_of, page, limit, threshold)
    return page


def _tactic_name(attack: Attack, short: str) -> str:
    found = attack.tactics.get(short)
    return found[1] if found else short


def _events(source: CatalogSlice, rules: list[int]) -> list[EventRow]:
    counts = source.event_counts(rules)
    described = source.event_info(sorted(counts))
    rows = []
    for key, count in counts.items():
        _, provider, code, title = described.get(key, (key, key, "", key))
        rows.append(EventRow(key, provider, code, title, count))
    return sorted(rows, key=lambda r: (r.provider, _code_order(r.code), r.key))


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)


def _vendors(rules: set[int], vendor_of: dict[int, str]) -> list[str]:
    present = {vendor_of[r] for r in rules if r in vendor_of}
    return [v for v in VENDORS if v in present]


def _predicate_sections(
    source: CatalogSlice,
    rules: list[int],
    vendor_of: dict[int, str],
    page: TechniquePage,
    limit: int,
    threshold: int,
) -> None:
    field_rules: dict[str, set[int]] = defaultdict(set)
    field_ops: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    field_values: dict[str, Counter[str]] = defaultdict(Counter)
    field_spellings: dict[str, Counter[str]] = defaultdict(Counter)
    role_rules: dict[int, dict[Key, set[int]]] = {
        ROLE_INDICATOR: defaultdict(set),
        ROLE_EXCLUSION: defaultdict(set),
    }
    displays: dict[Key, Counter[str]] = defaultdict(Counter)
    spelled: dict[Key, Counter[str]] = defaultdict(Counter)
    names = name_path_pairs()
    for rule, role, field_name, operator, value, raw_field, how, display in source.rows(rules):
        key = (field_name, operator, value)
        if display and field_name in names and operator == "eq":
            display = display.lstrip("\\/")  # a name written as the end of a path
        field_rules[field_name].add(rule)
        field_ops[field_name][operator].add(rule)
        field_values[field_name][display or value] += 1
        role_rules[role][key].add(rule)
        displays[key][display or value] += 1
        if raw_field:
            field_spellings[field_name][raw_field] += 1
            written = (
                f"{raw_field} {how}".strip()
                if how and not how.startswith(raw_field)
                else how or raw_field
            )
            spelled[key][written] += 1
    page.distinct_fields = len(field_rules)
    page.fields = [
        FieldRow(
            field=name,
            rules=len(members),
            operators=sorted(
                ((op, len(r)) for op, r in field_ops[name].items()), key=lambda x: (-x[1], x[0])
            ),
            samples=[value for value, _ in field_values[name].most_common(5) if value],
            spellings=[raw for raw, _ in field_spellings[name].most_common(4)],
            vendors=_vendors(members, vendor_of),
        )
        for name, members in sorted(field_rules.items(), key=lambda item: (-len(item[1]), item[0]))[
            :limit
        ]
    ]
    indicators = role_rules[ROLE_INDICATOR]
    page.distinct_indicators = len(indicators)
    page.indicators = []
    for key, members in sorted(indicators.items(), key=lambda item: (-len(item[1]), item[0]))[
        :limit
    ]:
        reach = source.reach(key)
        page.indicators.append(
            ValueRow(
                *key,
                displays[key].most_common(1)[0][0],
                len(members),
                reach,
                reach >= threshold,
                spelled[key].most_common(1)[0][0] if spelled[key] else "",
                _vendors(members, vendor_of),
            )
        )
    exclusions = role_rules[ROLE_EXCLUSION]
    page.distinct_exclusions = len(exclusions)
    page.exclusions = [
        ValueRow(
            *key,
            displays[key].most_common(1)[0][0],
            len(members),
            0,
            False,
            spelled[key].most_common(1)[0][0] if spelled[key] else "",
            _vendors(members, vendor_of),
        )
        for key, members in sorted(exclusions.items(), key=lambda item: (-len(item[1]), item[0]))[
            :limit
        ]
    ]


def vendor_title(vendor: str) -> str:
    return VENDOR_TITLES.get(vendor, vendor)
