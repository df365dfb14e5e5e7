"""The parse cache: same results warm as cold, keyed by content, robust to damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.catalog.serialize import rule_to_json
from rulelint.formats import read_rule_file
from rulelint.formats.parsecache import ParseCache
from tests.helpers import LACKING, write


def test_warm_reads_equal_cold_reads(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    rule = write(tmp_path / "r.yml", LACKING)
    cold = read_rule_file(str(rule), cache=cache)
    entries = list((tmp_path / "cache").rglob("*.json"))
    assert len(entries) == 1
    warm = read_rule_file(str(rule), cache=cache)
    assert cold is not None and warm is not None
    assert [rule_to_json(r) for r in warm.rules] == [rule_to_json(r) for r in cold.rules]
    assert warm.rules[0].extra["condition_line"] == 15 and warm.text == cold.text
    # the same content elsewhere is the same entry, with its own path
    copy = write(tmp_path / "elsewhere" / "copy.yml", LACKING)
    assert read_rule_file(str(copy), cache=cache).rules[0].path == str(copy)  # type: ignore[union-attr]
    assert len(list((tmp_path / "cache").rglob("*.json"))) == 1


def test_errors_are_cached_and_damaged_entries_are_misses(tmp_path: Path) -> None:
    cache = ParseCache(tmp_path / "cache")
    broken = write(
        tmp_path / "b.yml", "title: b\nlogsource: {product: windows}\ndetection:\n  s: [x\n"
    )
    first = read_rule_file(str(broken), cache=cache)
    second = read_rule_file(str(broken), cache=cache)
    assert first is not None and second is not None and first.error == second.error
    for entry in (tmp_path / "cache").rglob("*.json"):
        entry.write_text("{not json")
    third = read_rule_file(str(broken), cache=cache)
    assert third is not None and third.error == first.error


@pytest.mark.parametrize("change", ["content", "code"])
def test_changes_invalidate(tmp_path: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ParseCache(tmp_path / "cache")
    rule = write(tmp_path / "r.yml", LACKING)
    read_rule_file(str(rule), cache=cache)
    if change == "content":
        rule.write_text(LACKING.replace("' use '", "' net use '"))
        result = read_rule_file(str(rule), cache=cache)
        assert ("process.command_line", "contains", " net use ") in {
            p.key for p in result.rules[0].indicators()
        }  # type: ignore[union-attr]
    else:
        from rulelint.formats import parsecache

        monkeypatch.setattr(parsecache, "fingerprint", lambda: "another-version")
        assert ParseCache(tmp_path / "cache").root != cache.root
