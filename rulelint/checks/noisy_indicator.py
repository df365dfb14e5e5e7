"""RL101 noisy-indicator: a clause whose every indicator matches broadly across the catalog.

What it checks
    The rule's detection is read as alternatives of And-clauses (its disjunctive form, computed
    without expanding it). A clause whose every indicator has a corpus reach (the number of catalog
    rules, of any technique, that test the same field/operator/value) at or above the noisy
    threshold adds little on its own: it matches whatever those hundreds of rules match. The
    finding names the clause's most specific indicator and its reach, and the more specific
    indicators that rules under the same ATT&CK technique combine it with.

Why
    ``Image|endswith: '\\net.exe'`` alone fires on every administrator who maps a drive. Rules that
    use it well pair it with ``CommandLine|contains: ' use '`` or a share-name pattern.

Threshold
    ``max(noisy_min_reach, noisy_share x rules in the catalog)``: 40 rules or 1 % of the catalog by
    default. Event selectors (``EventID: 4688``) count as indicators too: a clause that is only an
    event selector is as broad as the event.

Example
    ``selection: Image|endswith: '\\powershell.exe'`` with ``condition: selection``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulelint.catalog.noise import breadth, broadest_clause
from rulelint.checks.base import Check, Context, Finding
from rulelint.checks.describe import describe, written
from rulelint.model import And, Node, Not, Or, Predicate

MAX_CLAUSES = 3


def noisy_clauses(node: Node | None, context: Context, threshold: int) -> list[list[Predicate]]:
    """And-clauses whose every indicator reaches ``threshold`` (one witness per noisy branch)."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Predicate):
        return [[node]] if context.reach(node) >= threshold else []
    if isinstance(node, Or):
        found: list[list[Predicate]] = []
        for child in node.children:
            found.extend(noisy_clauses(child, context, threshold))
        return found
    assert isinstance(node, And)
    parts = [child for child in node.children if not isinstance(child, Not)]
    if not parts or any(breadth(child, context.reach) < threshold for child in parts):
        return []
    return [[p for child in parts for p in broadest_clause(child, context.reach)]]


class NoisyIndicator(Check):
    code = "RL101"
    name = "noisy-indicator"
    severity = "warning"
    summary = "A clause whose every indicator is used by many catalog rules matches broadly."

    def run(self, context: Context) -> Iterable[Finding]:
        threshold = context.noisy_reach
        clauses = noisy_clauses(context.rule.expression, context, threshold)
        findings: list[Finding] = []
        seen: set[tuple[tuple[str, str, str], ...]] = set()
        for clause in clauses:
            signature = tuple(sorted({p.key for p in clause}))
            if signature in seen:
                continue
            seen.add(signature)
            findings.append(self._finding(context, clause, threshold))
            if len(findings) >= MAX_CLAUSES:
                break
        return findings

    def _finding(self, context: Context, clause: list[Predicate], threshold: int) -> Finding:
        unique = {p.key: p for p in clause}
        ordered = sorted(unique.values(), key=lambda p: (context.reach(p), p.line))
        specific = ordered[0]
        reach = context.reach(specific)
        if len(ordered) == 1:
            message = f"{describe(specific)} is used by {reach} rules across the catalog: on its own it matches broadly"
        else:
            parts = ", ".join(f"{describe(p)} ({context.reach(p)})" for p in ordered[:4])
            message = f"every indicator of this clause is used by {threshold}+ rules across the catalog ({parts}): together they still match broadly"
        pool = context.technique_rules or []
        combine = (
            context.catalog.co_indicators(pool, specific.key, threshold, context.rule.vendor)
            if pool
            else []
        )
        if combine:
            techniques = ", ".join(sorted({page.split(".")[0] for page in context.pages}))
            options = " or ".join(
                f"{written(c.raw_field, c.how, c.display, c.key)} ({c.rules})" for c in combine
            )
            message += f"; rules under {techniques} that use it also check {options}"
        return self.finding(
            context,
            specific.line,
            message,
            in_body=True,
            field=specific.field,
            canonical_field=specific.canonical_field,
            operator=specific.operator,
            value=specific.display_value,
            evidence={
                "reach": reach,
                "threshold": threshold,
                "catalog_rules": context.total_rules,
                "clause": [
                    {
                        "field": p.field,
                        "canonical_field": p.canonical_field,
                        "operator": p.operator,
                        "value": p.display_value,
                        "reach": context.reach(p),
                    }
                    for p in ordered
                ],
                "combined_with": [
                    {
                        "canonical_field": c.key[0],
                        "operator": c.key[1],
                        "value": c.display,
                        "rules": c.rules,
                        "reach": c.reach,
                    }
                    for c in combine
                ],
            },
        )
