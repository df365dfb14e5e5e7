"""Panther Python detections -> canonical expression, read with ``ast`` (never imported or run).

A Panther rule is a ``rule(event)`` function returning a truthy value when the event should
alert. We execute it *symbolically*: statements are walked with a path condition (the conjunction
of ``if`` tests that lead there), locals alias event fields (``name = event.get("eventName")``),
every ``return`` contributes ``path condition and truthy(value)``, and the rule is the ``or`` of
those. ``if cond: return False`` guards therefore become ``not cond`` (exclusions), ``if cond:
return True`` an alternative. Module-level constants (lists, sets, frozensets, dicts, compiled
regexes) are evaluated from literals; helper functions of the same file, and of Panther's
``global_helpers`` when the checkout is there, are followed (inlined) a few levels deep. What we
cannot follow (loops over computed values, unknown helpers, lookups) is *unknown*: it is dropped
from the expression, never guessed, and named in a note on the rule.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from rulelint.formats.errors import RuleReadError
from rulelint.formats.regexops import simplify_regex
from rulelint.model import And, Node, Not, Or, Predicate, all_of, any_of
from rulelint.vocab.fields import FieldMap
from rulelint.vocab.values import (
    MULTI,
    SINGLE,
    Part,
    canonical_number,
    make_predicate,
    operator_for_parts,
)

MAX_INLINE_DEPTH = 4
MAX_UNROLL = 200
MAX_MODULE_BYTES = 1024 * 1024
MAX_CONDITION_NODES = 20_000

# -- truth values ---------------------------------------------------------------------------------


class Truth:
    """A constant truth value of the symbolic evaluation: TRUE, FALSE or UNKNOWN."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


TRUE = Truth("TRUE")
FALSE = Truth("FALSE")
UNKNOWN = Truth("UNKNOWN")

Cond = Node | Truth


def c_and(items: list[Cond]) -> Cond:
    """Conjunction; unknown parts are dropped (a constraint we cannot state is no constraint)."""
    nodes: list[Node] = []
    unknown = False
    for item in items:
        if item is FALSE:
            return FALSE
        if item is TRUE:
            continue
        if item is UNKNOWN:
            unknown = True
            continue
        nodes.append(item)  # type: ignore[arg-type]
    if not nodes:
        return UNKNOWN if unknown else TRUE
    return all_of(_drop_implied_presence(nodes))  # type: ignore[return-value]


def _value_fields(node: Node) -> set[str]:
    """Fields a node can only be true for when they hold a value (``f == x``, ``f in (a, b)``)."""
    if isinstance(node, Predicate):
        return set() if node.operator in _NULL_FLIP or node.field is None else {node.field}
    if isinstance(node, Or) and node.children:
        sets = [_value_fields(child) for child in node.children]
        return set.intersection(*sets)
    if isinstance(node, And):
        return set().union(*(_value_fields(child) for child in node.children))
    return set()


def _drop_implied_presence(nodes: list[Node]) -> list[Node]:
    """``x is not None and x.startswith("a")``: the value test implies the presence test (also
    for a parent object: ``x`` is present when ``x.y == "a"``)."""
    present = [n for n in nodes if isinstance(n, Predicate) and n.operator == "is_not_null"]
    if not present:
        return nodes
    valued = set().union(
        *(
            _value_fields(n)
            for n in nodes
            if not (isinstance(n, Predicate) and n.operator in _NULL_FLIP)
        )
    )

    def implied(node: Predicate) -> bool:
        return node.field in valued or any(v.startswith(f"{node.field}.") for v in valued)

    return [n for n in nodes if not (any(n is p for p in present) and implied(n))]  # type: ignore[arg-type]


def c_or(items: list[Cond]) -> Cond:
    """Disjunction; an unknown alternative is dropped (the rule also matches what we can state)."""
    nodes: list[Node] = []
    unknown = False
    for item in items:
        if item is TRUE:
            return TRUE
        if item is FALSE:
            continue
        if item is UNKNOWN:
            unknown = True
            continue
        nodes.append(item)  # type: ignore[arg-type]
    if not nodes:
        return UNKNOWN if unknown else FALSE
    return any_of(nodes)  # type: ignore[return-value]


def c_not(item: Cond) -> Cond:
    if item is TRUE:
        return FALSE
    if item is FALSE:
        return TRUE
    if item is UNKNOWN:
        return UNKNOWN
    return negate(item)  # type: ignore[arg-type]


_NULL_FLIP = {"is_null": "is_not_null", "is_not_null": "is_null"}


def negate(node: Node) -> Node:
    """``not node``, keeping exclusions as the author meant them.

    Presence tests flip (``not x`` is "x is empty", not an exclusion of x); a double negation
    cancels; an ``or``/``and`` with a negated or presence-test child is negated through (De Morgan),
    so ``if verb != "get" or resource != "secrets": return False`` reads as ``verb == "get" and
    resource == "secrets"`` (indicators), while ``if a and b: return False`` stays ``not (a and b)``.
    """
    if isinstance(node, Not):
        return node.child
    if isinstance(node, Predicate) and node.operator in _NULL_FLIP:
        return replace(node, operator=_NULL_FLIP[node.operator])
    if isinstance(node, (And, Or)) and any(
        isinstance(c, Not) or (isinstance(c, Predicate) and c.operator in _NULL_FLIP)
        for c in node.children
    ):
        flipped: list[Node] = [negate(c) for c in node.children]
        return Or(flipped) if isinstance(node, And) else And(flipped)
    return Not(node)


# -- symbolic values ------------------------------------------------------------------------------


@dataclass(slots=True)
class EventVal:
    """The event object (the rule's parameter)."""


@dataclass(slots=True)
class FieldVal:
    """A field of the event: its path (``("userIdentity", "type")``; UDM names as ``udm:x``)."""

    path: tuple[str, ...]
    fold: bool = False
    how: str = ""
    #: other paths the value may come from (``a or b`` coalescing, e.g. CrowdStrike helpers)
    alternatives: tuple[tuple[str, ...], ...] = ()
    #: where the field is read (for presence tests, which have no value of their own)
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)

    def extended(self, key: str) -> FieldVal:
        alternatives = tuple((*p, key) for p in self.alternatives)
        return FieldVal(
            (*self.path, key), self.fold, self.how, alternatives, self.line, self.column
        )


@dataclass(slots=True)
class ConstVal:
    """A Python constant; collections keep their items (with source positions) for ``in``."""

    value: object
    items: tuple[ConstVal, ...] | None = None
    line: int = 0
    column: int = 0
    text: str | None = None

    @property
    def is_collection(self) -> bool:
        return self.items is not None


@dataclass(slots=True)
class RegexVal:
    pattern: str
    ignore_case: bool
    line: int
    column: int
    text: str


@dataclass(slots=True)
class CondVal:
    cond: Cond


@dataclass(slots=True)
class LenVal:
    """``len(field)``: compared with 0 it is a presence test."""

    field: FieldVal


@dataclass(slots=True)
class FuncVal:
    """A function defined in a module we read (local, or a followed global helper)."""

    node: ast.FunctionDef
    module: ModuleContext


@dataclass(slots=True)
class ModuleRef:
    """An imported module (``re``, ``json``, ``panther_base_helpers``...)."""

    name: str


@dataclass(slots=True)
class UnknownVal:
    reason: str = ""


