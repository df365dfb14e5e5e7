"""A progress line on the terminal for runs longer than a second (never in CI or when piped)."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, stream: TextIO, delay: float = 1.0, interval: float = 0.1) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.delay = delay
        self.interval = interval
        self.last = 0.0
        self.shown = False

    @classmethod
    def for_terminal(cls, stream: TextIO | None = None) -> Progress | None:
        """A progress line when ``stream`` (stderr) is a terminal and this is not CI."""
        stream = stream or sys.stderr
        if os.environ.get("CI") or os.environ.get("RULELINT_NO_PROGRESS") or not stream.isatty():
            return None
        return cls(stream)

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.delay or (now - self.last < self.interval and done < total):
            return
        self.last = now
        self.shown = True
        self.stream.write(
            f"\rrulelint: checked {done:,}/{total:,} files ({100 * done // max(total, 1)} %)"
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
