"""The command line: exit codes, report contracts (JSON Schema), errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from rulelint.cli import main
from rulelint.vocab.tables import DATA_DIR
from tests.helpers import build, sigma_rule, write

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = DATA_DIR / "schemas"


def validate(document: object, schema_name: str) -> None:
    schema = json.loads((SCHEMAS / schema_name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def catalog_path(tmp_path: Path) -> str:
    root = tmp_path / "corpus"
    for index in range(6):
        detection = (
            f"selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' flag{index}'\n"
            "filter_main_svchost:\n    ParentImage|endswith: '\\svchost.exe'\ncondition: selection and not 1 of filter_main_*"
        )
        write(
            root / f"peer{index}.yml",
            sigma_rule(f"Peer {index}", detection, rule_id=f"peer-{index}"),
        )
    return str(build(tmp_path, root).path)


def test_exit_codes(tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(
        tmp_path / "clean.yml",
        sigma_rule(
            "Clean",
            "selection:\n    CommandLine|contains: 'rare'\ncondition: selection",
            rule_id="c",
            tags=("attack.t1033",),
        ),
    )
    lacking = write(
        tmp_path / "lacking.yml",
        sigma_rule(
            "Lacking",
            "selection:\n    Image|endswith: '\\net.exe'\ncondition: selection",
            rule_id="l",
        ),
    )
    broken = write(
        tmp_path / "broken.yml",
        "title: b\nlogsource: {product: windows}\ndetection:\n  sel: {a: b}\n  condition: sel and x\n",
    )
    assert run(["check", "--catalog", catalog_path, str(clean)], capsys)[0] == 0
    code, out, _ = run(["check", "--catalog", catalog_path, str(lacking)], capsys)
    assert code == 1 and "RL102 [warning]" in out and "6 of 6 rules under T1021" in out
    assert (
        run(["check", "--catalog", catalog_path, "--fail-on", "error", str(lacking)], capsys)[0]
        == 0
    )
    assert (
        run(["check", "--catalog", catalog_path, "--ignore", "RL102", str(lacking)], capsys)[0] == 0
    )
    # a broken file is reported, the others are still checked, and the exit code says so
    code, out, _ = run(["check", "--catalog", catalog_path, str(broken), str(lacking)], capsys)
    assert code == 2
    assert f"{broken}:5: E000 [error]" in out and "condition names detection 'x'" in out
    assert "RL102" in out
    assert run(["check", "--catalog", catalog_path, str(tmp_path / "missing.yml")], capsys)[0] == 2
    assert run(["check", "--catalog", str(tmp_path / "nope.db"), str(clean)], capsys)[0] == 2
    assert run(["check", "--select", "RL999x", str(clean)], capsys)[0] == 2
    assert run(["check"], capsys)[0] == 2


def test_json_report_follows_its_schema(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lacking = write(
        tmp_path / "lacking.yml",
        sigma_rule(
            "Lacking",
            "selection:\n    Image|endswith: '\\net.exe'\ncondition: selection",
            rule_id="l",
        ),
    )
    broken = write(
        tmp_path / "broken.yml",
        "title: b\nlogsource: {product: windows}\ndetection:\n  sel: [unclosed\n",
    )
    code, out, _ = run(
        ["check", "--catalog", catalog_path, "--format", "json", str(lacking), str(broken)], capsys
    )
    assert code == 2
    report = json.loads(out)
    validate(report, "report.json")
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["broken.yml"]["error"] and files["broken.yml"]["rules"] == []
    rule = files["lacking.yml"]["rules"][0]
    finding = rule["findings"][0]
    assert finding["check"] == "missing-exclusion" and finding["evidence"]["support"] == 6
    assert finding["field"] == "ParentImage" and finding["operator"] == "eq"
    assert 0.0 <= rule["noise_score"] <= 1.0
    assert report["summary"]["by_code"] == {"RL102": 1}


def test_output_file_keeps_text_on_the_terminal(
    tmp_path: Path, catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lacking = write(
        tmp_path / "lacking.yml",
        sigma_rule(
            "Lacking",
            "selection:\n    Image|endswith: '\\net.exe'\ncondition: selection",
            rule_id="l",
        ),
    )
    out_file = tmp_path / "report.json"
    code, out, _ = run(
        ["check", "--catalog", catalog_path, "--format", "json", "-o", str(out_file), str(lacking)],
        capsys,
    )
    assert code == 1 and "RL102 [warning]" in out
    validate(json.loads(out_file.read_text()), "report.json")


def test_normalize_follows_its_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rule = write(
        tmp_path / "r.yml",
        sigma_rule(
            "R",
            "selection:\n    Image|endswith: '\\net.exe'\nfilter:\n    User: SYSTEM\ncondition: selection and not filter",
            rule_id="r",
        ),
    )
    code, out, _ = run(["normalize", str(rule)], capsys)
    assert code == 0
    document = json.loads(out)
    validate(document, "normalize.json")
    normalized = document["files"][0]["rules"][0]
    assert normalized["indicators"] == [
        {
            "field": "Image",
            "canonical_field": "process.name",
            "operator": "eq",
            "value": "net.exe",
            "line": 11,
        }
    ]
    assert normalized["exclusions"][0]["canonical_field"] == "user.name"
    assert normalized["expression"]["type"] == "and"


def test_explain_and_catalog_commands(
    catalog_path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["explain"], capsys)
    assert code == 0 and "RL101" in out and "missing-exclusion" in out
    code, out, _ = run(["explain", "missing-exclusion"], capsys)
    assert code == 0 and out.startswith("RL102 missing-exclusion") and "Configuration" in out
    assert run(["explain", "RL999"], capsys)[0] == 2
    code, out, _ = run(["catalog", "info", "--catalog", catalog_path, "--verify"], capsys)
    assert code == 0 and "rules: 6" in out and "integrity: ok" in out
    code, out, _ = run(
        ["catalog", "show", "T1021", "--catalog", catalog_path, "--format", "json"], capsys
    )
    page = json.loads(out)
    assert page["total_rules"] == 6 and page["exclusions"][0]["value"] == "svchost.exe"
    code, out, _ = run(
        ["catalog", "show", "T1021", "--catalog", catalog_path, "--width", "80"], capsys
    )
    assert max(len(line) for line in out.splitlines()) <= 80
    for heading in (
        "Events covered",
        "Fields filtered most",
        "Top indicator values",
        "Exclusions",
        "Rules under this technique",
    ):
        assert heading in out
    assert run(["catalog", "show", "T0000", "--catalog", catalog_path], capsys)[0] == 2


def test_the_installed_command_never_shows_a_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\x00\x01\x02title: x")
    result = subprocess.run(
        [sys.executable, "-m", "rulelint", "check", str(binary)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode in (0, 2)
    assert "Traceback" not in result.stderr + result.stdout
