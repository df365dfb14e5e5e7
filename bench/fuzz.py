#!/usr/bin/env python3
"""Fuzz every reader with many examples and print what happened (outcomes per reader).

    python bench/fuzz.py --examples 3000

Each example is a mutated real rule (from ../shared/corpora when present, plus built-in seeds) or
random text. Allowed outcomes: rules, no rules, a clean per-file error. Anything else (an
exception escaping, or more than two seconds on one input) fails, with the input that caused it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fuzz.harness

from hypothesis import HealthCheck, given, settings

from tests.fuzz.harness import inputs, read_one, readers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per reader")
    parser.add_argument("--reader", action="append", default=[], help="only these formats")
    args = parser.parse_args()
    print(
        f"{'reader':16} {'examples':>8} {'rules':>7} {'no rules':>8} {'errors':>7} {'seconds':>8}"
    )
    failed = False
    for reader in readers():
        if args.reader and reader.format not in args.reader:
            continue
        outcomes: Counter[str] = Counter()

        @settings(
            max_examples=args.examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(text=inputs(reader))
        def run(text: str) -> None:
            read_one(reader, text, outcomes)  # noqa: B023

        started = time.perf_counter()
        try:
            run()
        except Exception as error:  # report and go on with the next reader
            failed = True
            print(f"{reader.format}: FAILED: {type(error).__name__}: {str(error)[:400]}")
        total = sum(outcomes.values())
        print(
            f"{reader.format:16} {total:>8} {outcomes['rules']:>7} {outcomes['no rules']:>8} "
            f"{outcomes['error']:>7} {time.perf_counter() - started:>8.1f}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
