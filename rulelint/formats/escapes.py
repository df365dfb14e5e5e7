"""Backslash escapes in quoted query strings, one loop for every query language.

The languages differ only in their tables: which letters are escapes, whether ``\\u`` takes
four hex digits (Kibana KQL) or braces (EQL), and whether an unknown escape drops the backslash
(Kusto) or keeps it (Elastic: ``"C:\\Windows"`` is ``C:\\Windows``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

HEX = frozenset("0123456789abcdefABCDEF")
#: Only ``\\"`` and ``\\\\`` (SPL, YARA-L): every other backslash is literal.
QUOTE_AND_BACKSLASH = {"\\": "\\", '"': '"'}

#: Reads a ``\u`` escape at ``body[index]`` (the backslash): its text and length, or None.
UnicodeReader = Callable[[str, int], "tuple[str, int] | None"]


def unicode_four_digits(body: str, index: int) -> tuple[str, int] | None:
    """``\\uXXXX``."""
    digits = body[index + 2 : index + 6]
    if body[index + 1 : index + 2] == "u" and len(digits) == 4 and HEX.issuperset(digits):
        return chr(int(digits, 16)), 6
    return None


def unicode_braced(body: str, index: int) -> tuple[str, int] | None:
    """``\\u{X...}`` with one to eight hex digits."""
    if body[index + 1 : index + 3] != "u{":
        return None
    end = body.find("}", index + 3)
    digits = body[index + 3 : end] if end > 0 else ""
    if digits and len(digits) <= 8 and HEX.issuperset(digits):
        return chr(int(digits, 16)), end + 1 - index
    return None


def unescape(
    body: str,
    escapes: Mapping[str, str],
    *,
    keep_unknown: bool,
    unicode: UnicodeReader | None = None,
) -> str:
    """The value of a string literal's ``body`` (without its quotes)."""
    if "\\" not in body:
        return body
    out: list[str] = []
    index = 0
    length = len(body)
    while index < length:
        char = body[index]
        if char == "\\" and index + 1 < length:
            following = body[index + 1]
            if following in escapes:
                out.append(escapes[following])
                index += 2
                continue
            decoded = unicode(body, index) if unicode is not None else None
            if decoded is not None:
                out.append(decoded[0])
                index += decoded[1]
                continue
            if not keep_unknown:
                out.append(following)
                index += 2
                continue
        out.append(char)
        index += 1
    return "".join(out)
