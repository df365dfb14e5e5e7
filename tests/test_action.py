"""``action.yml``: valid against GitHub's action metadata schema, safe against script injection,
and its steps run for real in a scratch repository with a base and a head commit and GitHub's
environment files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import LACKING, build, git, peer_corpus, sigma_rule, write

REPO = Path(__file__).resolve().parent.parent
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def action() -> dict[str, Any]:
    return yaml.safe_load((REPO / "action.yml").read_text())


def test_action_metadata_is_valid(schemas: Path) -> None:
    schema = json.loads((schemas / "github-action.json").read_text())
    jsonschema.validate(action(), schema)


def test_inputs_reach_shell_steps_only_through_env() -> None:
    for step in action()["runs"]["steps"]:
        if "run" in step:
            assert "${{" not in step["run"], f"expression inside run: of step {step.get('name')}"
            assert step["shell"] == "bash"


# -- a minimal runner for composite actions: expressions, if:, env:, run: ------------------------


class Runner:
    def __init__(self, inputs: dict[str, str], env: dict[str, str], cwd: Path) -> None:
        spec = action()
        self.inputs = {name: str(item.get("default", "")) for name, item in spec["inputs"].items()}
        self.inputs.update(inputs)
        self.env = env
        self.cwd = cwd
        self.outputs: dict[str, dict[str, str]] = {}
        self.skipped_uses: list[str] = []
        self.logs: dict[str, subprocess.CompletedProcess[str]] = {}

    def value(self, expression: str) -> str:
        expression = expression.strip()
        if expression.startswith("inputs."):
            return self.inputs.get(expression[7:], "")
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if match:
            return self.outputs.get(match.group(1), {}).get(match.group(2), "")
        if expression.startswith("'") and expression.endswith("'"):
            return expression[1:-1]
        raise AssertionError(f"expression not supported by the test runner: {expression}")

    def condition(self, text: str) -> bool:
        result = True
        for part in text.split("&&"):
            part = part.strip()
            if part == "always()":
                continue
            left, op, right = re.split(r"\s*(==|!=)\s*", part)
            equal = self.value(left) == self.value(right)
            result = result and (equal if op == "==" else not equal)
        return result

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def run(self) -> int:
        for step in action()["runs"]["steps"]:
            if "if" in step and not self.condition(step["if"]):
                continue
            if "uses" in step:
                self.skipped_uses.append(step["uses"])
                continue
            output_file = self.cwd.parent / f"output-{step.get('id', 'step')}.txt"
            output_file.write_text("")
            env = {**self.env, "GITHUB_OUTPUT": str(output_file)}
            env.update(
                {key: self.substitute(str(value)) for key, value in step.get("env", {}).items()}
            )
            result = subprocess.run(
                ["bash", "-e", "-c", step["run"]],
                cwd=self.cwd,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
            self.logs[step.get("id", step["name"])] = result
            if "id" in step:
                self.outputs[step["id"]] = parse_outputs(output_file.read_text())
            if result.returncode != 0:
                return result.returncode
        return 0


def parse_outputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            key, marker = line.split("<<", 1)
            body = []
            for inner in lines:
                if inner == marker:
                    break
                body.append(inner)
            values[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A virtual environment seeing this machine's packages, where the action installs rulelint."""
    folder = tmp_path_factory.mktemp("action-venv")
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(folder)
    binaries = folder / ("Scripts" if sys.platform == "win32" else "bin")
    return {
        **os.environ,
        "PATH": f"{binaries}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(folder),
    }


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "workspace"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    build(tmp_path, peer_corpus(tmp_path / "corpus"), name="peers.db")
    (tmp_path / "peers.db").rename(repo / "peers.db")
    write(repo / ".rulelint.toml", 'catalog = "peers.db"\n')
    clean = "selection:\n    CommandLine|contains: 'rare{n}'\ncondition: selection"
    for index in range(14):  # many findings in untouched files: they must not be reported
        write(
            repo / "old" / f"old{index}.yml",
            LACKING.replace("000000000001", f"0000000001{index:02}"),
        )
    write(
        repo / "rules" / "clean.yml",
        sigma_rule("Clean", clean.format(n=0), rule_id="c", tags=("attack.t1033",)),
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    write(repo / "rules" / "lacking.yml", LACKING)
    write(
        repo / "rules" / "clean.yml",
        sigma_rule("Clean", clean.format(n=1), rule_id="c", tags=("attack.t1033",)),
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    return repo, base


def run_action(
    repo: Path, base: str, environment: dict[str, str], **inputs: str
) -> tuple[Runner, int, Path]:
    event = repo.parent / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "base": {"sha": base},
                    "head": {"sha": git(repo, "rev-parse", "HEAD")},
                }
            }
        )
    )
    summary = repo.parent / "summary.md"
    summary.write_text("")
    env = {
        **environment,
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RULELINT_CACHE_DIR": str(repo.parent / "cache"),
    }
    runner = Runner(inputs, env, repo)
    return runner, runner.run(), summary


def test_the_action_checks_the_pull_request(
    pull_request: tuple[Path, str], environment: dict[str, str]
) -> None:
    repo, base = pull_request
    runner, code, summary = run_action(repo, base, environment, **{"upload-sarif": "true"})
    check = runner.logs["check"]
    assert code == 1, check.stdout + check.stderr  # fails on the warning, in the last step
    assert runner.skipped_uses == [
        "actions/setup-python@v5",
        "github/codeql-action/upload-sarif@v3",
    ]
    outputs = runner.outputs["check"]
    assert outputs["warnings"] == "1" and outputs["errors"] == "0" and outputs["files"] == "2"
    assert outputs["failed"] == "true" and outputs["sarif-file"] == "rulelint.sarif"
    annotations = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        next(
            line
            for line in annotations
            if line.startswith("::warning file=rules/lacking.yml,line=15,")
        )
    ]
    assert "old/" not in check.stdout
    text = summary.read_text()
    assert text.startswith("## rulelint") and "`rules/lacking.yml:15` | RL102 |" in text
    sarif = json.loads((repo / "rulelint.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["RL102"]


def test_fail_on_never_passes_and_check_all_reports_every_file(
    pull_request: tuple[Path, str], environment: dict[str, str]
) -> None:
    repo, base = pull_request
    runner, code, summary = run_action(
        repo, base, environment, **{"fail-on": "never", "check-all": "true"}
    )
    assert code == 0, runner.logs["check"].stderr
    outputs = runner.outputs["check"]
    assert outputs["warnings"] == "15" and outputs["failed"] == "false"
    annotations = [
        line for line in runner.logs["check"].stdout.splitlines() if line.startswith("::")
    ]
    assert len([a for a in annotations if a.startswith("::warning")]) == 10
    assert annotations[-1].startswith("::notice title=rulelint::5 more finding(s) not annotated")
    assert "5 finding(s) are not shown as annotations" in summary.read_text()


def test_inputs_cannot_inject_shell(
    pull_request: tuple[Path, str], environment: dict[str, str]
) -> None:
    repo, base = pull_request
    marker = repo.parent / "pwned"
    _runner, _, _ = run_action(
        repo, base, environment, paths=f'rules"; touch {marker}; echo "', **{"fail-on": "never"}
    )
    assert not marker.exists()