Value = (
    EventVal | FieldVal | ConstVal | RegexVal | CondVal | LenVal | FuncVal | ModuleRef | UnknownVal
)

_UNKNOWN = UnknownVal()

#: Python's ``re`` flags that make matching case-insensitive.
IGNORECASE_FLAGS = {"I", "IGNORECASE"}
RE_FUNCTIONS = {"search": "", "match": "^", "fullmatch": "^$", "findall": ""}
STR_METHODS_ON_CONSTANTS = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip"}
FOLD_METHODS = {"lower", "upper", "casefold"}
SAME_METHODS = {"strip", "lstrip", "rstrip"}
#: Builtins and modules whose call on a field keeps the field (a type conversion).
SAME_VALUE_CALLS = {"str", "int", "float", "list", "tuple", "set", "frozenset", "sorted"}
#: Panther's field accessors (global helpers we read as field paths, never inline).
ACCESSORS = frozenset({"deep_get", "deep_walk"})
#: Helpers that only build alert context/titles; calling them in rule() says nothing.
CONTEXT_HELPERS = frozenset(
    {
        "aws_rule_context",
        "okta_alert_context",
        "gsuite_alert_context",
        "github_alert_context",
        "azure_rule_context",
    }
)

# -- modules --------------------------------------------------------------------------------------


@dataclass
class ModuleContext:
    """One parsed Python module: its constants, functions and imports (never executed)."""

    path: str
    tree: ast.Module
    source: str = ""
    constants: dict[str, Value] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    imports: dict[str, tuple[str, str]] = field(
        default_factory=dict
    )  # local name -> (module, name)
    modules: dict[str, str] = field(default_factory=dict)  # local name -> module
    _lines: list[bytes] | None = None

    def segment(self, node: ast.AST) -> str | None:
        """Source text of a node (``ast.get_source_segment`` without re-splitting every call)."""
        if self._lines is None:
            self._lines = self.source.encode("utf-8").splitlines(keepends=True)
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        first, last = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if start is None or end is None or first is None or last is None or end > len(self._lines):
            return None
        if start == end:
            return self._lines[start - 1][first:last].decode("utf-8", "replace")
        chunks = [
            self._lines[start - 1][first:],
            *self._lines[start : end - 1],
            self._lines[end - 1][:last],
        ]
        return b"".join(chunks).decode("utf-8", "replace")


