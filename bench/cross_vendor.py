#!/usr/bin/env python3
"""Cross-vendor normalization, measured: Chronicle's YARA-L translations of Sigma rules.

    python bench/cross_vendor.py [--corpora ../shared/corpora] [--show]

54 community YARA-L rules name the Sigma rule they translate in ``meta: sigma_uuid``. For each,
the share of its canonical indicators (field, operator, value) that its Sigma source also has: if
normalization works, a translation and its source meet in the same keys. Event selectors
(``metadata.event_type = "PROCESS_LAUNCH"``, Sigma's logsource) are the rule's events, not
indicators, and are left out of the comparison.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from rulelint.formats import read_rule_file
from rulelint.model import Predicate, Rule
from rulelint.walk import iter_rule_files

REPO = Path(__file__).resolve().parent.parent
#: Canonical fields that say which events a rule reads rather than what it looks for.
EVENT_SELECTORS = frozenset({"metadata.event_type", "event.category", "event.type"})


def indicator_keys(rule: Rule) -> set[tuple[str, str, str]]:
    return {p.key for p in rule.indicators() if p.canonical_field not in EVENT_SELECTORS}


def rules_in(folder: Path) -> list[Rule]:
    found: list[Rule] = []
    for path in iter_rule_files([str(folder)]):
        result = read_rule_file(path)
        if result is not None and not result.error:
            found.extend(result.rules)
    return found


def agreement(corpora: Path) -> list[tuple[Rule, Rule | None, float | None]]:
    """(YARA-L rule, its Sigma source or None, share of its indicators the source has)."""
    translations = [
        r for r in rules_in(corpora / "chronicle" / "rules") if r.extra.get("sigma_uuid")
    ]
    wanted = {str(r.extra["sigma_uuid"]).lower() for r in translations}
    sigma = {r.id.lower(): r for r in rules_in(corpora / "sigma") if r.id.lower() in wanted}
    rows: list[tuple[Rule, Rule | None, float | None]] = []
    for rule in translations:
        source = sigma.get(str(rule.extra["sigma_uuid"]).lower())
        mine = indicator_keys(rule)
        if source is None or not mine:
            rows.append((rule, source, None))
            continue
        rows.append((rule, source, len(mine & indicator_keys(source)) / len(mine)))
    return rows


def describe(key: tuple[str, str, str]) -> str:
    return Predicate(None, key[0], key[1], key[2]).display_value and f"{key[0]} {key[1]} {key[2]}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=REPO.parent / "shared" / "corpora")
    parser.add_argument("--show", action="store_true", help="list each rule's unmatched keys")
    args = parser.parse_args()
    rows = agreement(args.corpora)
    shares = [share for _, _, share in rows if share is not None]
    missing = [rule for rule, source, _ in rows if source is None]
    print(f"YARA-L rules naming a sigma_uuid: {len(rows)}")
    print(f"  Sigma source found: {len(rows) - len(missing)}; compared: {len(shares)}")
    if shares:
        print(
            f"  share of indicators the Sigma source also has: mean {statistics.mean(shares):.2f}, "
            f"median {statistics.median(shares):.2f}"
        )
        for low, high in ((1.0, 1.01), (0.75, 1.0), (0.5, 0.75), (0.25, 0.5), (0.0, 0.25)):
            count = sum(1 for s in shares if low <= s < high)
            label = "1.00" if low == 1.0 else f"{low:.2f}-{high:.2f}"
            print(f"    {label:>9}: {count:3d} {'#' * count}")
    for rule in missing:
        print(f"  no Sigma rule {rule.extra['sigma_uuid']} for {Path(rule.path).name}")
    if args.show:
        for rule, source, share in sorted(rows, key=lambda r: r[2] if r[2] is not None else -1):
            if source is None or share is None or share == 1.0:
                continue
            unmatched = sorted(indicator_keys(rule) - indicator_keys(source))
            print(f"\n{Path(rule.path).name} ({share:.2f}) vs {Path(source.path).name}")
            for key in unmatched:
                print(f"    yara-l only: {key}")
            for key in sorted(indicator_keys(source) - indicator_keys(rule))[:8]:
                print(f"    sigma only:  {key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
