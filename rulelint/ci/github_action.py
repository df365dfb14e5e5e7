"""The logic of the GitHub Action (``action.yml``): which files, which reports, which outputs.

Run as ``python -m rulelint.ci.github_action`` by the action's check step. Inputs arrive only as
environment variables (never interpolated into a shell script), GitHub's files (``GITHUB_EVENT_PATH``,
``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``) are read and appended to, and the process exits 0 unless
rulelint could not run at all: failing the job per ``fail-on`` is the action's last step, so the
summary, the outputs and the SARIF upload happen first.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

SEVERITIES = ("info", "warning", "error")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def base_commit(event_path: str, event_name: str) -> str | None:
    """The commit a pull request (or a push) is compared against; None when there is none."""
    if not event_path or not Path(event_path).is_file():
        return None
    event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    if "pull_request" in event and isinstance(event["pull_request"], dict):
        return event["pull_request"].get("base", {}).get("sha") or None
    before = event.get("before")
    if event_name == "push" and before and set(before) != {"0"}:
        return before
    return None


def _ensure_commit(sha: str) -> bool:
    present = subprocess.run(
        ["git", "cat-file", "-e", f"{sha}^{{commit}}"], capture_output=True, check=False
    )
    if present.returncode == 0:
        return True
    subprocess.run(
        ["git", "fetch", "--no-tags", "--depth=1", "origin", sha], capture_output=True, check=False
    )
    return (
        subprocess.run(
            ["git", "cat-file", "-e", f"{sha}^{{commit}}"], capture_output=True, check=False
        ).returncode
        == 0
    )


def write_outputs(path: str, values: dict[str, str]) -> None:
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        for key, value in values.items():
            if "\n" in value:
                marker = f"ghadelimiter_{uuid.uuid4()}"
                out.write(f"{key}<<{marker}\n{value}\n{marker}\n")
            else:
                out.write(f"{key}={value}\n")


def main() -> int:
    paths = shlex.split(_env("RULELINT_PATHS", ".")) or ["."]
    check_all = _env("RULELINT_CHECK_ALL", "false").lower() == "true"
    fail_on = _env("RULELINT_FAIL_ON", "warning") or "warning"
    sarif = _env("RULELINT_SARIF", "rulelint.sarif")
    if fail_on not in (*SEVERITIES, "never"):
        print(
            f"::error title=rulelint::fail-on must be error, warning, info or never (got {fail_on!r})"
        )
        return 2
    command = [
        sys.executable,
        "-m",
        "rulelint",
        "check",
        *paths,
        "--format",
        "github",
        "--fail-on",
        "never",
    ]
    base = None if check_all else base_commit(_env("GITHUB_EVENT_PATH"), _env("GITHUB_EVENT_NAME"))
    if base and not _ensure_commit(base):
        print(
            f"::notice title=rulelint::base commit {base[:12]} is not available; checking every rule"
        )
        base = None
    if base:
        command += ["--changed-since", base]
    if _env("RULELINT_CONFIG"):
        command += ["--config", _env("RULELINT_CONFIG")]
    if _env("RULELINT_CATALOG"):
        command += ["--catalog", _env("RULELINT_CATALOG")]
    with tempfile.TemporaryDirectory() as scratch:
        report_json = os.path.join(scratch, "report.json")
        summary_md = os.path.join(scratch, "summary.md")
        command += ["--report", f"json:{report_json}", "--report", f"markdown:{summary_md}"]
        if sarif:
            command += ["--report", f"sarif:{sarif}"]
        print(
            f"rulelint: {'checking rules changed since ' + base[:12] if base else 'checking every rule under ' + ' '.join(paths)}"
        )
        sys.stdout.flush()
        result = subprocess.run(command, check=False)
        if not os.path.exists(report_json):
            print("::error title=rulelint::rulelint could not run (see the log above)")
            return result.returncode or 2
        report = json.loads(Path(report_json).read_text(encoding="utf-8"))
        summary_path = _env("GITHUB_STEP_SUMMARY")
        if summary_path:
            with open(summary_path, "a", encoding="utf-8") as out:
                out.write(Path(summary_md).read_text(encoding="utf-8"))
    counts = report["summary"]["by_severity"]
    unreadable = report["summary"]["files_with_errors"]
    threshold = -1 if fail_on == "never" else SEVERITIES.index(fail_on)
    failing = unreadable > 0 or (threshold >= 0 and any(counts[s] for s in SEVERITIES[threshold:]))
    write_outputs(
        _env("GITHUB_OUTPUT"),
        {
            "findings": str(report["summary"]["findings"]),
            "errors": str(counts["error"]),
            "warnings": str(counts["warning"]),
            "infos": str(counts["info"]),
            "files": str(report["summary"]["files"]),
            "unreadable": str(unreadable),
            "sarif-file": sarif if sarif and os.path.exists(sarif) else "",
            "failed": "true" if failing else "false",
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
