"""KQL syntax trees into the canonical model: tables to events, filters to predicates.

A query is its last tabular statement; ``let`` bindings give the lists and scalars its filters
use. Along the pipeline, consecutive ``where`` filters are ANDed; a negated conjunct (``!in~``,
``!has``, ``not(...)``) is an exclusion, a ``Not`` child of the top-level And as in Sigma. Columns a
stage computes (``extend``, ``summarize`` aggregates, ``parse``) are no event fields: filters on
them are not predicates, except a plain copy of a column (``extend X = tolower(Col)``, a rename,
``parse_json(Col).member``), which is that column. ``union`` legs are alternatives,
``join``/``lookup`` sides are both required, and so are the filters of a sub-query whose values an
``in``/``has_any`` list tests. An ASIM parser's filtering parameters are filters too. A query left
without predicates gets a note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote, urlsplit

from rulelint.formats.kusto.ast import (
    ArrayLit,
    Assign,
    Between,
    BoolOp,
    Call,
    Columns,
    DataTable,
    Expr,
    ExternalData,
    FnDef,
    Index,
    InList,
    Join,
    Let,
    Member,
    MvApply,
    Name,
    NameList,
    Num,
    Pipeline,
    Search,
    Special,
    Star,
    Statement,
    Str,
    UnionOp,
    Where,
)
from rulelint.formats.kusto.ast import Compare as CompareNode
from rulelint.model import And, Node, Not, Or, Predicate, all_of, any_of
from rulelint.vocab.fields import field_map
from rulelint.vocab.tables import read_table
from rulelint.vocab.values import make_predicate

#: String operators: (canonical operator, case-sensitive); a leading ``!`` negates.
STRING_OPERATORS = {
    "==": ("eq", True),
    "=~": ("eq", False),
    "has": ("contains", False),
    "has_cs": ("contains", True),
    "hascs": ("contains", True),
    "contains": ("contains", False),
    "contains_cs": ("contains", True),
    "containscs": ("contains", True),
    "startswith": ("starts_with", False),
    "startswith_cs": ("starts_with", True),
    "endswith": ("ends_with", False),
    "endswith_cs": ("ends_with", True),
    "hasprefix": ("starts_with", False),
    "hasprefix_cs": ("starts_with", True),
    "hassuffix": ("ends_with", False),
    "hassuffix_cs": ("ends_with", True),
    "matches regex": ("regex_match", True),
    ">": ("gt", False),
    ">=": ("ge", False),
    "<": ("lt", False),
    "<=": ("le", False),
}
#: Negated operators spelled without a leading ``!``, and their positive form.
NEGATED = {
    "!=": "==",
    "<>": "==",
    "!~": "=~",
    "notcontains": "contains",
    "notcontainscs": "contains_cs",
    "nothas": "has",
    "nothascs": "has_cs",
}
#: List operators: (canonical operator per item, case-sensitive, all items required).
LIST_OPERATORS = {
    "in": ("eq", True, False),
    "in~": ("eq", False, False),
    "has_any": ("contains", False, False),
    "has_all": ("contains", False, True),
}
NULL_FUNCTIONS = {
    "isempty": "is_null",
    "isnull": "is_null",
    "isnotempty": "is_not_null",
    "isnotnull": "is_not_null",
}
#: Functions on a column that keep its value (the comparison may lose case sensitivity).
TRANSPARENT = {
    "tostring": True,
    "tolower": False,
    "toupper": False,
    "trim": True,
    "tolong": True,
    "toint": True,
    "parse_json": True,
    "todynamic": True,
}
#: Case functions of a constant, as Kusto applies them.
CASE_FUNCTIONS = {"tolower": str.lower, "toupper": str.upper}
#: Functions that keep a dynamic column's value, so a member of their result is the column's member.
PATH_FUNCTIONS = frozenset({"parse_json", "todynamic", "tostring"})
#: Columns holding a Windows event's data as XML: their elements are the event's own fields.
EVENT_XML_COLUMNS = frozenset({"EventData", "UserData", "EventDataXml", "RenderedDescription"})
#: Why a query's filters gave no predicate, in the order a note lists them.
EMPTY_REASONS = {
    "time": "the time window",
    "computed": "computed columns (aggregates, extended or parsed values)",
    "data": "values from data (external feed, watchlist, sub-query result)",
    "expression": "expressions of columns (function results)",
}
#: Pipe operators that turn events into statistics.
STATISTICS = frozenset({"count", "make-series", "evaluate", "top-nested", "top-hitters"})
TIME_COLUMNS = frozenset({"TimeGenerated", "Timestamp", "_time", "EventTime", "TimeCreated"})
TIME_FUNCTIONS = frozenset(
    {"ago", "now", "datetime", "startofday", "startofweek", "startofmonth", "endofday", "bin"}
)
#: The tests of events/kusto_asim_parameters.tsv -> canonical operator.
PARAMETER_TESTS = {"eq": "eq", "has": "contains", "has_all": "contains", "prefix": "starts_with"}
#: Calls that hand on the tabular result of their argument.
WRAPPERS = frozenset({"toscalar", "materialize", "view"})
#: ipv4_is_private(): the RFC 1918 blocks, as Sigma rules write the same test (``|cidr``).
PRIVATE_IPV4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
#: Aggregates that return event rows (``arg_max(TimeGenerated, *)``) or columns of one.
ROW_AGGREGATES = frozenset({"arg_max", "arg_min", "take_any", "any"})
#: Functions of a column that are a predicate on it: (operator, case-sensitive).
PREDICATE_FUNCTIONS = {"ipv4_is_in_range": ("cidr_match", False), "ipv4_is_match": ("eq", False)}
MAX_LIST_ITEMS = 5000
#: Join kinds that keep only the events whose key is (True) or is not (False) among the other
#: side's keys: (kinds when the list is the right side, kinds when it is the left side).
JOIN_FILTERS: tuple[dict[str, bool], dict[str, bool]] = (
    {"inner": True, "innerunique": True, "leftsemi": True, "semi": True}
    | {"leftanti": False, "anti": False, "leftantisemi": False},
    {"inner": True, "innerunique": True, "rightsemi": True}
    | {"rightanti": False, "rightantisemi": False},
)
#: Calls whose result is the union of their list arguments' values.
LIST_COMBINERS = frozenset(
    {"array_concat", "set_union", "pack_array", "dynamic", "todynamic", "parse_json"}
)


@dataclass(frozen=True, slots=True)
class Table:
    event: str
    scopes: tuple[str, ...]
    platform: str


@cache
def tables() -> dict[str, Table]:
    found: dict[str, Table] = {}
    for row in read_table("events/kusto_tables.tsv", min_columns=4):
        scopes = tuple(s for s in row[2].split(",") if s)
        found[row[0].lower()] = Table(row[1], scopes, "" if row[3] == "-" else row[3])
    return found


@cache
def asim_parameters() -> dict[tuple[str, str], tuple[str, str]]:
    """(parser event key or ``*``, parameter) -> (ASIM column, test)."""
    return {
        (row[0], row[1].lower()): (row[2], row[3])
        for row in read_table("events/kusto_asim_parameters.tsv", min_columns=4)
    }


@cache
def list_sources() -> dict[tuple[str, str], str]:
    """(``table``/``function``, lower-case name) -> list kind, from kusto_list_sources.tsv."""
    return {
        (row[0], row[1].lower()): row[2]
        for row in read_table("events/kusto_list_sources.tsv", min_columns=3)
    }


def externaldata_name(url: str) -> str:
    """``externaldata:<file>``: the URL's last path segment, without its query string."""
    parts = urlsplit(url)
    file = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]) or parts.netloc or url
    return f"externaldata:{file}"


