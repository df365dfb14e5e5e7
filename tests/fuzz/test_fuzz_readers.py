"""Property: every reader, fed mutated real rules and random text, returns rules or raises a clean
RuleReadError, within a bounded time. (bench/fuzz.py runs many more examples.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from rulelint.formats.base import Reader
from tests.fuzz.harness import inputs, read_one, readers


@pytest.mark.parametrize("reader", readers(), ids=lambda r: r.format)
def test_reader_survives_fuzzing(reader: Reader) -> None:
    @settings(
        max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(text=inputs(reader))
    def check(text: str) -> None:
        read_one(reader, text)

    check()
