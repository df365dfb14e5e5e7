"""Configuration: found upward, validated with its schema, applied; broken ones are clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rulelint.cli import main
from rulelint.config import ConfigError, find_config, load_config
from tests.helpers import LACKING, build, peer_corpus, sigma_rule, write


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def catalog_path(tmp_path: Path) -> str:
    return str(build(tmp_path, peer_corpus(tmp_path / "corpus")).path)


def test_found_upward_pyproject_and_dotfile(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo / "pyproject.toml", "[project]\nname = 'x'\n[tool.rulelint]\nfail-on = 'error'\n")
    rules = repo / "rules" / "windows"
    rules.mkdir(parents=True)
    assert find_config(rules) == (repo / "pyproject.toml").resolve()
    write(repo / "rules" / ".rulelint.toml", "fail-on = 'info'\n")
    assert find_config(rules) == (repo / "rules" / ".rulelint.toml").resolve()
    write(tmp_path / "other" / "pyproject.toml", "[project]\nname = 'y'\n")
    assert find_config(tmp_path / "other") is None


def test_settings_are_applied(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    write(repo / "rules" / "lacking.yml", LACKING)
    write(
        repo / ".rulelint.toml",
        f"catalog = {json.dumps(catalog_path)}\nexclusion-min-support = 7\n",
    )
    code, out, _ = run(["check", str(repo / "rules")], capsys)
    assert code == 0 and "RL102" not in out  # 6 peers < min support 7
    write(
        repo / ".rulelint.toml",
        f"catalog = {json.dumps(catalog_path)}\nseverity = {{RL102 = 'error'}}\nfail-on = 'error'\n",
    )
    code, out, _ = run(["check", str(repo / "rules")], capsys)
    assert code == 1 and "RL102 [error]" in out
    write(
        repo / ".rulelint.toml",
        f"catalog = {json.dumps(catalog_path)}\n[per-file-ignores]\n'rules/*.yml' = ['RL102']\n",
    )
    code, out, _ = run(["check", str(repo / "rules")], capsys)
    assert code == 0 and "RL102" not in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("selct = ['RL101']\n", ".rulelint.toml: unknown key 'selct' (known keys:"),
        (
            "fail-on = 'warnings'\n",
            ".rulelint.toml: 'fail-on' must be one of error, warning, info, never (got 'warnings')",
        ),
        ("ignore = ['RL1x!']\n", ".rulelint.toml: 'ignore.0': 'RL1x!' is not a check code"),
        (
            "exclusion-min-share = 2\n",
            ".rulelint.toml: 'exclusion-min-share': 2 is greater than the maximum of 1",
        ),
        ("fail-on = 'error\n", ".rulelint.toml: invalid TOML"),
        ("extra-rules = ['missing/']\n", ".rulelint.toml: 'extra-rules': missing/ is not a folder"),
    ],
)
def test_broken_configuration_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    write(tmp_path / "rules" / "r.yml", LACKING)
    write(tmp_path / ".rulelint.toml", content)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / ".rulelint.toml")
    assert str(error.value).startswith(expected)
    code, _, err = run(["check", str(tmp_path / "rules")], capsys)
    assert code == 2 and err.startswith("rulelint: " + expected) and "Traceback" not in err


def test_pyproject_errors_name_the_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.rulelint]\nnoisy-share = 'high'\n")
    with pytest.raises(
        ConfigError,
        match=r"^pyproject.toml \[tool.rulelint\]: 'noisy-share': 'high' is not of type 'number'",
    ):
        load_config(tmp_path / "pyproject.toml")


def test_extra_rules_are_layered_onto_the_catalog_and_cached(
    tmp_path: Path,
    catalog_path: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("RULELINT_CACHE_DIR", str(cache))
    repo = tmp_path / "repo"
    # the team's own rules: three more T1021 rules excluding a management server
    for index in range(6):
        detection = (
            f"selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' team{index}'\n"
            "filter_main_mgmt:\n    ParentImage|endswith: '\\mgmtagent.exe'\n"
            "condition: selection and not 1 of filter_main_*"
        )
        write(
            repo / "team" / f"team{index}.yml",
            sigma_rule(f"Team {index}", detection, rule_id=f"team-{index}"),
        )
    write(repo / "new" / "lacking.yml", LACKING)
    write(
        repo / ".rulelint.toml", f"catalog = {json.dumps(catalog_path)}\nextra-rules = ['team']\n"
    )
    code, out, _ = run(["check", str(repo / "new")], capsys)
    assert code == 1
    assert "6 of 12 rules under T1021" in out and "mgmtagent.exe" in out and "svchost.exe" in out
    cached = list(cache.glob("combined-*.db"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    run(["check", str(repo / "new")], capsys)
    assert cached[0].stat().st_mtime_ns == stamp  # nothing changed: not rebuilt
    os.utime(repo / "team" / "team0.yml")  # touched but unchanged content: still not rebuilt
    run(["check", str(repo / "new")], capsys)
    assert cached[0].stat().st_mtime_ns == stamp
