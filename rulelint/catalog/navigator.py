"""ATT&CK Navigator layers (layer format 4.5): techniques scored by how many rules cover them.

For the catalog (optionally one vendor's rules), or for a team's own rule folders, so that the
team's coverage can be laid beside the community's in the Navigator.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rulelint import __version__
from rulelint.attack import Attack, default_attack
from rulelint.catalog.store import Catalog

LAYER_VERSION = "4.5"
NAVIGATOR_VERSION = "5.1.0"
GRADIENT = ["#ffffff", "#ffd19a", "#e8702a", "#b4462b"]


def catalog_counts(catalog: Catalog, vendor: str | None = None) -> Counter[str]:
    """Rules per technique id: sub-techniques as tagged, parents with their sub-techniques rolled up."""
    query = (
        "SELECT t.technique, count(DISTINCT t.rule) FROM rule_techniques t JOIN rules r ON r.id = t.rule "
        "WHERE r.in_stats" + (" AND r.vendor = ?" if vendor else "") + " GROUP BY t.technique"
    )
    return Counter(dict(catalog.db.execute(query, (vendor,) if vendor else ())))


def rule_counts(technique_lists: list[list[str]], attack: Attack) -> Counter[str]:
    """Rules per technique id for rules read from files (same roll-up as the catalog)."""
    counts: Counter[str] = Counter()
    for techniques in technique_lists:
        counts.update(attack.rollup(techniques))
    return counts


def _attack_major(attack: Attack) -> str:
    found = re.search(r"(\d+)(?:\.\d+)?", attack.version)
    return found.group(1) if found else "18"


def layer(
    counts: Counter[str], *, name: str, description: str, attack: Attack | None = None
) -> dict[str, Any]:
    attack = attack or default_attack()
    maximum = max(counts.values(), default=0)
    techniques = []
    for technique, count in sorted(counts.items()):
        info = attack.lookup(technique)
        entry: dict[str, Any] = {
            "techniqueID": technique,
            "score": count,
            "comment": f"{count} rule{'s' if count != 1 else ''}",
            "enabled": True,
            "showSubtechniques": False,
        }
        if info is not None and info.name:
            entry["metadata"] = [{"name": "technique", "value": info.name}]
        techniques.append(entry)
    return {
        "name": name,
        "versions": {
            "attack": _attack_major(attack),
            "navigator": NAVIGATOR_VERSION,
            "layer": LAYER_VERSION,
        },
        "domain": "enterprise-attack",
        "description": description,
        "sorting": 3,
        "layout": {
            "layout": "side",
            "showID": True,
            "showName": True,
            "showAggregateScores": True,
            "aggregateFunction": "sum",
        },
        "hideDisabled": False,
        "techniques": techniques,
        "gradient": {"colors": GRADIENT, "minValue": 0, "maxValue": max(maximum, 1)},
        "legendItems": [
            {"label": "no rules", "color": GRADIENT[0]},
            {"label": f"{max(maximum, 1)} rules", "color": GRADIENT[-1]},
        ],
        "metadata": [{"name": "generator", "value": f"rulelint {__version__}"}],
        "selectTechniquesAcrossTactics": True,
        "selectSubtechniquesWithParent": False,
    }
