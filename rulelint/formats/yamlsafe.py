"""Safe YAML loading that keeps line numbers and refuses hostile documents.

PyYAML's C loader composes the node graph; we then bound it (expanded size, so alias bombs fail
fast, and depth), refuse duplicate keys (YAML forbids them, PyYAML silently keeps the last), and
construct plain data whose mappings and sequences remember the line of each key and item.
"""

from __future__ import annotations

import io
import re
from typing import Any

import yaml

from rulelint.formats.errors import RuleReadError

try:  # the C loader is what makes reading thousands of rules fast
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

MAX_NODES = 200_000
MAX_DEPTH = 200
MAX_FLOW_BRACKETS = 20_000
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
    pass


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
        try:
            return int(value)
        except ValueError:
            return _SAFE.construct_yaml_int(node)
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

    Shared (aliased) nodes construct once and are shared, like PyYAML's constructor.
    """
    if isinstance(root, yaml.ScalarNode):
        return _scalar(root)
    built: dict[int, Any] = {}
    pending: list[yaml.Node] = [root]
    while pending:
        node = pending.pop()
        ident = id(node)
        if ident in built:
            continue
        if isinstance(node, yaml.ScalarNode):
            built[ident] = _scalar(node)
            continue
        children = _children(node)
        missing = [child for child in children if id(child) not in built and not isinstance(child, yaml.ScalarNode)]
        if missing:
            pending.append(node)
            pending.extend(missing)
            continue
        built[ident] = _build_collection(node, built)
    return built[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value)


def _value(node: yaml.Node, built: dict[int, Any]) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    return built[id(node)]


def _build_collection(node: yaml.Node, built: dict[int, Any]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise RuleReadError(f"unsupported YAML tag {node.tag!r}", line)
        items = LineList()
        items.line = line
        for child in node.value:
            items.append(_value(child, built))
            items.lines.append(child.start_mark.line + 1)
        return items
    if node.tag != _MAP:
        raise RuleReadError(f"unsupported YAML tag {node.tag!r}", line)
    mapping = LineDict()
    mapping.line = line
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if key_node.tag == "tag:yaml.org,2002:merge":
            _merge(mapping, _value(value_node, built), key_line)
            continue
        key = _value(key_node, built)
        try:
            hash(key)
        except TypeError:
            raise RuleReadError("a mapping key is not a plain value", key_line) from None
        if key in mapping:
            raise RuleReadError(f"duplicate key {key!r}", key_line)
        mapping[key] = _value(value_node, built)
        mapping.key_lines[key] = key_line
        mapping.value_lines[key] = value_node.start_mark.line + 1
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
    """Fail when the document, with aliases expanded, is too large or too deep."""
    expanded: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if depth > MAX_DEPTH:
            raise RuleReadError(f"YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        ident = id(node)
        if ident in expanded:
            continue
        if isinstance(node, yaml.ScalarNode):
            expanded[ident] = 1
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                children.extend((key, value))
        else:
            children = list(node.value)
        if not children_done:
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in children if id(child) not in expanded)
            continue
        total = 1 + sum(expanded.get(id(child), 1) for child in children)
        if total > MAX_NODES:
            raise RuleReadError(
                f"YAML document expands to more than {MAX_NODES:,} nodes (an alias bomb?)",
                node.start_mark.line + 1,
            )
        expanded[ident] = total


def _flow_guard(data: bytes) -> None:
    # libyaml recurses on flow collections; refuse absurd bracket nesting before it parses.
    if data.count(b"[") + data.count(b"{") <= MAX_FLOW_BRACKETS:
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
