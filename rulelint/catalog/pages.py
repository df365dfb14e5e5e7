"""Per-technique statistics: what a technique page shows.

Sections as on the seed pages: events covered; fields filtered most (rules per field, operators,
sample values); top indicator values (rules here, corpus reach); exclusions (rules excluding);
rules by vendor. Each rule counts at most once per row. Sub-techniques roll up into their parent,
and v18 ids that ATT&CK v19 moved share the v19 page.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from rulelint.attack import Attack, default_attack
from rulelint.catalog.schema import ROLE_EXCLUSION, ROLE_INDICATOR
from rulelint.catalog.store import Catalog, Key, _chunks, _placeholders
from rulelint.model import VENDOR_TITLES, VENDORS
from rulelint.vocab.fields import name_path_pairs


@dataclass(slots=True)
class FieldRow:
    field: str
    rules: int
    operators: list[tuple[str, int]]
    samples: list[str]
    spellings: list[str]


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

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


class PageError(LookupError):
    pass


def technique_page(
    catalog: Catalog,
    technique: str,
    *,
    attack: Attack | None = None,
    vendor: str | None = None,
    platform: str | None = None,
    limit: int = 15,
    high_reach: int | None = None,
) -> TechniquePage:
    """Statistics of one technique page (``T1021``, ``t1021.002`` or a v18 id that moved)."""
    attack = attack or default_attack()
    page_id = attack.page_id(technique.strip().upper())
    info = attack.lookup(page_id)
    if info is None and not catalog.technique_rules([page_id]):
        raise PageError(
            f"{technique} is not an ATT&CK technique in the shipped table and no catalog rule uses it"
        )
    rules = catalog.technique_rules([page_id])
    summaries = catalog.rule_summaries(rules)
    if vendor:
        summaries = [s for s in summaries if s["vendor"] == vendor]
    if platform:
        summaries = [s for s in summaries if platform in s["platforms"]]  # type: ignore[operator]
    rules = sorted(int(s["pk"]) for s in summaries)  # type: ignore[call-overload]
    threshold = high_reach if high_reach is not None else max(40, round(0.01 * catalog.total_rules))
    vendors = Counter(str(s["vendor"]) for s in summaries)
    page = TechniquePage(
        id=page_id,
        name=info.name if info else "",
        tactics=[_tactic_name(attack, t) for t in (info.tactics if info else [])],
        url=info.url if info else "",
        also=sorted(old for old, new in attack.aliases.items() if new == page_id),
        total_rules=len(rules),
        vendors={v: vendors[v] for v in VENDORS if vendors.get(v)},
        events=_events(catalog, rules),
        fields=[],
        distinct_fields=0,
        indicators=[],
        distinct_indicators=0,
        exclusions=[],
        distinct_exclusions=0,
        rules=summaries,
        high_reach=threshold,
        filters={k: v for k, v in (("vendor", vendor), ("platform", platform)) if v},
    )
    _predicate_sections(catalog, rules, page, limit, threshold)
    return page


def _tactic_name(attack: Attack, short: str) -> str:
    found = attack.tactics.get(short)
    return found[1] if found else short


def _events(catalog: Catalog, rules: list[int]) -> list[EventRow]:
    counts: Counter[str] = Counter()
    for chunk in _chunks(rules):
        rows = catalog.db.execute(
            f"SELECT event FROM rule_events WHERE rule IN ({_placeholders(chunk)})", list(chunk)
        )
        counts.update(event for (event,) in rows)
    if not counts:
        return []
    keys = sorted(counts)
    described = {
        row[0]: row
        for row in catalog.db.execute(
            f"SELECT key, provider, code, title FROM events WHERE key IN ({_placeholders(keys)})",
            keys,
        )
    }
    rows = [
        EventRow(
            key,
            described.get(key, (key, key, "", key))[1],
            described.get(key, (key, key, "", key))[2],
            described.get(key, (key, key, "", key))[3],
            count,
        )
        for key, count in counts.items()
    ]
    return sorted(rows, key=lambda r: (r.provider, _code_order(r.code), r.key))


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), "") if code.isdigit() else (1 << 30, code)


def _predicate_sections(
    catalog: Catalog, rules: list[int], page: TechniquePage, limit: int, threshold: int
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
    for chunk in _chunks(rules):
        rows = catalog.db.execute(
            f"SELECT rule, role, field, operator, value, raw_field, how, display FROM predicates "
            f"WHERE rule IN ({_placeholders(chunk)})",
            list(chunk),
        )
        names = name_path_pairs()
        for rule, role, field_name, operator, value, raw_field, how, display in rows:
            key = (field_name, operator, value)
            if display and field_name in names and operator == "eq":
                display = display.lstrip("\\/")  # a name written as the end of a path
            field_rules[field_name].add(rule)
            field_ops[field_name][operator].add(rule)
            field_values[field_name][display or value] += 1
            if raw_field:
                field_spellings[field_name][raw_field] += 1
            role_rules[role][key].add(rule)
            displays[key][display or value] += 1
            if raw_field:
                spelled[key][
                    f"{raw_field} {how}".strip()
                    if how and not how.startswith(raw_field)
                    else how or raw_field
                ] += 1
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
        )
        for name, members in sorted(field_rules.items(), key=lambda item: (-len(item[1]), item[0]))[
            :limit
        ]
    ]
    indicators = role_rules[ROLE_INDICATOR]
    page.distinct_indicators = len(indicators)
    top = sorted(indicators.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    page.indicators = []
    for key, members in top:
        reach = catalog.reach(key)
        page.indicators.append(
            ValueRow(
                *key,
                displays[key].most_common(1)[0][0],
                len(members),
                reach,
                reach >= threshold,
                spelled[key].most_common(1)[0][0] if spelled[key] else "",
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
        )
        for key, members in sorted(exclusions.items(), key=lambda item: (-len(item[1]), item[0]))[
            :limit
        ]
    ]


def vendor_title(vendor: str) -> str:
    return VENDOR_TITLES.get(vendor, vendor)
