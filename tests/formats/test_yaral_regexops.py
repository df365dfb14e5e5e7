"""Exact regex -> operator rewriting (shared by the YARA-L and Panther readers)."""

from __future__ import annotations

import pytest

from rulelint.formats.regexops import simplify_regex


@pytest.mark.parametrize(
    ("pattern", "alternatives", "ignore_case"),
    [
        (r"\\net\.exe$", (("ends_with", "\\net.exe"),), False),
        (r"^C:\\Windows\\", (("starts_with", "C:\\Windows\\"),), False),
        (r"^whoami\.exe$", (("eq", "whoami.exe"),), False),
        (r"sekurlsa", (("contains", "sekurlsa"),), False),
        (r".*sekurlsa::logonpasswords.*", (("contains", "sekurlsa::logonpasswords"),), False),
        (r"^.*\\lsass\.exe$", (("ends_with", "\\lsass.exe"),), False),
        (r"(?i)mimikatz", (("contains", "mimikatz"),), True),
        (r"invoke.*expression", (("wildcard", "*invoke*expression*"),), False),
        (
            r"\\(cmd|powershell)\.exe$",
            (("ends_with", "\\cmd.exe"), ("ends_with", "\\powershell.exe")),
            False,
        ),
        (r"(?:curl|wget) ", (("contains", "curl "), ("contains", "wget ")), False),
        (
            r"roles\/owner|roles\/editor",
            (("contains", "roles/owner"), ("contains", "roles/editor")),
            False,
        ),
        (r"cost\$", (("contains", "cost$"),), False),
    ],
)
def test_exact_rewrites(pattern: str, alternatives: tuple, ignore_case: bool) -> None:
    simple = simplify_regex(pattern, expand=True)
    assert simple is not None
    assert simple.alternatives == alternatives
    assert simple.ignore_case == ignore_case


@pytest.mark.parametrize(
    "pattern",
    [
        r"net1?\.exe",  # quantifier
        r"net.exe",  # unescaped dot
        r"\d{4}",  # class escape and repetition
        r"[a-z]+\.exe",  # character class
        r"a$b",  # anchor in the middle
        r".*",  # no literal at all
        r"^$",
        r"(a|b",  # unbalanced
        r"(?=x)abc",  # lookahead
        r"\\(cmd|power(shell|pwsh))\.exe",  # nested group
        r"x\.+",  # quantified escape
    ],
)
def test_not_exact_stays_a_regex(pattern: str) -> None:
    assert simplify_regex(pattern, expand=True) is None


@pytest.mark.parametrize(
    ("pattern", "simple"),
    [
        (r"\\net\.exe$", ("ends_with", "\\net.exe")),
        (r".*\\cscript\.exe", ("contains", "\\cscript.exe")),
        (r"^C:\\Windows\\", ("starts_with", "C:\\Windows\\")),
        (r"invoke.*expression", None),
        (r"\\(cmd|powershell)\.exe$", None),
        (r"foo|bar", None),
        (r"net.*use.*(C|ADMIN|IPC)\$", None),
    ],
)
def test_by_default_only_anchored_literals_are_rewritten(
    pattern: str, simple: tuple | None
) -> None:
    """Anything beyond an anchored literal keeps its regex text, as Sigma's |re values do."""
    result = simplify_regex(pattern)
    assert (result.alternatives[0] if result else None) == simple


def test_expansion_is_bounded() -> None:
    pattern = "(a|b)(c|d)(e|f)(g|h)(i|j)(k|l)(m|n)"  # 128 alternatives
    assert simplify_regex(pattern, expand=True) is None
