"""Google SecOps (Chronicle) YARA-L 2.0 rules into canonical rules.

The grammar (:mod:`.grammar`) parses whole files; here ``meta:`` becomes the rule's metadata and
ATT&CK tags, and ``events:`` becomes the expression: its lines are ANDed, ``not``/``!=`` give
exclusions, functions such as ``re.regex``/``strings.contains``/``net.ip_in_range_cidr`` are
predicates, ``in %list`` is resolved from the corpus's reference lists. Joins and placeholders
(``$e1.x = $e2.x``, ``$host = $e.principal.hostname``) and entity-graph context are not
predicates. UDM fields map to canonical fields per event variable: its ``metadata.event_type``
decides, e.g., that ``principal.process`` is the parent process in a ``PROCESS_LAUNCH`` event.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache

from rulelint.attack import TECHNIQUE_RE, default_attack
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.regexops import simplify_regex
from rulelint.formats.sigma.reader import logsource_events
from rulelint.formats.yaral.ir import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Count,
    Expr,
    Field,
    InList,
    Lit,
    MetaEntry,
    Nocase,
    NotOp,
    ParsedRule,
    Quantified,
    Regex,
    Var,
)
from rulelint.model import (
    AttackTag,
    Node,
    Not,
    Or,
    Predicate,
    Rule,
    all_of,
    any_of,
    iter_predicates,
    simplify,
)
from rulelint.vocab.events import categories
from rulelint.vocab.fields import FieldMap, field_map, name_path_pairs, path_name_pairs
from rulelint.vocab.tables import read_table
from rulelint.vocab.values import canonical_number, make_predicate

SNIFF_RULE = re.compile(r"^\s*rule\s+[A-Za-z_]\w*\s*\{?", re.MULTILINE)
SNIFF_EVENTS = re.compile(r"^\s*events\s*:", re.MULTILINE)
TECHNIQUE_ANY = re.compile(r"\bT\d{4}(?:[./]\d{3})?\b", re.IGNORECASE)
TACTIC_ID = re.compile(r"^TA\d{4}$", re.IGNORECASE)
ATTACK_URL = re.compile(r"techniques/(T\d{4})(?:/(\d{3}))?", re.IGNORECASE)
INDEX = re.compile(r"\[\s*\d+\s*\]")
ADDITIONAL_FIELD = re.compile(r'additional\.fields\["([A-Za-z][A-Za-z0-9_]*)"\]')

MAX_LIST_BYTES = 1024 * 1024
MAX_LIST_DEPTH = 12

#: Functions whose call is a predicate: name -> canonical operator.
PREDICATE_FUNCTIONS = {
    "re.regex": "regex_match",
    "strings.contains": "contains",
    "strings.starts_with": "starts_with",
    "strings.ends_with": "ends_with",
    "net.ip_in_range_cidr": "cidr_match",
}
#: Functions that only change the case of a field (the comparison becomes case-insensitive).
CASE_FUNCTIONS = frozenset({"strings.to_lower", "strings.to_upper"})
COMPARISONS = {"=": "eq", ">": "gt", ">=": "ge", "<": "lt", "<=": "le"}
MIRROR = {"=": "=", "!=": "!=", ">": "<", "<": ">", ">=": "<=", "<=": ">="}


# -- data tables ----------------------------------------------------------------------------------


@cache
def _sources() -> dict[tuple[str, str], tuple[str, str]]:
    """(UDM field, value folded) -> (event key, product)."""
    return {
        (row[0], row[1].casefold()): (row[2], row[3])
        for row in read_table("events/yaral_sources.tsv", 4)
    }


@cache
def _product_event_types() -> dict[str, tuple[str, str]]:
    """product_event_type value -> (event key, implied UDM event type)."""
    return {
        row[0]: (row[1], row[2]) for row in read_table("events/yaral_product_event_types.tsv", 3)
    }


# -- reference lists ------------------------------------------------------------------------------


class ReferenceLists:
    """Reference lists (``%name``) of a rule corpus: the ``reference_lists`` folder found by walking
    up from the rule file. Folders and lists are read once and cached."""

    def __init__(self) -> None:
        self._folders: dict[str, str | None] = {}
        self._lists: dict[tuple[str, str], list[str] | None] = {}

    def folder(self, rule_path: str) -> str | None:
        start = os.path.dirname(os.path.abspath(rule_path))
        if start in self._folders:
            return self._folders[start]
        found: str | None = None
        visited: list[str] = []
        current = start
        for _ in range(MAX_LIST_DEPTH):
            if current in self._folders:
                found = self._folders[current]
                break
            visited.append(current)
            if os.path.basename(current) == "reference_lists":
                found = current
                break
            candidate = os.path.join(current, "reference_lists")
            if os.path.isdir(candidate):
                found = candidate
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        for path in visited:
            self._folders[path] = found
        return found

    def get(self, rule_path: str, name: str) -> list[str] | None:
        folder = self.folder(rule_path)
        if folder is None:
            return None
        key = (folder, name)
        if key not in self._lists:
            self._lists[key] = _read_list(folder, name)
        return self._lists[key]


def _read_list(folder: str, name: str) -> list[str] | None:
    for candidate in (name, name + ".txt", name + ".list"):
        path = os.path.join(folder, candidate)
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_LIST_BYTES:
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError):
            return None
        return parse_reference_list(text)
    return None


def parse_reference_list(text: str) -> list[str]:
    """Entries of a reference list file: one per line, ``//`` and ``/* */`` comments dropped."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    entries: list[str] = []
    for line in text.splitlines():
        entry = line.strip()
        if not entry or entry.startswith("//"):
            continue
        if entry not in entries:
            entries.append(entry)
    return entries


