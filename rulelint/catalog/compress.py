"""Compression of the rule bodies stored in a catalog.

Each body is a small JSON document, which zlib compresses poorly on its own; a preset dictionary
of typical rule bodies (``data/catalog/zdict.bin``, sampled from the public corpora) lets it
reference what rules have in common, and the bodies shrink by about 40 %.
"""

from __future__ import annotations

import hashlib
import zlib
from functools import cache

from rulelint.vocab.tables import DATA_DIR

ZDICT_PATH = DATA_DIR / "catalog" / "zdict.bin"


@cache
def zdict() -> bytes:
    return ZDICT_PATH.read_bytes()


@cache
def zdict_id() -> str:
    return hashlib.sha256(zdict()).hexdigest()[:16]


def pack(text: str) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, zdict())
    return compressor.compress(text.encode("utf-8")) + compressor.flush()


def unpack(body: bytes) -> str:
    decompressor = zlib.decompressobj(15, zdict())
    return (decompressor.decompress(body) + decompressor.flush()).decode("utf-8")