def parse_module(source: str, path: str) -> ModuleContext:
    """Parse Python text with ``ast``; syntax errors become RuleReadError with the line."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise RuleReadError(
            f"{os.path.basename(path)}: Python syntax error: {error.msg}", error.lineno or 0
        ) from None
    except (RecursionError, MemoryError, ValueError) as error:
        raise RuleReadError(
            f"{os.path.basename(path)}: Python source cannot be parsed: {type(error).__name__}"
        ) from None
    context = ModuleContext(path, tree, source)
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            context.functions[statement.name] = statement
        elif isinstance(statement, ast.ImportFrom) and statement.module:
            for alias in statement.names:
                context.imports[alias.asname or alias.name] = (statement.module, alias.name)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                context.modules[alias.asname or alias.name.split(".")[0]] = alias.name
    return context


class HelperResolver:
    """Finds Panther's ``global_helpers`` folder beside a rule (walking up) and reads modules
    from it with ``ast``. Both lookups are cached; nothing is imported."""

    def __init__(self) -> None:
        self._folders: dict[str, str | None] = {}
        self._modules: dict[str, ModuleContext | None] = {}

    def folder(self, rule_path: str) -> str | None:
        start = os.path.dirname(os.path.abspath(rule_path))
        if start in self._folders:
            return self._folders[start]
        found: str | None = None
        visited: list[str] = []
        current = start
        for _ in range(8):
            if current in self._folders:
                found = self._folders[current]
                break
            visited.append(current)
            candidate = os.path.join(current, "global_helpers")
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

    def module(self, rule_path: str, name: str) -> ModuleContext | None:
        folder = self.folder(rule_path)
        if folder is None or not name.replace("_", "").isalnum():
            return None
        path = os.path.join(folder, name + ".py")
        if path not in self._modules:
            self._modules[path] = _read_module(path)
        return self._modules[path]


def _read_module(path: str) -> ModuleContext | None:
    try:
        if os.path.getsize(path) > MAX_MODULE_BYTES:
            return None
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        return parse_module(source, path)
    except (OSError, UnicodeDecodeError, RuleReadError):
        return None


HELPERS = HelperResolver()

# -- the interpreter ------------------------------------------------------------------------------


@dataclass
class State:
    """A path through the function: the conditions that hold (with a 'soft' flag) and locals."""

    conds: list[tuple[Cond, bool]]
    env: dict[str, Value]


@dataclass
class Frame:
    """One function being executed: its module, and where its predicates point."""

    module: ModuleContext
    depth: int
    call_site: tuple[int, int] | None  # (line, column) for predicates built in another file


class Unsupported(Exception):
    """Raised internally when a construct makes the whole function unknowable."""


class PythonRule:
    """Symbolic evaluation of one module's ``rule(event)``."""

    def __init__(
        self,
        module: ModuleContext,
        fields: FieldMap,
        scopes: tuple[str, ...],
        notes: list[str],
        rule_path: str,
        helpers: HelperResolver | None = None,
    ) -> None:
        self.module = module
        self.fields = fields
        self.scopes = scopes
        self.notes = notes
        self.rule_path = rule_path
        self.helpers = helpers if helpers is not None else HELPERS
        self._module_constants: dict[str, dict[str, Value]] = {}
        self._budget = MAX_CONDITION_NODES

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- entry point ----------------------------------------------------------------------------

    def expression(self, function: str = "rule") -> Node | None:
        func = self.module.functions.get(function)
        if func is None:
            self.note(f"no {function}() function in {os.path.basename(self.module.path)}")
            return None
        frame = Frame(self.module, 0, None)
        params = [a.arg for a in func.args.args]
        env: dict[str, Value] = {}
        if params:
            env[params[0]] = EventVal()
        cond = self.run_function(func, env, frame)
        if isinstance(cond, Truth):
            if cond is TRUE:
                self.note("rule() returns true for every event: no predicates")
            elif cond is FALSE:
                self.note("rule() never returns true")
            elif not self.notes:
                self.note("rule() condition could not be read")
            return None
        return cond

    def run_function(self, func: ast.FunctionDef, env: dict[str, Value], frame: Frame) -> Cond:
        """The condition under which ``func`` returns a truthy value."""
        returns = self.returns_of(func, env, frame)
        return _disjunction(
            [
                (_prune([c for c, soft in conds if not soft]), self.truthy(v, frame))
                for conds, v in returns
            ]
        )

    def returns_of(
        self, func: ast.FunctionDef, env: dict[str, Value], frame: Frame
    ) -> list[tuple[list[tuple[Cond, bool]], Value]]:
        returns: list[tuple[list[tuple[Cond, bool]], Value]] = []
        self.exec_block(func.body, State([], env), frame, returns)
        return returns

    # -- statements -----------------------------------------------------------------------------

    def exec_block(
        self, statements: list[ast.stmt], state: State | None, frame: Frame, returns: list
    ) -> State | None:
        """Run statements; returns the fall-through state, None when every path returned."""
        for statement in statements:
            if state is None:
                return None
            state = self.exec_statement(statement, state, frame, returns)
        return state

    def exec_statement(
        self, node: ast.stmt, state: State, frame: Frame, returns: list
    ) -> State | None:
        if isinstance(node, ast.Return):
            value: Value = (
                ConstVal(None) if node.value is None else self.eval(node.value, state.env, frame)
            )
            returns.append((list(state.conds), value))
            return None
        if isinstance(node, ast.If):
            return self.exec_if(node, state, frame, returns)
        if isinstance(node, ast.Assign):
            value = self.eval(node.value, state.env, frame)
            for target in node.targets:
                self.assign(target, value, node.value, state, frame)
            for name in _mutated_names([node]):
                if name in state.env:
                    state.env[name] = UnknownVal("mutated")
            return state
        if isinstance(node, ast.AnnAssign):
            if node.value is not None and isinstance(node.target, ast.Name):
                state.env[node.target.id] = self.eval(node.value, state.env, frame)
            return state
        if isinstance(node, ast.AugAssign):
            for name in _names(node.target):
                state.env[name] = UnknownVal("augmented assignment")
            return state
        if isinstance(node, ast.For):
            return self.exec_for(node, state, frame, returns)
        if isinstance(node, ast.While):
            self.note("while loop not followed")
            for name in _assigned_names(node.body):
                state.env[name] = UnknownVal("assigned in a loop")
            return state
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            body_state = self.exec_block(
                node.body, State(list(state.conds), dict(state.env)), frame, returns
            )  # type: ignore[attr-defined]
            if node.handlers:  # type: ignore[attr-defined]
                self.note("exception handlers not followed")
            if body_state is None:
                return None
            body_state = self.exec_block(node.orelse, body_state, frame, returns)  # type: ignore[attr-defined]
            if body_state is None:
                return None
            return self.exec_block(node.finalbody, body_state, frame, returns)  # type: ignore[attr-defined]
        if isinstance(node, ast.With):
            return self.exec_block(node.body, state, frame, returns)
        if isinstance(node, ast.Raise):
            return None
        if isinstance(node, (ast.Break, ast.Continue)):
            return state
        if isinstance(node, ast.FunctionDef):
            state.env[node.name] = FuncVal(node, frame.module)
            return state
        if isinstance(node, ast.Import):
            for alias in node.names:
                state.env[alias.asname or alias.name.split(".")[0]] = ModuleRef(alias.name)
            return state
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                state.env[alias.asname or alias.name] = UnknownVal(f"import of {alias.name}")
            return state
        if isinstance(node, ast.Expr):
            for name in _mutated_names([node]):
                if name in state.env:
                    state.env[name] = UnknownVal("mutated")
            return state
        if isinstance(node, (ast.Pass, ast.Global, ast.Nonlocal, ast.Assert, ast.Delete)):
            return state
        if type(node).__name__ == "Match":
            self.note("match statement not followed")
            return state
        return state

    def assign(
        self, target: ast.expr, value: Value, value_node: ast.expr, state: State, frame: Frame
    ) -> None:
        if isinstance(target, ast.Name):
            state.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value_node, (ast.Tuple, ast.List)) and len(value_node.elts) == len(
                target.elts
            ):
                for sub_target, sub_node in zip(target.elts, value_node.elts, strict=True):
                    self.assign(
                        sub_target, self.eval(sub_node, state.env, frame), sub_node, state, frame
                    )
            else:
                for name in _names(target):
                    state.env[name] = UnknownVal("unpacked value")

    def exec_if(self, node: ast.If, state: State, frame: Frame, returns: list) -> State | None:
        test = self.truthy(self.eval(node.test, state.env, frame), frame)
        before = len(returns)
        body = self.exec_block(
            node.body, State([*state.conds, (test, False)], dict(state.env)), frame, returns
        )
        body_returns = returns[before:]
        # "if c: return True" -> the rest runs under "not c", but "c or (not c and rest)" is
        # "c or rest": the negation is only an artefact of the control flow (soft)
        soft = (
            body is None
            and bool(body_returns)
            and all(self.is_true_value(v) for _, v in body_returns)
        )
        orelse = self.exec_block(
            node.orelse, State([*state.conds, (c_not(test), soft)], dict(state.env)), frame, returns
        )
        if body is None:
            return orelse
        if orelse is None:
            return body
        return _merge(state, body, orelse)

    def exec_for(self, node: ast.For, state: State, frame: Frame, returns: list) -> State | None:
        iterable = self.eval(node.iter, state.env, frame)
        if (
            isinstance(iterable, ConstVal)
            and iterable.is_collection
            and len(iterable.items or ()) <= MAX_UNROLL
        ):
            current: State | None = state
            for item in iterable.items or ():
                if current is None:
                    return None
                current = State(list(current.conds), dict(current.env))
                self.bind_loop_target(node.target, item, current)
                current = self.exec_block(node.body, current, frame, returns)
            if current is None:
                return None
            return self.exec_block(node.orelse, current, frame, returns)
        # one symbolic iteration: the loop variable stands for any element
        element: Value
        if isinstance(iterable, FieldVal):
            element = replace(iterable)
            self.note("loop over a list field read as 'any element'")
        else:
            element = UnknownVal("loop over a computed value")
            self.note("loop over a computed value not followed")
        loop_state = State(list(state.conds), dict(state.env))
        self.bind_loop_target(node.target, element, loop_state)
        after = self.exec_block(node.body, loop_state, frame, returns)
        for name in _assigned_names(node.body):
            state.env[name] = UnknownVal("assigned in a loop")
        if after is None:
            # the body always returns for *an* element; with no element the loop falls through
            return state
        return state

    def bind_loop_target(self, target: ast.expr, value: Value, state: State) -> None:
        if isinstance(target, ast.Name):
            state.env[target.id] = value
        else:
            if (
                isinstance(value, ConstVal)
                and value.items is not None
                and isinstance(target, (ast.Tuple, ast.List))
            ) and len(value.items) == len(target.elts):
                for sub_target, sub_value in zip(target.elts, value.items, strict=True):
                    self.bind_loop_target(sub_target, sub_value, state)
                return
            for name in _names(target):
                state.env[name] = UnknownVal("unpacked loop value")

    @staticmethod
    def is_true_value(value: Value) -> bool:
        if isinstance(value, ConstVal) and not value.is_collection:
            return bool(value.value)
        return isinstance(value, CondVal) and value.cond is TRUE

    # -- expressions ----------------------------------------------------------------------------

    def eval(self, node: ast.expr, env: dict[str, Value], frame: Frame) -> Value:
        if isinstance(node, ast.Constant):
            return self.constant(node, frame)
        if isinstance(node, ast.Name):
            value = self.lookup(node.id, env, frame)
            if (
                isinstance(value, (ConstVal, RegexVal))
                and node.id not in env
                and (node.id in frame.module.imports or frame.call_site is not None)
            ):
                # a constant of another file: point at the name where this rule uses it
                return _relocate(value, *self.position(node, frame))
            return value
        if isinstance(node, ast.Call):
            return self.call(node, env, frame)
        if isinstance(node, ast.Compare):
            return CondVal(self.compare(node, env, frame))
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, env, frame)
        if isinstance(node, ast.UnaryOp):
            operand = self.eval(node.operand, env, frame)
            if isinstance(node.op, ast.Not):
                return CondVal(c_not(self.truthy(operand, frame)))
            if (
                isinstance(node.op, ast.USub)
                and isinstance(operand, ConstVal)
                and isinstance(operand.value, (int, float))
            ):
                return replace(operand, value=-operand.value, text=None)
            return _UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.eval(node.value, env, frame)
            if isinstance(base, ModuleRef) and base.name == "re" and node.attr in IGNORECASE_FLAGS:
                return ConstVal("re.I")
            if isinstance(base, ModuleRef) and base.name.startswith("panther_"):
                helper = self.helpers.module(self.rule_path, base.name)
                if helper is not None:
                    value = self.module_constants(helper).get(node.attr)
                    if isinstance(value, (ConstVal, RegexVal)):
                        return _relocate(value, *self.position(node, frame))
                    if node.attr in helper.functions:
                        return FuncVal(helper.functions[node.attr], helper)
                return _UNKNOWN
            if isinstance(base, FieldVal):  # event.attribute is not a field access in Panther
                return _UNKNOWN
            return _UNKNOWN
        if isinstance(node, ast.Subscript):
            return self.subscript(node, env, frame)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return self.collection(node.elts, env, frame, node)
        if isinstance(node, ast.Dict):
            keys = [k for k in node.keys if k is not None]
            return self.collection(keys, env, frame, node)
        if isinstance(node, ast.BinOp):
            return self.binop(node, env, frame)
        if isinstance(node, ast.IfExp):
            test = self.truthy(self.eval(node.test, env, frame), frame)
            body = self.eval(node.body, env, frame)
            orelse = self.eval(node.orelse, env, frame)
            if isinstance(body, FieldVal) and isinstance(orelse, ConstVal) and not orelse.value:
                return body  # x if x else ""
            if isinstance(body, FieldVal) and _wraps(node.orelse, body, env, self, frame):
                return body  # x if isinstance(x, list) else [x]
            if isinstance(orelse, FieldVal) and _wraps(node.body, orelse, env, self, frame):
                return orelse
            if isinstance(body, (CondVal, ConstVal)) and isinstance(orelse, (CondVal, ConstVal)):
                return CondVal(
                    c_or(
                        [
                            c_and([test, self.truthy(body, frame)]),
                            c_and([c_not(test), self.truthy(orelse, frame)]),
                        ]
                    )
                )
            return _UNKNOWN
        if isinstance(node, ast.NamedExpr):
            value = self.eval(node.value, env, frame)
            env[node.target.id] = value
            return value
        return _UNKNOWN

    def constant(self, node: ast.Constant, frame: Frame) -> ConstVal:
        line, column = self.position(node, frame)
        text = frame.module.segment(node) if frame.call_site is None else None
        return ConstVal(node.value, None, line, column, text)

    def position(self, node: ast.AST, frame: Frame) -> tuple[int, int]:
        if frame.call_site is not None:
            return frame.call_site
        return getattr(node, "lineno", 0) or 0, (getattr(node, "col_offset", -1) or 0) + 1

    def lookup(self, name: str, env: dict[str, Value], frame: Frame) -> Value:
        if name in env:
            return env[name]
        module = frame.module
        if name in module.functions:
            return FuncVal(module.functions[name], module)
        constants = self.module_constants(module)
        if name in constants:
            return constants[name]
        if name in module.modules:
            return ModuleRef(module.modules[name])
        if name in module.imports:
            source, original = module.imports[name]
            helper = (
                self.helpers.module(self.rule_path, source)
                if source.startswith("panther_")
                else None
            )
            if helper is not None:
                if original in helper.functions:
                    return FuncVal(helper.functions[original], helper)
                helper_constants = self.module_constants(helper)
                if original in helper_constants:
                    return helper_constants[original]
            return UnknownVal(f"{original} from {source}")
        if name in ("True", "False", "None"):  # pragma: no cover - ast.Constant in Python 3.8+
            return ConstVal({"True": True, "False": False, "None": None}[name])
        return UnknownVal(name)

    def module_constants(self, module: ModuleContext) -> dict[str, Value]:
        """Module-level names bound to literals (evaluated once per module, in order)."""
        key = module.path
        if key in self._module_constants:
            return self._module_constants[key]
        constants: dict[str, Value] = {}
        self._module_constants[key] = constants
        frame = Frame(module, 0, None)
        env: dict[str, Value] = {}
        for statement in module.tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    value = self.eval(statement.value, env, frame)
                    if isinstance(value, (ConstVal, RegexVal)):
                        env[target.id] = value
                        constants[target.id] = value
                    else:
                        constants[target.id] = UnknownVal(f"module value {target.id}")
            elif (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value
            ):
                value = self.eval(statement.value, env, frame)
                if isinstance(value, (ConstVal, RegexVal)):
                    env[statement.target.id] = value
                    constants[statement.target.id] = value
        return constants

    def collection(
        self, elements: list[ast.expr], env: dict[str, Value], frame: Frame, node: ast.AST
    ) -> Value:
        items: list[ConstVal] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                inner = self.eval(element.value, env, frame)
                if isinstance(inner, ConstVal) and inner.items is not None:
                    items.extend(inner.items)
                    continue
                return _UNKNOWN
            value = self.eval(element, env, frame)
            if not isinstance(value, ConstVal):
                return _UNKNOWN
            items.append(value)
        line, column = self.position(node, frame)
        return ConstVal(tuple(i.value for i in items), tuple(items), line, column)

    def binop(self, node: ast.BinOp, env: dict[str, Value], frame: Frame) -> Value:
        left = self.eval(node.left, env, frame)
        right = self.eval(node.right, env, frame)
        if isinstance(left, ConstVal) and isinstance(right, ConstVal):
            if (
                left.items is not None
                and right.items is not None
                and isinstance(node.op, (ast.Add, ast.BitOr))
            ):
                items = list(left.items) + [i for i in right.items if i.value not in left.value]  # type: ignore[operator]
                return ConstVal(tuple(i.value for i in items), tuple(items), left.line, left.column)
            if (
                isinstance(left.value, str)
                and isinstance(right.value, str)
                and isinstance(node.op, ast.Add)
            ):
                return ConstVal(left.value + right.value, None, left.line, left.column)
            if (
                isinstance(left.value, (int, float))
                and isinstance(right.value, (int, float))
                and not isinstance(left.value, bool)
                and not isinstance(right.value, bool)
                and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult))
            ):
                result = {ast.Add: left.value + right.value, ast.Sub: left.value - right.value}.get(
                    type(node.op)
                )
                if result is None:
                    result = left.value * right.value
                    if abs(result) > 10**15:
                        return _UNKNOWN
                return ConstVal(result, None, left.line, left.column)
            if isinstance(left.value, str) and isinstance(node.op, ast.Mod):
                return _UNKNOWN
        return _UNKNOWN

    def subscript(self, node: ast.Subscript, env: dict[str, Value], frame: Frame) -> Value:
        base = self.eval(node.value, env, frame)
        key = self.eval(node.slice, env, frame) if isinstance(node.slice, ast.expr) else _UNKNOWN
        if isinstance(base, EventVal) and isinstance(key, ConstVal) and isinstance(key.value, str):
            return FieldVal((key.value,), False, "event[]", (), *self.position(node, frame))
        if isinstance(base, FieldVal) and isinstance(key, ConstVal):
            if isinstance(key.value, str):
                return base.extended(key.value)
            if isinstance(key.value, int):
                return base  # an element of a list field
        return _UNKNOWN

    def boolop(self, node: ast.BoolOp, env: dict[str, Value], frame: Frame) -> Value:
        values = [self.eval(v, env, frame) for v in node.values]
        if isinstance(node.op, ast.Or) and isinstance(values[0], FieldVal):
            fields = [v for v in values if isinstance(v, FieldVal)]
            if all(isinstance(v, (FieldVal, ConstVal)) for v in values) and all(
                isinstance(v, ConstVal) for v in values[len(fields) :]
            ):
                # event.get("x") or "" : a default; a or b : the first field that is set
                first = fields[0]
                others = tuple(p for f in fields[1:] for p in (f.path, *f.alternatives))
                return replace(first, alternatives=first.alternatives + others) if others else first
        conds = [self.truthy(v, frame) for v in values]
        return CondVal(c_and(conds) if isinstance(node.op, ast.And) else c_or(conds))

    # -- calls ----------------------------------------------------------------------------------

    def call(self, node: ast.Call, env: dict[str, Value], frame: Frame) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute):
            base = self.eval(func.value, env, frame)
            return self.method(base, func.attr, node, env, frame)
        if isinstance(func, ast.Name):
            if func.id in ACCESSORS and func.id not in env:
                return self.builtin(func.id, node, env, frame, _UNKNOWN)
            target = self.lookup(func.id, env, frame)
            if isinstance(target, FuncVal):
                return self.inline(target, node, env, frame, func.id)
            if isinstance(target, UnknownVal) and func.id in env:
                return _UNKNOWN
            return self.builtin(func.id, node, env, frame, target)
        return _UNKNOWN

    def args(self, node: ast.Call, env: dict[str, Value], frame: Frame) -> list[Value]:
        return [self.eval(a, env, frame) for a in node.args if not isinstance(a, ast.Starred)]

    def method(
        self, base: Value, name: str, node: ast.Call, env: dict[str, Value], frame: Frame
    ) -> Value:
        if isinstance(base, EventVal):
            return self.event_method(name, node, env, frame)
        if isinstance(base, FieldVal):
            return self.field_method(base, name, node, env, frame)
        if (
            isinstance(base, ConstVal)
            and base.items is not None
            and name == "keys"
            and not node.args
        ):
            return base  # a dict constant keeps its keys
        if (
            isinstance(base, ConstVal)
            and isinstance(base.value, str)
            and name in STR_METHODS_ON_CONSTANTS
        ):
            if node.args:
                return _UNKNOWN
            return replace(base, value=getattr(base.value, name)(), text=None)
        if isinstance(base, RegexVal) and name in RE_FUNCTIONS:
            args = self.args(node, env, frame)
            if not args:
                return _UNKNOWN
            return CondVal(
                self.regex_test(
                    args[0],
                    base.pattern,
                    base.ignore_case,
                    base,
                    RE_FUNCTIONS[name],
                    f".{name}",
                    frame,
                )
            )
        if isinstance(base, ModuleRef):
            if base.name.startswith("panther_"):
                helper = self.helpers.module(self.rule_path, base.name)
                if helper is not None and name in helper.functions:
                    return self.inline(
                        FuncVal(helper.functions[name], helper), node, env, frame, name
                    )
                self.note(f"helper {base.name}.{name}() not followed")
                return _UNKNOWN
            return self.module_call(base.name, name, node, env, frame)
        return _UNKNOWN

    def event_method(self, name: str, node: ast.Call, env: dict[str, Value], frame: Frame) -> Value:
        args = self.args(node, env, frame)
        keys = _string_keys(args[:1] if name == "get" else args)
        where = self.position(node, frame)
        if name == "get" and args and keys:
            return FieldVal((keys[0],), False, "event.get", (), *where)
        if name in ("deep_get", "deep_walk") and keys:
            return FieldVal(tuple(keys), False, f"event.{name}", (), *where)
        if name == "udm" and keys:
            return FieldVal((f"udm:{keys[0]}", *keys[1:]), False, "event.udm", (), *where)
        if name in ("get", "deep_get", "deep_walk", "udm"):
            self.note(f"event.{name}() with a computed key not followed")
            return _UNKNOWN
        if name in ("lookup", "udm_path"):
            self.note(f"event.{name}() not followed")
        return _UNKNOWN

    def field_method(
        self, base: FieldVal, name: str, node: ast.Call, env: dict[str, Value], frame: Frame
    ) -> Value:
        if name == "get":
            args = self.args(node, env, frame)
            keys = _string_keys(args[:1])
            if keys:
                return base.extended(keys[0])
            return _UNKNOWN
        if name in FOLD_METHODS and not node.args:
            return replace(base, fold=True)
        if name in SAME_METHODS and not node.args:
            return base
        if name in ("startswith", "endswith") and node.args:
            operator = "starts_with" if name == "startswith" else "ends_with"
            arg = self.eval(node.args[0], env, frame)
            return CondVal(self.string_test(base, operator, arg, f".{name}", frame))
        if name in ("keys", "values", "items") and not node.args:
            return base
        return _UNKNOWN

    def module_call(
        self, module: str, name: str, node: ast.Call, env: dict[str, Value], frame: Frame
    ) -> Value:
        if module == "re":
            if name == "compile" and node.args:
                pattern = self.eval(node.args[0], env, frame)
                if isinstance(pattern, ConstVal) and isinstance(pattern.value, str):
                    return RegexVal(
                        pattern.value,
                        self.ignore_case(node, env, frame),
                        pattern.line,
                        pattern.column,
                        pattern.text or pattern.value,
                    )
                return _UNKNOWN
            if name in RE_FUNCTIONS and len(node.args) >= 2:
                pattern = self.eval(node.args[0], env, frame)
                subject = self.eval(node.args[1], env, frame)
                if isinstance(pattern, RegexVal):
                    return CondVal(
                        self.regex_test(
                            subject,
                            pattern.pattern,
                            pattern.ignore_case,
                            pattern,
                            RE_FUNCTIONS[name],
                            f"re.{name}",
                            frame,
                        )
                    )
                if isinstance(pattern, ConstVal) and isinstance(pattern.value, str):
                    regex = RegexVal(
                        pattern.value,
                        self.ignore_case(node, env, frame),
                        pattern.line,
                        pattern.column,
                        pattern.text or pattern.value,
                    )
                    return CondVal(
                        self.regex_test(
                            subject,
                            regex.pattern,
                            regex.ignore_case,
                            regex,
                            RE_FUNCTIONS[name],
                            f"re.{name}",
                            frame,
                        )
                    )
            return _UNKNOWN
        if module == "fnmatch" and name in ("fnmatch", "fnmatchcase") and len(node.args) == 2:
            args = self.args(node, env, frame)
            return CondVal(self.fnmatch_test(args[0], args[1], frame, cased=name == "fnmatchcase"))
        if module == "json" and name == "loads" and node.args:
            value = self.eval(node.args[0], env, frame)
            return value if isinstance(value, FieldVal) else _UNKNOWN
        return _UNKNOWN

    def builtin(
        self, name: str, node: ast.Call, env: dict[str, Value], frame: Frame, target: Value
    ) -> Value:
        if name in ACCESSORS and node.args:
            args = self.args(node, env, frame)
            keys = _string_keys(args[1:])
            if isinstance(args[0], EventVal) and keys:
                return FieldVal(tuple(keys), False, name, (), *self.position(node, frame))
            if isinstance(args[0], FieldVal) and keys:
                base = args[0]
                for key in keys:
                    base = base.extended(key)
                return base
            return _UNKNOWN
        if name in ("any", "all") and len(node.args) == 1:
            return CondVal(self.quantifier(name, node.args[0], env, frame))
        if name == "bool" and len(node.args) == 1:
            return CondVal(self.truthy(self.eval(node.args[0], env, frame), frame))
        if name == "len" and len(node.args) == 1:
            value = self.eval(node.args[0], env, frame)
            if isinstance(value, FieldVal):
                return LenVal(value)
            if isinstance(value, ConstVal) and isinstance(value.value, (str, tuple)):
                return ConstVal(len(value.value))
            return _UNKNOWN
        if name in SAME_VALUE_CALLS and len(node.args) == 1:
            value = self.eval(node.args[0], env, frame)
            if isinstance(value, (FieldVal, ConstVal)):
                return value
            return _UNKNOWN
        if name in ("set", "frozenset", "list", "tuple", "dict") and not node.args:
            return ConstVal((), ())
        if name in ("fnmatch", "fnmatchcase") and len(node.args) == 2:
            args = self.args(node, env, frame)
            return CondVal(self.fnmatch_test(args[0], args[1], frame, cased=name == "fnmatchcase"))
        if name == "isinstance":
            return CondVal(UNKNOWN)
        if isinstance(target, UnknownVal) and name not in CONTEXT_HELPERS:
            self.note(f"helper {name}() not followed")
        return _UNKNOWN

    def inline(
        self, target: FuncVal, node: ast.Call, env: dict[str, Value], frame: Frame, name: str
    ) -> Value:
        if frame.depth >= MAX_INLINE_DEPTH:
            self.note(f"helper {name}() not followed (nested too deeply)")
            return _UNKNOWN
        func = target.node
        params = [a.arg for a in func.args.args]
        local: dict[str, Value] = {}
        defaults = func.args.defaults
        for index, default in enumerate(defaults):
            local[params[len(params) - len(defaults) + index]] = self.eval(
                default, {}, Frame(target.module, frame.depth, frame.call_site)
            )
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred) or index >= len(params):
                self.note(f"helper {name}() not followed (arguments)")
                return _UNKNOWN
            local[params[index]] = self.eval(arg, env, frame)
        for keyword in node.keywords:
            if keyword.arg is None:
                return _UNKNOWN
            local[keyword.arg] = self.eval(keyword.value, env, frame)
        same_file = target.module is self.module
        call_site = (
            frame.call_site if same_file else (frame.call_site or self.position(node, frame))
        )
        inner = Frame(target.module, frame.depth + 1, call_site)
        returns = self.returns_of(func, local, inner)
        values = [v for _, v in returns]
        if (
            len(returns) == 1
            and not returns[0][0]
            and isinstance(values[0], (FieldVal, ConstVal, RegexVal))
        ):
            return values[0]  # a helper that computes a value (a field, a constant)
        if values and all(isinstance(v, FieldVal) and v == values[0] for v in values):
            return values[0]
        cond = _disjunction(
            [
                (_prune([c for c, soft in conds if not soft]), self.truthy(v, inner))
                for conds, v in returns
            ]
        )
        if cond is UNKNOWN:
            self.note(f"helper {name}() not followed")
        return CondVal(cond)

    def ignore_case(self, node: ast.Call, env: dict[str, Value], frame: Frame) -> bool:
        """Whether ``re.<f>(pattern, [string,] flags)`` passes re.I / re.IGNORECASE."""
        is_compile = isinstance(node.func, ast.Attribute) and node.func.attr == "compile"
        flags: list[ast.expr] = list(node.args[1:] if is_compile else node.args[2:])
        flags += [k.value for k in node.keywords if k.arg == "flags"]
        for flag in flags:
            for sub in ast.walk(flag):
                if isinstance(sub, ast.Attribute) and sub.attr in IGNORECASE_FLAGS:
                    return True
                if isinstance(sub, ast.Name) and sub.id in IGNORECASE_FLAGS:
                    return True
        return False

    def quantifier(
        self, name: str, argument: ast.expr, env: dict[str, Value], frame: Frame
    ) -> Cond:
        combine: Callable[[list[Cond]], Cond] = c_or if name == "any" else c_and
        if (
            isinstance(argument, (ast.GeneratorExp, ast.ListComp, ast.SetComp))
            and len(argument.generators) == 1
        ):
            generator = argument.generators[0]
            iterable = self.eval(generator.iter, env, frame)
            if (
                isinstance(iterable, ConstVal)
                and iterable.items is not None
                and len(iterable.items) <= MAX_UNROLL
            ):
                conds: list[Cond] = []
                for item in iterable.items:
                    local = dict(env)
                    state = State([], local)
                    self.bind_loop_target(generator.target, item, state)
                    guards = [self.truthy(self.eval(i, local, frame), frame) for i in generator.ifs]
                    element = self.truthy(self.eval(argument.elt, local, frame), frame)
                    if name == "any":
                        conds.append(c_and([*guards, element]))
                    else:
                        conds.append(c_or([c_not(c_and(guards)), element]) if guards else element)
                return combine(conds)
            if isinstance(iterable, FieldVal):
                local = dict(env)
                self.bind_loop_target(generator.target, replace(iterable), State([], local))
                self.note(f"{name}() over a list field read as 'any element'")
                guards = [self.truthy(self.eval(i, local, frame), frame) for i in generator.ifs]
                return c_and([*guards, self.truthy(self.eval(argument.elt, local, frame), frame)])
            return UNKNOWN
        if isinstance(argument, (ast.List, ast.Tuple)):
            return combine([self.truthy(self.eval(e, env, frame), frame) for e in argument.elts])
        return UNKNOWN

    # -- conditions -----------------------------------------------------------------------------

    def truthy(self, value: Value, frame: Frame) -> Cond:
        if isinstance(value, CondVal):
            return value.cond
        if isinstance(value, ConstVal):
            return TRUE if value.value else FALSE
        if isinstance(value, FieldVal):
            return self.predicate(value, "is_not_null", None, None, "truthy", frame)
        if isinstance(value, LenVal):
            return self.predicate(value.field, "is_not_null", None, None, "len()", frame)
        if isinstance(value, (EventVal, RegexVal, FuncVal, ModuleRef)):
            return TRUE
        return UNKNOWN

    def compare(self, node: ast.Compare, env: dict[str, Value], frame: Frame) -> Cond:
        conds: list[Cond] = []
        left = self.eval(node.left, env, frame)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.eval(right_node, env, frame)
            conds.append(self.compare_pair(left, op, right, frame))
            left = right
        return c_and(conds)

    def compare_pair(self, left: Value, op: ast.cmpop, right: Value, frame: Frame) -> Cond:
        if isinstance(op, (ast.In, ast.NotIn)):
            cond = self.membership(left, right, frame)
            return c_not(cond) if isinstance(op, ast.NotIn) else cond
        if isinstance(left, ConstVal) and not isinstance(right, ConstVal):
            left, right, op = right, left, _mirror(op)
        if isinstance(left, CondVal) and isinstance(right, ConstVal) and right.value is None:
            # match = re.search(...); match is not None
            if isinstance(op, (ast.IsNot, ast.NotEq)):
                return left.cond
            if isinstance(op, (ast.Is, ast.Eq)):
                return c_not(left.cond)
            return UNKNOWN
        if (
            isinstance(left, CondVal)
            and isinstance(right, ConstVal)
            and isinstance(right.value, bool)
        ):
            positive = right.value == isinstance(op, (ast.Eq, ast.Is))
            return left.cond if positive else c_not(left.cond)
        if isinstance(left, LenVal) and isinstance(right, ConstVal) and right.value == 0:
            if isinstance(op, (ast.Gt, ast.NotEq)):
                return self.predicate(left.field, "is_not_null", None, None, "len()", frame)
            if isinstance(op, ast.Eq):
                return self.predicate(left.field, "is_null", None, None, "len()", frame)
            return UNKNOWN
        if isinstance(left, ConstVal) and isinstance(right, ConstVal):
            return _const_compare(left.value, op, right.value)
        if not isinstance(left, FieldVal) or not isinstance(right, ConstVal) or right.is_collection:
            return UNKNOWN
        how = _OP_TEXT.get(type(op), "?")
        if right.value is None:
            if isinstance(op, (ast.Is, ast.Eq)):
                return self.predicate(left, "is_null", None, right, how + " None", frame)
            if isinstance(op, (ast.IsNot, ast.NotEq)):
                return self.predicate(left, "is_not_null", None, right, how + " None", frame)
            return UNKNOWN
        value = _text(right.value)
        if isinstance(op, (ast.Eq, ast.Is)):
            return self.predicate(left, "eq", value, right, how, frame)
        if isinstance(op, (ast.NotEq, ast.IsNot)):
            return Not(self.predicate(left, "eq", value, right, how, frame))
        operator = {ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le"}.get(type(op))
        if operator is None or isinstance(right.value, str):
            return UNKNOWN
        return self.predicate(left, operator, value, right, how, frame)

    def membership(self, item: Value, container: Value, frame: Frame) -> Cond:
        """``x in y``: a field in a constant collection (alternatives), or a substring test."""
        if isinstance(item, FieldVal) and isinstance(container, ConstVal):
            if container.items is not None:
                return c_or(
                    [
                        self.predicate(item, "eq", _text(i.value), i, "in", frame)
                        if i.value is not None
                        else self.predicate(item, "is_null", None, i, "in", frame)
                        for i in container.items
                    ]
                )
            if isinstance(container.value, str):  # field in "a long string": rare, not an indicator
                return UNKNOWN
        if isinstance(item, ConstVal) and isinstance(container, FieldVal):
            if isinstance(item.value, str):
                return self.predicate(container, "contains", item.value, item, "in", frame)
            return UNKNOWN
        if (
            isinstance(item, ConstVal)
            and isinstance(container, ConstVal)
            and container.items is not None
        ):
            return TRUE if item.value in container.value else FALSE  # type: ignore[operator]
        if (
            isinstance(item, ConstVal)
            and isinstance(container, ConstVal)
            and isinstance(container.value, str)
        ):
            return TRUE if str(item.value) in container.value else FALSE
        return UNKNOWN

    def string_test(
        self, field_value: FieldVal, operator: str, arg: Value, how: str, frame: Frame
    ) -> Cond:
        if isinstance(arg, ConstVal) and isinstance(arg.value, str):
            return self.predicate(field_value, operator, arg.value, arg, how, frame)
        if isinstance(arg, ConstVal) and arg.items is not None:
            return c_or(
                [
                    self.predicate(field_value, operator, str(i.value), i, how, frame)
                    for i in arg.items
                    if isinstance(i.value, str)
                ]
            )
        return UNKNOWN

    def regex_test(
        self,
        subject: Value,
        pattern: str,
        ignore_case: bool,
        token: RegexVal | ConstVal,
        anchors: str,
        how: str,
        frame: Frame,
    ) -> Cond:
        if not isinstance(subject, FieldVal):
            return UNKNOWN
        if anchors:
            pattern = _anchored(pattern, anchors.endswith("$"))
        simple = simplify_regex(pattern)
        line, column = (token.line, token.column)
        text = token.text if isinstance(token, RegexVal) else (token.text or pattern)
        const = ConstVal(pattern, None, line, column, text)
        if simple is None:
            return self.predicate(
                subject,
                "regex_match",
                pattern,
                const,
                how,
                frame,
                cased=not (ignore_case or subject.fold),
            )
        cased = not (ignore_case or simple.ignore_case or subject.fold)
        return c_or(
            [
                self.predicate(subject, op, value, const, how, frame, cased=cased)
                for op, value in simple.alternatives
            ]
        )

    def fnmatch_test(self, subject: Value, pattern: Value, frame: Frame, cased: bool) -> Cond:
        if not isinstance(subject, FieldVal):
            return UNKNOWN
        patterns = (
            [pattern] if isinstance(pattern, ConstVal) and isinstance(pattern.value, str) else []
        )
        if isinstance(pattern, ConstVal) and pattern.items is not None:
            patterns = [i for i in pattern.items if isinstance(i.value, str)]
        if not patterns:
            return UNKNOWN
        conds: list[Cond] = []
        for item in patterns:
            parts = _fnmatch_parts(str(item.value))
            if parts is None:
                conds.append(
                    self.predicate(
                        subject, "wildcard", str(item.value), item, "fnmatch", frame, cased=cased
                    )
                )
                continue
            operator, value = operator_for_parts(parts)
            conds.append(
                self.predicate(subject, operator, value, item, "fnmatch", frame, cased=cased)
            )
        return c_or(conds)

    # -- predicates -----------------------------------------------------------------------------

    def predicate(
        self,
        field_value: FieldVal,
        operator: str,
        value: str | None,
        token: ConstVal | None,
        how: str,
        frame: Frame,
        *,
        cased: bool | None = None,
    ) -> Cond:
        if field_value.alternatives:
            return c_or(
                [
                    self.predicate(
                        FieldVal(
                            path,
                            field_value.fold,
                            field_value.how,
                            (),
                            field_value.line,
                            field_value.column,
                        ),
                        operator,
                        value,
                        token,
                        how,
                        frame,
                        cased=cased,
                    )
                    for path in (field_value.path, *field_value.alternatives)
                ]
            )
        self._budget -= 1
        if self._budget < 0:
            raise RuleReadError("rule() expands to too many predicates")
        if cased is None:
            cased = not field_value.fold and operator not in ("is_null", "is_not_null")
            if token is not None and not isinstance(token.value, str):
                cased = False
        if token is not None and token.line:
            line, column = token.line, token.column
        elif field_value.line:
            line, column = field_value.line, field_value.column
        else:
            line, column = frame.call_site or (0, 0)
        raw = _raw_text(token)
        return make_predicate(
            self.fields,
            ".".join(field_value.path),
            operator,
            value,
            scopes=self.scopes,
            line=line,
            column=column,
            how=how,
            raw_value=raw,
            cased=cased,
        )


# -- small helpers --------------------------------------------------------------------------------

_OP_TEXT = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Lt: "<",
    ast.LtE: "<=",
}


