"""Exact rewriting of simple regexes into canonical operators (never executing them).

Rules written as regexes (YARA-L ``/\\\\net\\.exe$/``, Panther ``re.search(r"\\\\net\\.exe$", x)``)
often say no more than "ends with" or "contains". When the rewrite is *exact* under search
semantics (an unanchored regex matches anywhere), we return the operators so the indicator counts
with the same test written by other vendors; otherwise the caller keeps ``regex_match``.

By default only *simple* regexes are rewritten: literal characters and escaped punctuation,
``^``/``$`` anchors, ``.*`` at either end (same as no anchor) and a leading ``(?i)``. Any other
regex stays ``regex_match`` with its text as written, which is also how Sigma's ``|re`` values are
kept, so the same regex counts as one indicator across vendors. With ``expand=True`` the rewrite
also spells out ``.*`` in the middle (a wildcard pattern), top-level alternation ``a|b`` and
groups of literal alternatives ``\\\\(cmd|powershell)\\.exe$`` (at most
:data:`MAX_ALTERNATIVES`). Classes, quantifiers, ``\\d``... are never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass

from rulelint.vocab.values import MULTI, Part, operator_for_parts

#: Unescaped characters with a regex meaning: a pattern holding one of them is not a literal.
META = frozenset(".*+?[]{}()|^$")
#: Escaped characters that stand for themselves (RE2 and Python agree on these).
ESCAPABLE = frozenset("\\.*+?[]{}()|^$/-#&~ \"'`:;=,<>!@%_")
MAX_ALTERNATIVES = 64


@dataclass(frozen=True, slots=True)
class Simple:
    """A regex as alternatives of (operator, value); ``ignore_case`` from a leading ``(?i)``."""

    alternatives: tuple[tuple[str, str], ...]
    ignore_case: bool


def simplify_regex(pattern: str, expand: bool = False) -> Simple | None:
    """The operators equivalent to ``pattern`` under search semantics, or None when not exact
    (or, without ``expand``, when the regex is more than an anchored literal)."""
    ignore_case = False
    if pattern.startswith("(?i)"):
        ignore_case = True
        pattern = pattern[4:]
    branches = _split_top(pattern)
    if branches is None or (len(branches) > 1 and not expand):
        return None
    found: list[tuple[str, str]] = []
    for branch in branches:
        expanded = _expand(branch)
        if expanded is None:
            return None
        if not expand and (
            len(expanded) > 1 or any(isinstance(i, tuple) for i in _parse_branch(branch) or ())
        ):
            return None
        for sequence in expanded:
            converted = _to_operator(sequence, expand)
            if converted is None:
                return None
            if converted not in found:
                found.append(converted)
            if len(found) > MAX_ALTERNATIVES:
                return None
    if not found:
        return None
    return Simple(tuple(found), ignore_case)


# A branch is parsed into items: str (one literal character), "^", "$", ".*" markers, or a
# tuple of alternatives (each a list of literal characters) for a group.
_ANY = object()
_START = object()
_END = object()


def _split_top(pattern: str) -> list[str] | None:
    """Split on ``|`` outside groups and classes; None on unbalanced parentheses."""
    branches: list[str] = []
    depth = 0
    start = 0
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif char == "|" and depth == 0:
            branches.append(pattern[start:index])
            start = index + 1
        index += 1
    if depth != 0 or in_class:
        return None
    branches.append(pattern[start:])
    return branches


def _literal_chars(text: str) -> list[str] | None:
    """The characters a regex fragment without operators matches, or None."""
    chars: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            if index + 1 >= len(text) or text[index + 1] not in ESCAPABLE:
                return None
            chars.append(text[index + 1])
            index += 2
            continue
        if char in META:
            return None
        chars.append(char)
        index += 1
    return chars


def _parse_branch(branch: str) -> list[object] | None:
    items: list[object] = []
    index = 0
    if branch.startswith("^"):
        items.append(_START)
        index = 1
    end = len(branch)
    trailing_end = False
    if branch.endswith("$") and not _escaped(branch, len(branch) - 1):
        trailing_end = True
        end -= 1
    while index < end:
        char = branch[index]
        if char == "\\":
            if index + 1 >= end or branch[index + 1] not in ESCAPABLE:
                return None
            if index + 2 < end and branch[index + 2] in "*+?{":
                return None
            items.append(branch[index + 1])
            index += 2
            continue
        if char == "." and index + 1 < end and branch[index + 1] == "*":
            # ".*?" (lazy) means the same under search semantics
            step = 3 if index + 2 < end and branch[index + 2] == "?" else 2
            if not items or items[-1] is not _ANY:
                items.append(_ANY)
            index += step
            continue
        if char == "(":
            close = _group_end(branch, index, end)
            if close is None:
                return None
            inner = branch[index + 1 : close]
            if inner.startswith("?:"):
                inner = inner[2:]
            elif inner.startswith("?"):
                return None
            alternatives = _split_top(inner)
            if alternatives is None:
                return None
            options: list[list[str]] = []
            for alternative in alternatives:
                chars = _literal_chars(alternative)
                if chars is None:
                    return None
                options.append(chars)
            if close + 1 < end and branch[close + 1] in "*+?{":
                return None
            items.append(tuple("".join(option) for option in options))
            index = close + 1
            continue
        if char in META:
            return None
        if index + 1 < end and branch[index + 1] in "*+?{":
            return None
        items.append(char)
        index += 1
    if trailing_end:
        items.append(_END)
    return items


def _escaped(text: str, position: int) -> bool:
    backslashes = 0
    index = position - 1
    while index >= 0 and text[index] == "\\":
        backslashes += 1
        index -= 1
    return backslashes % 2 == 1


def _group_end(text: str, start: int, end: int) -> int | None:
    depth = 0
    index = start
    while index < end:
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _expand(branch: str) -> list[list[object]] | None:
    """The branch as sequences without groups (each group alternative spelled out)."""
    items = _parse_branch(branch)
    if items is None:
        return None
    sequences: list[list[object]] = [[]]
    for item in items:
        if isinstance(item, tuple):
            sequences = [[*seq, *option] for seq in sequences for option in item]
            if len(sequences) > MAX_ALTERNATIVES:
                return None
        else:
            for seq in sequences:
                seq.append(item)
    return sequences


def _to_operator(sequence: list[object], expand: bool = True) -> tuple[str, str] | None:
    """One expanded branch as (operator, value) under search semantics."""
    items = list(sequence)
    anchored_start = bool(items) and items[0] is _START
    if anchored_start:
        items = items[1:]
    anchored_end = bool(items) and items[-1] is _END
    if anchored_end:
        items = items[:-1]
    if _START in items or _END in items:
        return None
    parts: list[Part] = []
    if not anchored_start:
        parts.append(MULTI)
    buffer: list[str] = []
    for item in items:
        if item is _ANY:
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            if not parts or parts[-1] is not MULTI:
                parts.append(MULTI)
        else:
            buffer.append(item)  # type: ignore[arg-type]
    if buffer:
        parts.append("".join(buffer))
    if not anchored_end and (not parts or parts[-1] is not MULTI):
        parts.append(MULTI)
    if not any(isinstance(part, str) for part in parts):
        return None  # ".*", "^$", "": not an indicator worth rewriting
    operator, value = operator_for_parts(parts)
    if value is None or (operator == "wildcard" and not expand):
        return None
    return operator, value
