"""The ``rulelint`` command line: assembles the commands of :mod:`rulelint.commands`.

Exit codes (ruff's convention): 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration, catalog or rule-file errors. No traceback reaches a user: unexpected
errors are reported in one line (set ``RULELINT_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from rulelint import __version__
from rulelint.commands import catalog, check, explain, normalize
from rulelint.commands.common import EXIT_ERROR, UsageError

COMMAND_MODULES = (check, normalize, explain, catalog)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rulelint",
        description="Lint SIEM detection rules against what thousands of public rules already do.",
    )
    parser.add_argument("--version", action="version", version=f"rulelint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args))
    except UsageError as error:
        print(f"rulelint: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("rulelint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except ImportError as error:  # an incomplete installation: no rule is at fault
        print(
            f"rulelint: a required package is missing or broken ({error}); "
            "reinstall rulelint with its dependencies (pip install rulelint)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    except Exception as error:  # no traceback reaches a user
        if os.environ.get("RULELINT_DEBUG"):
            traceback.print_exc()
        print(
            f"rulelint: internal error: {type(error).__name__}: {error} (set RULELINT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