def _mirror(op: ast.cmpop) -> ast.cmpop:
    mirrored = {ast.Gt: ast.Lt, ast.Lt: ast.Gt, ast.GtE: ast.LtE, ast.LtE: ast.GtE}.get(type(op))
    return mirrored() if mirrored is not None else op


def _disjunction(paths: list[tuple[list[Cond], Cond]]) -> Cond:
    """``or`` of the return paths, with the conditions every truthy path shares factored out.

    ``if not guard: return False`` then ``if a: return True`` then ``return b`` is
    ``guard and (a or b)``, not ``(guard and a) or (guard and b)``.
    """
    live = [(conds, value) for conds, value in paths if value is not FALSE and FALSE not in conds]
    if not live:
        return FALSE
    shared = [
        c for c in live[0][0] if all(any(c is other for other in conds) for conds, _ in live[1:])
    ]
    rest = [
        c_and(_prune([c for c in conds if not any(c is s for s in shared)] + [value]))
        for conds, value in live
    ]
    return c_and([*_prune(shared), c_or(rest)])


def _prune(conds: list[Cond]) -> list[Cond]:
    """Drop ``not (f == a)`` from a path that also requires ``f == b``: it adds nothing.

    ``if name == "A": ... return`` followed by ``elif name == "B": return ...`` leaves ``not
    name == "A"`` on the second path; it is implied by ``name == "B"`` and is no exclusion.
    """
    required: dict[str, list[Predicate]] = {}
    for cond in conds:
        for part in cond.children if isinstance(cond, And) else [cond]:
            for predicate in _equalities(part):
                required.setdefault(predicate.canonical_field, []).append(predicate)
    if not required:
        return conds
    kept: list[Cond] = []
    for cond in conds:
        if isinstance(cond, Not):
            negated = _equalities(cond.child)
            if negated and all(_implied(required.get(p.canonical_field, []), p) for p in negated):
                continue
        kept.append(cond)
    return kept


