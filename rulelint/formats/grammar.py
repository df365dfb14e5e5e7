"""Building lark parsers once per machine, not once per process.

Constructing an LALR table takes 50-150 ms per grammar: more than checking a rule. Readers ask
for their parser through :func:`lalr_parser` the first time they read a file; the table is then
kept in rulelint's cache folder (per user, keyed by the grammar's text and lark's version), so
later processes load it in a few milliseconds. Nothing is built at import time, so a run that
reads only Sigma rules never pays for the other grammars.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from typing import Any

from rulelint.formats.parsecache import default_cache_dir


@cache
def lalr_parser(name: str, grammar: str, **options: Any) -> Any:
    """A lark LALR parser for ``grammar`` (same options give the same parser, built once)."""
    import lark

    # a transformer is an object whose repr changes per process: key the cache by its class
    stable = sorted(
        (key, type(value).__qualname__ if key == "transformer" else value)
        for key, value in options.items()
    )
    identity = hashlib.sha256(f"{lark.__version__}\0{grammar}\0{stable!r}".encode()).hexdigest()[
        :16
    ]
    folder = default_cache_dir() / "grammars"
    path = folder / f"{name}-{identity}.lark"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        cache_path: str | bool = str(path)
    except OSError:
        cache_path = False  # no writable cache: build the table every time
    if os.environ.get("RULELINT_NO_CACHE"):
        cache_path = False
    # options are hashable for the memo (start=("a", "b")); lark wants lists
    lark_options = {k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}
    return lark.Lark(grammar, parser="lalr", cache=cache_path, **lark_options)
