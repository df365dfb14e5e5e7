#!/usr/bin/env python3
"""The benchmark table: whole-process time and peak memory of rulelint, and of its references.

    python bench/run.py                      # everything that is available
    python bench/run.py --only sigma-rules   # one row
    python bench/run.py --setup-sigma-cli    # first create bench/.venvs/sigma-cli for the comparison

Rows: one Sigma rule; all of sigma/rules/ (rulelint, `sigma check` with its core validators offline,
and the YAML-parse floor: PyYAML's C loader reading the same files in one process); each vendor's
whole corpus; the full catalog build. Each command runs several times; the best wall time and the
largest peak RSS (of the process or any one of its workers) are reported.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPORA = Path(os.environ.get("RULELINT_CORPORA", REPO.parent / "shared" / "corpora"))
SIGMA_CLI = HERE / ".venvs" / "sigma-cli" / "bin" / "sigma"
ONE_RULE = (
    CORPORA / "sigma/rules/windows/process_creation/proc_creation_win_net_use_mount_admin_share.yml"
)

YAML_FLOOR = """
import glob, sys, yaml
for path in sorted(glob.glob(sys.argv[1] + '/**/*.yml', recursive=True)):
    with open(path, 'rb') as handle:
        yaml.load(handle, Loader=yaml.CSafeLoader)
"""

VENDOR_FOLDERS = {
    "sigma": "sigma",
    "elastic": "elastic",
    "splunk": "splunk/detections",
    "kusto": "kusto",
    "yaral": "chronicle/rules",
    "panther": "panther",
}


#: Measured processes may write bytecode caches, as an installed package has them; a warm-up run
#: per row fills them (and the parse cache), so rows show the steady state a hook sees.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
PANTHER_ANALYSIS = Path(
    os.environ.get("RULELINT_PANTHER_ANALYSIS") or REPO.parent / "panther-analysis"
)


def measure(command: list[str], repeat: int) -> tuple[float, float, int]:
    """(best wall seconds, peak RSS MB, exit code) over ``repeat`` runs.

    The peak is ``wait4``'s ``ru_maxrss`` of each run: the largest resident set of the process or
    of any worker it waited for.
    """
    best = float("inf")
    peak = 0.0
    code = 0
    for _ in range(repeat):
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=ENV
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        code = process.returncode
        best = min(best, elapsed)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak, code


def rulelint(*args: str) -> list[str]:
    return [sys.executable, "-m", "rulelint", *args]


def rows(only: set[str]) -> list[tuple[str, str, list[str], int]]:
    """(key, label, command, repeat) of every benchmark that can run here."""
    table: list[tuple[str, str, list[str], int]] = [
        ("python-floor", "Python floor: python -c pass", [sys.executable, "-c", "pass"], 7),
        (
            "import-floor",
            "import floor: python -c 'import yaml, sqlite3'",
            [sys.executable, "-c", "import yaml, sqlite3"],
            7,
        ),
    ]
    rules = CORPORA / "sigma" / "rules"
    if ONE_RULE.is_file():
        table.append(
            (
                "one-rule",
                "rulelint check: one Sigma rule",
                rulelint("check", "--fail-on", "never", str(ONE_RULE)),
                7,
            )
        )
        if SIGMA_CLI.is_file():
            table.append(
                (
                    "one-rule-sigma-cli",
                    "sigma check: the same rule (core validators, offline)",
                    [str(SIGMA_CLI), "check", "-x", "attacktag", "-x", "d3_fendtag", str(ONE_RULE)],
                    5,
                )
            )
    if rules.is_dir():
        table.append(
            (
                "sigma-rules",
                "rulelint check: sigma/rules/ (3,141 rules)",
                rulelint("check", "--fail-on", "never", str(rules)),
                3,
            )
        )
        table.append(
            (
                "sigma-rules-1",
                "rulelint check -j1: sigma/rules/ (one process)",
                rulelint("check", "-j", "1", "--fail-on", "never", str(rules)),
                3,
            )
        )
        table.append(
            (
                "yaml-floor",
                "YAML-parse floor: PyYAML C loader, same files",
                [sys.executable, "-c", YAML_FLOOR, str(rules)],
                3,
            )
        )
        if SIGMA_CLI.is_file():
            table.append(
                (
                    "sigma-rules-sigma-cli",
                    "sigma check: sigma/rules/ (core validators, offline)",
                    [str(SIGMA_CLI), "check", "-x", "attacktag", "-x", "d3_fendtag", str(rules)],
                    1,
                )
            )
    for vendor, folder in VENDOR_FOLDERS.items():
        path = CORPORA / folder
        if path.is_dir():
            table.append(
                (
                    f"corpus-{vendor}",
                    f"rulelint check: whole {vendor} corpus",
                    rulelint("check", "--fail-on", "never", str(path)),
                    2,
                )
            )
    if (PANTHER_ANALYSIS / "rules").is_dir():
        table.append(
            (
                "corpus-panther-python",
                "rulelint check: panther-analysis rules/ (YAML + Python)",
                rulelint("check", "--fail-on", "never", str(PANTHER_ANALYSIS / "rules")),
                2,
            )
        )
    if CORPORA.is_dir():
        output = Path(tempfile.gettempdir()) / "rulelint-bench-catalog.db"
        table.append(
            (
                "catalog-build",
                "rulelint catalog build --default (full, all sources)",
                rulelint("catalog", "build", "--default", "--full", "-o", str(output)),
                1,
            )
        )
    return [row for row in table if not only or row[0] in only]


def setup_sigma_cli() -> None:
    venv = SIGMA_CLI.parent.parent
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "sigma-cli"], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", default=[], help="row keys to run")
    parser.add_argument(
        "--setup-sigma-cli", action="store_true", help="install sigma-cli in bench/.venvs first"
    )
    args = parser.parse_args()
    if args.setup_sigma_cli:
        setup_sigma_cli()
    cpu = platform.processor() or platform.machine()
    print(
        f"machine: {platform.system()} {platform.release()} {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    if shutil.which("git"):
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        print(f"rulelint at {commit}; corpora at {CORPORA}")
    print()
    print(f"| {'benchmark':58} | {'seconds':>8} | {'peak MB':>8} | exit |")
    print(f"|{'-' * 60}|{'-' * 10}|{'-' * 10}|------|")
    for _key, label, command, repeat in rows(set(args.only)):
        measure(command, 1)  # warm-up: bytecode and parse caches, as on a developer's machine
        seconds, peak, code = measure(command, repeat)
        print(f"| {label:58} | {seconds:8.2f} | {peak:8.0f} | {code:4} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