_LISTS = ReferenceLists()


# -- operands -------------------------------------------------------------------------------------


@dataclass(slots=True)
class FieldRef:
    """A field operand: ``$e.path``, possibly wrapped in ``strings.to_lower`` (``fold``)."""

    variable: str
    path: str
    fold: bool
    line: int
    column: int


@dataclass(slots=True)
class VariableInfo:
    """What the pre-scan learned about one event variable."""

    event_types: list[str] = field(default_factory=list)
    product_event_types: list[str] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (event key, product)
    graph: bool = False

    def products(self) -> list[str]:
        return list(dict.fromkeys(product for _, product in self.sources))

    def windows_events(self) -> list[tuple[str, str]]:
        """(event key, UDM type) named by product_event_type when the source may be Windows."""
        if any(product != "windows" for product in self.products()):
            return []
        table = _product_event_types()
        return [table[value] for value in self.product_event_types if value in table]

    def scopes(self) -> tuple[str, ...]:
        types = list(self.event_types)
        for _, udm_type in self.windows_events():
            if udm_type not in types:
                types.append(udm_type)
        return (*(f"event_type:{t}" for t in types), *(f"product:{p}" for p in self.products()))

    def events(self) -> list[str]:
        windows = [key for key, _ in self.windows_events()]
        if windows:
            return list(dict.fromkeys(windows))
        sources = [key for key, _ in self.sources]
        if sources:
            return list(dict.fromkeys(sources))
        return [f"udm:{t}" for t in self.event_types]


def _field_ref(expr: Expr) -> FieldRef | None:
    if isinstance(expr, Field):
        return FieldRef(expr.variable, expr.path, False, expr.line, expr.column)
    if isinstance(expr, Call) and expr.name in CASE_FUNCTIONS and len(expr.args) == 1:
        inner = _field_ref(expr.args[0])
        if inner is not None:
            inner.fold = True
        return inner
    return None


def _coalesce_refs(expr: Expr) -> list[FieldRef] | None:
    """``strings.coalesce($e.a, $e.b)`` compared with a value: any of the fields (an Or)."""
    if isinstance(expr, Call) and expr.name == "strings.coalesce" and expr.args:
        refs = [_field_ref(arg) for arg in expr.args]
        if all(ref is not None for ref in refs):
            return refs  # type: ignore[return-value]
    return None


def _is_value(expr: Expr) -> bool:
    return isinstance(expr, (Lit, Regex))


def _lit_text(lit: Lit) -> str:
    if lit.kind == "number":
        number = float(lit.value)
        return canonical_number(number if not number.is_integer() else int(number))
    return lit.value


def _raw_inner(lit: Lit | Regex) -> str:
    if isinstance(lit, Regex):
        return lit.text
    if lit.kind in ("string", "raw") and lit.raw[:1] in ('"', "`"):
        return lit.raw[1:-1]
    return lit.raw


