#!/usr/bin/env python3
"""Parse coverage of rule folders: how many files read into rules with predicates, and why not.

    python bench/parse_coverage.py ../shared/corpora/sigma --exclude /deprecated/
    python bench/parse_coverage.py ../shared/corpora/elastic --by-language

Prints totals per format (with ``--by-language``, also per query language of the rules), then
every failure (file: reason) and every rule without predicates.
"""

from __future__ import annotations

import argparse
import collections
import time

from rulelint.formats import read_rule_file
from rulelint.walk import iter_rule_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument(
        "--exclude", action="append", default=[], help="skip paths containing this text"
    )
    parser.add_argument("--quiet", action="store_true", help="totals only")
    parser.add_argument(
        "--by-language", action="store_true", help="also count rules per format and query language"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    totals: collections.Counter[str] = collections.Counter()
    failures: list[tuple[str, str]] = []
    empty: list[tuple[str, str]] = []
    reasons: collections.Counter[str] = collections.Counter()
    languages: collections.Counter[tuple[str, str, str]] = collections.Counter()
    for path in iter_rule_files(args.paths):
        if any(part in path for part in args.exclude):
            continue
        result = read_rule_file(path)
        if result is None:
            totals["unrecognized files"] += 1
            continue
        totals[f"{result.format}: files"] += 1
        if result.error:
            totals[f"{result.format}: files failed"] += 1
            failures.append((path, result.error))
            reasons[result.error.split(":")[0][:60]] += 1
            continue
        for rule in result.rules:
            totals[f"{result.format}: rules"] += 1
            language = rule.language or "(no query)"
            languages[(result.format, language, "rules")] += 1
            if rule.expression is not None:
                languages[(result.format, language, "with predicates")] += 1
            if rule.expression is None:
                totals[f"{result.format}: rules without predicates"] += 1
                empty.append((f"{path}:{rule.line}", "; ".join(rule.notes) or "no predicates"))
            else:
                totals[f"{result.format}: rules with predicates"] += 1
    elapsed = time.perf_counter() - started
    for key in sorted(totals):
        print(f"{key:45} {totals[key]:6}")
    formats = {key.split(":")[0] for key in totals if ":" in key}
    for name in sorted(formats):
        rules = totals[f"{name}: rules"]
        with_predicates = totals[f"{name}: rules with predicates"]
        if rules:
            print(
                f"{name}: {with_predicates}/{rules} rules yield predicates ({100 * with_predicates / rules:.2f} %)"
            )
    if args.by_language:
        for name, language in sorted({(f, lang) for f, lang, _ in languages}):
            rules = languages[(name, language, "rules")]
            with_predicates = languages[(name, language, "with predicates")]
            share = 100 * with_predicates / rules
            print(
                f"{name} [{language}]: {with_predicates}/{rules} rules yield predicates ({share:.2f} %)"
            )
    print(f"elapsed {elapsed:.2f} s")
    if not args.quiet:
        for reason, count in reasons.most_common():
            print(f"REASON {count:5} {reason}")
    if not args.quiet:
        for path, reason in failures:
            print(f"FAILED {path}: {reason}")
        for where, reason in empty:
            print(f"EMPTY  {where}: {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