def _equalities(cond: Cond) -> list[Predicate]:
    """The eq predicates of one field that ``cond`` is (one, or an or of them)."""
    if isinstance(cond, Predicate) and cond.operator == "eq":
        return [cond]
    if (
        isinstance(cond, Or)
        and all(isinstance(c, Predicate) and c.operator == "eq" for c in cond.children)
        and len({c.canonical_field for c in cond.children}) == 1
    ):  # type: ignore[union-attr]
        return list(cond.children)  # type: ignore[arg-type]
    return []


def _implied(required: list[Predicate], negated: Predicate) -> bool:
    """``not negated`` follows from the field being one of ``required`` (values differ, any case)."""
    if not required or negated.value is None:
        return False
    for predicate in required:
        if predicate.value is None:
            return False
        if (
            predicate.value == negated.value
            or predicate.value.casefold() == negated.value.casefold()
        ):
            return False
    return True


def _wraps(
    node: ast.expr, value: FieldVal, env: dict[str, Value], interpreter: PythonRule, frame: Frame
) -> bool:
    """``[x]`` around the same field: iterating it is iterating the field."""
    return (
        isinstance(node, (ast.List, ast.Tuple))
        and len(node.elts) == 1
        and interpreter.eval(node.elts[0], env, frame) == value
    )


