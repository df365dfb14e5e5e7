"""``rulelint explain [CODE]``: a check's documentation, or the list of checks."""

from __future__ import annotations

import argparse

from rulelint.commands.common import EXIT_OK, UsageError


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    explain = commands.add_parser("explain", help="document a check (or list all checks)")
    explain.add_argument(
        "code", nargs="?", metavar="CODE", help="a code (RL102) or name (missing-exclusion)"
    )
    explain.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rulelint.checks.registry import CHECKS, documentation, lookup

    if not args.code:
        for check in CHECKS:
            print(f"{check.code}  {check.name:28} [{check.severity}]  {check.summary}")
        return EXIT_OK
    check = lookup(args.code)
    if check is None:
        raise UsageError(f"no check {args.code!r} (run 'rulelint explain' for the list)")
    print(f"{check.code} {check.name} (default severity: {check.severity})\n")
    print(documentation(check))
    return EXIT_OK
