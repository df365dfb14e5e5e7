"""An SPL search -> the canonical predicate tree, the events it reads, and what was left out.

The search is expanded (macros), split into commands and parsed (:mod:`.spl`). Filtering commands
(the leading search, ``tstats ... where``, ``| search``, ``| where``, ``| regex``) contribute
predicates; the others only move field names around. A filter counts only on names that still hold
source-event values at its point of the pipeline: ``by`` fields of an aggregation, renames of source
fields (``drop_dm_object_name``: ``process`` is ``Processes.process``), ``values()``/``latest()``
of source fields, ``eval x=lower(field)``. It does not count on aggregate outputs (``count``),
other eval results, or fields a join brings in. Some derived values still stand for a test on the
source events, which is what a filter on them means: a ``rex`` group exists only where its regex
matches (``regex_match``), a lookup output only for inputs in the lookup (``in_list``, also
``[| inputlookup NAME | table F]``), ``eval x=if(cond, 1, 0)`` is 1 exactly where cond holds.

The subsearches of ``join``/``append``/... are read as the rule's other event set: their own
filters join the rule's under ``And(kind="join")`` and their sources add events.

Terms that choose the *source* of the events (``index=``, ``sourcetype=``, ``source=``,
``eventtype=``, and every term inside a source macro such as `` `sysmon` ``) are not predicates:
they and the data model of ``tstats`` select the event keys through
``data/events/splunk_sources.tsv``, with ``EventCode`` values making them precise (``sysmon:1``).
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from rulelint.formats.errors import RuleReadError
from rulelint.formats.splunk import spl
from rulelint.formats.splunk.macros import Expansion, MacroTable, expand
from rulelint.model import Node, Not, Predicate, all_of, any_of, simplify
from rulelint.vocab.fields import FieldMap, field_map
from rulelint.vocab.tables import read_table
from rulelint.vocab.values import (
    MULTI,
    Part,
    canonical_number,
    make_predicate,
    operator_for_parts,
    split_wildcards,
)

#: Search fields that pick events (not conditions on them); time modifiers are dropped likewise.
SELECTOR_FIELDS = frozenset(
    {"index", "sourcetype", "source", "eventtype", "tag", "splunk_server", "nodename"}
)


def is_selector(field: str) -> bool:
    """``sourcetype=``/``index=`` in any case, but not a data field that only folds to one
    (Okta's ``eventType`` is not Splunk's ``eventtype``)."""
    return field.lower() in SELECTOR_FIELDS and field in (
        field.lower(),
        field.upper(),
        field.capitalize(),
    )


#: Time bounds, not conditions on event content (``_time >= relative_time(now(), "-10m@m")``).
TIME_FIELDS = frozenset(
    {
        "earliest",
        "latest",
        "_index_earliest",
        "_index_latest",
        "starttime",
        "endtime",
        "timeformat",
        "_time",
    }
)
#: Aggregations whose output holds values of the field aggregated (so a filter on it is a filter on
#: the source field); count/dc/sum/avg/min/max ... produce new values.
PASS_THROUGH_AGGREGATIONS = frozenset(
    {"values", "list", "first", "last", "latest", "earliest", "mode"}
)
AGGREGATING = frozenset(
    {
        "stats",
        "chart",
        "timechart",
        "top",
        "rare",
        "transaction",
        "tstats",
        "mstats",
        "geostats",
        "sistats",
    }
)
NEUTRAL = frozenset(
    {
        "convert",
        "bin",
        "bucket",
        "dedup",
        "sort",
        "head",
        "tail",
        "fillnull",
        "mvexpand",
        "makemv",
        "nomv",
        "xmlkv",
        "kv",
        "extract",
        "collect",
        "outputlookup",
        "sendalert",
        "addinfo",
        "reverse",
        "uniq",
        "strcat",
        "addtotals",
        "delta",
        "accum",
        "autoregress",
        "trendline",
        "predict",
        "sitop",
        "untable",
        "xyseries",
        "format",
        "return",
        "makeresults",
        "typer",
        "highlight",
    }
)
FOLDING = frozenset({"lower", "upper"})

TRUE = "TRUE"  # no constraint (a source selector, a time modifier, '*')
UNKNOWN = "UNKNOWN"  # a condition the model cannot express (a derived field, a subsearch)
Result = Node | str


# -- the source table --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceRow:
    """A row of ``splunk_sources.tsv``: a data model, macro, sourcetype ... and its events."""

    kind: str
    pattern: str
    events: tuple[str, ...]
    code_field: str
    code_prefix: str
    scope: str
    platform: str


@cache
def source_rows() -> tuple[SourceRow, ...]:
    rows: list[SourceRow] = []
    for row in read_table("events/splunk_sources.tsv", min_columns=7):
        kind, pattern, events, code_field, code_prefix, scope, platform = row[:7]
        rows.append(
            SourceRow(
                kind.lower(),
                pattern.lower(),
                tuple(events.split()) if events != "-" else (),
                "" if code_field == "-" else code_field.lower(),
                "" if code_prefix == "-" else code_prefix,
                "" if scope == "-" else scope,
                "" if platform == "-" else platform,
            )
        )
    return tuple(rows)


@cache
def _rows_by_kind(kind: str) -> tuple[tuple[SourceRow, ...], dict[str, SourceRow]]:
    rows = tuple(row for row in source_rows() if row.kind == kind)
    exact = {}
    for row in rows:
        if "*" not in row.pattern:
            exact.setdefault(row.pattern, row)
    return rows, exact


@cache
def match_source(kind: str, value: str) -> SourceRow | None:
    """The first row of ``kind`` whose (glob) pattern matches ``value``, case-insensitively."""
    rows, exact = _rows_by_kind(kind)
    folded = value.lower()
    if folded in exact:
        return exact[folded]
    for row in rows:
        if "*" in row.pattern and fnmatch.fnmatchcase(folded, row.pattern):
            return row
    return None


@cache
def code_fields() -> frozenset[str]:
    return frozenset(row.code_field for row in source_rows() if row.code_field)


def datamodel_row(name: str) -> SourceRow | None:
    return match_source("datamodel", name)


#: One disjunct of a search for event purposes: the sources it reads and the (code field, value)s.
Alternative = tuple[frozenset[SourceRow], frozenset[tuple[str, str]]]


# -- field bookkeeping along the pipeline -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    """What a field name holds: the source-event field (None: a derived value), case-folded or not.

    ``requires``: for a derived value, what the source events must satisfy for it to exist at all
    (a ``rex`` group: its regex matches the field it reads; a lookup output: the input field is in
    the lookup). A filter that needs the value (``y=*``, ``isnotnull(y)``, ``y="true"``,
    ``stats ... by y``) is that condition on the source fields.
    """

    source: str | None
    folded: bool = False
    requires: Node | None = None
    #: ``eval x=if(cond, A, B)`` with literal A != B: (cond, A, B), so ``x=A`` is cond
    flag: tuple[Node, str, str] | None = None


DERIVED = Holder(None)


class FieldState:
    """Names -> holders. Before an aggregation unknown names are source fields; after one (closed),
    only the names it outputs exist. After a lookup without OUTPUT or a join (opaque), names not seen
    before are taken to come from that lookup/subsearch."""

    def __init__(self) -> None:
        self.names: dict[str, Holder] = {}
        self.closed = False
        self.opaque = False
        self.unknown = DERIVED  # what an unseen name holds once closed/opaque (a lookup's outputs)
        self.filled = False  # after fillnull, `stats by` no longer drops events without a value

    def resolve(self, name: str) -> Holder:
        held = self.names.get(name)
        if held is not None:
            return held
        if self.closed or self.opaque:
            return self.unknown
        held = Holder(name)
        self.names[name] = held
        return held

    def set(self, name: str, holder: Holder) -> None:
        self.names[name] = holder

    def close(self, names: dict[str, Holder]) -> None:
        self.names = names
        self.closed = True
        self.unknown = DERIVED

    def rename(self, old: str, new: str) -> None:
        if "*" in old:
            pattern = re.compile("^" + re.escape(old).replace(r"\*", "(.*)") + "$")
            for name in list(self.names):
                match = pattern.match(name)
                if match:
                    target = new
                    for group in match.groups():
                        target = target.replace("*", group, 1)
                    self.names[target] = self.names.pop(name)
            return
        held = self.resolve(old)
        self.names.pop(old, None)
        self.names[new] = held


# -- the converter -------------------------------------------------------------------------------------


#: Commands whose ``[subsearch]`` is a second event set of the rule, read like the main search.
SUBSEARCH_COMMANDS = frozenset({"join", "append", "appendcols", "union", "multisearch"})


@dataclass(slots=True)
class Parsed:
    kind: str  # search | stats | where | regex | from | other
    command: spl.Command
    tree: object = None
    subsearches: list[list[Parsed]] = field(default_factory=list)


@dataclass(slots=True)
class Conversion:
    expression: Node | None
    events: list[str]
    notes: list[str]
    extra: dict[str, object]
    scopes: tuple[str, ...]
    platforms: list[str]
    empty_reason: str = ""  # why there are no predicates, when there are none


@dataclass(slots=True)
class _Sources:
    datamodels: list[str] = field(default_factory=list)
    rows: list[SourceRow] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)
    selectors: list[tuple[str, str]] = field(default_factory=list)


class SearchConverter:
    """Converts one search. ``locate`` maps an offset in the original search to (line, column)."""

    def __init__(
        self,
        search: str,
        table: MacroTable,
        locate: Callable[[int], tuple[int, int]],
        fields: FieldMap | None = None,
    ) -> None:
        self.search = search
        self.table = table
        self.locate_original = locate
        self.fields = fields or field_map("splunk")
        self.notes: list[str] = []
        self.scopes: tuple[str, ...] = ()
        self.expansion: Expansion = Expansion("", [])
        self.derived_filters = 0
        self.skipped: list[str] = []
        self.joined: list[Node] = []  # the filters of join/append subsearches
        self.emitted: set[int] = set()  # requirements (Holder.requires) already in the rule
        # requirement copies in the tree (an eval NOT keeps them)
        self.required_nodes: set[int] = set()

    # -- positions ---------------------------------------------------------------------------------

    def where(self, offset: int) -> tuple[int, int]:
        return self.locate_original(self.expansion.origin(offset))

    def line(self, offset: int) -> int:
        return self.where(offset)[0]

    def error(self, error: spl.SplSyntaxError) -> RuleReadError:
        return RuleReadError(error.message, self.line(error.offset))

    # -- the whole search --------------------------------------------------------------------------

    def convert(self) -> Conversion:
        self.expansion = expand(self.search, self.table)
        for name, offset in self.expansion.unexpanded:
            self.notes.append(
                f"macro `{name}` (line {self.locate_original(offset)[0]}) has no definition; not expanded"
            )
        try:
            commands = spl.split_pipeline(self.expansion.text)
        except spl.SplSyntaxError as error:
            raise self.error(error) from None
        if not commands:
            raise RuleReadError("empty search", self.locate_original(0)[0])
        parsed = [self.parse(command) for command in commands]
        sources = self.collect_sources(parsed)
        subsearches = list(_nested(parsed))
        sub_sources = [self.collect_sources(sub) for sub in subsearches]
        for other in sub_sources:
            sources.datamodels.extend(other.datamodels)
            sources.macros.extend(other.macros)
            sources.selectors.extend(other.selectors)
            sources.rows.extend(row for row in other.rows if row not in sources.rows)
        self.scopes = self.scopes_of(sources)
        final = FieldState()  # the main pipeline's names at its end: where a fix line goes
        clauses = self.run(parsed, final)
        expression = simplify(all_of([c for c in clauses if not isinstance(c, str)]))
        if self.joined:  # each side's own filters; the join condition itself is no predicate
            sides = [expression, *self.joined] if expression is not None else self.joined
            expression = simplify(all_of(sides, "join"))
        events = self.events(parsed, sources)
        for sub, other in zip(subsearches, sub_sources, strict=True):
            events.extend(key for key in self.events(sub, other) if key not in events)
        extra: dict[str, object] = {}
        if sources.datamodels:
            extra["datamodel"] = (
                sources.datamodels[0] if len(sources.datamodels) == 1 else list(sources.datamodels)
            )
        if sources.macros:
            extra["source_macros"] = list(dict.fromkeys(sources.macros))
        if sources.selectors:
            extra["selectors"] = [
                f"{kind}={value}" for kind, value in dict.fromkeys(sources.selectors)
            ]
        if self.expansion.filter_macros:
            name, offset = self.expansion.filter_macros[-1]
            line, column = self.locate_original(offset)
            extra["filter_macro"] = {"name": name, "line": line, "column": column}
        if self.expansion.unexpanded:
            extra["unexpanded_macros"] = sorted({name for name, _ in self.expansion.unexpanded})
        if self.expansion.expanded:
            extra["macros"] = sorted(set(self.expansion.expanded))
        anchor = self.exclusion_anchor(parsed)
        if anchor:
            extra["exclusion_anchor"] = anchor
        extra["fix_fields"], extra["fix_fields_open"] = self.fix_fields(final)
        if self.derived_filters:
            extra["filters_on_derived_fields"] = self.derived_filters
        platforms = sorted({row.platform for row in sources.rows if row.platform})
        reason = self.empty_reason([parsed, *subsearches]) if expression is None else ""
        return Conversion(expression, events, self.notes, extra, self.scopes, platforms, reason)

    def empty_reason(self, pipelines: list[list[Parsed]]) -> str:
        """Why a search yields no predicates, for the coverage report and ``normalize``."""
        names = {item.command.name for pipeline in pipelines for item in pipeline}
        if names & {"apply", "fit"}:
            return "it filters on a machine-learning model's output (apply/fit)"
        if "mstats" in names:
            return "it reads metrics (mstats) and filters only on their aggregates or baselines"
        if self.derived_filters:
            return (
                "it filters only on values the search computes (aggregates such as count, eval "
                "results, lookups or fields of derived values)"
            )
        return "it selects events by source only (an inventory or hunting search)"

    # -- parsing -----------------------------------------------------------------------------------

    def parse(self, command: spl.Command) -> Parsed:
        name = command.name
        try:
            if command.leading or name == "search":
                text = command.text if command.leading else command.args
                start = command.start if command.leading else command.args_start
                return Parsed("search", command, spl.parse_search(text, start))
            if name in ("tstats", "mstats"):
                return Parsed("stats", command, spl.parse_stats(command.text, command.start))
            if name == "where":
                return Parsed("where", command, spl.parse_eval(command.args, command.args_start))
            if name == "regex":
                return Parsed("regex", command, _parse_regex(command))
        except spl.SplSyntaxError as error:
            raise self.error(error) from None
        if name in ("from", "datamodel"):
            return Parsed("from", command, _datamodel_of(command))
        if name in SUBSEARCH_COMMANDS and "[" in command.args:
            return Parsed("other", command, subsearches=self.parse_subsearches(command))
        return Parsed("other", command)

    def parse_subsearches(self, command: spl.Command) -> list[list[Parsed]]:
        """The pipelines of a command's ``[...]`` arguments; an unreadable one is noted, not fatal."""
        _masked, spans = spl.mask_subsearches(command.args)
        pipelines: list[list[Parsed]] = []
        for span in spans:
            try:
                commands = spl.split_subsearch(command.args, span, command.args_start)
                pipelines.append([self.parse(inner) for inner in commands])
            except (spl.SplSyntaxError, RuleReadError) as error:
                line = self.line(command.args_start + span[0])
                self.notes.append(f"subsearch in `{command.name}` (line {line}) not read: {error}")
        return pipelines

    # -- sources -----------------------------------------------------------------------------------

    def term_source(self, term: spl.Term) -> tuple[str, str] | None:
        """(kind, value) when a term selects events rather than filtering them."""
        chain = self.expansion.chain(term.position)
        for name in reversed(chain):
            if match_source("macro", name):
                return ("macro", name)
        if (
            term.kind == "macro"
            and term.values
            and match_source("macro", _macro_name(term.values[0].text))
        ):
            return ("macro", _macro_name(term.values[0].text))
        if term.kind in ("compare", "in") and term.field and is_selector(term.field):
            value = term.values[0].text if term.values else ""
            return (term.field.lower(), value)
        return None

    def collect_sources(self, parsed: list[Parsed]) -> _Sources:
        sources = _Sources()
        for item in parsed:
            tree: object = None
            if item.kind == "search":
                tree = item.tree
            elif item.kind == "stats":
                stats: spl.StatsCommand = item.tree  # type: ignore[assignment]
                if stats.datamodel:
                    sources.datamodels.append(stats.datamodel)
                tree = stats.where
            elif item.kind == "from" and item.tree:
                sources.datamodels.append(str(item.tree))
            for term in _terms(tree):
                found = self.term_source(term)
                if found is None:
                    continue
                kind, value = found
                if kind == "macro":
                    sources.macros.append(value)
                    continue
                if kind == "nodename" and sources.datamodels:
                    base = sources.datamodels[-1].split(".")[0]
                    node = value.split(".")[-1]
                    sources.datamodels[-1] = f"{base}.{node}"
                    continue
                sources.selectors.append((kind, value))
        for datamodel in sources.datamodels:
            row = datamodel_row(datamodel)
            if row is not None:
                sources.rows.append(row)
        for name in dict.fromkeys(sources.macros):
            row = match_source("macro", name)
            if row is not None:
                sources.rows.append(row)
        for kind, value in sources.selectors:
            row = match_source(kind, value)
            if row is not None and row not in sources.rows:
                sources.rows.append(row)
        return sources

    def fix_fields(self, state: FieldState) -> tuple[dict[str, str], bool]:
        """Canonical field -> the name that holds that source field at the end of the pipeline,
        where an exclusion line (``| search NOT ...``) goes: ``parent_process_name`` after
        ``drop_dm_object_name``, ``Processes.parent_process_name`` without it, ``SourceImage`` in
        a raw Sysmon search. ``open``: no aggregation closed the fields, so any source field still
        has its own name."""
        names: dict[str, str] = {}
        for name, holder in state.names.items():
            if holder.source is None or holder.folded:
                continue
            owner = self.fields.owner(holder.source, self.scopes)
            canonical = owner.canonical(holder.source, self.scopes)
            if canonical not in names or name == holder.source:
                names[canonical] = name
        return names, not state.closed and not state.opaque

    def scopes_of(self, sources: _Sources) -> tuple[str, ...]:
        scopes: list[str] = []
        for datamodel in sources.datamodels:
            row = datamodel_row(datamodel)
            scopes.append(row.scope if row and row.scope else f"datamodel:{datamodel}")
        for row in sources.rows:
            if row.scope:
                scopes.append(row.scope)
        return tuple(dict.fromkeys(scopes))

    # -- running the pipeline ----------------------------------------------------------------------

    def run(self, parsed: list[Parsed], state: FieldState | None = None) -> list[Result]:
        state = FieldState() if state is None else state
        clauses: list[Result] = []
        for item in parsed:
            command = item.command
            if item.kind == "search":
                clauses.append(self.search_node(item.tree, state))
            elif item.kind == "stats":
                stats: spl.StatsCommand = item.tree  # type: ignore[assignment]
                clauses.append(self.search_node(stats.where, state))
                self.aggregate(state, stats.aggregations, stats.by, keep=False)
            elif item.kind == "where":
                clauses.append(self.eval_node(item.tree, state))  # type: ignore[arg-type]
            elif item.kind == "regex":
                clauses.append(self.regex_node(item.tree, state))  # type: ignore[arg-type]
            elif item.kind != "from":
                clauses.extend(self.other(command, state, read=bool(item.subsearches)))
            for sub in item.subsearches:
                node = simplify(all_of([c for c in self.run(sub) if not isinstance(c, str)]))
                if node is not None:
                    self.joined.append(node)
        return clauses

    def other(self, command: spl.Command, state: FieldState, *, read: bool = False) -> list[Node]:
        """Field bookkeeping of the commands that do not filter (``read``: its subsearches were
        read as their own pipelines; their output fields still count as derived here). Returns
        the conditions a ``stats ... by`` imposes (a by field must exist)."""
        name = command.name
        args = command.args
        if name in SUBSEARCH_COMMANDS or name in ("inputlookup", "rest", "summary"):
            state.unknown = DERIVED
        if "[" in args and name not in ("foreach",):
            masked, spans = spl.mask_subsearches(args)
            if spans:
                if not read:
                    self.skipped.append(name)
                    self.notes.append(
                        f"subsearch in `{name}` (line {self.line(command.start)}) skipped"
                    )
                state.opaque = True
                args = masked
        if name == "join":
            return self.join_keys(args, state)
        if name == "rename":
            for old, new in _rename_pairs(args):
                state.rename(old, new)
        elif name in ("stats", "chart", "timechart", "sistats", "geostats"):
            aggregations, by = _stats_args(args)
            # stats drops events without a by field; chart/timechart keep them (usenull)
            return self.aggregate(state, aggregations, by, keep=False, drops=name == "stats")
        elif name in ("eventstats", "streamstats"):
            aggregations, _by = _stats_args(args)
            for function, _argument, alias in aggregations:
                state.set(alias or function, DERIVED)
        elif name in ("top", "rare"):
            words = [w for w in _words(args) if "=" not in w and w.lower() != "by"]
            names = {w: state.resolve(w) for w in words}
            names.update({"count": DERIVED, "percent": DERIVED})
            state.close(names)
        elif name == "transaction":
            for derived in ("duration", "eventcount", "closed_txn", "field_match_sum", "linecount"):
                state.set(derived, DERIVED)
        elif name == "eval":
            self.eval_assignments(command, args, state)
        elif name == "rex":
            self.rex(command, args, state)
        elif name == "lookup":
            self.lookup(command, args, state)
        elif name == "fillnull":
            state.filled = True
        elif name in ("inputlookup", "rest", "makeresults", "metadata", "dbinspect", "summary"):
            state.close({})
            state.opaque = True
        elif name == "spath":
            output = re.search(r"\boutput\s*=\s*(\"[^\"]*\"|[^\s]+)", args)
            path = re.search(r"\bpath\s*=\s*(\"[^\"]*\"|[^\s]+)", args)
            if output:
                source = path.group(1).strip('"') if path else None
                state.set(
                    output.group(1).strip('"'),
                    Holder(source) if source and not state.closed else DERIVED,
                )
        elif name == "iplocation":
            for derived in ("City", "Country", "Region", "lat", "lon"):
                state.set(derived, DERIVED)
        elif name in ("table", "fields"):
            self.keep_fields(args, state, name)
        elif name in (
            "join",
            "append",
            "appendpipe",
            "appendcols",
            "map",
            "foreach",
            "apply",
            "fit",
            "anomalydetection",
            "outlier",
            "union",
            "multisearch",
            "set",
        ):
            state.opaque = True
        elif name in NEUTRAL or not name:
            pass
        elif command.text.startswith("`"):
            pass  # an unexpanded macro used as a command: already noted
        else:
            self.skipped.append(name)
        return []

    def join_keys(self, masked: str, state: FieldState) -> list[Node]:
        """An inner join keeps only events that have every join field: a key that exists only
        under a condition (a rex group) makes that condition part of the rule."""
        words = [w for w in _words(masked.split("[", 1)[0]) if w != ","]
        options = {
            w.split("=", 1)[0].lower(): w.split("=", 1)[1].lower() for w in words if "=" in w
        }
        if options.get("type", "inner") not in ("inner",):
            return []
        required: list[Node] = []
        for word in words:
            holder = state.resolve(_unquote(word)) if "=" not in word else DERIVED
            if holder.requires is not None and id(holder.requires) not in self.emitted:
                required.append(self.require(holder.requires))
        return required

    def rex(self, command: spl.Command, args: str, state: FieldState) -> None:
        """``rex field=F "(?<name>...)"``: each group exists only where the regex matches F."""
        target = re.search(r"\bfield\s*=\s*(\"[^\"]*\"|[^\s]+)", args)
        source = spl.unescape(target.group(1).strip('"')) if target else "_raw"
        if re.search(r"\bmode\s*=\s*sed\b", args):
            state.set(source, DERIVED)
            return
        pattern = None
        for match in re.finditer(r'"(?:[^"\\]|\\.)*"', args):
            pattern = match
        requires: Node | None = None
        if pattern is not None:
            holder = Holder("_raw") if source == "_raw" else state.resolve(source)
            regex = spl.unescape(pattern.group(0)[1:-1])
            if holder.source is not None and not holder.folded:
                requires = self.predicate(
                    holder.source,
                    "regex_match",
                    regex,
                    command.args_start + pattern.start(),
                    how="rex",
                    cased=True,
                    raw_value=regex,
                )
            else:
                requires = holder.requires
        for group in re.findall(r"\(\?P?<([A-Za-z_][\w]*)>", args):
            state.set(group, Holder(None, requires=requires))

    def lookup(self, command: spl.Command, args: str, state: FieldState) -> None:
        """``lookup NAME field [AS event_field] ... OUTPUT[NEW] out [AS alias]``: an output exists
        only for events whose input fields are in the lookup (``in_list``, value: its name)."""
        keyword = re.search(r"\bOUTPUT(?:NEW)?\b", args, re.IGNORECASE)
        inputs = args[: keyword.start()] if keyword else args
        words = [w for w in _words(inputs) if w != ","]
        while words and "=" in words[0]:
            words.pop(0)  # options: update=true, local=true
        required: list[Node] = []
        if words:
            table, position = words[0], command.args_start + _word_offset(args, words[0])
            for event_field in _lookup_inputs(words[1:]):
                holder = state.resolve(event_field)
                if holder.source is not None:
                    required.append(self.in_list(holder.source, table, position, "in lookup"))
                elif holder.requires is not None:
                    required.append(holder.requires)
        output = Holder(None, requires=all_of(required))
        if keyword is None:
            state.opaque = True  # every column of the lookup may be an output
            state.unknown = output
            return
        for name in _output_names(args[keyword.end() :]):
            state.set(name, output)

    def in_list(self, field_name: str, table: str, position: int, how: str) -> Predicate:
        """``field`` is among the values of lookup ``table`` (canonical ``in_list``)."""
        return self.predicate(
            field_name, "in_list", table, position, how=how, cased=True, raw_value=table
        )

    def keep_fields(self, args: str, state: FieldState, name: str) -> None:
        words = [w.strip('"') for w in _words(args) if w != ","]
        if words and words[0] == "-":
            for word in words[1:]:
                state.names.pop(word, None)
            return
        if words and words[0] == "+":
            words = words[1:]
        if not state.closed and name == "fields":
            return
        kept: dict[str, Holder] = {}
        for word in words:
            if "*" in word:
                pattern = re.compile("^" + re.escape(word).replace(r"\*", ".*") + "$")
                kept.update({n: h for n, h in state.names.items() if pattern.match(n)})
            else:
                kept[word] = state.resolve(word)
        state.close(kept)

    def aggregate(
        self,
        state: FieldState,
        aggregations: Iterable[tuple[str, str, str | None]],
        by: list[str],
        *,
        keep: bool,
        drops: bool = False,
    ) -> list[Node]:
        """Close the state on the aggregation's outputs; with ``drops`` (``stats``), the
        conditions under which every by field exists."""
        names: dict[str, Holder] = dict(state.names) if keep else {}
        required: list[Node] = []
        for name in by:
            if name.lower() in ("span", "by") or "=" in name:
                continue
            names[name] = state.resolve(name)
            requires = names[name].requires
            # rex groups share one requirement; a filter may have said it already
            needed = drops and not state.filled and requires is not None
            if needed and id(requires) not in self.emitted:
                required.append(self.require(requires))  # type: ignore[arg-type]
        for function, argument, alias in aggregations:
            output = alias or (f"{function}({argument})" if argument else function)
            if (
                function in PASS_THROUGH_AGGREGATIONS
                and argument
                and "*" not in argument
                and not argument.startswith("eval(")
            ):
                names[output] = state.resolve(argument)
            else:
                names[output] = DERIVED
        state.close(names)
        return required

    def eval_assignments(self, command: spl.Command, args: str, state: FieldState) -> None:
        try:
            pairs = spl.parse_assignments(args, command.args_start)
        except spl.SplSyntaxError:
            for target in re.findall(r"(?:^|,)\s*([^\s=,]+)\s*=(?!=)", args):
                state.set(target.strip("'\""), DERIVED)
            return
        for target, expression in pairs:
            state.set(target, self.alias_of(expression, state))

    def alias_of(self, expression: spl.EvalNode, state: FieldState) -> Holder:
        if expression.kind == "field":
            return state.resolve(expression.value)
        if expression.kind == "call" and expression.value in FOLDING and len(expression.args) == 1:
            inner = self.alias_of(expression.args[0], state)
            return Holder(inner.source, True) if inner.source else DERIVED
        if expression.kind == "call" and expression.value == "if" and len(expression.args) == 3:
            condition, then, otherwise = expression.args
            literals = ("string", "number")
            if then.kind in literals and otherwise.kind in literals:
                yes, no = _literal(then), _literal(otherwise)
                exact = yes != no and self.exact(condition, state)
                tested = self.eval_node(condition, state) if exact else UNKNOWN
                if not isinstance(tested, str):
                    return Holder(None, flag=(tested, yes, no))
        if expression.kind == "call" and expression.value == "coalesce" and expression.args:
            # coalesce of lookup outputs (two lists for one field) exists when either does
            held = [self.alias_of(arg, state) for arg in expression.args]
            if all(h.source is None and h.requires is not None for h in held):
                return Holder(None, requires=any_of([h.requires for h in held]))  # type: ignore[misc]
        return DERIVED

    def inputlookup_list(self, position: int, state: FieldState) -> Node | None:
        """``[| inputlookup NAME | rename a AS F | table F]`` in a search: Splunk expands it to
        ``F=v1 OR F=v2 ...`` over the lookup's rows, so F is in list NAME. None for other
        subsearches, or when the columns returned are not named."""
        text = self.expansion.text
        _masked, spans = spl.mask_subsearches(text[position:])
        if not spans:
            return None
        try:
            commands = spl.split_subsearch(text[position:], spans[0], position)
        except spl.SplSyntaxError:
            return None
        if not commands or commands[0].name != "inputlookup":
            return None
        words = [w for w in _words(commands[0].args) if "=" not in w and w != ","]
        if not words:
            return None
        table = _unquote(words[0])
        columns: list[str] | None = None
        for command in commands[1:]:
            if command.name == "rename" and columns is not None:
                renames = dict(_rename_pairs(command.args))
                columns = [renames.get(column, column) for column in columns]
            elif command.name == "rename":
                continue
            elif command.name in ("table", "fields"):
                named = [_unquote(w) for w in _words(command.args) if w not in (",", "+")]
                if named and named[0] != "-":
                    columns = named
            elif command.name not in ("dedup", "search", "where", "head", "sort", "format"):
                return None
        if not columns or any("*" in column for column in columns):
            return None
        found: list[Node] = []
        for column in columns:
            holder = state.resolve(column)
            if holder.source is None:
                return None
            position = commands[0].args_start + _word_offset(commands[0].args, words[0])
            found.append(self.in_list(holder.source, table, position, "in inputlookup"))
        return all_of(found)

    # -- search expressions ------------------------------------------------------------------------

    def search_node(self, tree: object, state: FieldState) -> Result:
        if tree is None:
            return TRUE
        if isinstance(tree, spl.BoolOp):
            items = [self.search_node(item, state) for item in tree.items]
            return _combine(tree.op, items)
        assert isinstance(tree, spl.Term)
        return self.term(tree, state)

    def term(self, term: spl.Term, state: FieldState) -> Result:
        if self.term_source(term) is not None:
            return TRUE
        if term.kind == "subsearch":
            listed = self.inputlookup_list(term.position, state)
            if listed is None:
                self.notes.append(f"subsearch (line {self.line(term.position)}) skipped")
                return UNKNOWN
            return listed
        if term.kind == "macro":
            return UNKNOWN
        if term.kind == "keyword":
            value = term.values[0]
            if value.text in ("*", ""):
                return TRUE
            if value.macro:
                return UNKNOWN
            return self.predicate(
                None, "match", value.text, value, how="keyword", cased=value.case_sensitive
            )
        assert term.field is not None
        if term.field.lower() in TIME_FIELDS:
            return TRUE
        if term.field.lower() in code_fields():
            holder = Holder(term.field)
        else:
            holder = state.resolve(term.field)
        if holder.source is None:
            if holder.requires is not None:  # any test on it needs the value to exist
                return self.require(holder.requires)
            if holder.flag is not None and term.kind == "compare" and len(term.values) == 1:
                return _flag_test(holder.flag, term.operator, _literal_text(term.values[0].text))
            self.derived_filters += 1
            return UNKNOWN
        if term.kind == "in":
            children: list[Result] = [
                self.search_value(holder.source, "=", value, how="IN") for value in term.values
            ]
            return _combine("or", children)
        operator = term.operator
        value = term.values[0]
        if operator in ("!=",):
            positive = self.search_value(holder.source, "=", value, how="!=")
            return _negate(positive)
        return self.search_value(holder.source, operator, value, how=operator)

    def search_value(self, field_name: str, operator: str, value: spl.Value, *, how: str) -> Result:
        if value.macro:
            return UNKNOWN
        if operator in ("=", "=="):
            if value.text == "*":
                return self.predicate(field_name, "is_not_null", None, value, how=how)
            parts = split_wildcards(value.text, escape=None, single=False)
            canonical, canonical_value = operator_for_parts(parts)
            return self.predicate(
                field_name, canonical, canonical_value, value, how=how, cased=value.case_sensitive
            )
        comparison = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}.get(operator)
        if comparison is None:
            return UNKNOWN
        return self.predicate(field_name, comparison, _number(value.text), value, how=how)

    def predicate(
        self,
        field_name: str | None,
        operator: str,
        value: str | None,
        where: spl.Value | int,
        *,
        how: str,
        cased: bool = False,
        raw_value: str | None = None,
    ) -> Predicate:
        position = where if isinstance(where, int) else where.position
        if raw_value is None and isinstance(where, spl.Value):
            raw_value = where.raw[1:-1] if where.quoted and where.raw.startswith('"') else where.raw
        line, column = self.where(position)
        fields = self.fields if field_name is None else self.fields.owner(field_name, self.scopes)
        return make_predicate(
            fields,
            field_name,
            operator,
            value,
            scopes=self.scopes,
            line=line,
            column=column,
            how=how,
            raw_value=raw_value,
            cased=cased,
        )

    # -- eval expressions (| where) ----------------------------------------------------------------

    def eval_node(self, node: spl.EvalNode, state: FieldState) -> Result:
        kind = node.kind
        required = self.eval_required(node, state)
        if required is not None:
            return required
        if kind in ("and", "or"):
            return _combine(kind, [self.eval_node(arg, state) for arg in node.args])
        if kind == "not":
            child = self.eval_node(node.args[0], state)
            if id(child) in self.required_nodes:  # null fails `NOT y="x"` too: still required
                return child
            return _negate(child)
        if kind == "compare":
            return self.eval_compare(node, state)
        if kind == "like":
            return self.eval_like(node.args[0], node.args[1], state, how="LIKE")
        if kind in ("in", "not_in"):
            result = self.eval_in(node.args[0], node.args[1:], state, how="IN")
            return _negate(result) if kind == "not_in" else result
        if kind == "call":
            return self.eval_call(node, state)
        if kind == "string" and node.value.lower() == "true":
            return UNKNOWN
        return UNKNOWN

    def exact(self, node: spl.EvalNode, state: FieldState) -> bool:
        """Whether an eval condition is read exactly (every test on a source field, against
        literals): only then may ``if(cond, A, B)`` stand for cond and its negation."""
        literal = ("string", "number")
        if node.kind in ("and", "or", "not"):
            return all(self.exact(arg, state) for arg in node.args)
        if node.kind == "compare":
            left, right = node.args
            subject = left if right.kind in literal else right if left.kind in literal else None
            if subject is not None and subject.kind == "call" and subject.value == "substr":
                subject = subject.args[0] if subject.args else None
            return subject is not None and self.exact_field(subject, state)
        if node.kind in ("like", "in", "not_in") or (
            node.kind == "call" and node.value in ("match", "like", "in", "isnull", "isnotnull")
        ):
            first, rest = node.args[0] if node.args else None, node.args[1:]
            return (
                first is not None
                and self.exact_field(first, state)
                and all(arg.kind in literal for arg in rest)
            )
        return False

    @staticmethod
    def exact_field(node: spl.EvalNode, state: FieldState) -> bool:
        if node.kind == "call" and node.value in FOLDING and len(node.args) == 1:
            node = node.args[0]
        return node.kind == "field" and state.resolve(node.value).source is not None

    def substr_compare(
        self, call: spl.EvalNode, literal: spl.EvalNode, state: FieldState
    ) -> Result:
        """``substr(f, -4) == ".exe"`` is ``f`` ends with ``.exe``; ``substr(f, 1, 2) == "MZ"``
        starts with it (SPL counts from 1)."""
        args = call.args
        if call.value != "substr" or len(args) not in (2, 3):
            return UNKNOWN
        holder = self.eval_field(args[0], state)
        numbers = [arg.value for arg in args[1:] if arg.kind == "number"]
        negative = len(args) == 2 and args[1].kind == "neg" and args[1].args[0].kind == "number"
        length = len(literal.value)
        if holder is None or holder.source is None or not literal.value:
            return UNKNOWN
        if negative and args[1].args[0].value == str(length):
            operator = "ends_with"
        elif len(numbers) == 2 and numbers == ["1", str(length)]:
            operator = "starts_with"
        else:
            return UNKNOWN
        return self.predicate(
            holder.source,
            operator,
            literal.value,
            literal.position,
            how="substr",
            cased=not holder.folded,
            raw_value=literal.value,
        )

    def eval_required(self, node: spl.EvalNode, state: FieldState) -> Node | None:
        """A test on a value that exists only under a condition on the source events (a rex
        group, a lookup output): that condition (negated for ``isnull``). A null value fails
        every eval comparison, so ``y="true"`` and ``y!="false"`` both need it."""
        subject: spl.EvalNode | None = None
        if node.kind == "compare":
            left, right = node.args
            if right.kind in ("string", "number"):
                subject = left
            elif left.kind in ("string", "number"):
                subject = right
        elif node.kind in ("like", "in", "not_in"):
            subject = node.args[0]
        elif node.kind == "call" and node.args:
            if node.value in ("isnotnull", "isnull", "like", "match", "in"):
                subject = node.args[0]
            elif node.value == "cidrmatch" and len(node.args) == 2:
                subject = node.args[1]
        if subject is None or subject.kind != "field":
            return None
        holder = state.resolve(subject.value)
        if holder.flag is not None and node.kind == "compare":
            literal = node.args[1] if subject is node.args[0] else node.args[0]
            return _flag_test(holder.flag, node.value, _literal(literal))
        if holder.source is not None or holder.requires is None:
            return None
        required = self.require(holder.requires)
        return Not(required) if node.kind == "call" and node.value == "isnull" else required

    def require(self, requires: Node) -> Node:
        """A copy of a holder's requirement for the rule's tree (each use is its own node)."""
        self.emitted.add(id(requires))
        node = copy.deepcopy(requires)
        self.required_nodes.add(id(node))
        return node

    def eval_field(self, node: spl.EvalNode, state: FieldState) -> Holder | None:
        """The source field an eval operand reads, or None (literal, derived, computed)."""
        if node.kind == "field":
            holder = (
                state.resolve(node.value)
                if node.value.lower() not in code_fields()
                else Holder(node.value)
            )
            if holder.source is None:
                self.derived_filters += 1
                return None
            return holder
        if node.kind == "call" and node.value in FOLDING and len(node.args) == 1:
            inner = self.eval_field(node.args[0], state)
            return Holder(inner.source, True) if inner else None
        return None

    def eval_compare(self, node: spl.EvalNode, state: FieldState) -> Result:
        left, right = node.args
        operator = node.value
        if operator in ("=", "==") and right.kind == "string" and left.kind == "call":
            return self.substr_compare(left, right, state)
        holder = self.eval_field(left, state)
        literal = right
        if holder is None or literal.kind not in ("string", "number"):
            holder = self.eval_field(right, state)
            literal = left
            operator = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(operator, operator)
        if holder is None or holder.source is None or literal.kind not in ("string", "number"):
            return UNKNOWN
        cased = not holder.folded and literal.kind == "string"
        if operator in ("=", "==", "!="):
            value = literal.value if literal.kind == "string" else canonical_number(literal.value)
            predicate = self.predicate(
                holder.source,
                "eq",
                value,
                literal.position,
                how=operator,
                cased=cased,
                raw_value=literal.value,
            )
            return Not(predicate) if operator == "!=" else predicate
        comparison = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[operator]
        return self.predicate(
            holder.source,
            comparison,
            _number(literal.value),
            literal.position,
            how=operator,
            raw_value=literal.value,
        )

    def eval_like(
        self, subject: spl.EvalNode, pattern: spl.EvalNode, state: FieldState, *, how: str
    ) -> Result:
        holder = self.eval_field(subject, state)
        if holder is None or holder.source is None or pattern.kind != "string":
            return UNKNOWN
        parts: list[Part] = []
        for index, piece in enumerate(pattern.value.split("%")):
            if index:
                parts.append(MULTI)
            if piece:
                parts.append(piece)
        merged: list[Part] = []
        for part in parts:
            if part is MULTI and merged and merged[-1] is MULTI:
                continue
            merged.append(part)
        operator, value = operator_for_parts(merged)
        return self.predicate(
            holder.source,
            operator,
            value,
            pattern.position,
            how=how,
            cased=not holder.folded,
            raw_value=pattern.value,
        )

    def eval_in(
        self, subject: spl.EvalNode, values: list[spl.EvalNode], state: FieldState, *, how: str
    ) -> Result:
        holder = self.eval_field(subject, state)
        if holder is None or holder.source is None or not values:
            return UNKNOWN
        children: list[Result] = []
        for value in values:
            if value.kind not in ("string", "number"):
                return UNKNOWN
            text = value.value if value.kind == "string" else canonical_number(value.value)
            children.append(
                self.predicate(
                    holder.source,
                    "eq",
                    text,
                    value.position,
                    how=how,
                    cased=not holder.folded and value.kind == "string",
                    raw_value=value.value,
                )
            )
        return _combine("or", children)

    def eval_call(self, node: spl.EvalNode, state: FieldState) -> Result:
        name = node.value
        args = node.args
        if name == "like" and len(args) == 2:
            return self.eval_like(args[0], args[1], state, how="like")
        if name == "match" and len(args) == 2:
            holder = self.eval_field(args[0], state)
            if holder is None or holder.source is None or args[1].kind != "string":
                return UNKNOWN
            return self.predicate(
                holder.source,
                "regex_match",
                args[1].value,
                args[1].position,
                how="match",
                cased=True,
                raw_value=args[1].value,
            )
        if name == "in" and len(args) >= 2:
            return self.eval_in(args[0], args[1:], state, how="in")
        if name in ("isnull", "isnotnull") and len(args) == 1:
            holder = self.eval_field(args[0], state)
            if holder is None or holder.source is None:
                return UNKNOWN
            operator = "is_null" if name == "isnull" else "is_not_null"
            return self.predicate(
                holder.source, operator, None, args[0].position, how=name, raw_value=""
            )
        if name == "cidrmatch" and len(args) == 2:
            cidr, subject = args
            holder = self.eval_field(subject, state)
            if holder is None or holder.source is None or cidr.kind != "string":
                return UNKNOWN
            return self.predicate(
                holder.source,
                "cidr_match",
                cidr.value,
                cidr.position,
                how="cidrmatch",
                raw_value=cidr.value,
            )
        if name == "searchmatch" and len(args) == 1 and args[0].kind == "string":
            try:
                tree = spl.parse_search(args[0].value, args[0].position)
            except spl.SplSyntaxError:
                return UNKNOWN
            return self.search_node(tree, state)
        if name == "not" and len(args) == 1:
            return _negate(self.eval_node(args[0], state))
        if name == "true" and not args:
            return TRUE
        return UNKNOWN

    # -- | regex ---------------------------------------------------------------------------------------

    def regex_node(self, parsed: tuple[str, bool, spl.Value] | None, state: FieldState) -> Result:
        if parsed is None:
            return UNKNOWN
        field_name, negated, value = parsed
        holder = state.resolve(field_name) if field_name != "_raw" else Holder("_raw")
        if holder.source is None:
            self.derived_filters += 1
            return UNKNOWN
        predicate = self.predicate(
            holder.source,
            "regex_match",
            value.text,
            value,
            how="!=" if negated else "=",
            cased=True,
        )
        return Not(predicate) if negated else predicate

    # -- events ----------------------------------------------------------------------------------------

    def events(self, parsed: list[Parsed], sources: _Sources) -> list[str]:
        alternatives: list[Alternative] = [(frozenset(), frozenset())]
        for item in parsed:
            tree: object = None
            if item.kind == "search":
                tree = item.tree
            elif item.kind == "stats":
                tree = item.tree.where  # type: ignore[union-attr]
            if tree is None:
                continue
            alternatives = _cross(alternatives, self.alternatives(tree))
        fixed = [datamodel_row(name) for name in sources.datamodels]
        global_rows = [row for row in sources.rows if row.kind != "datamodel"]
        keys: list[str] = []
        for row in fixed:
            if row is not None:
                keys.extend(row.events)
        for rows, codes in alternatives:
            chosen = list(rows) or (global_rows if codes or not keys else [])
            for row in sorted(chosen, key=lambda r: (r.kind, r.pattern)):
                values = sorted(
                    {value for name, value in codes if name == row.code_field}, key=_code_order
                )
                if row.code_prefix and values:
                    keys.extend(f"{row.code_prefix}:{value}" for value in values)
                else:
                    keys.extend(row.events)
        return list(dict.fromkeys(keys))

    def alternatives(self, tree: object) -> list[Alternative]:
        """Disjunctive pairs (sources, event codes) of a search expression, bounded."""
        if isinstance(tree, spl.BoolOp):
            if tree.op == "not":
                return [(frozenset(), frozenset())]
            parts = [self.alternatives(item) for item in tree.items]
            if tree.op == "or":
                return [alt for part in parts for alt in part][:32]
            result: list[Alternative] = [(frozenset(), frozenset())]
            for part in parts:
                result = _cross(result, part)
            return result
        if not isinstance(tree, spl.Term):
            return [(frozenset(), frozenset())]
        found = self.term_source(tree)
        if found is not None:
            row = match_source(*found)
            return [(frozenset([row]) if row else frozenset(), frozenset())]
        if (
            tree.kind in ("compare", "in")
            and tree.field
            and tree.field.lower() in code_fields()
            and tree.operator in ("=", "==", "IN")
        ):
            name = tree.field.lower()
            codes = frozenset(
                (name, v.text.lower())
                for v in tree.values
                if v.text and "*" not in v.text and not v.macro
            )
            return [(frozenset(), codes)]
        return [(frozenset(), frozenset())]

    # -- where an exclusion goes -------------------------------------------------------------------

    def exclusion_anchor(self, parsed: list[Parsed]) -> dict[str, object] | None:
        """Where a new exclusion is written: the end of the first filtering command (the tstats
        ``where`` clause before ``by``, or the leading search before the first pipe)."""
        first = parsed[0]
        if first.kind == "stats":
            stats: spl.StatsCommand = first.tree  # type: ignore[assignment]
            text = first.command.text
            match = re.search(r"\sby\s", text, re.IGNORECASE) if stats.where is not None else None
            end = first.command.start + (match.start() if match else len(text))
            kind = "tstats-where" if stats.where is not None else "tstats"
        elif first.kind == "search":
            end = first.command.start + len(first.command.text)
            kind = "search"
        else:
            return None
        origin = self.expansion.origin(max(0, end - 1)) + 1
        line, column = self.locate_original(origin)
        return {"kind": kind, "line": line, "column": column}