@cache
def action_types() -> dict[tuple[str, str], str]:
    return {
        (row[0].lower(), row[1].lower()): row[2]
        for row in read_table("events/kusto_actiontypes.tsv", min_columns=3)
    }


class Unreadable(Exception):
    """A query rulelint cannot follow, with the reason and the (query-relative) line."""

    def __init__(self, reason: str, line: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(slots=True)
class Source:
    """What a pipeline reads: tables (with their events and scopes) and the columns computed so far
    (filters on those are not event predicates)."""

    tables: list[str] = field(default_factory=list)
    computed: set[str] = field(default_factory=set)
    #: columns a stage defines as a copy of an event column (``extend X = tolower(Col)``,
    #: ``project-rename X = Col``) -> (that column's path, case kept): a filter on X tests Col
    aliases: dict[str, tuple[str, bool]] = field(default_factory=dict)
    #: after summarize: the columns that still hold event values (``by`` keys, ``arg_max`` ones)
    kept: set[str] = field(default_factory=set)
    #: reads a function rulelint does not know (a watchlist, a workspace function): maybe no events
    functions: bool = False


@dataclass(slots=True)
class Result:
    expression: Node | None
    tables: list[str]
    notes: list[str]


class Converter:
    """One query: ``line_offset`` turns query-relative lines into file lines."""

    def __init__(self, statements: list[Statement], line_offset: int = 0) -> None:
        self.line_offset = line_offset
        self.lets: dict[str, Expr | FnDef] = {}
        self.notes: list[str] = []
        self.statements = statements
        self.fields = field_map("kusto")
        self.depth = 0
        #: filters of sub-queries read by ``in``/``has_any`` (``x in (T | where ...)``): the rule
        #: applies them to T's events, as it does a join's other side
        self.side_filters: list[Node] = []
        self.side_tables: list[str] = []
        self.side_done: set[str] = set()
        #: why filters gave no predicate (kinds of EMPTY_REASONS), for a query left without any
        self.dropped: set[str] = set()
        self.aggregates = False
        self.every_table = False  # union * / search without a table list
        self.params: set[str] = set()  # parameters of the function being read that have no value

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def convert(self) -> Result:
        main: Expr | None = None
        for statement in self.statements:
            if isinstance(statement, Let):
                self.lets[statement.name] = statement.value
            elif not isinstance(statement, FnDef) and statement is not None:
                main = statement  # the query's result is its last tabular statement
        if main is None:
            raise Unreadable("no tabular expression (only let/set statements)")
        source = Source()
        expression = self.tabular(main, source)
        if self.side_filters:
            side = And(self.side_filters, kind="join")
            if expression is None:
                expression = side
            elif isinstance(expression, And) and expression.kind == "and":
                expression = And([*expression.children, side])
            else:
                expression = And([expression, side])
        tables_read = [*source.tables, *self.side_tables]
        if expression is None:
            self.note(f"no filter on event columns: {self.empty_reason(tables_read)}")
        return Result(expression, tables_read, self.notes)

    def empty_reason(self, tables_read: list[str]) -> str:
        """Why a query gave no predicate, from the filters it dropped."""
        if not tables_read and self.every_table:
            return "reads every table (union * / search): workspace statistics"
        if not tables_read:
            return "reads no event table (external data, datatable, range)"
        if not self.dropped:
            if self.aggregates:
                return "statistics only: summarize/make-series with no filter"
            return "no filter: the query returns the whole table"
        found = [text for kind, text in EMPTY_REASONS.items() if kind in self.dropped]
        return "its filters test " + ", ".join(found)

    # -- tabular expressions ------------------------------------------------------------------

    def tabular(self, node: Expr, source: Source) -> Node | None:
        self.depth += 1
        if self.depth > 40:
            raise Unreadable("query nests sub-queries too deeply")
        try:
            return self._tabular(node, source)
        finally:
            self.depth -= 1

    def _tabular(self, node: Expr, source: Source) -> Node | None:
        if isinstance(node, Pipeline):
            start = len(source.tables)
            head = self.tabular(node.source, source)
            parts: list[Node | None] = [head]
            meets: Expr | None = node.source  # the rows a join meets: the head's, up to a join
            for stage in node.stages:
                if isinstance(stage, Join) and self.filters_by_left_list(stage, meets):
                    # ThreatIntelligenceIndicator | where ... | join (events) on key: the stages
                    # so far select the list's rows; the join's event side is the rule's events
                    parts = []
                    known = list_sources()
                    source.tables[start:] = [
                        t for t in source.tables[start:] if ("table", t.lower()) not in known
                    ]
                if isinstance(stage, UnionOp):  # T | where a | union (U | where b): a or b
                    left = all_of([p for p in parts if p is not None])
                    before = len(source.tables)
                    legs = self.union(stage, source)
                    if (left is None and before) or (legs is None and len(source.tables) > before):
                        parts = []  # one side matches its whole table; later filters still hold
                    else:
                        parts = [any_of([n for n in (left, legs) if n is not None])]
                    meets = None
                    continue
                parts.append(self.stage(stage, source, meets))
                if isinstance(stage, Join):
                    meets = None  # later joins meet the joined rows, no longer the list alone
            return all_of([p for p in parts if p is not None]) if any(parts) else None
        if isinstance(node, Name):
            bound = self.lets.get(node.name)
            if isinstance(bound, FnDef):
                return self._body(bound, source)
            if bound is not None and not isinstance(bound, (Str, Num, ArrayLit, DataTable)):
                return self.tabular(bound, source)
            source.tables.append(node.name)
            return None
        if isinstance(node, Call):  # ASIM parser functions, table("x"), let-bound functions
            name = node.name
            bound = self.lets.get(name)
            if isinstance(bound, FnDef):
                return self._body(bound, source, node)
            if name in ("table", "materialize", "view", "toscalar") and node.args:
                argument = node.args[0]
                if isinstance(argument, Str):
                    source.tables.append(argument.value)
                    return None
                return self.tabular(argument, source)
            source.tables.append(name)
            if name.lower() not in tables():
                source.functions = True
            return self.parser_parameters(node, source)
        if isinstance(node, UnionOp):
            return self.union(node, source)
        if isinstance(node, Search):
            self.every_table = True
            return self.where(node.expr, source)
        if isinstance(node, Star):
            self.every_table = True
            return None
        if isinstance(node, Columns):  # print / datatable sources: nothing from events
            return None
        return None

    def parser_parameters(self, node: Call, source: Source) -> Node | None:
        """An ASIM parser's filtering parameters (``_Im_Dns(domain_has_any=list)``) as the
        predicates on normalized columns they stand for."""
        table = tables().get(node.name.lower())
        if table is None or not node.args:
            return None
        known = asim_parameters()
        nodes: list[Node] = []
        for argument in node.args:
            if not isinstance(argument, Assign) or len(argument.names) != 1:
                continue
            parameter = argument.names[0].lower()
            entry = known.get((table.event, parameter)) or known.get(("*", parameter))
            if entry is None or entry[1] not in PARAMETER_TESTS:
                continue
            column, test = entry
            values = self.values([argument.value])
            listed = None if values else self.listed(column, [argument.value], source)
            if listed is not None:
                nodes.append(listed)  # url_has_any=list_from_a_feed: Url is in that list
                continue
            if not values:
                self.dropped.add("data")  # a list built from a sub-query
                self.side_query([argument.value])
                continue
            operator = PARAMETER_TESTS[test]
            tests: list[Node] = [
                self.predicate(column, operator, value, token, source, cased=False)
                for value, token in values
            ]
            nodes.append(all_of(tests) if test == "has_all" else any_of(tests))  # type: ignore[arg-type]
        return all_of(nodes)

    def _body(self, function: FnDef, source: Source, call: Call | None = None) -> Node | None:
        saved = dict(self.lets)
        saved_params = set(self.params)
        for index, param in enumerate(function.params):
            # the call's arguments (or the defaults) are the parameters' values
            argument = call.args[index] if call is not None and index < len(call.args) else None
            argument = param.default if argument is None else argument
            if argument is not None and not isinstance(argument, Assign):
                self.lets[param.name] = argument
            else:
                self.params.add(param.name)  # no value: a test on it is no column test
        result: Node | None = None
        for statement in function.body:
            if isinstance(statement, Let):
                self.lets[statement.name] = statement.value
            else:
                result = self.tabular(statement, source)
        self.lets = saved
        self.params = saved_params
        return result

    def union(self, node: UnionOp, source: Source) -> Node | None:
        legs: list[Node] = []
        unfiltered = False
        for leg in node.legs:
            leg_source = Source()  # a leg's own pipeline: the left side's columns are not its
            converted = self.tabular(leg, leg_source)
            source.tables.extend(leg_source.tables)
            if converted is not None:
                legs.append(converted)
            elif leg_source.tables:
                unfiltered = True  # a leg without filters matches its whole table
            # a leg reading no table (``datatable(...)[]``, a print) adds no events
        if unfiltered:
            return None
        return any_of(legs) if legs else None

    def stage(self, stage: object, source: Source, left: Expr | None = None) -> Node | None:
        """One pipe stage's filter; ``left``: the pipeline's source, which a join may test."""
        if isinstance(stage, Where):
            return self.where(stage.expr, source)
        if isinstance(stage, Columns):
            self.columns(stage, source)
            return None
        if isinstance(stage, NameList):
            return None
        if isinstance(stage, Join):
            side = Source()
            data = bool(self.list_names([stage.right]))
            # a data list's own filters and columns are no events'
            right = None if data else self.tabular(stage.right, side)
            listed = self.join_lists(stage, left, source, side)
            if not data:
                source.tables.extend(side.tables)
            if listed is not None and not data:
                right = all_of([n for n in (right, listed) if n is not None])  # the right key
                listed = None
            joined = None if right is None else And([right], kind="join")
            return (
                all_of([n for n in (listed, joined) if n is not None]) if listed or joined else None
            )
        if isinstance(stage, Search):
            return self.where(stage.expr, source)
        if isinstance(stage, MvApply):
            return self.mv_apply(stage, source)
        if getattr(stage, "operator", "") in STATISTICS:
            self.aggregates = True
        defined = getattr(stage, "defined", None)
        if defined:
            fields: dict[str, tuple[str, str, bool]] = getattr(stage, "fields", {})
            read = {name: self.parsed_field(*fields[name], source) for name in fields}
            for name in defined:
                source.aliases.pop(name, None)
                target = read.get(name)
                if target is not None:
                    source.aliases[name] = target
                    source.computed.discard(name)
                else:
                    source.computed.add(name)
        return None

    def parsed_field(
        self, column: str, key: str, xml: bool, source: Source
    ) -> tuple[str, bool] | None:
        """The event field a ``parse`` capture reads: an element of Windows' EventData XML is that
        event field (``'TargetObject">' TargetObject``, as Sigma names it); a ``key=`` or JSON
        ``"key":"`` of a column's text is that column's member. None when the column is computed."""
        parsed = self.column(Name(column), source)
        if parsed is None:
            return None
        if xml and parsed[0] in EVENT_XML_COLUMNS:
            return key, True
        return f"{parsed[0]}.{key}", True

    def columns(self, stage: Columns, source: Source) -> None:
        if stage.operator in ("summarize", "distinct"):
            self.aggregates = True
        if stage.operator == "summarize":
            self.summarize(stage, source)
            return
        for assign in stage.assigns:
            if len(assign.names) != 1:
                source.computed.update(assign.names)
                continue
            name = assign.names[0]
            value = assign.value
            if (
                stage.operator != "project-rename"
                and isinstance(value, Name)
                and value.name == name
            ):
                continue  # ``project X = X`` keeps the column
            target = self.column(value, source)
            source.aliases.pop(name, None)
            if target is not None:
                source.aliases[name] = target
                source.computed.discard(name)
            else:
                source.computed.add(name)

    def mv_apply(self, stage: MvApply, source: Source) -> Node | None:
        """``mv-apply p = todynamic(Parameters) on (where p.Name == "x" | extend ...)``: the items
        are the column's array members (``p.Name`` tests ``Parameters.Name``); the sub-query's
        filters keep a row only if an item passes them; its aggregates are columns of the row."""
        self.columns(Columns("mv-expand", stage.items), source)
        nodes: list[Node] = []
        for inner in stage.stages:
            if isinstance(inner, Columns) and inner.operator in ("summarize", "distinct"):
                named = {n for a in (*inner.assigns, *inner.by) for n in a.names}
                source.computed.update(named)
                for name in named:
                    source.aliases.pop(name, None)
                continue
            node = self.stage(inner, source)
            if node is not None:
                nodes.append(node)
        return all_of(nodes)

    def summarize(self, stage: Columns, source: Source) -> None:
        """After an aggregation only its ``by`` columns hold event values, unless a row is kept
        whole (``arg_max(TimeGenerated, *)``: the latest event per key) or in part."""
        kept = {a.value.name for a in stage.by if isinstance(a.value, Name) and not a.names}
        whole = False
        for assign in stage.assigns:
            value = assign.value
            if isinstance(value, Call) and value.name.lower() in ROW_AGGREGATES:
                if any(isinstance(a, Star) for a in value.args):
                    whole = True
                rest = value.args[1:] if assign.names else value.args
                kept.update(a.name for a in rest if isinstance(a, Name))
        named = {n for a in (*stage.assigns, *stage.by) for n in a.names}
        named.update(a.value.name for a in stage.assigns if isinstance(a.value, Name))
        for name in named:
            source.aliases.pop(name, None)
        source.computed.update(named)
        source.computed.update({"count_", "dcount_"})
        if whole:
            return
        source.computed.add("*aggregated*")
        source.computed.difference_update(kept)
        source.kept = kept

    # -- filters ------------------------------------------------------------------------------

    def where(self, expr: Expr, source: Source) -> Node | None:
        conjuncts = expr.items if isinstance(expr, BoolOp) and expr.op == "and" else [expr]
        nodes = [self.condition(c, source) for c in conjuncts]
        for conjunct, node in zip(conjuncts, nodes, strict=True):
            if node is None:
                self.dropped.add(self.why(conjunct, source))
        kept = [n for n in nodes if n is not None]
        return all_of(kept) if kept else None

    def constant(self, expr: Expr) -> bool | None:
        """The value of a condition on the query's own constants, else None: DFIR queries write
        ``(isnotempty(Sha1) and SHA1 == Sha1) or (isempty(Sha1) and FileName == Name)`` with
        ``let Sha1 = "..."``, and only one alternative can hold."""
        if isinstance(expr, BoolOp):
            values = [self.constant(item) for item in expr.items]
            if expr.op == "and":
                return False if False in values else True if all(values) else None
            return True if True in values else False if all(v is False for v in values) else None
        if isinstance(expr, Call) and len(expr.args) == 1:
            name = expr.name.lower()
            if name == "not":
                inner = self.constant(expr.args[0])
                return None if inner is None else not inner
            if name in NULL_FUNCTIONS:
                argument = expr.args[0]
                bound = self.lets.get(argument.name) if isinstance(argument, Name) else None
                if isinstance(bound, (Str, Num)):
                    empty = bound.value == ""
                    return empty if NULL_FUNCTIONS[name] == "is_null" else not empty
        return _boolean(expr)

    def condition(self, expr: Expr, source: Source) -> Node | None:
        if isinstance(expr, BoolOp):
            drop = expr.op == "and"  # true conjuncts and false alternatives change nothing
            parts = [item for item in expr.items if self.constant(item) is not drop]
            if not parts or self.constant(expr) is not None:
                return None  # always true (no filter) or always false (no events)
            items = [self.condition(item, source) for item in parts]
            if expr.op == "and":
                kept = [i for i in items if i is not None]
                return all_of(kept) if kept else None
            if any(i is None for i in items):
                return None  # an alternative rulelint cannot read: the whole Or is unknown
            return any_of(items)  # type: ignore[arg-type]
        if isinstance(expr, Call):
            return self.call(expr, source)
        if isinstance(expr, (Name, Member, Index)):  # ``where IsInternetFacing``: a bool column
            if _boolean(expr) is not None:
                return None  # ``where true``
            column = self.column(expr, source)
            if column is None:
                return None
            return self.predicate(column[0], "eq", "true", expr, source, cased=False)
        if isinstance(expr, CompareNode):
            return self.compare(expr, source)
        if isinstance(expr, InList):
            return self.in_list(expr, source)
        if isinstance(expr, Between):
            low = self.compare(
                CompareNode(">=", expr.left, expr.low, expr.line, expr.column), source
            )
            high = self.compare(
                CompareNode("<=", expr.left, expr.high, expr.line, expr.column), source
            )
            both = all_of([n for n in (low, high) if n is not None]) if (low or high) else None
            return Not(both) if both is not None and expr.op.startswith("!") else both
        return None

    def why(self, expr: Expr, source: Source) -> str:
        """The kind of a filter that gave no predicate (a key of EMPTY_REASONS)."""
        names: list[str] = []
        timely = False
        data = False
        stack: list[object] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, Call):
                name = node.name.lower()
                timely = timely or name in TIME_FUNCTIONS
                if name == "not" or name in TRANSPARENT or name in NULL_FUNCTIONS:
                    stack.extend(node.args)
                continue  # other functions: their arguments are no direct test
            if isinstance(node, Name):
                bound = self.lets.get(node.name)
                if bound is None:
                    names.append(node.name)
                elif not isinstance(bound, (Str, Num, ArrayLit, DataTable)):
                    data = data or not isinstance(bound, Special)
                    timely = timely or isinstance(bound, Special)
                continue
            if isinstance(node, Special):
                timely = True
            elif isinstance(node, (Pipeline, UnionOp)):
                data = True
            elif isinstance(node, BoolOp):
                stack.extend(node.items)
            elif isinstance(node, CompareNode):
                stack.extend((node.left, node.right))
            elif isinstance(node, InList):
                stack.extend((node.left, *node.items))
            elif isinstance(node, Between):
                stack.extend((node.left, node.low, node.high))
            elif isinstance(node, (Member, Index)):
                path = _path(node)
                if path is not None:
                    names.append(path.split(".", 1)[0].split("[", 1)[0])
        if timely or any(n in TIME_COLUMNS for n in names):
            return "time"
        columns = [n for n in names if n not in TIME_COLUMNS]
        if columns and all(self.column(Name(n), source) is None for n in columns):
            return "computed"
        if data:
            return "data"
        return "expression"

    def call(self, expr: Call, source: Source) -> Node | None:
        name = expr.name.lower()
        if name == "not" and len(expr.args) == 1:
            inner = self.condition(expr.args[0], source)
            return None if inner is None else Not(inner)
        if name in NULL_FUNCTIONS and len(expr.args) == 1:
            column = self.column(expr.args[0], source)
            if column is None:
                return None
            return self.predicate(column[0], NULL_FUNCTIONS[name], None, expr, source, cased=False)
        if name in PREDICATE_FUNCTIONS and len(expr.args) == 2:
            column = self.column(expr.args[0], source)
            value = self.scalar(expr.args[1])
            if column is None or value is None:
                return None
            operator, cased = PREDICATE_FUNCTIONS[name]
            return self.predicate(column[0], operator, value, expr.args[1], source, cased=cased)
        if name == "ipv4_is_private" and len(expr.args) == 1:
            column = self.column(expr.args[0], source)
            if column is None:
                return None
            return any_of(
                [
                    self.predicate(column[0], "cidr_match", block, expr, source, cased=False)
                    for block in PRIVATE_IPV4
                ]
            )
        return None

    def compare(self, expr: CompareNode, source: Source) -> Node | None:
        op = expr.op.strip().lower()
        op = " ".join(op.split())
        negated = False
        if op in NEGATED:
            negated, op = True, NEGATED[op]
        elif op.startswith("!"):
            negated, op = True, op[1:]
        if op not in STRING_OPERATORS:
            return None
        left, right = expr.left, expr.right
        truth = _boolean(right)
        if isinstance(left, Call) and truth is not None and op in ("==", "=~"):
            test = self.call(left, source)  # ipv4_is_private(SrcIpAddr) == false
            if test is None:
                return None
            return test if truth != negated else Not(test)
        column = self.column(left, source)
        if column is None and op in ("==", "=~"):  # "value" == Column
            column, right = self.column(right, source), left
        if column is None:
            return None
        value = self.scalar(right)
        if value is None:
            return None
        operator, cased = STRING_OPERATORS[op]
        node = self.predicate(column[0], operator, value, right, source, cased=cased and column[1])
        return Not(node) if negated else node

    def in_list(self, expr: InList, source: Source) -> Node | None:
        op = expr.op.strip().lower()
        negated = op.startswith("!")
        op = op.lstrip("!")
        if op not in LIST_OPERATORS:
            return None
        column = self.column(expr.left, source)
        if column is None:
            return None
        values = self.values(expr.items)
        if not values:
            listed = self.listed(column[0], expr.items, source)
            if listed is not None:
                return Not(listed) if negated else listed
            self.side_query(expr.items)
            return None
        operator, cased, every = LIST_OPERATORS[op]
        nodes: list[Node] = [
            self.predicate(column[0], operator, value, token, source, cased=cased and column[1])
            for value, token in values
        ]
        node = all_of(nodes) if every else any_of(nodes)
        return Not(node) if negated else node

    def listed(self, column: str, items: list[Expr], source: Source) -> Node | None:
        """``column in (list)`` where the list's values come from data (a feed, a watchlist, a
        threat-intel table, a function rulelint does not know): ``in_list`` on the column, one
        per list (any of them). None when the values are the rule's own or an event table's."""
        names = self.list_names(items)
        if not names:
            return None
        token = items[0] if items else None
        return any_of(
            [self.predicate(column, "in_list", name, token, source, cased=True) for name in names]
        )

    def list_names(self, items: list[Expr]) -> list[str]:
        """The names of the data lists an operand's values come from (``watchlist:<alias>``,
        ``externaldata:<file>``, ``table:<TI table>``, ``function:<name>``), following ``let``
        bindings, sub-query sources and list combiners; [] when any part is not such data
        (literals, event tables, expressions): those keep their own reading."""
        names: list[str] = []
        stack = list(reversed(items))
        followed: set[str] = set()
        known = list_sources()
        while stack:
            if len(followed) > 50:
                return []
            item = stack.pop()
            if isinstance(item, Pipeline):
                stack.append(item.source)  # its filters select rows of the list, not events
            elif isinstance(item, UnionOp):
                stack.extend(reversed(item.legs))
            elif isinstance(item, ExternalData):
                if not item.urls:
                    return []
                names.extend(externaldata_name(url) for url in item.urls)
            elif isinstance(item, Name):
                bound = self.lets.get(item.name)
                if bound is not None and item.name not in followed:
                    followed.add(item.name)
                    stack.append(_result(bound) if isinstance(bound, FnDef) else bound)
                    continue
                kind = known.get(("table", item.name.lower()))
                if kind is None:
                    return []  # an event table (or one the tables' TSV lacks: maybe events)
                names.append(f"{kind}:{item.name}")
            elif isinstance(item, Call):
                name = item.name
                bound = self.lets.get(name)
                kind = known.get(("function", name.lower()))
                if name.lower() in WRAPPERS or name.lower() in LIST_COMBINERS:
                    stack.extend(reversed(item.args))
                elif isinstance(bound, FnDef) and name not in followed:
                    followed.add(name)
                    stack.append(_result(bound))
                elif kind is not None and item.args and isinstance(item.args[0], Str):
                    names.append(f"{kind}:{item.args[0].value}")
                elif bound is None and _workspace_function(name):
                    names.append(f"function:{name}")
                else:
                    return []
            else:
                return []
        return list(dict.fromkeys(names))

    def join_lists(
        self, stage: Join, left: Expr | None, source: Source, side: Source
    ) -> Node | None:
        """A join that keeps the events whose key is (or is not) a key of a data list on its other
        side: ``in_list`` on the event side's key column (negated for anti joins)."""
        kind = "inner" if stage.operator == "lookup" and stage.kind == "inner" else stage.kind
        if stage.operator == "lookup" and stage.kind != "inner":
            return None  # a lookup keeps every row: enrichment, no filter
        right_names = self.list_names([stage.right])
        if right_names:
            names, keep, on_left = right_names, JOIN_FILTERS[0].get(kind), True
        else:
            names = self.list_names([left]) if left is not None else []
            keep, on_left = JOIN_FILTERS[1].get(kind), False
        if not names or keep is None:
            return None
        tests: list[Node] = []
        for left_key, right_key in _join_keys(stage.on):
            key = left_key if on_left else right_key
            column = self.column(key, source if on_left else side)
            if column is None:
                continue
            listed = any_of(
                [
                    self.predicate(
                        column[0], "in_list", name, key, source if on_left else side, cased=True
                    )
                    for name in names
                ]
            )
            tests.append(listed)  # type: ignore[arg-type]
        node = all_of(tests)
        return node if node is None or keep else Not(node)

    def filters_by_left_list(self, stage: Join, left: Expr | None) -> bool:
        """Whether a join keeps only the right side's events whose key is in the data list of its
        left side (an inner/rightsemi join of a threat-intel table with an event table)."""
        if stage.operator != "join" or JOIN_FILTERS[1].get(stage.kind) is not True:
            return False
        if left is None:
            return False
        return not self.list_names([stage.right]) and bool(self.list_names([left]))

    def side_query(self, items: list[Expr]) -> None:
        """The filters of a sub-query whose values a list operator tests (``X in (T | where
        ...)``, ``X !in (known)`` with ``let known = T | where ...``): the rule applies them to T's
        events, whether X must be in the result or not. Read once per sub-query."""
        if len(items) != 1:
            return
        item = items[0]
        while isinstance(item, Call) and item.name.lower() in WRAPPERS and len(item.args) == 1:
            item = item.args[0]
        key = ""
        if isinstance(item, Name) and item.name in self.lets:
            key = item.name
            bound = self.lets[item.name]
            if isinstance(bound, FnDef):
                return
            item = bound
        while isinstance(item, Call) and item.name.lower() in WRAPPERS and len(item.args) == 1:
            item = item.args[0]
        if not isinstance(item, (Pipeline, UnionOp, Name, Call)):
            return
        key = key or f"{id(item)}"
        if key in self.side_done:
            return
        self.side_done.add(key)
        side = Source()
        node = self.tabular(item, side)
        if not side.tables or side.functions:
            return  # external data, a watchlist or a function rulelint does not know
        self.side_tables.extend(side.tables)
        if node is not None:
            self.side_filters.append(node)

    # -- operands ------------------------------------------------------------------------------

    def column(self, expr: Expr, source: Source) -> tuple[str, bool] | None:
        """(column path, case kept) of an operand that is an event column, else None."""
        cased = True
        while isinstance(expr, Call) and expr.name.lower() in TRANSPARENT and len(expr.args) == 1:
            cased = cased and TRANSPARENT[expr.name.lower()]
            expr = expr.args[0]
        path = _path(expr)
        if path is None:
            return None
        root = path.split(".", 1)[0].split("[", 1)[0]
        if "*aggregated*" in source.computed and root not in source.kept:
            return None
        alias = source.aliases.get(root)
        if alias is not None:
            return alias[0] + path[len(root) :], cased and alias[1]
        if root in source.computed or root in self.lets or root in self.params:
            return None
        return path, cased

    def scalar(self, expr: Expr) -> str | None:
        """The value of a constant operand: a literal, a ``let``-bound one, or a small expression
        of those (``tostring(regexes[0])``, ``strcat("a", b)``, ``tolower(c)``)."""
        if isinstance(expr, Call) and expr.name.lower() in CASE_FUNCTIONS and len(expr.args) == 1:
            value = self.scalar(expr.args[0])  # tolower(MaliciousFileName): a constant too
            return None if value is None else CASE_FUNCTIONS[expr.name.lower()](value)
        if isinstance(expr, Call) and expr.name.lower() == "tostring" and len(expr.args) == 1:
            return self.scalar(expr.args[0])
        if isinstance(expr, Call) and expr.name.lower() == "strcat" and expr.args:
            parts = [self.scalar(a) for a in expr.args]
            return None if None in parts else "".join(parts)  # type: ignore[arg-type]
        if isinstance(expr, Index):
            return self.item(expr)
        if isinstance(expr, (Str, Num)):
            return expr.value
        if isinstance(expr, Name):
            bound = self.lets.get(expr.name)
            if isinstance(bound, (Str, Num)):
                return bound.value
        return None

    def item(self, expr: Index) -> str | None:
        """``arr[1]`` of a ``let``-bound literal array (``dynamic([...])``), else None."""
        array = expr.obj
        if isinstance(array, Name) and not array.bracketed:
            array = self.lets.get(array.name)  # type: ignore[assignment]
        literal = isinstance(array, ArrayLit) or (
            isinstance(array, Call) and array.name.lower() in ("dynamic", "pack_array")
        )
        position = expr.index.value if isinstance(expr.index, Num) else ""
        if not literal or not position.lstrip("-").isdigit():
            return None
        found = self.values([array])  # type: ignore[list-item]
        index = int(position)
        return found[index][0] if -len(found) <= index < len(found) else None

    def values(self, items: list[Expr]) -> list[tuple[str, Expr]]:
        """The literal values of a list operand, resolving ``let`` lists and ``dynamic([...])``."""
        found: list[tuple[str, Expr]] = []
        stack = list(reversed(items))
        while stack and len(found) < MAX_LIST_ITEMS:
            item = stack.pop()
            if isinstance(item, (Str, Num)):
                found.append((item.value, item))
            elif isinstance(item, Name) and item.name in self.lets:
                bound = self.lets[item.name]
                if isinstance(bound, (Str, Num, ArrayLit, DataTable, Call)):
                    stack.append(bound)
                else:
                    return []  # a sub-query: its values come from data, not the rule
            elif isinstance(item, ArrayLit):
                stack.extend(reversed(item.items))
            elif isinstance(item, DataTable):
                stack.extend(reversed(item.values))
            elif isinstance(item, Call) and item.name.lower() in ("dynamic", "pack_array"):
                # dynamic(["403"]) lexes as a bracketed column name: a one-item array here
                stack.extend(
                    Str(a.name, f'"{a.name}"', a.line, a.column)
                    if isinstance(a, Name) and a.bracketed
                    else a
                    for a in reversed(item.args)
                )
            else:
                value = self.scalar(item) if isinstance(item, (Call, Index)) else None
                if value is None:
                    return []
                found.append((value, item))  # strcat("a", b), names[0]: a constant too
        return found

    def predicate(
        self,
        path: str,
        operator: str,
        value: str | None,
        token: object,
        source: Source,
        *,
        cased: bool,
    ) -> Predicate:
        scopes = self.scopes(source)
        predicate = make_predicate(
            self.fields.owner(path, scopes),
            path,
            operator,
            value,
            scopes=scopes,
            line=getattr(token, "line", 0) + self.line_offset,
            column=getattr(token, "column", 0),
            how=operator,
            # the literal as written, case kept, without its quotes: fixes and messages show it
            raw_value=token.value if isinstance(token, Str) else getattr(token, "raw", value),
            cased=cased and operator != "regex_match",
        )
        if operator == "regex_match":
            predicate.cased = True
        return predicate

    def scopes(self, source: Source) -> tuple[str, ...]:
        known = tables()
        scopes: list[str] = []
        for name in source.tables:
            table = known.get(name.lower())
            if table is not None:
                scopes.extend(s for s in table.scopes if s not in scopes)
        return tuple(scopes)


