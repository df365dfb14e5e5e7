"""Safe YAML loading that keeps line numbers and refuses hostile documents.

PyYAML's C loader composes the node graph; we then bound it (expanded size, so alias bombs fail
fast, and depth), refuse duplicate keys (YAML forbids them, PyYAML silently keeps the last), and
construct plain data whose mappings and sequences remember the line of each key and item.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import yaml

from rulelint.formats.errors import RuleReadError

try:  # the C loader is what makes reading thousands of rules fast
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

MAX_NODES = 200_000
MAX_DEPTH = 200
_ANCHOR = re.compile(rb"(?:^|[\s\[{,:-])&[^\s]")


class LineDict(dict):
    """A mapping that remembers where it, its keys and its values start (1-based lines)."""

    __slots__ = ("key_lines", "line", "value_lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.key_lines: dict[Any, int] = {}
        self.value_lines: dict[Any, int] = {}


class LineList(list):
    """A sequence that remembers the line of each item."""

    __slots__ = ("line", "lines")

    def __init__(self) -> None:
        super().__init__()
        self.line = 0
        self.lines: list[int] = []


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The C loader with a leaner implicit-tag resolver.

    libyaml calls back into Python to resolve every scalar's tag; PyYAML's resolver tries its
    regular expressions even for quoted scalars, which are always strings. This one answers quoted
    scalars at once and otherwise uses PyYAML's own first-character table, so the tags are the
    same (YAML 1.1) and reading is about a third faster.
    """

    _implicit = yaml.resolver.Resolver.yaml_implicit_resolvers

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if not implicit[0]:
                return "tag:yaml.org,2002:str"
            for tag, regexp in self._implicit.get(value[:1] if value else "", ()):
                if regexp.match(value):
                    return tag
            return "tag:yaml.org,2002:str"
        return super().resolve(kind, value, implicit)


_ScalarNode = yaml.ScalarNode
_MappingNode = yaml.MappingNode
_SequenceNode = yaml.SequenceNode
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_SAFE = yaml.constructor.SafeConstructor()


def _scalar(node: yaml.ScalarNode) -> Any:
    """A scalar by its resolved tag; exotic forms go through PyYAML's own safe constructor."""
    tag = node.tag
    value = node.value
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:int":
        digits = value.lstrip("+-")
        if digits.isdigit() and (digits == "0" or not digits.startswith("0")):
            return int(value)
        return _SAFE.construct_yaml_int(node)  # YAML 1.1 octal (017), hex, binary, 1_000, 1:30
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(value)
        except ValueError:
            return _SAFE.construct_yaml_float(node)
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL[value.lower()]
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:timestamp":
        return value  # rule dates stay text: a bad date must not fail a rule
    if tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:value"):
        return value
    raise RuleReadError(f"unsupported YAML tag {tag!r}", node.start_mark.line + 1)


def _construct(root: yaml.Node) -> Any:
    """Plain data from a node graph, iteratively (no recursion limit), keeping line numbers.

    Shared (aliased) nodes construct once and are shared, like PyYAML's constructor; a recursive
    alias (a collection containing itself) is refused.
    """
    if type(root) is _ScalarNode:
        return _scalar(root)
    built: dict[int, Any] = {}
    visiting: set[int] = set()
    pending: list[yaml.Node] = [root]
    while pending:
        node = pending[-1]
        ident = id(node)
        if ident in built:
            pending.pop()
            continue
        visiting.add(ident)
        if len(visiting) > MAX_DEPTH:  # the nodes being built are the path from the root
            raise RuleReadError(
                f"YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
            )
        waiting = False
        children = (
            [part for pair in node.value for part in pair]
            if type(node) is _MappingNode
            else node.value
        )
        for child in children:
            if type(child) is not _ScalarNode and id(child) not in built:
                if id(child) in visiting:
                    raise RuleReadError(
                        "recursive YAML alias (a collection contains itself)",
                        child.start_mark.line + 1,
                    )
                pending.append(child)
                waiting = True
        if waiting:
            continue
        pending.pop()
        visiting.discard(ident)
        built[ident] = _build_collection(node, built)
    return built[id(root)]