# -- helpers ---------------------------------------------------------------------------------------------


def _literal(node: spl.EvalNode) -> str:
    return _literal_text(node.value if node.kind == "string" else canonical_number(node.value))


def _literal_text(text: str) -> str:
    """A literal for comparing flag values: numbers canonical, strings case-folded (search)."""
    try:
        return canonical_number(float(text)) if text.strip() else text
    except ValueError:
        return text.casefold()


def _flag_test(flag: tuple[Node, str, str], operator: str, value: str) -> Result:
    """``x=A`` / ``x!=B`` on ``x=if(cond, A, B)``: cond; ``x=B`` / ``x!=A``: not cond."""
    condition, yes, no = flag
    equal = operator in ("=", "==")
    if operator not in ("=", "==", "!="):
        return UNKNOWN
    if value == yes:
        return copy.deepcopy(condition) if equal else Not(copy.deepcopy(condition))
    if value == no:
        return Not(copy.deepcopy(condition)) if equal else copy.deepcopy(condition)
    return UNKNOWN if equal else TRUE  # a value it never takes


def _nested(parsed: list[Parsed]) -> Iterable[list[Parsed]]:
    """Every subsearch pipeline under a pipeline, depth first."""
    for item in parsed:
        for sub in item.subsearches:
            yield sub
            yield from _nested(sub)