# -- the converter --------------------------------------------------------------------------------


class EventsConverter:
    """``events:`` statements of one rule -> canonical expression."""

    def __init__(
        self, path: str, fields: FieldMap, variables: dict[str, VariableInfo], notes: list[str]
    ) -> None:
        self.path = path
        self.fields = fields
        self.variables = variables
        self.notes = notes

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # statements

    def convert(self, expr: Expr, nocase: bool = False) -> Node | None:
        """One boolean expression; None when it is no predicate (join, placeholder, computed)."""
        if isinstance(expr, BoolOp):
            children = [self.convert(child, nocase) for child in expr.children]
            if expr.op == "and":
                return all_of([c for c in children if c is not None])
            if any(child is None for child in children):
                if any(child is not None for child in children):
                    self.note("an 'or' with a branch that is not a field predicate was left out")
                return None
            return any_of(children)  # type: ignore[arg-type]
        if isinstance(expr, NotOp):
            child = self.convert(expr.child, nocase)
            return None if child is None else Not(child)
        if isinstance(expr, Nocase):
            return self.convert(expr.child, True)
        if isinstance(expr, Quantified):
            if expr.quantifier == "all":
                self.note("'all' quantifier read as a plain predicate")
            return self.convert(expr.child, nocase)
        if isinstance(expr, Compare):
            return self.compare(expr, nocase or expr.nocase)
        if isinstance(expr, InList):
            return self.in_list(expr, nocase or expr.nocase)
        if isinstance(expr, Call):
            return self.call(expr, nocase)
        return None

    def compare(self, expr: Compare, nocase: bool) -> Node | None:
        left, op, right = expr.left, expr.op, expr.right
        if _is_value(left) and not _is_value(right):
            left, right, op = right, left, MIRROR[op]
        if (
            isinstance(left, Call)
            and left.name in PREDICATE_FUNCTIONS
            and isinstance(right, Lit)
            and right.kind == "bool"
        ):
            node = self.call(left, nocase)
            if node is None or op not in ("=", "!="):
                return None
            positive = (right.value == "true") == (op == "=")
            return node if positive else Not(node)
        if not _is_value(right):
            return None  # a join ($e1.x = $e2.x), a placeholder ($host = $e.x) or a computed value
        refs: list[FieldRef] | None
        ref = _field_ref(left)
        refs = [ref] if ref is not None else _coalesce_refs(left)
        if refs is None:
            if not isinstance(left, (Var, Count)):
                self.note(
                    "a comparison on a computed value (function, arithmetic) is not a predicate"
                )
            return None
        if len(refs) > 1:
            self.note("strings.coalesce(...) read as any of its fields")
        nodes = [self._compare_one(r, op, right, nocase) for r in refs]  # type: ignore[arg-type]
        return any_of([n for n in nodes if n is not None])

    def _compare_one(self, ref: FieldRef, op: str, value: Lit | Regex, nocase: bool) -> Node | None:
        if ref.variable in self.variables and self.variables[ref.variable].graph:
            return None
        how = op + (" nocase" if nocase else "")
        if isinstance(value, Regex):
            if op not in ("=", "!="):
                return None
            node = self.regex(ref, value.text, value, how, nocase)
            return node if op == "=" else Not(node)
        if value.kind == "null" or (
            value.kind in ("string", "raw") and value.value == "" and op in ("=", "!=")
        ):
            operator = "is_null" if op == "=" else "is_not_null"
            return self.predicate(ref, operator, None, value, how, cased=False)
        text = _lit_text(value)
        if op == "!=":
            return Not(
                self.predicate(ref, "eq", text, value, how, cased=self._cased(ref, nocase, value))
            )
        return self.predicate(
            ref, COMPARISONS[op], text, value, how, cased=self._cased(ref, nocase, value)
        )

    def in_list(self, expr: InList, nocase: bool) -> Node | None:
        ref = _field_ref(expr.left)
        if ref is None:
            return None
        if ref.variable in self.variables and self.variables[ref.variable].graph:
            return None
        how = f"in {expr.kind + ' ' if expr.kind else ''}%{expr.name}" + (
            " nocase" if nocase else ""
        )
        marker = Lit("string", f"%{expr.name}", f"%{expr.name}", expr.line, expr.column)
        entries = _LISTS.get(self.path, expr.name)
        operator = {"": "eq", "regex": "regex_match", "cidr": "cidr_match"}[expr.kind]
        if entries is None:
            self.note(f"reference list %{expr.name} not found: kept as a '%{expr.name}' value")
            return self.predicate(ref, operator, f"%{expr.name}", marker, how, cased=True)
        nodes: list[Node] = []
        for entry in entries:
            item = Lit("string", entry, entry, expr.line, expr.column)
            if expr.kind == "regex":
                nodes.append(self.regex(ref, entry, item, how, nocase))
            else:
                cased = self._cased(ref, nocase, item) and expr.kind != "cidr"
                nodes.append(self.predicate(ref, operator, entry, item, how, cased=cased))
        if not nodes:
            self.note(f"reference list %{expr.name} is empty")
        return any_of(nodes)

    def call(self, expr: Call, nocase: bool) -> Node | None:
        operator = PREDICATE_FUNCTIONS.get(expr.name)
        if operator is None:
            if expr.name not in ("timestamp.current_seconds",):
                self.note(f"function {expr.name}() is not a predicate")
            return None
        if len(expr.args) != 2:
            raise RuleReadError(f"{expr.name}() takes 2 arguments, got {len(expr.args)}", expr.line)
        target, value = expr.args
        ref = _field_ref(target)
        refs = [ref] if ref is not None else _coalesce_refs(target)
        if refs is None or not isinstance(value, Lit) or value.kind not in ("string", "raw"):
            self.note(f"{expr.name}() on a computed value is not a predicate")
            return None
        how = expr.name + (" nocase" if nocase else "")
        nodes: list[Node] = []
        for one in refs:
            if one.variable in self.variables and self.variables[one.variable].graph:
                continue
            if operator == "regex_match":
                nodes.append(self.regex(one, value.value, value, how, nocase))
            else:
                cased = operator != "cidr_match" and self._cased(one, nocase, value)
                nodes.append(self.predicate(one, operator, value.value, value, how, cased=cased))
        return any_of(nodes)

    # predicates

    def regex(
        self, ref: FieldRef, pattern: str, token: Lit | Regex, how: str, nocase: bool
    ) -> Node:
        """A regex test; simple anchored/literal regexes become the exact operators."""
        simple = simplify_regex(pattern)
        if simple is None:
            cased = not (nocase or ref.fold or pattern.startswith("(?i)"))
            return self.predicate(ref, "regex_match", pattern, token, how, cased=cased)
        cased = not (nocase or ref.fold or simple.ignore_case)
        nodes: list[Node] = [
            self.predicate(ref, operator, value, token, how, cased=cased)
            for operator, value in simple.alternatives
        ]
        return any_of(nodes)  # type: ignore[return-value]

    def predicate(
        self,
        ref: FieldRef,
        operator: str,
        value: str | None,
        token: Lit | Regex,
        how: str,
        *,
        cased: bool,
    ) -> Predicate:
        info = self.variables.get(ref.variable)
        scopes = info.scopes() if info is not None else ()
        path = INDEX.sub("", ref.path)
        fields, lookup = self.fields, path
        extra = ADDITIONAL_FIELD.fullmatch(path)
        if extra is not None and fields.canonical(path, scopes) == path:
            # parsers copy unmapped Windows event data here under its own name (CallTrace,
            # Initiated): name it as Sigma's taxonomy does
            fields, lookup = field_map("sigma"), extra.group(1)
            if info is not None:  # Sigma scopes its names by category (process_access ...)
                scopes = tuple(f"category:{c}" for c in sorted(categories(info.events())))
        predicate = make_predicate(
            fields,
            lookup,
            operator,
            value,
            scopes=scopes,
            line=token.line,
            column=token.column,
            how=how,
            raw_value=_raw_inner(token),
            cased=cased,
            group=ref.variable,
        )
        predicate.field = path  # as written in the rule
        return predicate

    @staticmethod
    def _cased(ref: FieldRef, nocase: bool, value: Lit | Regex) -> bool:
        if isinstance(value, Lit) and value.kind in ("number", "bool"):
            return False
        return not (nocase or ref.fold)