def _build_collection(node: yaml.Node, built: dict[int, Any]) -> Any:
    line = node.start_mark.line + 1
    if type(node) is _SequenceNode:
        if node.tag != _SEQ:
            raise RuleReadError(f"unsupported YAML tag {node.tag!r}", line)
        items = LineList()
        items.line = line
        lines = items.lines
        for child in node.value:
            if type(child) is _ScalarNode:
                items.append(child.value if child.tag == _STR else _scalar(child))
            else:
                items.append(built[id(child)])
            lines.append(child.start_mark.line + 1)
        return items
    if node.tag != _MAP:
        raise RuleReadError(f"unsupported YAML tag {node.tag!r}", line)
    mapping = LineDict()
    mapping.line = line
    key_lines = mapping.key_lines
    value_lines = mapping.value_lines
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if type(key_node) is _ScalarNode:
            if key_node.tag == _STR:
                key = key_node.value
            elif key_node.tag == "tag:yaml.org,2002:merge":
                merged = (
                    built[id(value_node)]
                    if type(value_node) is not _ScalarNode
                    else _scalar(value_node)
                )
                _merge(mapping, merged, key_line)
                continue
            else:
                key = _scalar(key_node)
        else:
            raise RuleReadError("a mapping key is not a plain value", key_line)
        if key in mapping:
            raise RuleReadError(f"duplicate key {key!r}", key_line)
        if type(value_node) is _ScalarNode:
            mapping[key] = value_node.value if value_node.tag == _STR else _scalar(value_node)
        else:
            mapping[key] = built[id(value_node)]
        key_lines[key] = key_line
        value_lines[key] = value_node.start_mark.line + 1
    return mapping


def _merge(mapping: LineDict, source: Any, line: int) -> None:
    sources = source if isinstance(source, list) else [source]
    for item in sources:
        if not isinstance(item, dict):
            raise RuleReadError("a merge key ('<<') must refer to a mapping", line)
        for key, value in item.items():
            if key not in mapping:
                mapping[key] = value
                mapping.key_lines[key] = line
                mapping.value_lines[key] = line


def _check_bounds(root: yaml.Node) -> None:
    """Fail when the document, with aliases expanded, is too large, too deep or recursive."""
    expanded: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise RuleReadError(
                f"YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
            )
        ident = id(node)
        if ident in expanded:
            continue
        if type(node) is _ScalarNode:
            expanded[ident] = 1
            continue
        children = (
            [part for pair in node.value for part in pair]
            if type(node) is _MappingNode
            else list(node.value)
        )
        if not children_done:
            if ident in visiting:
                raise RuleReadError(
                    "recursive YAML alias (a collection contains itself)", node.start_mark.line + 1
                )
            visiting.add(ident)
            stack.append((node, depth, True))
            stack.extend(
                (child, depth + 1, False) for child in children if id(child) not in expanded
            )
            continue
        visiting.discard(ident)
        total = 1 + sum(expanded.get(id(child), 1) for child in children)
        if total > MAX_NODES:
            raise RuleReadError(
                f"YAML document expands to more than {MAX_NODES:,} nodes (an alias bomb?)",
                node.start_mark.line + 1,
            )
        expanded[ident] = total


def _flow_guard(data: bytes) -> None:
    # libyaml recurses on flow collections; refuse absurd bracket nesting before it parses.
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:
        return
    depth = 0
    for byte in data:
        if byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_DEPTH:
                raise RuleReadError(f"YAML nested deeper than {MAX_DEPTH} levels")
        elif byte in (0x5D, 0x7D):
            depth = max(0, depth - 1)


def _mark_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return mark.line + 1 if mark is not None else 0


def load_yaml_documents(text: str | bytes) -> list[Any]:
    """All documents of a YAML stream, as LineDict/LineList/scalars."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    _flow_guard(data)
    # libyaml reads a stream far faster than a bytes object handed over whole
    loader = _Loader(io.BytesIO(data))
    # an anchor starts a node (after space, "[", "{", ",", ":" or "-"); "ATT&CK" is no anchor
    may_alias = b"&" in data and _ANCHOR.search(data) is not None
    documents: list[Any] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if may_alias:  # without anchors the node count is bounded by the file size
                _check_bounds(node)
            documents.append(_construct(node))
    except RuleReadError:
        raise
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise RuleReadError(f"invalid YAML: {problem}", _mark_line(error)) from None
    except RecursionError:
        raise RuleReadError(f"YAML nested deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return documents


def load_yaml(text: str | bytes) -> Any:
    """The single document of a YAML file (the first, when there are several)."""
    documents = load_yaml_documents(text)
    return documents[0] if documents else None


def block_scalar_position(document: Mapping[str, Any], key: str, text: str) -> tuple[int, int]:
    """(line of the first character of ``document[key]``, its column offset in the file): where
    a query held in YAML starts, so its own line numbers become the file's.

    A block scalar (``query: |``) starts a line below its key, indented; for other scalars the
    line is the key's and columns are not tracked (offset -1: columns reported as 0).
    """
    if not isinstance(document, LineDict):
        return 0, -1
    value_line = document.value_lines.get(key, 0)
    key_line = document.key_lines.get(key, 0)
    lines = text.splitlines()
    header = lines[key_line - 1] if 0 < key_line <= len(lines) else ""
    if value_line == key_line and re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", header):
        for line in lines[key_line:]:
            if line.strip():
                return key_line + 1, len(line) - len(line.lstrip(" "))
        return key_line + 1, 0
    return value_line, -1
