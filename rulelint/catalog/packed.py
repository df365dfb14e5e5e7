"""The embedded default catalog, shipped xz-compressed and unpacked once per user.

The SQLite file of six vendors' rules is about 29 MB; compressed it is about 9 MB, which keeps
the repository and the wheel small. The first run after an install unpacks it into rulelint's
cache folder (atomically: a temporary file moved into place, so parallel first runs are safe);
later runs open the unpacked copy directly. Packing is deterministic: the same catalog gives the
same bytes, so rebuilding from unchanged sources leaves the repository unchanged.
"""

from __future__ import annotations

import contextlib
import hashlib
import lzma
import os
import tempfile
from pathlib import Path

from rulelint.formats.parsecache import default_cache_dir
from rulelint.vocab.tables import DATA_DIR

PACKED_CATALOG = DATA_DIR / "catalog" / "default.db.xz"
#: xz preset: 6 is xz's default (a good size/speed balance; unpacking takes about 0.2 s).
PRESET = 6
CHUNK = 1024 * 1024


def pack(database: Path, packed: Path = PACKED_CATALOG) -> None:
    """Compress ``database`` into ``packed`` (atomically)."""
    fd, temporary = tempfile.mkstemp(prefix=".default-", suffix=".xz", dir=packed.parent)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            lzma.open(
                raw, "wb", format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=PRESET
            ) as out,
            open(database, "rb") as source,
        ):
            while chunk := source.read(CHUNK):
                out.write(chunk)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 is no mode for a file of the package
        os.replace(temporary, packed)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unpack(packed: Path, target: Path) -> Path:
    """Decompress ``packed`` to ``target`` (atomically) and return ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(prefix=".unpack-", suffix=".db", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, lzma.open(packed, "rb") as source:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def packed_identity(packed: Path = PACKED_CATALOG) -> str:
    """A cheap identity of the packed file: its size and its last 4 KB (the xz index and footer
    hold the checksums of everything before them), so a new catalog unpacks to a new name."""
    size = packed.stat().st_size
    with open(packed, "rb") as handle:
        handle.seek(max(size - 4096, 0))
        tail = handle.read()
    return hashlib.sha256(str(size).encode() + tail).hexdigest()[:16]


def default_catalog_path() -> Path:
    """The unpacked default catalog, unpacking it on first use."""
    if not PACKED_CATALOG.is_file():
        return PACKED_CATALOG.with_suffix("")  # a missing catalog: the caller reports it
    name = f"default-{packed_identity()}.db"
    target = default_cache_dir() / "catalog" / name
    if target.is_file():
        return target
    try:
        unpack(PACKED_CATALOG, target)
    except OSError:  # no writable cache folder: a private copy in a temporary folder
        return unpack(PACKED_CATALOG, Path(tempfile.mkdtemp(prefix="rulelint-")) / name)
    _remove_superseded(target)
    return target


def _remove_superseded(current: Path) -> None:
    """Delete copies unpacked from earlier catalogs (an upgrade would otherwise leave 28 MB
    behind each time). A process still reading one keeps its open file on POSIX."""
    for old in current.parent.glob("default-" + "?" * 16 + ".db"):
        if old != current:
            with contextlib.suppress(OSError):
                old.unlink()
