"""Where catalog rules come from: rule folders with their repository, commit and license.

The default catalog is described by ``rulelint/data/catalog/sources.toml``; its repositories and
commits come from the corpora's ``.sources.tsv`` (or git), so the NOTICE and the catalog agree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from rulelint.vocab.tables import DATA_DIR

DEFAULT_MANIFEST = DATA_DIR / "catalog" / "sources.toml"


@dataclass(slots=True)
class Source:
    """One rule folder of a catalog."""

    name: str
    root: str
    repository: str = ""
    commit: str = ""
    license: str = ""
    exclude: list[str] = field(default_factory=list)
    url: str = ""

    def link(self, relative_path: str) -> str:
        """The upstream address of a rule file, when the repository is known."""
        if not self.repository or not self.commit or self.commit.startswith("("):
            return ""
        base = self.url or f"https://github.com/{self.repository}"
        return f"{base}/blob/{self.commit}/{relative_path}"


def _git(root: str, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", root, *args], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def source_for_path(path: str) -> Source:
    """A source for a plain folder: repository and commit from git when it is a checkout."""
    root = os.path.abspath(path)
    name = os.path.basename(root.rstrip(os.sep)) or root
    remote = _git(root, "remote", "get-url", "origin")
    repository = ""
    if remote:
        repository = remote.removesuffix(".git").split("github.com", 1)[-1].lstrip(":/")
    commit = _git(root, "rev-parse", "HEAD")
    license_text = ""
    for candidate in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
        license_path = Path(root) / candidate
        if license_path.is_file():
            license_text = (
                license_path.read_text(encoding="utf-8", errors="replace")
                .strip()
                .splitlines()[0][:80]
            )
            break
    return Source(name=name, root=root, repository=repository, commit=commit, license=license_text)


def _sources_tsv(corpora: Path) -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    path = corpora / ".sources.tsv"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 3:
                table[parts[0]] = (parts[1], parts[2])
    return table


def load_manifest(manifest: Path = DEFAULT_MANIFEST, corpora: Path | None = None) -> list[Source]:
    """The sources a manifest names, resolved against the corpora folder.

    A source's ``root`` is ``folder`` under ``corpora``, or ``path`` (absolute or relative to the
    manifest), or the first existing entry of ``env`` (an environment variable) / ``default``.
    """
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    corpora = corpora or Path(data.get("corpora", "../shared/corpora"))
    known = _sources_tsv(corpora)
    sources: list[Source] = []
    for entry in data.get("source", []):
        if "folder" in entry:
            root = corpora / entry["folder"]
            repository, commit = known.get(entry["folder"], ("", ""))
        else:
            root = Path(os.environ.get(entry.get("env", ""), "") or entry["default"])
            repository, commit = "", ""
        if not root.is_dir():
            raise FileNotFoundError(f"source {entry['name']!r}: folder {root} does not exist")
        if not commit:
            commit = _git(str(root), "rev-parse", "HEAD") or entry.get("commit", "")
        sources.append(
            Source(
                name=entry["name"],
                root=str(root),
                repository=entry.get("repository", repository),
                commit=entry.get("commit", commit),
                license=entry.get("license", ""),
                exclude=list(entry.get("exclude", [])),
            )
        )
    return sources
