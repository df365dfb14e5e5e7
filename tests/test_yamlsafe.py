import pytest

from rulelint.formats.errors import RuleReadError
from rulelint.formats.yamlsafe import LineDict, LineList, load_yaml, load_yaml_documents


def test_lines_of_keys_values_and_items() -> None:
    data = load_yaml("a: 1\nsel:\n  Image|endswith:\n    - x\n    - y\n")
    assert isinstance(data, LineDict)
    assert data.key_lines["sel"] == 2
    values = data["sel"]["Image|endswith"]
    assert isinstance(values, LineList) and values.lines == [4, 5]


def test_scalars_resolve_like_yaml_1_1_but_dates_stay_text() -> None:
    data = load_yaml("a: [1, 2.5, yes, null, 0x10, '7', 2020-01-01]")
    assert data["a"] == [1, 2.5, True, None, 16, "7", "2020-01-01"]


def test_merge_keys_and_shared_aliases() -> None:
    data = load_yaml("base: &b {x: 1}\nchild:\n  <<: *b\n  y: 2\n")
    assert data["child"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("a: !!python/object/apply:os.system ['echo hi']\n", "unsupported YAML tag"),
        ("a: &a [*a]\n", "recursive YAML alias"),
        ("a: [\n", "invalid YAML"),
        pytest.param("[" * 5000 + "]" * 5000, "nested deeper", id="deep-flow"),
    ],
)
def test_hostile_or_broken_yaml_is_refused(text: str, message: str) -> None:
    with pytest.raises(RuleReadError) as error:
        load_yaml(text)
    assert message in str(error.value)


def test_alias_bomb_is_refused_before_expansion() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    with pytest.raises(RuleReadError, match="alias bomb"):
        load_yaml("\n".join(lines) + "\n")


def test_several_documents() -> None:
    assert [d["n"] for d in load_yaml_documents("n: 1\n---\nn: 2\n")] == [1, 2]