def _cross(left: list[Alternative], right: list[Alternative]) -> list[Alternative]:
    combined = [
        (a_rows | b_rows, a_codes | b_codes)
        for a_rows, a_codes in left
        for b_rows, b_codes in right
    ]
    return list(dict.fromkeys(combined))[:32]


def _code_order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (0, code)


def _combine(op: str, items: list[Result]) -> Result:
    if op == "not":
        return _negate(items[0])
    nodes: list[Node] = []
    seen: set[tuple[object, ...]] = set()
    for item in items:
        if item == TRUE:
            if op == "or":
                return TRUE
            continue
        if item == UNKNOWN:
            if op == "or":
                return UNKNOWN
            continue
        if isinstance(
            item, Predicate
        ):  # one requirement tested twice (a=.x OR a=.y on a rex group)
            key = (item.field, item.operator, item.value, item.line, item.column, item.how)
            if key in seen:
                continue
            seen.add(key)
        nodes.append(item)  # type: ignore[arg-type]
    if not nodes:
        if op == "or":
            return UNKNOWN
        return UNKNOWN if UNKNOWN in items else TRUE
    node = all_of(nodes) if op == "and" else any_of(nodes)
    return node if node is not None else TRUE


def _negate(item: Result) -> Result:
    if isinstance(item, str):
        return item if item == UNKNOWN else TRUE
    if isinstance(item, Not):
        return item.child
    return Not(item)