# -- pre-scan: what each event variable reads -----------------------------------------------------


def _scan(statements: list[Expr]) -> dict[str, VariableInfo]:
    """Walk the events in source order, learning each variable's event types and sources."""
    variables: dict[str, VariableInfo] = {}
    stack: list[tuple[Expr, bool]] = [(s, False) for s in reversed(statements)]
    while stack:
        expr, negated = stack.pop()
        children: list[tuple[Expr, bool]] = []
        if isinstance(expr, Field):
            info = variables.setdefault(expr.variable, VariableInfo())
            if expr.path.startswith("graph."):
                info.graph = True
        elif isinstance(expr, BoolOp):
            children = [(child, negated) for child in expr.children]
        elif isinstance(expr, NotOp):
            children = [(expr.child, not negated)]
        elif isinstance(expr, (Nocase, Quantified)):
            children = [(expr.child, negated)]
        elif isinstance(expr, Compare):
            children = [(expr.left, negated), (expr.right, negated)]
            if not negated and expr.op == "=":
                _scan_equality(expr.left, expr.right, variables)
                _scan_equality(expr.right, expr.left, variables)
        elif isinstance(expr, InList):
            children = [(expr.left, negated)]
        elif isinstance(expr, Call):
            children = [(arg, negated) for arg in expr.args]
        elif isinstance(expr, Arith):
            children = [(expr.left, negated), (expr.right, negated)]
        stack.extend(reversed(children))
    return variables


