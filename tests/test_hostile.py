"""Hostile input: every outcome is a normalized rule or a clean per-file error, fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rulelint.cli import main
from rulelint.formats import MAX_FILE_BYTES, read_rule_file
from tests.helpers import LACKING, sigma_rule, write

REPO = Path(__file__).resolve().parent.parent


def read(path: Path):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = read_rule_file(str(path))
    assert time.perf_counter() - started < 5, "reading must stay bounded"
    return result


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yml"
    with open(path, "wb") as out:
        out.write(LACKING.encode())
        out.write(b"#" * (MAX_FILE_BYTES + 10))
    result = read(path)
    assert result is not None and "over the 2,097,152-byte limit" in str(result.error)


def test_huge_value_inside_the_limit_is_fine(tmp_path: Path) -> None:
    value = "A" * 1_500_000
    path = write(tmp_path / "big.yml", LACKING.replace("' use '", f"'{value}'"))
    result = read(path)
    assert result is not None and not result.error
    assert any(len(p.value or "") == 1_500_000 for p in result.rules[0].indicators())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"title: x\x00\x01\x02\nlogsource: {}\ndetection: {}\n", "binary file"),
        (
            "title: caf\u00e9\nlogsource: {product: windows}\ndetection:\n  s: {a: b}\n  condition: s\n".encode(
                "latin-1"
            ),
            "not valid UTF-8",
        ),
        (b"\xff\xfet\x00i\x00", "binary file"),
    ],
    ids=["nul-bytes", "latin-1", "utf-16"],
)
def test_binary_and_non_utf8(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "rule.yml"
    path.write_bytes(data)
    result = read_rule_file(
        str(path), reader=__import__("rulelint.formats.sigma.reader", fromlist=["x"]).SigmaReader()
    )
    assert result is not None and message in str(result.error)


def test_catastrophic_regex_is_never_run(tmp_path: Path) -> None:
    path = write(
        tmp_path / "redos.yml",
        sigma_rule(
            "ReDoS", "selection:\n    CommandLine|re: '(a+)+$'\ncondition: selection", rule_id="r"
        ),
    )
    started = time.perf_counter()
    result = read(path)
    assert time.perf_counter() - started < 1
    assert result.rules[0].indicators()[0].operator == "regex_match"  # type: ignore[union-attr]


def test_symlink_out_of_the_repository_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "outside" / "secret.yml"
    write(secret, LACKING)
    repo = tmp_path / "repo"
    (repo / "rules").mkdir(parents=True)
    os.symlink(secret, repo / "rules" / "link.yml")
    os.symlink(repo / "rules" / "inside.yml", repo / "rules" / "ok-link.yml")
    write(repo / "rules" / "inside.yml", LACKING)
    monkeypatch.chdir(repo)
    from rulelint.formats import trusted_root

    trusted_root.cache_clear()
    try:
        result = read_rule_file("rules/link.yml")
        assert result is not None and "outside the repository" in str(result.error)
        inside = read_rule_file("rules/ok-link.yml")
        assert inside is not None and not inside.error
    finally:
        trusted_root.cache_clear()


@pytest.mark.parametrize("name", ["with space.yml", "-leading-dash.yml", "new\nline.yml"])
def test_odd_file_names(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "rules"
    write(folder / name, LACKING)
    assert main(["check", "--format", "json", "--fail-on", "never", str(folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [Path(f["path"]).name for f in report["files"]] == [name]
    main(["check", "--fail-on", "never", str(folder)])
    out = capsys.readouterr().out
    assert all(
        not line.startswith("line.yml") for line in out.splitlines()
    )  # no forged output line
    assert main(["check", "--fail-on", "never", "--", str(folder / name)]) == 0


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dup.yml", LACKING.replace("level: medium", "level: medium\nlevel: high")
    )
    result = read(path)
    assert result is not None and "duplicate key 'level'" in str(result.error)


def test_a_crash_in_one_file_leaves_the_others_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "rules"
    write(
        folder / "a.yml",
        "title: a\nlogsource: {product: windows}\ndetection:\n  s: &x [*x]\n  condition: s\n",
    )
    write(folder / "b.yml", LACKING)
    assert main(["check", "--format", "json", str(folder)]) == 2
    report = json.loads(capsys.readouterr().out)
    errors = {Path(f["path"]).name: f["error"] for f in report["files"]}
    assert "recursive YAML alias" in errors["a.yml"] and errors["b.yml"] is None


def test_progress_is_silent_when_piped(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    for index in range(3):
        write(folder / f"r{index}.yml", LACKING.replace("000000000001", f"00000000000{index + 2}"))
    result = subprocess.run(
        [sys.executable, "-m", "rulelint", "check", "--fail-on", "never", str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert "checked" not in result.stderr and "\r" not in result.stderr


def test_duplicate_toml_keys_are_refused(tmp_path: Path) -> None:
    """A second ``query`` could hide what a reviewer reads in the first: TOML forbids it."""
    text = (
        '[metadata]\nmaturity = "production"\n\n[rule]\nrule_id = "x"\nname = "n"\n'
        'type = "query"\nlanguage = "kuery"\nquery = "process.name : a.exe"\n'
        'query = "process.name : b.exe"\n'
    )
    result = read(write(tmp_path / "dup.toml", text))
    assert result is not None and result.format == "elastic-toml"
    assert result.error and "query" in result.error and result.error_line == 10


def test_a_missing_dependency_is_one_clear_error_not_a_verdict_on_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installation without pySigma must not report each rule as unreadable (nor cache that)."""
    from rulelint.formats.sigma.reader import SigmaReader

    def no_pysigma(self, path, text):  # type: ignore[no-untyped-def]
        raise ModuleNotFoundError("No module named 'sigma'")

    monkeypatch.setattr(SigmaReader, "read", no_pysigma)
    monkeypatch.setenv("RULELINT_CACHE_DIR", str(tmp_path / "cache"))
    rule = write(tmp_path / "rules" / "a.yml", LACKING)
    assert main(["check", "--no-cache", str(rule)]) == 2
    error = capsys.readouterr().err
    assert "a required package is missing or broken (No module named 'sigma')" in error
    assert "a.yml" not in error


def test_reader_bugs_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rulelint.formats import parsecache
    from rulelint.formats.sigma.reader import SigmaReader

    rule = write(tmp_path / "a.yml", LACKING)
    cache = parsecache.ParseCache(tmp_path / "cache")
    real_read = SigmaReader.read
    monkeypatch.setattr(SigmaReader, "read", lambda self, path, text: 1 / 0)
    broken = read_rule_file(str(rule), cache=cache)
    assert broken is not None and "internal error while reading: ZeroDivisionError" in str(
        broken.error
    )
    monkeypatch.setattr(SigmaReader, "read", real_read)
    fixed = read_rule_file(str(rule), cache=cache)
    assert fixed is not None and fixed.error is None and fixed.rules
