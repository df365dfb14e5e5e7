"""``check --changed-since REF``: only rule files added, copied, modified or renamed since REF."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.cli import main
from rulelint.gitdiff import changed_lines
from tests.helpers import LACKING, git, sigma_rule, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    rule = "selection:\n    CommandLine|contains: 'x{n}'\ncondition: selection"
    for name in ("unchanged", "modified", "renamed", "deleted"):
        write(
            repo / "rules" / f"{name}.yml",
            sigma_rule(name, rule.format(n=name), rule_id=name, tags=("attack.t1033",)),
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    (repo / "rules" / "modified.yml").write_text(
        (repo / "rules" / "modified.yml").read_text().replace("x", "y")
    )
    git(repo, "mv", "rules/renamed.yml", "rules/renamed_now.yml")
    git(repo, "rm", "-q", "rules/deleted.yml")
    write(repo / "rules" / "added.yml", LACKING)
    write(repo / "README.md", "# not a rule\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    write(
        repo / "rules" / "untracked.yml",
        sigma_rule("u", rule.format(n="u"), rule_id="u", tags=("attack.t1033",)),
    )
    return repo


def test_only_changed_rule_files_are_checked(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    base = git(repo, "rev-parse", "HEAD~1")
    main(["check", "--changed-since", base, "--format", "json", "--fail-on", "never"])
    import json

    report = json.loads(capsys.readouterr().out)
    checked = sorted(Path(f["path"]).as_posix() for f in report["files"])
    assert checked == [
        "rules/added.yml",
        "rules/modified.yml",
        "rules/renamed_now.yml",
        "rules/untracked.yml",
    ]
    # a path narrows it further
    main(
        [
            "check",
            "--changed-since",
            base,
            "--format",
            "json",
            "--fail-on",
            "never",
            "rules/added.yml",
        ]
    )
    assert [f["path"] for f in json.loads(capsys.readouterr().out)["files"]] == ["rules/added.yml"]


def test_changed_lines(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    lines = changed_lines("HEAD~1", ["rules/modified.yml", "rules/added.yml"])
    modified = (repo / "rules" / "modified.yml").read_text().splitlines()
    changed = next(i + 1 for i, line in enumerate(modified) if "CommandLine" in line)
    assert lines["rules/modified.yml"] == {changed}
    assert lines["rules/added.yml"] == set(range(1, len(LACKING.splitlines()) + 1))


def test_bad_ref_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo)
    assert main(["check", "--changed-since", "no-such-ref"]) == 2
    assert "--changed-since no-such-ref" in capsys.readouterr().err
    assert main(["check", "--changed-since", "--output=x"]) == 2