def _relocate(value: ConstVal | RegexVal, line: int, column: int) -> ConstVal | RegexVal:
    if isinstance(value, RegexVal):
        return replace(value, line=line, column=column)
    items = (
        tuple(_relocate(i, line, column) for i in value.items) if value.items is not None else None
    )  # type: ignore[misc]
    return replace(value, items=items, line=line, column=column)


def _const_compare(left: object, op: ast.cmpop, right: object) -> Cond:
    try:
        if isinstance(op, ast.Eq):
            return TRUE if left == right else FALSE
        if isinstance(op, ast.NotEq):
            return TRUE if left != right else FALSE
        if isinstance(op, ast.Is):
            return TRUE if left is right or (left == right and left is None) else FALSE
        if isinstance(op, ast.IsNot):
            return FALSE if left is right or (left == right and left is None) else TRUE
    except Exception:  # pragma: no cover - constants compare safely
        return UNKNOWN
    return UNKNOWN


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return canonical_number(value)
    return str(value)


def _raw_text(token: ConstVal | None) -> str | None:
    if token is None:
        return None
    if token.text is not None:
        text = token.text
        for prefix in ("r", "R", "b", "B", "u", "U", "rb", "br", "Rb", "bR", "RB", "BR"):
            if text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] in ("'", '"'):
                text = text[len(prefix) :]
                break
        if len(text) >= 6 and text[:3] in ('"""', "'''") and text[-3:] == text[:3]:
            return text[3:-3]
        if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
            return text[1:-1]
        return text
    return None if token.value is None else _text(token.value)