def _scan_equality(left: Expr, right: Expr, variables: dict[str, VariableInfo]) -> None:
    if not isinstance(left, Field) or not isinstance(right, Lit) or right.kind != "string":
        return
    info = variables.setdefault(left.variable, VariableInfo())
    value = right.value
    if left.path == "metadata.event_type":
        if value not in info.event_types:
            info.event_types.append(value)
    elif left.path == "metadata.product_event_type" and value not in info.product_event_types:
        info.product_event_types.append(value)
    source = _sources().get((left.path, value.casefold()))
    if source is not None and source not in info.sources:
        info.sources.append(source)


# -- metadata -------------------------------------------------------------------------------------


def _attack_tags(parsed: ParsedRule) -> list[AttackTag]:
    tags: list[AttackTag] = []
    seen: set[tuple[str, str]] = set()

    def add(raw: str, kind: str, ident: str, line: int) -> None:
        if (kind, ident) not in seen:
            seen.add((kind, ident))
            tags.append(AttackTag(raw, kind, ident, line))

    def techniques(raw: str, line: int) -> None:
        for found in TECHNIQUE_ANY.findall(raw):
            ident = found.upper().replace("/", ".")
            if TECHNIQUE_RE.match(ident):
                add(raw, "technique", ident, line)

    def tactics(raw: str, line: int) -> None:
        for part in re.split(r"[,;|]", raw):
            text = part.strip()
            if not text or TECHNIQUE_ANY.fullmatch(text):
                continue
            found = default_attack().tactic_by_any(text)
            if found is not None:
                add(raw, "tactic", found[0], line)
            elif TACTIC_ID.match(text):
                add(raw, "tactic", text.upper(), line)

    entries: list[MetaEntry] = list(parsed.meta)
    for name, value, line in parsed.outcome:  # $mitre_attack_technique_id = "T1562" (cloud rules)
        if isinstance(value, Lit) and value.kind == "string":
            entries.append(MetaEntry(name.lstrip("$"), value.value, line))
    for entry in entries:
        key = entry.key.lower()
        if key in ("technique", "techniques", "mitre_attack_technique_id", "technique_id"):
            techniques(entry.value, entry.line)
        elif key == "mitre_attack_technique":  # usually a name: "Valid Accounts: Cloud Accounts"
            techniques(entry.value, entry.line)
            by_name = _technique_names().get(entry.value.strip().casefold())
            if by_name is not None:
                add(entry.value, "technique", by_name, entry.line)
        elif key in ("tactic", "tactics", "mitre_attack_tactic", "tactic_id"):
            tactics(entry.value, entry.line)
        elif key == "mitre":  # "execution, t1204, t1059"
            techniques(entry.value, entry.line)
            tactics(entry.value, entry.line)
        elif key == "mitre_attack_url":
            for technique, sub in ATTACK_URL.findall(entry.value):
                add(
                    entry.value,
                    "technique",
                    technique.upper() + (f".{sub}" if sub else ""),
                    entry.line,
                )
    return tags


