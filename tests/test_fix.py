"""``check --fix`` and ``--diff`` on Sigma rules: comments, order and quoting kept, idempotent,
the fixed rule still parses and no longer raises the finding."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rulelint.cli import main
from rulelint.formats import read_rule_file
from tests.helpers import LACKING, build, peer_corpus, write


@pytest.fixture
def catalog_path(tmp_path: Path) -> str:
    return str(build(tmp_path, peer_corpus(tmp_path / "corpus")).path)


def test_fix_keeps_everything_else_and_is_idempotent(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = write(tmp_path / "r.yml", LACKING)
    assert main(["check", "--catalog", catalog_path, "--fix", str(rule)]) == 0
    fixed = rule.read_text()
    assert fixed == LACKING.replace(
        "    condition: selection  # trailing comment\n",
        "    filter_main_svchost:\n"
        "        ParentImage|endswith: '\\svchost.exe'\n"
        "    condition: selection and not 1 of filter_main_*  # trailing comment\n",
    )
    assert "fixed 1 finding(s) in 1 file(s)" in capsys.readouterr().err
    result = read_rule_file(str(rule))
    assert result is not None and not result.error
    assert [p.key for p in result.rules[0].exclusions()] == [
        ("process.parent.name", "eq", "svchost.exe")
    ]
    assert main(["check", "--catalog", catalog_path, "--fix", str(rule)]) == 0
    assert rule.read_text() == fixed


def test_diff_previews_without_writing(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = write(tmp_path / "r.yml", LACKING)
    assert main(["check", "--catalog", catalog_path, "--diff", str(rule)]) == 1
    out = capsys.readouterr().out
    assert f"--- a/{rule}" in out
    assert "+    filter_main_svchost:\n+        ParentImage|endswith: '\\svchost.exe'\n" in out
    assert "-    condition: selection  # trailing comment\n" in out
    assert rule.read_text() == LACKING


def test_fix_does_not_touch_suppressed_findings(tmp_path: Path, catalog_path: str) -> None:
    text = LACKING.replace("# trailing comment", "# rulelint: ignore[RL102]")
    rule = write(tmp_path / "r.yml", text)
    main(["check", "--catalog", catalog_path, "--fix", str(rule)])
    assert rule.read_text() == text


REAL_RULES = [
    "rules/windows/process_creation/proc_creation_win_net_use_mount_admin_share.yml",
    "rules/windows/builtin/security/account_management/win_security_susp_logon_newcredentials.yml",
]


@pytest.mark.parametrize("relative", REAL_RULES)
def test_fix_on_real_sigma_rules_against_the_default_catalog(
    tmp_path: Path, corpora: Path, relative: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = corpora / "sigma" / relative
    rule = tmp_path / source.name
    shutil.copy(source, rule)
    before = rule.read_text()
    main(["check", "--select", "RL102", str(rule)])
    suggested = capsys.readouterr().out.count("RL102 [warning]")
    main(["check", "--fix", "--select", "RL102", str(rule)])
    capsys.readouterr()
    after = rule.read_text()
    if suggested:
        assert after != before
        # only additions: every original line is still there, in order
        remaining = iter(after.splitlines())
        assert all(
            any(line == other for other in remaining)
            for line in before.splitlines()
            if "condition:" not in line
        )
    assert main(["check", "--select", "RL102", str(rule)]) == 0
    assert "RL102" not in capsys.readouterr().out
