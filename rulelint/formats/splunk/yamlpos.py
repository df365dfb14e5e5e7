"""Where each character of a YAML scalar came from: offsets in a loaded value -> file line/column.

The loader gives the line where a value starts; a predicate inside a multi-line SPL search needs
the line of its own text. YAML folds quoted and plain scalars (a line break becomes a space, blank
lines become newlines, ``''`` is one quote, double-quoted escapes shrink), so we re-scan the raw
text with the same folding rules and keep, per run of copied characters, its source position. The
result is checked against the loaded value; when they differ (an exotic form), the map is still
used as a best-effort approximation that points into the search's own lines.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

KEY_PREFIX = r"^[ \t]*(?:-[ \t]+)?(?:{key}|'{key}'|\"{key}\")[ \t]*:[ \t]*"
DOUBLE_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
}


@dataclass(slots=True)
class PositionMap:
    """Value offset -> (line, column), both 1-based, from runs of characters copied verbatim."""

    starts: list[int] = field(default_factory=list)  # value offset where each run starts
    lines: list[int] = field(default_factory=list)
    columns: list[int] = field(default_factory=list)
    exact: bool = True
    first_line: int = 1
    last_line: int = 1

    def add(self, offset: int, line: int, column: int) -> None:
        if self.starts and self.starts[-1] == offset:
            self.lines[-1], self.columns[-1] = line, column
            return
        self.starts.append(offset)
        self.lines.append(line)
        self.columns.append(column)

    def locate(self, offset: int) -> tuple[int, int]:
        if not self.starts:
            return self.first_line, 1
        index = max(0, bisect_right(self.starts, offset) - 1)
        line = self.lines[index]
        column = self.columns[index] + max(0, offset - self.starts[index])
        return min(max(line, self.first_line), self.last_line), column


class _Builder:
    """Collects emitted characters and their positions while a scalar is re-scanned."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.map = PositionMap()

    def emit(self, text: str, line: int, column: int) -> None:
        if not text:
            return
        self.map.add(self.length, line, column)
        self.parts.append(text)
        self.length += len(text)

    def emit_synthetic(self, text: str, line: int, column: int) -> None:
        """Folding output (a space or newline) that does not copy source characters."""
        self.emit(text, line, column)

    def value(self) -> str:
        return "".join(self.parts)


def scalar_positions(text: str, key: str, value_line: int, value: str) -> PositionMap:
    """The position map of the scalar ``value`` of ``key`` whose value starts on ``value_line``."""
    lines = text.split("\n")
    if not 1 <= value_line <= len(lines):
        return _flat(value_line, value)
    first = lines[value_line - 1].rstrip("\r")
    prefix = re.match(KEY_PREFIX.format(key=re.escape(key)), first)
    start = prefix.end() if prefix else len(first) - len(first.lstrip())
    indicator = first[start : start + 1]
    try:
        if indicator == "'":
            builder = _quoted(lines, value_line, start + 1, single=True)
        elif indicator == '"':
            builder = _quoted(lines, value_line, start + 1, single=False)
        elif indicator in ("|", ">"):
            builder = _block(lines, value_line, first[start:], folded=indicator == ">")
        else:
            builder = _plain(lines, value_line, start)
    except IndexError:
        return _flat(value_line, value)
    result = builder.map
    result.first_line = value_line
    result.last_line = max(result.lines, default=value_line)
    result.exact = builder.value() == value
    return result


def _flat(line: int, value: str) -> PositionMap:
    result = PositionMap(exact=False, first_line=line, last_line=line)
    result.add(0, line, 1)
    return result


def _fold(builder: _Builder, blank_lines: int, line: int) -> None:
    """A line break inside a flow scalar: a space, or one newline per blank line."""
    builder.emit_synthetic("\n" * blank_lines if blank_lines else " ", line, 1)


def _quoted(lines: list[str], value_line: int, start: int, *, single: bool) -> _Builder:
    builder = _Builder()
    index = value_line - 1
    column = start
    blank = 0
    first = True
    while index < len(lines):
        raw = lines[index].rstrip("\r")
        if not first:
            stripped = raw.lstrip(" \t")
            if not stripped:
                blank += 1
                index += 1
                continue
            column = len(raw) - len(stripped)
        closed, escaped_break = _scan_quoted_line(
            builder, raw, index + 1, column, single, first, blank
        )
        first = False
        blank = 0
        if closed:
            return builder
        if escaped_break:
            blank = -1  # a trailing backslash joins lines without a space
        index += 1
    return builder


