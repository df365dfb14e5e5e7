import pytest

from rulelint.vocab.fields import field_map
from rulelint.vocab.values import MULTI, SINGLE, make_predicate, operator_for_parts, split_wildcards


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*net.exe*", ("contains", "net.exe")),
        ("*\\net.exe", ("ends_with", "\\net.exe")),
        ("C:\\Windows\\\\*", ("starts_with", "C:\\Windows\\")),
        ("C:\\Windows\\*", ("eq", "C:\\Windows*")),  # Sigma: a backslash escapes the wildcard
        ("whoami", ("eq", "whoami")),
        ("*", ("is_not_null", None)),
        ("a*b", ("wildcard", "a*b")),
        ("*a?b*", ("wildcard", "*a?b*")),
        ("\\*literal", ("eq", "*literal")),
    ],
)
def test_wildcards_become_operators(pattern: str, expected: tuple[str, str | None]) -> None:
    assert operator_for_parts(split_wildcards(pattern)) == expected


def test_backslash_escapes_follow_sigma() -> None:
    # a backslash escapes only a wildcard or a backslash; elsewhere it is a plain character
    assert split_wildcards("C:\\\\*") == ["C:\\", MULTI]
    assert split_wildcards("a\\?b?") == ["a?b", SINGLE]
    assert split_wildcards("\\\\server\\share") == ["\\server\\share"]
    assert split_wildcards("end\\") == ["end\\"]


def test_path_name_equivalence_and_case_folding() -> None:
    sigma = field_map("sigma")
    image = make_predicate(sigma, "Image", "ends_with", "\\NET.exe")
    assert image.key == ("process.name", "eq", "net.exe")
    assert image.raw_value == "\\NET.exe"
    deeper = make_predicate(sigma, "Image", "ends_with", "\\system32\\net.exe")
    assert deeper.key == ("process.executable", "ends_with", "\\system32\\net.exe")
    cased = make_predicate(sigma, "CommandLine", "contains", "AbC", cased=True)
    assert cased.value == "AbC"


def test_scoped_field_rows_win_over_global_ones() -> None:
    sigma = field_map("sigma")
    assert sigma.canonical("ImageLoaded", ("category:image_load",)) == "dll.path"
    assert sigma.canonical("ImageLoaded", ("category:driver_load",)) == "file.path"
    assert sigma.canonical("eventName", ("service:cloudtrail", "product:aws")) == "event.action"
    assert sigma.canonical("SomethingNew") == "SomethingNew"
