"""ATT&CK technique and tactic facts from the shipped table (no network, ever).

The shipped table is ATT&CK Enterprise v18.1; SigmaHQ already tags with v19. ``aliases.tsv`` maps
v18 ids that v19 moved onto their v19 id, and names the v19 ids the table lacks, so a valid v19 tag
is never "unknown" and v18/v19 ids of one technique share one catalog page. A newer STIX bundle can
replace the table (``load_attack(stix_path)``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rulelint.vocab.tables import DATA_DIR, read_table

TECHNIQUE_RE = re.compile(r"^T\d{4}(?:\.\d{3})?$")
TACTIC_ID_RE = re.compile(r"^TA\d{4}$")


@dataclass(slots=True)
class Technique:
    id: str
    name: str
    tactics: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    deprecated: bool = False
    revoked: bool = False
    url: str = ""
    source: str = "table"


@dataclass(slots=True)
class Attack:
    version: str
    techniques: dict[str, Technique]
    tactics: dict[str, tuple[str, str]]  # shortname -> (TA id, name)
    aliases: dict[str, str]  # older id -> current page id
    _tactic_index: dict[str, tuple[str, str, str]] | None = None

    def page_id(self, technique_id: str) -> str:
        """The id whose page a technique's rules land on (v18 ids that moved map to v19)."""
        technique_id = technique_id.upper()
        return self.aliases.get(technique_id, technique_id)

    def rollup(self, technique_ids: list[str]) -> list[str]:
        """Page ids of a rule's techniques plus their parents, sorted and unique."""
        pages: set[str] = set()
        for raw in technique_ids:
            page = self.page_id(raw)
            pages.add(page)
            if "." in page:
                pages.add(self.page_id(page.split(".")[0]))
        return sorted(pages)

    def lookup(self, technique_id: str) -> Technique | None:
        return self.techniques.get(technique_id.upper())

    def name(self, technique_id: str) -> str:
        found = self.lookup(technique_id)
        return found.name if found else ""

    def tactic_by_any(self, value: str) -> tuple[str, str, str] | None:
        """(shortname, TA id, name) for ``lateral-movement``, ``lateral_movement`` or ``TA0008``."""
        wanted = value.strip().lower().replace("_", "-").replace(" ", "-")
        if self._tactic_index is None:
            self._tactic_index = {}
            for short, (ta, name) in self.tactics.items():
                for spelling in (short, ta.lower(), name.lower().replace(" ", "-")):
                    self._tactic_index.setdefault(spelling, (short, ta, name))
        return self._tactic_index.get(wanted)


def _load_table(path: Path) -> tuple[str, dict[str, Technique], dict[str, tuple[str, str]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    techniques = {
        t["id"]: Technique(
            id=t["id"],
            name=t["name"],
            tactics=list(t.get("tactics", [])),
            platforms=list(t.get("platforms", [])),
            deprecated=bool(t.get("deprecated")),
            revoked=bool(t.get("revoked")),
            url=t.get("url", ""),
        )
        for t in data["techniques"]
    }
    tactics = {short: (v["id"], v["name"]) for short, v in data["tactics"].items()}
    return data.get("version", data.get("source", "")), techniques, tactics


def _load_stix(path: Path) -> tuple[str, dict[str, Technique], dict[str, tuple[str, str]]]:
    """Techniques and tactics of a STIX 2.x ``enterprise-attack.json`` bundle."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    techniques: dict[str, Technique] = {}
    tactics: dict[str, tuple[str, str]] = {}
    version = ""
    for obj in bundle.get("objects", []):
        ref = next(
            (
                r
                for r in obj.get("external_references", [])
                if r.get("source_name") == "mitre-attack"
            ),
            None,
        )
        kind = obj.get("type")
        if kind == "x-mitre-collection":
            version = str(obj.get("x_mitre_version", ""))
        if ref is None:
            continue
        if kind == "attack-pattern":
            techniques[ref["external_id"]] = Technique(
                id=ref["external_id"],
                name=obj.get("name", ""),
                tactics=[p["phase_name"] for p in obj.get("kill_chain_phases", [])],
                platforms=list(obj.get("x_mitre_platforms", [])),
                deprecated=bool(obj.get("x_mitre_deprecated")),
                revoked=bool(obj.get("revoked")),
                url=ref.get("url", ""),
                source="stix",
            )
        elif kind == "x-mitre-tactic":
            tactics[obj["x_mitre_shortname"]] = (ref["external_id"], obj.get("name", ""))
    return f"STIX {version}".strip(), techniques, tactics


def load_attack(stix_path: str | Path | None = None) -> Attack:
    """The shipped table (plus v19 aliases), or a user-supplied STIX bundle in its place."""
    if stix_path is None:
        version, techniques, tactics = _load_table(
            DATA_DIR / "attack" / "enterprise-techniques.json"
        )
    else:
        version, techniques, tactics = _load_stix(Path(stix_path))
    aliases: dict[str, str] = {}
    for row in read_table("attack/aliases.tsv"):
        kind, identifier = row[0], row[1]
        if kind == "alias":
            aliases[identifier] = row[2]
        elif kind == "technique" and identifier not in techniques:
            techniques[identifier] = Technique(
                id=identifier,
                name=row[2],
                tactics=row[3].split(",") if len(row) > 3 and row[3] else [],
                url="https://attack.mitre.org/techniques/" + identifier.replace(".", "/"),
                source="v19",
            )
        elif kind == "tactic" and identifier not in tactics:
            tactics[identifier] = (row[2], row[3])
    # a moved id keeps its own table entry (for names) but its page is the v19 one
    return Attack(version=version, techniques=techniques, tactics=tactics, aliases=aliases)


@cache
def default_attack() -> Attack:
    return load_attack()
