#!/usr/bin/env python3
"""How good is the judgement? Measured over the corpus, to choose the default thresholds.

For every rule of the checked folders that has exclusions: strip them, check the stripped rule
against the catalog (which leaves the rule itself out) and count how many of the stripped
exclusions rulelint suggests exactly (field, operator, value) among its top N suggestions, overall
and per field; and suggestions per rule. Then, on the unmodified rules, the share that get any
warning at all. ``--sweep`` evaluates a grid of thresholds (the catalog is queried once per rule;
thresholds are applied in memory with the check's own selection function).

    python bench/judgement.py --catalog catalog.db ../shared/corpora/sigma/rules [--sweep]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import math
import time

from rulelint.attack import default_attack
from rulelint.catalog.noise import breadth
from rulelint.catalog.store import open_catalog
from rulelint.checks.base import Context, severity_rank
from rulelint.checks.missing_exclusion import Candidates, MissingExclusion, select
from rulelint.engine import Checker, reader_for
from rulelint.formats import read_rule_file
from rulelint.model import And, Not, Rule, simplify
from rulelint.settings import Settings
from rulelint.walk import iter_rule_files


def strip_exclusions(rule: Rule) -> Rule | None:
    """The rule without its top-level negations (None when it has none)."""
    expression = rule.expression
    if not isinstance(expression, And) or not any(isinstance(c, Not) for c in expression.children):
        return None
    kept = [c for c in expression.children if not isinstance(c, Not)]
    return dataclasses.replace(rule, expression=simplify(And(kept)))


@dataclasses.dataclass
class Measured:
    rule: Rule
    stripped: Rule | None
    wanted: set[tuple[str, str, str]]  # the stripped exclusions (empty when the rule has none)
    stripped_candidates: Candidates | None
    candidates: Candidates | None  # for the unmodified rule
    breadth: float
    other_warnings: bool  # warnings from checks without thresholds (ATT&CK ids)


def measure(rules: list[tuple[Rule, str]], catalog, settings: Settings) -> list[Measured]:  # type: ignore[no-untyped-def]
    attack = default_attack()
    checker = Checker(catalog, dataclasses.replace(settings, ignore=["RL101", "RL102"]))
    # candidates down to one supporting peer, so every point of the sweep can select from them
    settings = dataclasses.replace(settings, exclusion_min_support=1)
    out: list[Measured] = []
    for rule, fmt in rules:
        context = Context(rule, catalog, attack, settings, None)
        candidates = MissingExclusion.candidates(context)
        stripped = strip_exclusions(rule)
        wanted: set[tuple[str, str, str]] = set()
        s_candidates = None
        if stripped is not None:
            wanted = {p.key for p in rule.exclusions()}
            s_candidates = MissingExclusion.candidates(
                Context(stripped, catalog, attack, settings, None)
            )
        others = checker.check_rule(rule, reader_for(fmt)).findings
        out.append(
            Measured(
                rule,
                stripped,
                wanted,
                s_candidates,
                candidates,
                breadth(rule.expression, context.reach),
                any(severity_rank(f.severity) >= severity_rank("warning") for f in others),
            )
        )
    return out


def evaluate(
    measured: list[Measured], settings: Settings, top: int, total_rules: int
) -> dict[str, object]:
    stripped = found = with_exclusions = suggestions = 0
    per_field: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    warned = rl101 = rl102 = 0
    threshold = max(settings.noisy_min_reach, round(settings.noisy_share * total_rules))
    for item in measured:
        if item.wanted and item.stripped is not None:
            with_exclusions += 1
            chosen = (
                {key for key, _ in select(item.stripped_candidates, item.stripped, settings, top)}
                if item.stripped_candidates
                else set()
            )
            suggestions += len(chosen)
            for key in item.wanted:
                stripped += 1
                per_field[key[0]][1] += 1
                if key in chosen:
                    found += 1
                    per_field[key[0]][0] += 1
        fires_102 = bool(item.candidates and select(item.candidates, item.rule, settings, 1))
        fires_101 = not math.isinf(item.breadth) and item.breadth >= threshold
        rl101 += fires_101
        rl102 += fires_102
        warned += fires_101 or fires_102 or item.other_warnings
    rules = len(measured)
    return {
        "rules_with_exclusions": with_exclusions,
        "stripped": stripped,
        "found": found,
        "recall": found / stripped if stripped else 0.0,
        "suggestions_per_rule": suggestions / with_exclusions if with_exclusions else 0.0,
        "per_field": per_field,
        "warned": warned / rules,
        "rl101": rl101 / rules,
        "rl102": rl102 / rules,
        "threshold": threshold,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--catalog", default=None)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--sweep", action="store_true", help="try a grid of thresholds")
    parser.add_argument("--fields", type=int, default=15, help="per-field rows to print")
    args = parser.parse_args()
    catalog = open_catalog(args.catalog)
    started = time.perf_counter()
    rules: list[tuple[Rule, str]] = []
    for path in iter_rule_files(args.paths):
        result = read_rule_file(path)
        if result and not result.error:
            rules.extend((rule, result.format) for rule in result.rules if not rule.deprecated)
    base = Settings()
    measured = measure(rules, catalog, base)
    print(
        f"{len(rules)} rules measured in {time.perf_counter() - started:.1f} s against {catalog.path} "
        f"({catalog.total_rules} rules in statistics)\n"
    )
    grid = [base]
    if args.sweep:
        grid = [
            dataclasses.replace(
                base, exclusion_min_support=s, exclusion_min_share=share, noisy_share=noisy
            )
            # the noisy threshold is max(min reach, share of the catalog): with 10,000+ rules the
            # share decides, so the sweep varies the share (a min-reach sweep printed equal rows)
            for s, share, noisy in itertools.product(
                (2, 3, 4, 5), (0.05, 0.1, 0.2, 0.3), (0.005, 0.01, 0.02)
            )
        ]
    header = f"{'support':>7} {'share':>5} {'reach':>5} | {'recall@' + str(args.top):>9} {'sugg/rule':>9} | {'warned':>6} {'RL101':>6} {'RL102':>6}"
    print(header)
    print("-" * len(header))
    for settings in grid:
        result = evaluate(measured, settings, args.top, catalog.total_rules)
        print(
            f"{settings.exclusion_min_support:>7} {settings.exclusion_min_share:>5} {result['threshold']:>5} | "
            f"{result['recall']:>9.3f} {result['suggestions_per_rule']:>9.2f} | "
            f"{result['warned']:>6.3f} {result['rl101']:>6.3f} {result['rl102']:>6.3f}"
        )
    result = evaluate(measured, base, args.top, catalog.total_rules)
    print(
        f"\ndefaults: {result['rules_with_exclusions']} rules with exclusions, {result['stripped']} stripped exclusions, "
        f"{result['found']} suggested exactly in the top {args.top} (recall {result['recall']:.3f}), "
        f"{result['suggestions_per_rule']:.2f} suggestions per stripped rule; "
        f"{result['warned']:.1%} of rules get a warning"
    )
    print("\nper field (suggested / stripped), defaults:")
    per_field = result["per_field"]
    for field, (hit, total) in sorted(per_field.items(), key=lambda item: -item[1][1])[
        : args.fields
    ]:  # type: ignore[union-attr]
        print(f"  {field:42} {hit:5} / {total:5}  {hit / total:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
