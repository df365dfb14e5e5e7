"""The knobs of a run: thresholds, which checks, severities. Defaults were measured over the
corpora (see README, "How the defaults were chosen", and ``bench/judgement.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Settings:
    # noisy-indicator: an And-clause whose every indicator is used by at least this many rules
    # (the larger of an absolute floor and a share of the catalog's rules)
    noisy_min_reach: int = 40
    noisy_share: float = 0.01
    # missing-exclusion: how many peers must carry an exclusion, and what share of them
    exclusion_min_support: int = 3
    exclusion_min_share: float = 0.1
    exclusion_min_peers: int = 5
    exclusion_max_suggestions: int = 3
    # near-duplicate: share of indicators two rules have in common
    duplicate_min_similarity: float = 0.9
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    fail_on: str = "warning"
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> codes
    suppress: dict[str, list[str]] = field(default_factory=dict)  # rule id -> codes
    exclude: list[str] = field(default_factory=list)  # path globs not to check
    source: str = ""  # the configuration file these came from, for messages