@cache
def _technique_names() -> dict[str, str]:
    """ATT&CK names as rules write them (``Parent: Sub-technique``) -> technique id."""
    techniques = default_attack().techniques
    names: dict[str, str] = {}
    for ident, technique in sorted(techniques.items()):
        if technique.revoked or technique.deprecated:
            continue
        name = technique.name
        if "." in ident and ident.split(".")[0] in techniques:
            name = f"{techniques[ident.split('.')[0]].name}: {name}"
        names.setdefault(name.casefold(), ident)
    return names


def _meta(parsed: ParsedRule) -> dict[str, str]:
    meta: dict[str, str] = {}
    for entry in parsed.meta:
        meta.setdefault(entry.key, entry.value)
    return meta


# -- the reader -----------------------------------------------------------------------------------


class YaralReader:
    format = "yaral"
    vendor = "yaral"
    suffixes = (".yaral",)

    def sniff(self, path: str, head: str) -> bool:
        return bool(SNIFF_RULE.search(head) and SNIFF_EVENTS.search(head))

    def read(self, path: str, text: str) -> list[Rule]:
        try:
            from rulelint.formats.yaral.grammar import parse_rules  # lark, on first use

            parsed_rules = parse_rules(text)
            return [self.read_rule(path, parsed) for parsed in parsed_rules]
        except RecursionError:
            raise RuleReadError("rule is nested too deeply to read") from None

    def read_rule(self, path: str, parsed: ParsedRule) -> Rule:
        if "events" not in parsed.sections:
            raise RuleReadError(f"rule {parsed.name!r} has no 'events:' section", parsed.line)
        if "condition" not in parsed.sections:
            raise RuleReadError(f"rule {parsed.name!r} has no 'condition:' section", parsed.line)
        notes: list[str] = []
        variables = _scan(parsed.events)
        converter = EventsConverter(path, field_map("yaral"), variables, notes)
        nodes = [node for node in (converter.convert(s) for s in parsed.events) if node is not None]
        graph = sorted(name for name, info in variables.items() if info.graph)
        if graph:
            notes.append(f"entity-graph context {', '.join(graph)}: not event predicates")
        expression = simplify(all_of(nodes))
        groups = {p.group for p in iter_predicates(expression)}
        if (
            len(groups) > 1
            and expression is not None
            and not isinstance(expression, (Predicate, Not, Or))
        ):
            expression.kind = "join"  # type: ignore[union-attr]
        meta = _meta(parsed)
        attack_tags = _attack_tags(parsed)
        events: list[str] = []
        for _name, info in variables.items():
            if not info.graph:
                events.extend(key for key in info.events() if key not in events)
        if not events and any(meta.get(key) for key in ("product", "category", "service")):
            # retired SOC Prime rules name a Sigma logsource in meta instead of an event type
            events = logsource_events(
                *(
                    meta.get(key, "").strip().lower() or None
                    for key in ("product", "category", "service")
                ),
                [],
            )
        extra: dict[str, object] = {"rule_name": parsed.name, "meta": meta}
        if meta.get("sigma_uuid"):
            extra["sigma_uuid"] = meta["sigma_uuid"]
        extra["scopes"] = {
            name: list(info.scopes()) for name, info in variables.items() if not info.graph
        }
        if parsed.match_vars:
            extra["match"] = {"variables": parsed.match_vars, "window": parsed.match_window}
        status = meta.get("status", "")
        platform = meta.get("platform", "")
        return Rule(
            id=meta.get("rule_id") or meta.get("id") or parsed.name,
            vendor="yaral",
            path=path,
            title=meta.get("rule_name") or meta.get("title") or parsed.name,
            expression=expression,
            language="yara-l",
            status=status,
            level=meta.get("severity", "").strip().lower(),
            techniques=sorted({t.id for t in attack_tags if t.kind == "technique"}),
            tactics=sorted({t.id for t in attack_tags if t.kind == "tactic"}),
            platforms=[p.strip().lower() for p in platform.split(",") if p.strip()],
            events=events,
            attack_tags=attack_tags,
            line=parsed.line,
            deprecated=status.lower() == "deprecated" or "/_deprecated/" in path.replace("\\", "/"),
            notes=notes,
            extra=extra,
        )

    # -- fixes ----------------------------------------------------------------------------------

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        """``events:`` lines excluding the fixes, e.g. ``not re.regex($e.f, `\\\\x\\.exe$`) nocase``."""
        if not fixes:
            return None
        variable = next((p.group for p in iter_predicates(rule.expression) if p.group), "$e")
        windows = "windows" in rule.platforms or any(
            key.split(":")[0] in ("sysmon", "security", "system", "powershell")
            for key in rule.events
        )
        unix = any(p in ("linux", "macos") for p in rule.platforms)
        separator = "\\\\" if windows else ("/" if unix else "[\\\\/]")
        scopes_by_variable = rule.extra.get("scopes", {})
        scopes = (
            tuple(scopes_by_variable.get(variable, ()))
            if isinstance(scopes_by_variable, dict)
            else ()
        )
        lines = [_fix_line(fix, variable, scopes, separator) for fix in fixes]
        return "\n".join(line for line in lines if line) or None