def _result(function: FnDef) -> Expr:
    """A ``let`` function's result: its last tabular statement (a Name that leads nowhere)."""
    for statement in reversed(function.body):
        if not isinstance(statement, Let) and statement is not None:
            return statement  # type: ignore[return-value]
    return Name("")


def _workspace_function(name: str) -> bool:
    """A call rulelint does not know that names a saved (workspace) function, not a Kusto
    built-in: built-ins are all lower case (``split``, ``bag_keys``); saved functions and parsers
    are not, by convention (``HighValueAssets``, ``_ASim_X``); known tables/parsers are events."""
    return bool(name) and name != name.lower() and name.lower() not in tables()


def _join_keys(on: list[Expr]) -> list[tuple[Expr, Expr]]:
    """(left key, right key) of a join's ``on`` list: ``Col`` names both sides' column;
    ``$left.A == $right.B`` (either order) names each side's."""
    keys: list[tuple[Expr, Expr]] = []
    for item in on:
        if isinstance(item, Name):
            keys.append((item, item))
        elif isinstance(item, CompareNode) and item.op.strip() == "==":
            sides = {}
            for operand in (item.left, item.right):
                if isinstance(operand, Member) and isinstance(operand.obj, Name):
                    sides[operand.obj.name.lower()] = Name(
                        operand.name, operand.line, operand.column
                    )
            if "$left" in sides and "$right" in sides:
                keys.append((sides["$left"], sides["$right"]))
    return keys


