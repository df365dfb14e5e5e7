"""Shared test fixtures: the public corpora beside the repository, when present."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# the tests never touch the user's cache: parse cache and combined catalogs go to a scratch folder
os.environ["RULELINT_CACHE_DIR"] = tempfile.mkdtemp(prefix="rulelint-test-cache-")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
SCHEMAS = SHARED / "schemas"


@pytest.fixture(scope="session")
def corpora() -> Path:
    """``../shared/corpora``; tests that need it skip (with the reason) in a fresh user clone."""
    if not CORPORA.is_dir():
        pytest.skip(
            f"public rule corpora not found at {CORPORA} (they sit beside the repository in CI)"
        )
    return CORPORA


@pytest.fixture(scope="session")
def schemas() -> Path:
    if not SCHEMAS.is_dir():
        pytest.skip(
            f"reference schemas not found at {SCHEMAS} (they sit beside the repository in CI)"
        )
    return SCHEMAS