def _anchored(pattern: str, at_end: bool) -> str:
    """``re.match``/``re.fullmatch`` semantics as a search pattern (``^`` and ``$`` added)."""
    single = "|" not in pattern
    if not pattern.startswith("^"):
        pattern = "^" + pattern if single else "^(?:" + pattern + ")"
        single = True
    if at_end and not (pattern.endswith("$") and not pattern.endswith("\\$")):
        pattern = pattern + "$" if single else "(?:" + pattern + ")$"
    return pattern


def _fnmatch_parts(pattern: str) -> list[Part] | None:
    """fnmatch pattern -> wildcard parts (``*``, ``?``); None for ``[...]`` classes."""
    if "[" in pattern:
        return None
    parts: list[Part] = []
    buffer: list[str] = []
    for char in pattern:
        if char in "*?":
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            marker = MULTI if char == "*" else SINGLE
            if not (marker is MULTI and parts and parts[-1] is MULTI):
                parts.append(marker)
        else:
            buffer.append(char)
    if buffer:
        parts.append("".join(buffer))
    return parts


def _string_keys(args: list[Value]) -> list[str] | None:
    keys: list[str] = []
    for arg in args:
        if isinstance(arg, ConstVal) and isinstance(arg.value, str):
            keys.append(arg.value)
        elif (
            isinstance(arg, ConstVal)
            and isinstance(arg.value, int)
            and not isinstance(arg.value, bool)
        ):
            continue  # a list index inside deep_get
        else:
            return None
    return keys


