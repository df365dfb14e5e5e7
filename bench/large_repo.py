#!/usr/bin/env python3
"""Does checking stay linear and bounded in memory? Time and peak RSS for 2,500, 5,000 and 10,000
rule files (copies of SigmaHQ rules with fresh ids, in a temporary repository).

    python bench/large_repo.py [--sizes 2500 5000 10000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("RULELINT_CORPORA", REPO.parent / "shared" / "corpora"))


def make_repository(root: Path, size: int, sources: list[Path]) -> None:
    for index in range(size):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8")
        lines = [
            f"id: {uuid.UUID(int=index)}" if line.startswith("id: ") else line
            for line in text.splitlines()
        ]
        folder = root / f"part{index // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"rule_{index:05d}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000])
    args = parser.parse_args()
    sources = sorted((CORPORA / "sigma" / "rules").rglob("*.yml"))
    if not sources:
        print(f"no Sigma rules under {CORPORA}", file=sys.stderr)
        return 2
    print(f"| {'files':>6} | {'seconds':>8} | {'ms/file':>7} | {'peak MB':>8} |")
    print("|--------|----------|---------|----------|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch) / "rules"
            make_repository(root, size, sources)
            command = [
                sys.executable,
                "-m",
                "rulelint",
                "check",
                "--fail-on",
                "never",
                "--format",
                "json",
                "-o",
                os.devnull,
                str(root),
            ]
            started = time.perf_counter()
            process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO
            )
            _, _, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - started
            print(
                f"| {size:6} | {elapsed:8.2f} | {1000 * elapsed / size:7.2f} | {usage.ru_maxrss / 1024:8.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
