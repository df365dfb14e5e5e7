"""All checks, by stable code. Codes never change meaning; retired codes are never reused.

RL1xx  judgement against the catalog (noise, exclusions, fields, operators, duplicates)
RL2xx  ATT&CK references
"""

from __future__ import annotations

import sys

from rulelint.checks.attack_tags import (
    MissingAttackTechnique,
    MovedAttackId,
    RetiredAttackId,
    UnknownAttackId,
)
from rulelint.checks.base import Check
from rulelint.checks.broad_exclusion import BroadExclusion
from rulelint.checks.missing_exclusion import MissingExclusion
from rulelint.checks.near_duplicate import NearDuplicate
from rulelint.checks.noisy_indicator import NoisyIndicator
from rulelint.checks.unknown_field import UnknownField
from rulelint.checks.unused_suppression import UnusedSuppression
from rulelint.checks.unusual_operator import PathNameMismatch

CHECKS: list[type[Check]] = [
    UnusedSuppression,
    NoisyIndicator,
    MissingExclusion,
    BroadExclusion,
    UnknownField,
    PathNameMismatch,
    NearDuplicate,
    MissingAttackTechnique,
    UnknownAttackId,
    RetiredAttackId,
    MovedAttackId,
]

BY_CODE: dict[str, type[Check]] = {check.code: check for check in CHECKS}
BY_NAME: dict[str, type[Check]] = {check.name: check for check in CHECKS}


def lookup(code_or_name: str) -> type[Check] | None:
    return BY_CODE.get(code_or_name.upper()) or BY_NAME.get(code_or_name.lower())


def _matches(check: type[Check], selectors: list[str]) -> bool:
    """``RL1`` selects RL1xx, ``RL102`` one code, ``missing-exclusion`` one check, ``ALL`` all."""
    for selector in selectors:
        wanted = selector.strip()
        if (
            wanted.upper() == "ALL"
            or check.code.startswith(wanted.upper())
            or wanted.lower() == check.name
        ):
            return True
    return False


def enabled_checks(select: list[str], ignore: list[str]) -> list[Check]:
    chosen = [c for c in CHECKS if (not select or _matches(c, select)) and not _matches(c, ignore)]
    return [check() for check in chosen]


def documentation(check: type[Check]) -> str:
    """A check's documentation: its module docstring (one place, shown by ``rulelint explain``)."""
    module = sys.modules[check.__module__]
    return (module.__doc__ or check.summary).strip()