def _names(target: ast.expr) -> Iterator[str]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node.id


MUTATORS = frozenset(
    {
        "append",
        "add",
        "extend",
        "update",
        "insert",
        "remove",
        "pop",
        "setdefault",
        "discard",
        "clear",
    }
)


def _assigned_names(statements: list[ast.stmt]) -> set[str]:
    """Names a block binds or mutates (their values are unknown after a loop over it)."""
    names: set[str] = set(_mutated_names(statements))
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def _mutated_names(statements: list[ast.stmt]) -> set[str]:
    """``x.append(...)``, ``x[k] = v``: the local ``x`` no longer holds its literal value."""
    names: set[str] = set()
    for statement in statements:
        for node in ast.walk(statement):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in MUTATORS
                and isinstance(node.func.value, ast.Name)
            ):
                names.add(node.func.value.id)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
            ):
                names.add(node.value.id)
    return names


def _merge(before: State, body: State, orelse: State) -> State:
    """Join two fall-through paths of an ``if``: shared conditions stay, the rest is an or."""
    prefix = len(before.conds)
    extra_body = [c for c, soft in body.conds[prefix:] if not soft]
    extra_else = [c for c, soft in orelse.conds[prefix:] if not soft]
    conds = list(before.conds)
    if len(extra_body) > 1 or len(extra_else) > 1:
        joined = c_or([c_and(extra_body), c_and(extra_else)])
        if joined is not TRUE and joined is not UNKNOWN:
            conds.append((joined, False))
    env: dict[str, Value] = {}
    for name in set(body.env) | set(orelse.env):
        left, right = body.env.get(name), orelse.env.get(name)
        env[name] = (
            left if left == right and left is not None else UnknownVal("differs between branches")
        )
    return State(conds, env)
