import io

import pytest

from rulelint.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_only_after_the_delay_and_clears_itself() -> None:
    quiet = Terminal()
    slow = Progress(quiet, delay=3600)
    slow(1, 10)
    slow.finish()
    assert quiet.getvalue() == ""
    screen = Terminal()
    progress = Progress(screen, delay=0, interval=0)
    progress(5, 10)
    progress(10, 10)
    progress.finish()
    assert screen.getvalue() == (
        "\rrulelint: checked 5/10 files (50 %)\rrulelint: checked 10/10 files (100 %)\r\x1b[K"
    )


def test_no_progress_in_ci_or_pipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("RULELINT_NO_PROGRESS", raising=False)
    assert Progress.for_terminal(Terminal()) is not None
    assert Progress.for_terminal(io.StringIO()) is None
    monkeypatch.setenv("CI", "true")
    assert Progress.for_terminal(Terminal()) is None