def _boolean(expr: Expr) -> bool | None:
    """``true`` / ``false`` (any case) as a bool, else None."""
    if isinstance(expr, Name) and not expr.bracketed and expr.name.lower() in ("true", "false"):
        return expr.name.lower() == "true"
    return None


def _path(expr: Expr) -> str | None:
    if isinstance(expr, Call) and expr.name.lower() in PATH_FUNCTIONS and len(expr.args) == 1:
        return _path(expr.args[0])  # parse_json(AdditionalFields).Command: the column's member
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Member):
        base = _path(expr.obj)
        return None if base is None else f"{base}.{expr.name}"
    if isinstance(expr, Index):
        base = _path(expr.obj)
        if base is None:
            return None
        if isinstance(expr.index, Str):
            return f"{base}.{expr.index.value}"
        return base  # AdditionalFields[0] -> the array itself
    return None


def events_of(tables_read: list[str], predicates: list[Predicate]) -> tuple[list[str], list[str]]:
    """(event keys, platforms) of the tables a query reads, refined by EventID / ActionType."""
    known = tables()
    events: list[str] = []
    platforms: list[str] = []
    event_ids = sorted(
        {p.value for p in predicates if p.field == "EventID" and p.operator == "eq" and p.value}
    )
    actions = {
        (p.value or "").lower()
        for p in predicates
        if p.field == "ActionType" and p.operator == "eq"
    }
    for name in tables_read:
        table = known.get(name.lower())
        if table is None:
            key = "sentinel:any"
        else:
            key = table.event
            if table.platform and table.platform not in platforms:
                platforms.append(table.platform)
        keys = [key]
        if key == "security:any" and event_ids:
            keys = [f"security:{i}" for i in event_ids]
        specific = [action_types().get((name.lower(), a)) for a in sorted(actions)]
        if any(specific):
            keys = [k for k in specific if k]
        for k in keys:
            if k not in events:
                events.append(k)
    return events, platforms


def top_level(expression: Node | None) -> Node | None:
    """Joins are flattened into the main And so the negations of every side are exclusions."""
    if isinstance(expression, And):
        children: list[Node] = []
        for child in expression.children:
            if isinstance(child, And) and child.kind == "join":
                children.extend(child.children)
            else:
                children.append(child)
        return all_of(children) if children else None
    if isinstance(expression, Or) and len(expression.children) == 1:
        return expression.children[0]
    return expression