def _terms(tree: object) -> Iterable[spl.Term]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, spl.BoolOp):
            stack.extend(reversed(node.items))
        elif isinstance(node, spl.Term):
            yield node


def _macro_name(text: str) -> str:
    return re.sub(r"\(.*", "", text, flags=re.DOTALL).strip()


def _number(text: str) -> str:
    try:
        return (
            canonical_number(float(text))
            if "." in text or "e" in text.lower()
            else canonical_number(int(text))
        )
    except ValueError:
        return text


def _parse_regex(command: spl.Command) -> tuple[str, bool, spl.Value] | None:
    match = re.match(
        r"\s*(?:(\"[^\"]+\"|[^\s=!\"]+)\s*(!?=)\s*)?(\"(?:[^\"\\]|\\.)*\")\s*$",
        command.args,
        re.DOTALL,
    )
    if not match:
        return None
    field_name = (match.group(1) or "_raw").strip('"')
    raw = match.group(3)
    position = command.args_start + match.start(3)
    return (
        field_name,
        match.group(2) == "!=",
        spl.Value(raw, spl.unescape(raw[1:-1]), True, position),
    )


def _datamodel_of(command: spl.Command) -> str | None:
    match = re.match(
        r"\s*(?:datamodel|dm)\s*[:=]?\s*\"?([A-Za-z_][\w.]*)\"?(?:\s+([A-Za-z_]\w*))?",
        command.args,
        re.IGNORECASE,
    )
    if command.name == "datamodel":
        match = re.match(r"\s*([A-Za-z_]\w*)(?:\s+([A-Za-z_]\w*))?", command.args)
        if not match:
            return None
        model, node = match.group(1), match.group(2)
        return f"{model}.{node}" if node and node.lower() != "search" else model
    return match.group(1) if match else None


