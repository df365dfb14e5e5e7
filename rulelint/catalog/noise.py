"""How broadly a rule matches, estimated from corpus reach.

An And-clause matches no more than its most specific indicator, and a rule matches as broadly as
its broadest alternative, so the breadth of a tree is a min/max over its predicates' reach. This
avoids expanding the tree into disjunctive form (which explodes on rules with long value lists)
while giving the same answer as "the broadest clause's most specific indicator".
"""

from __future__ import annotations

import math
from collections.abc import Callable

from rulelint.model import And, Node, Not, Or, Predicate

Reach = Callable[[Predicate], int]


def breadth(node: Node | None, reach: Reach) -> float:
    """Reach of the broadest And-clause's most specific indicator (inf: matches anything)."""
    if node is None:
        return math.inf
    if isinstance(node, Predicate):
        return float(reach(node))
    if isinstance(node, Not):
        return math.inf  # an exclusion narrows only slightly; alone it matches almost everything
    if isinstance(node, And):
        return min((breadth(child, reach) for child in node.children), default=math.inf)
    if isinstance(node, Or):
        return max((breadth(child, reach) for child in node.children), default=math.inf)
    raise TypeError(f"not a node: {node!r}")


def broadest_clause(node: Node | None, reach: Reach) -> list[Predicate]:
    """The indicators of the broadest And-clause (one witness of :func:`breadth`)."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Predicate):
        return [node]
    if isinstance(node, And):
        return [p for child in node.children for p in broadest_clause(child, reach)]
    assert isinstance(node, Or)
    best = max(node.children, key=lambda child: breadth(child, reach))
    return broadest_clause(best, reach)


def noise_score(node: Node | None, reach: Reach, total_rules: int) -> float:
    """Breadth on a log scale in [0, 1]: 0 = specific to this rule, 1 = used by every rule."""
    value = breadth(node, reach)
    if math.isinf(value):
        return 1.0
    if total_rules <= 1 or value <= 0:
        return 0.0
    return round(min(1.0, math.log1p(value) / math.log1p(total_rules)), 4)
