"""RL106 near-duplicate: a catalog rule tests (almost) the same indicators.

What it checks
    The rule's indicators (field, operator, value) against every catalog rule sharing its most
    specific one; when another rule has at least ``duplicate_min_similarity`` (0.9) of the same
    indicators in common (Jaccard similarity, at least three indicators), it is named.

Why
    A duplicate doubles alerts and maintenance; often the better move is to extend the existing
    rule, or to make the difference explicit.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulelint.catalog.store import same_file
from rulelint.checks.base import Check, Context, Finding

MIN_INDICATORS = 3
MAX_CANDIDATES = 300


class NearDuplicate(Check):
    code = "RL106"
    name = "near-duplicate"
    severity = "info"
    summary = "A catalog rule tests (almost) the same indicators."

    def run(self, context: Context) -> Iterable[Finding]:
        mine = {p.key for p in context.rule.indicators()}
        if len(mine) < MIN_INDICATORS:
            return []
        rarest = min(mine, key=lambda key: (context.catalog.reach(key), key))
        if context.catalog.reach(rarest) > MAX_CANDIDATES:
            return []  # even the rarest indicator is common: no rule shares 90 % with this one cheaply
        own = set(context.own)
        candidates = [r for r in context.catalog.rules_with_indicator(rarest) if r not in own]
        similar = sorted(
            (
                (-(len(mine & keys) / len(mine | keys)), rule)
                for rule, keys in context.catalog.indicators_of(candidates).items()
            )
        )
        threshold = context.settings.duplicate_min_similarity
        found = None
        for negative, rule in similar:
            if -negative < threshold:
                break
            summary = context.catalog.rule_summaries([rule])[0]
            if not same_file(context.rule.id, summary["id"], queries_only=True):
                found = (-negative, summary)
                break
        if found is None:
            return []
        similarity, summary = found
        where = summary["url"] or f"{summary['source']}/{summary['path']}"
        return [
            self.finding(
                context,
                context.rule.line,
                f"{similarity:.0%} of the indicators are those of catalog rule {summary['title']!r} "
                f"({summary['vendor']}, {where})",
                evidence={
                    "similarity": round(similarity, 3),
                    "rule": summary["id"],
                    "title": summary["title"],
                    "url": summary["url"],
                },
            )
        ]
