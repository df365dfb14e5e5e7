"""String escapes: one loop, each language's own table (Kusto drops an unknown backslash,
Elastic keeps it)."""

import pytest

from rulelint.formats.elastic.kuery import unquote as kuery_unquote
from rulelint.formats.kusto.ast import unquote as kusto_unquote


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"C:\\Windows\\System32"', "C:\\Windows\\System32"),
        (r'"tab\there"', "tab\there"),
        (r'"a \"quoted\" word"', 'a "quoted" word'),
        (r'"\.exe"', ".exe"),  # unknown escape: the character itself
        (r"@'C:\Windows\'", "C:\\Windows\\"),  # verbatim: no escapes at all
        (r"h'secret\'s'", "secret's"),
    ],
)
def test_kusto_literals(literal: str, value: str) -> None:
    assert kusto_unquote(literal) == value


@pytest.mark.parametrize(
    ("literal", "value"),
    [
        (r'"C:\Windows\temp"', "C:\\Windows\t" + "emp"),  # \t is a tab, \W stays literal
        (r'"say \"hi\""', 'say "hi"'),
        (r'"\u0041BC"', "ABC"),
        (r'"\u00zz"', "\\u00zz"),  # not four hex digits: kept as written
    ],
)
def test_kibana_kql_literals(literal: str, value: str) -> None:
    assert kuery_unquote(literal) == value


def test_eql_literals() -> None:
    from lark import Token

    from rulelint.formats.elastic.eql import unescape_string

    assert unescape_string(Token("STRING", r'"C:\\Windows\\\u{41}pp"')) == "C:\\Windows\\App"
    assert unescape_string(Token("STRING", r'"keep \d"')) == "keep \\d"
    assert unescape_string(Token("RAW_STRING", r'"""raw \n"""')) == "raw \\n"