#: Top-level UDM nouns: a fix field starting with one of these is already a UDM path.
UDM_ROOTS = (
    "principal.",
    "target.",
    "src.",
    "observer.",
    "intermediary.",
    "about.",
    "metadata.",
    "network.",
    "security_result.",
    "extensions.",
    "additional.",
)


def _udm_field(fix: ExclusionFix, scopes: tuple[str, ...]) -> tuple[str, str]:
    """(UDM path, canonical field that path holds in this rule) for a fix, preferring UDM paths."""
    fields = field_map("yaral")
    if fix.field.startswith(UDM_ROOTS):
        return fix.field, fields.canonical(fix.field, scopes)
    for wanted in (fix.canonical_field, name_path_pairs().get(fix.canonical_field)):
        if wanted is None:
            continue
        for name in fields.vendor_names(wanted):
            if fields.canonical(name, scopes) == wanted:
                return name, wanted
    return fix.field, fix.canonical_field


def _re_escape(text: str) -> str:
    return "".join("\\" + char if char in "\\.^$*+?()[]{}|/" else char for char in text)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _regex_arg(pattern: str) -> str:
    return f"`{pattern}`" if "`" not in pattern else _quote(pattern)


def _fix_line(fix: ExclusionFix, variable: str, scopes: tuple[str, ...], separator: str) -> str:
    path, holds = _udm_field(fix, scopes)
    target = f"{variable}.{path}" if not path.startswith("$") else path
    value = fix.display_value if fix.display_value is not None else fix.value
    operator = fix.operator
    if (
        operator == "eq"
        and holds != fix.canonical_field
        and path_name_pairs().get(holds) == fix.canonical_field
    ):
        # a name excluded through its path field: the path ends with <sep>name
        return f"not re.regex({target}, {_regex_arg(separator + _re_escape(value or '') + '$')}) nocase"
    if operator == "eq":
        return f"{target} != {_quote(value or '')} nocase"
    if operator == "ne":
        return f"{target} = {_quote(value or '')} nocase"
    if operator in ("contains", "starts_with", "ends_with"):
        escaped = _re_escape(value or "")
        pattern = {"contains": escaped, "starts_with": "^" + escaped, "ends_with": escaped + "$"}[
            operator
        ]
        return f"not re.regex({target}, {_regex_arg(pattern)}) nocase"
    if operator == "regex_match":
        return f"not re.regex({target}, {_regex_arg(value or '')}) nocase"
    if operator == "wildcard":
        pattern = "^" + ".*".join(_re_escape(part) for part in (value or "").split("*")) + "$"
        return f"not re.regex({target}, {_regex_arg(pattern)}) nocase"
    if operator == "cidr_match":
        return f"not net.ip_in_range_cidr({target}, {_quote(value or '')})"
    if operator == "is_null":
        return f'{target} != ""'
    if operator == "is_not_null":
        return f'{target} = ""'
    if operator in ("gt", "ge", "lt", "le"):
        symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[operator]
        number = value if value and re.fullmatch(r"-?\d+(\.\d+)?", value) else _quote(value or "")
        return f"not {target} {symbol} {number}"
    if operator == "match":
        return f"not re.regex({target}, {_regex_arg(_re_escape(value or ''))}) nocase"
    return ""
