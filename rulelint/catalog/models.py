"""Judgement models (coefficients fitted offline by ``bench/`` scripts) and their catalog table.

The fitted parameters are committed as ``rulelint/data/catalog/models/<name>.json``; a catalog
build copies them, canonically re-serialized, into its ``models`` table, so the catalog a run
uses carries the model its statistics were fitted with and a rebuild stays byte-identical.
"""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from typing import Any

MODELS_PACKAGE = "rulelint.data.catalog"


def fitted_models() -> list[tuple[str, str]]:
    """``(name, canonical JSON)`` of every committed model, sorted by name."""
    folder = resources.files(MODELS_PACKAGE).joinpath("models")
    if not folder.is_dir():
        return []
    rows = []
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            body = json.loads(entry.read_text(encoding="utf-8"))
            rows.append((entry.name[: -len(".json")], canonical_json(body)))
    return sorted(rows)


def canonical_json(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stored_model(db: sqlite3.Connection, name: str) -> dict[str, Any] | None:
    """The model ``name`` of an open catalog; None for catalogs built without it."""
    try:
        row = db.execute("SELECT body FROM models WHERE name = ?", (name,)).fetchone()
    except sqlite3.OperationalError:  # an older catalog without the table
        return None
    return json.loads(row[0]) if row else None
