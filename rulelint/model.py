"""The canonical model every vendor reader produces and every later stage reads.

A reader turns one vendor's rule into a :class:`Rule` whose ``expression`` is a tree of
:class:`And` / :class:`Or` / :class:`Not` / :class:`Predicate`. Predicates carry the field as the
vendor wrote it *and* its canonical (ECS) spelling, a canonical operator and value, and the source
line, so that statistics can merge vendors while findings still point at the author's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

#: Operators of the canonical model (the ones the catalog pages use).
OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "contains",
    "starts_with",
    "ends_with",
    "wildcard",
    "regex_match",
    "match",
    "cidr_match",
    # the field's value is in a named list the rule does not carry (value: the list's name, e.g.
    # a Splunk lookup table or ``inputlookup`` file): a real test, with unknown members
    "in_list",
    "is_null",
    "is_not_null",
    "gt",
    "ge",
    "lt",
    "le",
)

#: Vendor identifiers, in the order reports list them.
VENDORS: tuple[str, ...] = ("sigma", "elastic", "splunk", "kusto", "yaral", "panther")

VENDOR_TITLES: dict[str, str] = {
    "sigma": "Sigma",
    "elastic": "Elastic",
    "splunk": "Splunk",
    "kusto": "Kusto",
    "yaral": "YARA-L",
    "panther": "Panther",
}

#: Canonical field used for field-less (keyword / full-text) predicates.
KEYWORD_FIELD = "keyword"


@dataclass(slots=True)
class Predicate:
    """One field/operator/value test, as written (``field``, ``how``, ``raw_value``) and canonical.

    ``value`` is the canonical value: a string, case-folded unless ``cased`` (the vendor compares
    case-sensitively), with wildcards already turned into the operator. ``None`` for
    ``is_null``/``is_not_null``.
    """

    field: str | None
    canonical_field: str
    operator: str
    value: str | None
    line: int = 0
    column: int = 0
    how: str = ""
    raw_value: str | None = None
    group: str = ""
    cased: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity used for statistics: the same indicator across vendors has the same key."""
        return (self.canonical_field, self.operator, "" if self.value is None else self.value)

    @property
    def display_value(self) -> str:
        if self.raw_value is not None:
            return self.raw_value
        return "" if self.value is None else self.value


@dataclass(slots=True)
class And:
    """All children hold. ``kind`` says why: ``and``, or ``sequence``/``join`` for multi-event rules."""

    children: list[Node]
    kind: str = "and"


@dataclass(slots=True)
class Or:
    children: list[Node]


@dataclass(slots=True)
class Not:
    child: Node


Node = And | Or | Not | Predicate


@dataclass(slots=True)
class AttackTag:
    """An ATT&CK reference as the rule wrote it, kept for tag checks (``attack.t1021.002``)."""

    raw: str
    kind: str  # "technique" | "tactic"
    id: str  # normalized: T1021.002 / TA0008 / lateral-movement
    line: int = 0


@dataclass(slots=True)
class Rule:
    """A normalized detection rule of any vendor."""

    id: str
    vendor: str
    path: str
    title: str
    expression: Node | None
    language: str = ""
    status: str = ""
    level: str = ""
    techniques: list[str] = field(default_factory=list)
    tactics: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    attack_tags: list[AttackTag] = field(default_factory=list)
    line: int = 1
    deprecated: bool = False
    notes: list[str] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def predicates(self) -> list[Predicate]:
        return list(iter_predicates(self.expression))

    def indicators(self) -> list[Predicate]:
        return indicators(self.expression)

    def exclusions(self) -> list[Predicate]:
        return exclusions(self.expression)


def iter_predicates(node: Node | None) -> Iterator[Predicate]:
    """All predicates of a tree in source order (depth first)."""
    stack: list[Node] = [] if node is None else [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Predicate):
            yield current
        elif isinstance(current, Not):
            stack.append(current.child)
        else:
            stack.extend(reversed(current.children))


def indicators(node: Node | None) -> list[Predicate]:
    """Predicates not under any negation: what the rule looks *for*."""
    found: list[Predicate] = []
    stack: list[Node] = [] if node is None else [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Predicate):
            found.append(current)
        elif isinstance(current, (And, Or)):
            stack.extend(reversed(current.children))
    return found


def exclusions(node: Node | None) -> list[Predicate]:
    """Predicates under a top-level negation: the paths the author filters out.

    A negation is top-level when only And/Or nodes lie between it and the root, which covers
    ``selection and not filter``, ``... and not 1 of filter_*``, ``| where not(...)`` and
    ``NOT (...)``. Predicates under a second negation inside it are not exclusions.
    """
    found: list[Predicate] = []
    stack: list[Node] = [] if node is None else [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Not):
            found.extend(indicators(current.child))
        elif isinstance(current, (And, Or)):
            stack.extend(reversed(current.children))
    return found


def simplify(node: Node | None) -> Node | None:
    """Flatten nested And/Or of the same kind, drop empty groups and double negations.

    Readers call this once on their result, so the tree every stage sees is in one shape.
    """
    if node is None or isinstance(node, Predicate):
        return node
    if isinstance(node, Not):
        child = simplify(node.child)
        if child is None:
            return None
        if isinstance(child, Not):
            return child.child
        return Not(child)
    children: list[Node] = []
    for child in node.children:
        simple = simplify(child)
        if simple is None:
            continue
        same_kind = type(simple) is type(node) and (
            not isinstance(node, And) or simple.kind == node.kind or simple.kind == "and"
        )
        if same_kind and isinstance(simple, (And, Or)):
            children.extend(simple.children)
        else:
            children.append(simple)
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    if isinstance(node, And):
        return And(children, node.kind)
    return Or(children)


def any_of(children: list[Node]) -> Node | None:
    """An Or of the children, or the child itself when there is one."""
    if not children:
        return None
    return children[0] if len(children) == 1 else Or(children)


def all_of(children: list[Node], kind: str = "and") -> Node | None:
    """An And of the children, or the child itself when there is one."""
    if not children:
        return None
    return children[0] if len(children) == 1 else And(children, kind)


def node_to_dict(node: Node | None) -> dict[str, object] | None:
    """The tree as plain JSON-able data (the ``expression`` of ``rulelint normalize``)."""
    if node is None:
        return None
    if isinstance(node, Predicate):
        return {"type": "predicate", **predicate_to_dict(node)}
    if isinstance(node, Not):
        return {"type": "not", "child": node_to_dict(node.child)}
    if isinstance(node, And):
        data: dict[str, object] = {
            "type": "and",
            "children": [node_to_dict(c) for c in node.children],
        }
        if node.kind != "and":
            data["kind"] = node.kind
        return data
    return {"type": "or", "children": [node_to_dict(c) for c in node.children]}


def predicate_to_dict(predicate: Predicate) -> dict[str, object]:
    return {
        "field": predicate.field,
        "canonical_field": predicate.canonical_field,
        "operator": predicate.operator,
        "value": predicate.value,
        "line": predicate.line,
        "how": predicate.how,
        "raw_value": predicate.raw_value,
    }