def _scan_quoted_line(
    builder: _Builder, raw: str, line: int, column: int, single: bool, first: bool, blank: int
) -> tuple[bool, bool]:
    """Emit one source line of a quoted scalar; (closed, ended with an escaped line break)."""
    if not first and blank >= 0:
        _fold(builder, blank, line)
    end = len(raw)
    run_start = column
    position = column
    pending: list[
        tuple[str, int]
    ] = []  # runs of this line, trailing white space trimmed at the end
    while position < end:
        char = raw[position]
        if single and char == "'":
            if position + 1 < end and raw[position + 1] == "'":
                pending.append((raw[run_start:position] + "'", run_start))
                position += 2
                run_start = position
                continue
            pending.append((raw[run_start:position], run_start))
            _flush(builder, pending, line, trim=False)
            return True, False
        if not single and char == '"':
            pending.append((raw[run_start:position], run_start))
            _flush(builder, pending, line, trim=False)
            return True, False
        if not single and char == "\\":
            pending.append((raw[run_start:position], run_start))
            if position + 1 >= end:
                _flush(builder, pending, line, trim=False)
                return False, True
            code = raw[position + 1]
            if code in ("x", "u", "U"):
                width = {"x": 2, "u": 4, "U": 8}[code]
                digits = raw[position + 2 : position + 2 + width]
                pending.append((chr(int(digits, 16)), position))
                position += 2 + width
            else:
                pending.append((DOUBLE_ESCAPES.get(code, code), position))
                position += 2
            run_start = position
            continue
        position += 1
    pending.append((raw[run_start:end], run_start))
    _flush(builder, pending, line, trim=True)
    return False, False


def _flush(builder: _Builder, pending: list[tuple[str, int]], line: int, *, trim: bool) -> None:
    if trim:  # white space before a line break is not content
        while pending:
            text, column = pending[-1]
            stripped = text.rstrip(" \t")
            if stripped:
                pending[-1] = (stripped, column)
                break
            pending.pop()
    for text, column in pending:
        builder.emit(text, line, column + 1)
    pending.clear()


def _plain(lines: list[str], value_line: int, start: int) -> _Builder:
    builder = _Builder()
    first_raw = lines[value_line - 1].rstrip("\r")
    key_indent = len(first_raw) - len(first_raw.lstrip(" "))
    builder.emit(_plain_content(first_raw[start:]), value_line, start + 1)
    blank = 0
    index = value_line
    while index < len(lines):
        raw = lines[index].rstrip("\r")
        stripped = raw.strip(" \t")
        if not stripped:
            blank += 1
            index += 1
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent <= key_indent or stripped.startswith("#"):
            break
        _fold(builder, blank, index + 1)
        blank = 0
        builder.emit(_plain_content(stripped), index + 1, indent + 1)
        index += 1
    return builder


def _plain_content(text: str) -> str:
    comment = text.find(" #")
    if comment >= 0:
        text = text[:comment]
    return text.rstrip(" \t")


def _block(lines: list[str], value_line: int, header: str, *, folded: bool) -> _Builder:
    builder = _Builder()
    indicators = re.match(r"[|>]([+-]?)(\d?)([+-]?)", header)
    chomp = ""
    explicit = 0
    if indicators:
        chomp = indicators.group(1) or indicators.group(3)
        explicit = int(indicators.group(2) or 0)
    header_raw = lines[value_line - 1]
    parent_indent = len(header_raw) - len(header_raw.lstrip(" "))
    content: list[tuple[int, str | None]] = []  # (line number, text or None for blank)
    indent = parent_indent + explicit if explicit else 0
    index = value_line
    while index < len(lines):
        raw = lines[index].rstrip("\r")
        if not raw.strip():
            content.append((index + 1, None))
            index += 1
            continue
        current = len(raw) - len(raw.lstrip(" "))
        if not indent:
            indent = current
        if current < indent or current <= parent_indent:
            break
        content.append((index + 1, raw[indent:]))
        index += 1
    while content and content[-1][1] is None:
        content.pop()
    previous: str | None = None  # the last non-blank line's text
    blanks = 0
    for line, text in content:
        if text is None:
            blanks += 1
            continue
        if previous is not None:
            if not folded:
                builder.emit_synthetic("\n" * (blanks + 1), line, 1)
            elif blanks:
                builder.emit_synthetic("\n" * blanks, line, 1)
            elif text[:1] in (" ", "\t") or previous[:1] in (" ", "\t"):
                builder.emit_synthetic("\n", line, 1)
            else:
                builder.emit_synthetic(" ", line, indent + 1)
        builder.emit(text, line, indent + 1)
        previous = text
        blanks = 0
    if content and chomp != "-":
        builder.emit_synthetic("\n", content[-1][0], 1)
    return builder
