"""Suppressions in the rule file and in the configuration; unused ones are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulelint.cli import main
from tests.helpers import LACKING, build, peer_corpus, write


@pytest.fixture
def catalog_path(tmp_path: Path) -> str:
    return str(build(tmp_path, peer_corpus(tmp_path / "corpus")).path)


def check_json(
    path: Path, catalog: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["check", "--catalog", catalog, "--format", "json", *extra, str(path)])
    return code, json.loads(capsys.readouterr().out)


def findings(report: dict) -> list[dict]:  # type: ignore[type-arg]
    return [f for file in report["files"] for rule in file["rules"] for f in rule["findings"]]


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace(
            "    condition: selection  # trailing comment",
            "    condition: selection  # rulelint: ignore[RL102]",
        ),
        lambda text: text.replace(
            "    condition: selection",
            "    # rulelint: ignore[missing-exclusion]\n    condition: selection",
        ),
        lambda text: "# rulelint: ignore-file[RL1]\n" + text,
    ],
    ids=["same-line", "line-above", "whole-file"],
)
def test_comment_suppressions(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str], edit
) -> None:  # type: ignore[no-untyped-def]
    rule = write(tmp_path / "r.yml", edit(LACKING))
    code, report = check_json(rule, catalog_path, capsys)
    assert code == 0
    suppressed = [f for f in findings(report) if f["suppressed"]]
    assert [f["code"] for f in suppressed] == ["RL102"]
    assert suppressed[0]["suppressed_by"].startswith("comment at line")
    assert report["summary"]["suppressed"] == 1 and report["summary"]["findings"] == 0


def test_configuration_suppression_by_rule_id(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = write(tmp_path / "rules" / "r.yml", LACKING)
    write(
        tmp_path / ".rulelint.toml",
        '[suppress]\n"5d1f0c2e-0000-4000-8000-000000000001" = ["RL102"]\n',
    )
    code, report = check_json(rule, catalog_path, capsys)
    assert code == 0
    assert next(f["suppressed_by"] for f in findings(report)).startswith("configuration (")


def test_unused_suppressions_are_reported(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = LACKING.replace("level: medium", "level: medium  # rulelint: ignore[RL101]")
    rule = write(tmp_path / "rules" / "r.yml", text)
    write(
        tmp_path / ".rulelint.toml",
        '[suppress]\n"5d1f0c2e-0000-4000-8000-000000000001" = ["RL203"]\n',
    )
    _, report = check_json(rule, catalog_path, capsys)
    unused = [f for f in findings(report) if f["code"] == "RL001"]
    assert len(unused) == 2
    assert any(
        "'rulelint: ignore[RL101]' suppresses nothing" in f["message"] and f["line"] == 16
        for f in unused
    )
    assert any("configuration suppresses RL203" in f["message"] for f in unused)
