"""What changed since a git ref: the files (added, copied, modified, renamed) and their lines."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


class GitError(Exception):
    pass


def _git(args: list[str], cwd: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"cannot run git: {error}") from None
    if result.returncode != 0:
        raise GitError(
            result.stderr.strip().splitlines()[-1]
            if result.stderr.strip()
            else f"git {args[0]} failed"
        )
    return result.stdout


def repository_root(cwd: str = ".") -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())


def changed_files(ref: str, cwd: str = ".") -> list[str]:
    """Files changed since ``ref`` (committed or not, plus untracked ones), relative to ``cwd``."""
    if ref.startswith("-"):
        raise GitError(f"{ref!r} is not a git revision")
    root = repository_root(cwd)
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd)
    names = _git(["diff", "--name-only", "-z", "--diff-filter=ACMR", ref, "--"], cwd).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z"], str(root)).split("\0")
    here = Path(cwd).resolve()
    found: list[str] = []
    for name in sorted({n for n in names if n}):
        absolute = root / name
        if absolute.is_file():
            found.append(os.path.relpath(absolute, here))
    return found


def changed_lines(ref: str, paths: list[str], cwd: str = ".") -> dict[str, set[int]]:
    """Per path (as given), the line numbers added or modified since ``ref``."""
    lines: dict[str, set[int]] = {}
    for path in paths:
        output = _git(["diff", "-U0", "--no-color", "--no-ext-diff", ref, "--", path], cwd)
        key = path.replace("\\", "/")
        if not output:  # untracked or unchanged: every line is new to a reviewer
            try:
                count = len(
                    Path(cwd, path).read_text(encoding="utf-8", errors="replace").splitlines()
                )
            except OSError:
                count = 0
            lines[key] = set(range(1, count + 1))
            continue
        found: set[int] = set()
        for line in output.splitlines():
            match = HUNK.match(line)
            if match:
                start = int(match.group("start"))
                count = int(match.group("count") or "1")
                found.update(range(start, start + count))
        lines[key] = found
    return lines