#: A word of a non-filtering command. A quoted part may run on (``"Processes".*``, what
#: ``drop_dm_object_name("Processes")`` expands to).
_WORD = re.compile(
    r"\"(?:[^\"\\]|\\.)*\"[^\s,(\"']*|'[^']*'|\((?:[^()\"]|\"(?:[^\"\\]|\\.)*\"|\([^()]*\))*\)|,|[^\s,(\"']+(?:\((?:[^()\"]|\"(?:[^\"\\]|\\.)*\"|\([^()]*\))*\))?"
)


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _rename_pairs(args: str) -> list[tuple[str, str]]:
    words = [w for w in _words(args) if w != ","]
    pairs: list[tuple[str, str]] = []
    index = 0
    while index + 2 < len(words):
        old, keyword, new = words[index], words[index + 1], words[index + 2]
        if keyword.lower() != "as":
            index += 1
            continue
        pairs.append((_unquote(old), _unquote(new)))
        index += 3
    return pairs


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = spl.unescape(text[1:-1])
    return text.replace('"', "")


def _stats_args(args: str) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    words = [w for w in _words(args) if w != ","]
    aggregations: list[tuple[str, str, str | None]] = []
    by: list[str] = []
    index = 0
    in_by = False
    while index < len(words):
        word = words[index]
        if in_by:
            by.append(_unquote(word))
            index += 1
            continue
        if word.lower() == "by":
            in_by = True
            index += 1
            continue
        if "=" in word and "(" not in word:
            index += 1  # an option (allnum=t, span=1h)
            continue
        function, _, rest = word.partition("(")
        argument = rest.rsplit(")", 1)[0].strip() if rest else ""
        alias = None
        if index + 2 < len(words) and words[index + 1].lower() == "as":
            alias = _unquote(words[index + 2])
            index += 3
        else:
            index += 1
        aggregations.append((function.lower(), _unquote(argument), alias))
    return aggregations, by


def _word_offset(text: str, word: str) -> int:
    found = re.search(r"(?<![\w.])" + re.escape(word) + r"(?![\w.])", text)
    return found.start() if found else 0


def _lookup_inputs(words: list[str]) -> list[str]:
    """The event fields of a lookup's input list: ``lookup_field [AS event_field]`` pairs (the
    name after AS, else the word itself)."""
    fields: list[str] = []
    index = 0
    while index < len(words):
        if index + 2 < len(words) and words[index + 1].lower() == "as":
            fields.append(_unquote(words[index + 2]))
            index += 3
        else:
            fields.append(_unquote(words[index]))
            index += 1
    return fields


def _output_names(text: str) -> list[str]:
    """The names a lookup's OUTPUT list writes: ``field [AS name]`` pairs."""
    return _lookup_inputs([w for w in _words(text) if w != ","])
