"""Value canonicalization shared by every reader.

Vendors write the same test many ways: ``Image|endswith: '\\net.exe'``, ``Image: '*\\net.exe'``,
``process.name : "NET.EXE"``, ``Processes.process_name=net.exe``. These helpers turn wildcard
patterns into operators, fold case where the vendor compares case-insensitively, and make the
path/name equivalence explicit, so the catalog counts one indicator once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rulelint.model import KEYWORD_FIELD, Predicate
from rulelint.vocab.fields import FieldMap, path_name_pairs


class Wildcard:
    """A wildcard marker inside a pattern split into parts."""

    __slots__ = ("symbol",)

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def __repr__(self) -> str:
        return f"Wildcard({self.symbol!r})"


MULTI = Wildcard("*")
SINGLE = Wildcard("?")

#: Windows paths are canonical on any drive: ``C:\Windows\`` is ``?:\Windows\``, the way Elastic
#: rules write it, so the same indicator counts once whichever drive a rule names.
ANY_DRIVE = "?"
DRIVE_OPERATORS = frozenset({"eq", "starts_with", "contains", "wildcard"})

Part = str | Wildcard


_BACKSLASH_TOKENS = re.compile(r"\\[*?\\]|[*?]")


def split_wildcards(text: str, escape: str | None = "\\", single: bool = True) -> list[Part]:
    """Split a vendor pattern into literal text and wildcard markers.

    ``escape`` is the escape character that makes a following ``*``/``?`` literal (``None`` when
    the vendor has none); the escape itself is dropped only before a wildcard or itself (Sigma's
    rule, which pySigma implements). Consecutive ``*`` collapse into one marker.
    """
    if escape == "\\" and single:
        if "*" not in text and "?" not in text and "\\" not in text:
            return [text] if text else []
        return _split_backslash(text)
    parts: list[Part] = []
    buffer: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if (
            escape
            and char == escape
            and index + 1 < length
            and text[index + 1] in ("*", "?", escape)
        ):
            buffer.append(text[index + 1])
            index += 2
            continue
        if char == "*" or (single and char == "?"):
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            marker = MULTI if char == "*" else SINGLE
            if not (marker is MULTI and parts and parts[-1] is MULTI):
                parts.append(marker)
        else:
            buffer.append(char)
        index += 1
    if buffer:
        parts.append("".join(buffer))
    return parts


def _split_backslash(text: str) -> list[Part]:
    parts: list[Part] = []
    buffer: list[str] = []
    position = 0
    for match in _BACKSLASH_TOKENS.finditer(text):
        buffer.append(text[position : match.start()])
        token = match.group()
        position = match.end()
        if len(token) == 2:  # an escaped wildcard or backslash: the character itself
            buffer.append(token[1])
            continue
        literal = "".join(buffer)
        buffer = []
        if literal:
            parts.append(literal)
        marker = MULTI if token == "*" else SINGLE
        if not (marker is MULTI and parts and parts[-1] is MULTI):
            parts.append(marker)
    buffer.append(text[position:])
    literal = "".join(buffer)
    if literal:
        parts.append(literal)
    return parts


def pattern_text(parts: Sequence[Part]) -> str:
    """A pattern back as text, literal ``*``/``?``/``\\`` escaped with a backslash."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, Wildcard):
            out.append(part.symbol)
        else:
            out.append(part.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?"))
    return "".join(out)


def operator_for_parts(parts: Sequence[Part]) -> tuple[str, str | None]:
    """The canonical operator and value of a wildcard pattern.

    ``*x*`` is ``contains x``, ``*x`` ``ends_with x``, ``x*`` ``starts_with x``, ``x`` ``eq x``,
    ``*`` alone ``is_not_null``; a pattern with inner wildcards stays ``wildcard``.
    """
    if not parts:
        return "eq", ""
    if (
        len(parts) > 1
        and parts[0] is SINGLE
        and isinstance(parts[1], str)
        and parts[1].startswith(":\\")
    ):
        # ?:\Windows\... is a path on any drive: the same indicator as C:\Windows\...
        operator, value = operator_for_parts([ANY_DRIVE + parts[1], *parts[2:]])
        if operator != "wildcard":
            return operator, value
    leading = parts[0] is MULTI
    trailing = parts[-1] is MULTI
    if len(parts) == 1 and leading:
        return "is_not_null", None
    inner = parts[(1 if leading else 0) : (len(parts) - 1 if trailing else len(parts))]
    if all(isinstance(part, str) for part in inner):
        text = "".join(inner)  # type: ignore[arg-type]
        if leading and trailing:
            return "contains", text
        if leading:
            return "ends_with", text
        if trailing:
            return "starts_with", text
        return "eq", text
    return "wildcard", pattern_text(parts)


def canonical_number(value: object) -> str:
    """Numbers as the catalog stores them: ``4688``, ``3389``, ``0.5``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def make_predicate(
    fields: FieldMap,
    raw_field: str | None,
    operator: str,
    value: str | None,
    *,
    scopes: tuple[str, ...] = (),
    line: int = 0,
    column: int = 0,
    how: str = "",
    raw_value: str | None = None,
    cased: bool = False,
    group: str = "",
) -> Predicate:
    """Build a canonical predicate: map the field, fold case, apply path/name equivalence."""
    canonical_field = KEYWORD_FIELD if raw_field is None else fields.canonical(raw_field, scopes)
    if raw_value is None:
        raw_value = value
    if value is not None and not cased and operator != "regex_match":
        value = value.casefold()
    if value and operator in DRIVE_OPERATORS and value[1:3] == ":\\" and value[0].isalpha():
        value = ANY_DRIVE + value[1:]  # C:\Windows\... and ?:\Windows\... are one indicator
    canonical_field, operator, value = path_to_name(canonical_field, operator, value)
    return Predicate(
        field=raw_field,
        canonical_field=canonical_field,
        operator=operator,
        value=value,
        line=line,
        column=column,
        how=how,
        raw_value=raw_value,
        group=group,
        cased=cased,
    )


def path_to_name(
    canonical_field: str, operator: str, value: str | None
) -> tuple[str, str, str | None]:
    """``<path> ends_with \\x.exe`` -> ``<name> eq x.exe`` (also ``/x`` for Unix paths)."""
    if operator != "ends_with" or not value or value[0] not in "\\/":
        return canonical_field, operator, value
    name_field = path_name_pairs().get(canonical_field)
    if name_field is None:
        return canonical_field, operator, value
    name = value[1:]
    if not name or "\\" in name or "/" in name:
        return canonical_field, operator, value
    return name_field, "eq", name
