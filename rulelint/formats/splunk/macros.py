"""Splunk search macros: the table of definitions, and expansion that keeps source positions.

security_content keeps one macro per file under ``macros/`` beside ``detections/``
(``name``, ``definition``, optional ``arguments``). A few macros every detection calls are part of
Splunk ES / ESCU rather than of the repository (``drop_dm_object_name``); their definitions ship in
``rulelint/data/macros/splunk.tsv`` and are used when the rule's own tree does not define them.

Expansion is textual, like Splunk's, and quote-aware (a backtick inside a quoted string is text);
triple-backtick comments are removed. Each piece of the expanded search remembers the offset of
the text it came from in the original search (a macro's whole body maps to the macro call) and the
chain of macros it sits in, so a predicate from ``process_powershell`` points at the line of
`` `process_powershell` `` and a source macro (``sysmon``) can be told from a filtering one.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from rulelint.formats.errors import RuleReadError
from rulelint.formats.yamlsafe import load_yaml
from rulelint.vocab.tables import read_table

MAX_DEPTH = 20
MAX_EXPANDED = 512 * 1024
MAX_MACRO_FILE = 256 * 1024
ARGUMENT = re.compile(r"\$([A-Za-z_][\w]*)\$")
CALL = re.compile(r"\s*([A-Za-z0-9_:.\-]+)\s*(?:\((.*)\))?\s*\Z", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    arguments: tuple[str, ...]
    definition: str
    source: str = ""


class MacroTable:
    """Macros by (name, number of arguments), as Splunk keys them (``foo(2)``)."""

    def __init__(self, macros: list[Macro] | None = None, root: str | None = None) -> None:
        self.root = root
        self._macros: dict[tuple[str, int], Macro] = {}
        for macro in macros or ():
            self._macros.setdefault((macro.name, len(macro.arguments)), macro)

    def get(self, name: str, arity: int) -> Macro | None:
        found = self._macros.get((name, arity))
        if found is None:
            found = builtin_macros().get((name, arity))
        return found

    def __len__(self) -> int:
        return len(self._macros)


@cache
def builtin_macros() -> dict[tuple[str, int], Macro]:
    """ES/ESCU macros detections call but repositories do not define (data/macros/splunk.tsv)."""
    found: dict[tuple[str, int], Macro] = {}
    for row in read_table("macros/splunk.tsv", min_columns=3):
        name, arguments, definition = row[0], row[1], row[2]
        args = tuple(a.strip() for a in arguments.split(",") if a.strip() and a.strip() != "-")
        found[(name, len(args))] = Macro(name, args, definition, "builtin")
    return found


def load_macro_dir(directory: str) -> MacroTable:
    """Every ``*.yml``/``*.yaml`` macro definition in a folder; unreadable files are skipped."""
    macros: list[Macro] = []
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    for name in names:
        if not name.endswith((".yml", ".yaml")):
            continue
        path = os.path.join(directory, name)
        try:
            if os.path.getsize(path) > MAX_MACRO_FILE:
                continue
            with open(path, encoding="utf-8") as handle:
                data = load_yaml(handle.read())
        except (OSError, UnicodeDecodeError, RuleReadError):
            continue
        macro = _macro_from(data, path)
        if macro is not None:
            macros.append(macro)
    return MacroTable(macros, os.path.dirname(directory))


def _macro_from(data: object, path: str) -> Macro | None:
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    definition = data.get("definition")
    if not isinstance(name, str) or definition is None:
        return None
    arguments = data.get("arguments") or []
    if not isinstance(arguments, list):
        arguments = []
    match = re.match(r"^([^()]+)\((\d+)\)$", name.strip())  # macros.conf style "name(2)"
    if match:
        name = match.group(1)
    return Macro(name.strip(), tuple(str(a) for a in arguments), str(definition), path)


@lru_cache(maxsize=256)
def macros_for_root(root: str) -> MacroTable:
    """The macro table of a content root, loaded once per root."""
    return load_macro_dir(os.path.join(root, "macros"))


@lru_cache(maxsize=4096)
def _root_of_dir(directory: str) -> str | None:
    current = Path(directory)
    for candidate in (current, *current.parents):
        if (candidate / "macros").is_dir() and (candidate / "detections").is_dir():
            return str(candidate)
    return None


def find_root(rule_path: str) -> str | None:
    """The folder above a detection that holds ``macros/`` beside ``detections/``, if any."""
    if not rule_path:
        return None
    directory = os.path.dirname(os.path.abspath(rule_path))
    return _root_of_dir(directory)


def table_for(rule_path: str) -> MacroTable:
    root = find_root(rule_path)
    return macros_for_root(root) if root else MacroTable()


# -- expansion -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Segment:
    """A piece of expanded text: ``start`` in the expansion, ``origin`` in the original search.

    ``linear`` pieces were copied (offsets advance together); a macro body maps as a whole to the
    macro call. ``chain`` names the macros, outermost first, the piece was expanded from.
    """

    start: int
    origin: int
    linear: bool
    chain: tuple[str, ...] = ()


@dataclass(slots=True)
class Expansion:
    text: str
    segments: list[Segment]
    filter_macros: list[tuple[str, int]] = field(default_factory=list)  # (name, origin offset)
    unexpanded: list[tuple[str, int]] = field(default_factory=list)
    expanded: list[str] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    def _segment(self, offset: int) -> Segment | None:
        if not self._starts:
            self._starts = [segment.start for segment in self.segments]
        index = bisect_right(self._starts, offset) - 1
        return self.segments[index] if index >= 0 else None

    def origin(self, offset: int) -> int:
        segment = self._segment(offset)
        if segment is None:
            return offset
        return segment.origin + (offset - segment.start if segment.linear else 0)

    def chain(self, offset: int) -> tuple[str, ...]:
        segment = self._segment(offset)
        return segment.chain if segment else ()


class _Expander:
    def __init__(self, table: MacroTable) -> None:
        self.table = table
        self.result = Expansion("", [])
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str, origin: int, linear: bool, chain: tuple[str, ...]) -> None:
        if not text:
            return
        if self.length + len(text) > MAX_EXPANDED:
            raise RuleReadError(f"search expands to more than {MAX_EXPANDED:,} characters")
        segments = self.result.segments
        last = segments[-1] if segments else None
        contiguous = (
            last is not None
            and linear
            and last.linear
            and last.chain == chain
            and last.origin + (self.length - last.start) == origin
        )
        if not contiguous and not (
            last
            and not linear
            and not last.linear
            and last.chain == chain
            and last.origin == origin
        ):
            segments.append(Segment(self.length, origin, linear, chain))
        self.parts.append(text)
        self.length += len(text)

    def expand(self, text: str, base: int | None, chain: tuple[str, ...], depth: int) -> None:
        """Copy ``text`` with macros expanded. ``base`` is its offset in the original search, or
        None inside a macro body (every piece then maps to ``anchor``)."""
        anchor = self._anchor
        index = 0
        length = len(text)
        run = 0
        while index < length:
            char = text[index]
            if char == "`" and text.startswith("```", index):
                self._copy(text, run, index, base, chain, anchor)
                end = text.find("```", index + 3)
                end = length if end < 0 else end + 3
                self.add(" ", base + index if base is not None else anchor, base is not None, chain)
                index = run = end
                continue
            if char == '"':
                index = _after_string(text, index)
                continue
            if char == "`":
                end = text.find("`", index + 1)
                if end < 0:
                    index += 1
                    continue
                self._copy(text, run, index, base, chain, anchor)
                origin = base + index if base is not None else anchor
                self._call(text[index + 1 : end], text[index : end + 1], origin, chain, depth)
                index = run = end + 1
                continue
            index += 1
        self._copy(text, run, length, base, chain, anchor)

    _anchor = 0

    def _copy(
        self, text: str, start: int, end: int, base: int | None, chain: tuple[str, ...], anchor: int
    ) -> None:
        if end > start:
            self.add(
                text[start:end],
                base + start if base is not None else anchor,
                base is not None,
                chain,
            )

    def _call(self, inner: str, raw: str, origin: int, chain: tuple[str, ...], depth: int) -> None:
        match = CALL.match(inner)
        if not match:
            self.add(raw, origin, False, chain)
            self.result.unexpanded.append((inner.strip(), origin))
            return
        name = match.group(1)
        arguments = split_arguments(match.group(2)) if match.group(2) is not None else []
        macro = self.table.get(name, len(arguments))
        if macro is None:
            if name.endswith("_filter") and not arguments:
                self.result.filter_macros.append((name, origin))
                self.add(" ", origin, False, (*chain, name))
            else:
                self.result.unexpanded.append((name, origin))
                self.add(raw, origin, False, chain)
            return
        if depth >= MAX_DEPTH or name in chain:
            raise RuleReadError(f"macro `{name}` expands recursively")
        body = macro.definition
        if macro.arguments:
            values = dict(zip(macro.arguments, arguments, strict=False))
            body = ARGUMENT.sub(lambda m: values.get(m.group(1), m.group(0)), body)
        if name.endswith("_filter"):
            self.result.filter_macros.append((name, origin))
        self.result.expanded.append(name)
        saved = self._anchor
        self._anchor = origin
        self.expand(body, None, (*chain, name), depth + 1)
        self._anchor = saved


def skip_string(text: str, index: int, quote: str = '"') -> int:
    """The offset after the quoted string starting at ``index``; -1 when it is not closed."""
    position = index + 1
    length = len(text)
    while position < length:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if char == quote:
            return position + 1
        position += 1
    return -1


def _after_string(text: str, index: int) -> int:
    """Where scanning resumes after a string: its end, or the end of an unclosed one."""
    end = skip_string(text, index)
    return len(text) if end < 0 else end


def split_arguments(text: str) -> list[str]:
    """Macro call arguments: commas at the top level (outside quotes and parentheses)."""
    if not text.strip():
        return []
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _after_string(text, index)
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index].strip())
            start = index + 1
        index += 1
    parts.append(text[start:].strip())
    return parts


def expand(search: str, table: MacroTable) -> Expansion:
    """The search with comments removed and macros expanded, with its position segments."""
    expander = _Expander(table)
    expander.expand(search, 0, (), 0)
    result = expander.result
    result.text = "".join(expander.parts)
    return result
