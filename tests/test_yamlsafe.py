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


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if hasattr(value, "isoformat") else value


def test_same_data_as_pyyaml_on_every_corpus_file(corpora) -> None:  # type: ignore[no-untyped-def]
    """The line-aware loader gives exactly PyYAML's data (dates as text) on every YAML file it
    accepts; what it refuses (duplicate keys) PyYAML would silently have collapsed."""
    import yaml

    compared = 0
    for path in sorted(corpora.rglob("*.y*ml")):
        data = path.read_bytes()
        try:
            expected = yaml.load(data, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        try:
            found = load_yaml(data)
        except RuleReadError as error:
            assert "duplicate key" in str(error) or "unsupported YAML tag" in str(error), (
                path,
                error,
            )
            continue
        assert _plain(found) == _plain(expected), path
        compared += 1
    assert compared > 7000
