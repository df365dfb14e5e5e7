"""The pre-commit hooks, proven with the real tool: ``pre-commit try-repo <this repo> rulelint``.

Slow (pre-commit builds a virtualenv with rulelint in it once per session); runs in CI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import LACKING, git, peer_corpus, sigma_rule, write

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (it is in the test extras)")
    if not (REPO / ".git").exists():
        pytest.skip("try-repo needs this repository as a git checkout")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A repository of rules with a catalog of peers configured."""
    from rulelint.catalog.build import build_catalog
    from rulelint.catalog.sources import Source

    repo = tmp_path / "rules-repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    corpus = peer_corpus(tmp_path / "corpus")
    build_catalog([Source("peers", str(corpus))], repo / "peers.db", jobs=1)
    write(repo / ".rulelint.toml", 'catalog = "peers.db"\n')
    write(repo / "rules" / "lacking.yml", LACKING)
    write(
        repo / "rules" / "clean.yml",
        sigma_rule(
            "Clean",
            "selection:\n    CommandLine|contains: 'rare'\ncondition: selection",
            rule_id="c",
            tags=("attack.t1033",),
        ),
    )
    write(repo / "README.md", "# detection rules\n")
    git(repo, "add", "-A")
    return repo


def try_repo(scratch: Path, home: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        ["pre-commit", "try-repo", str(REPO), hook, "--verbose", "--files", *files],
        cwd=scratch,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def test_hook_reports_findings_and_fails(scratch: Path, pre_commit_home: Path) -> None:
    result = try_repo(
        scratch, pre_commit_home, "rulelint", "rules/lacking.yml", "rules/clean.yml", "README.md"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "rulelint" in output and "Failed" in output
    assert "rules/lacking.yml:15:1: RL102 [warning] 6 of 6 rules under T1021" in output
    assert "rules/clean.yml" not in output.split("RL102")[0].splitlines()[-1]


def test_hook_passes_on_clean_rules(scratch: Path, pre_commit_home: Path) -> None:
    result = try_repo(scratch, pre_commit_home, "rulelint", "rules/clean.yml", "README.md")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_fix_hook_adds_the_exclusion(scratch: Path, pre_commit_home: Path) -> None:
    result = try_repo(scratch, pre_commit_home, "rulelint-fix", "rules/lacking.yml")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in output
    fixed = (scratch / "rules" / "lacking.yml").read_text()
    assert (
        "filter_main_svchost:" in fixed
        and "condition: selection and not 1 of filter_main_*" in fixed
    )
    again = try_repo(scratch, pre_commit_home, "rulelint-fix", "rules/lacking.yml")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.dumps(fixed) == json.dumps((scratch / "rules" / "lacking.yml").read_text())
