"""The progress line: drawn on a terminal only, with the share done and the rate."""
import io

from umami_lite.ops.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_draws_on_a_terminal_with_total_and_rate():
    screen = Terminal()
    progress = Progress("export", total=200, stream=screen)
    progress.advance(100)  # the first advance draws at once
    progress.finish()
    lines = screen.getvalue().split("\r")
    assert lines[1].startswith("export [" + "#" * 15 + " " * 15 + "] 100/200 (")
    assert lines[-1].startswith("export [" + "#" * 15) and lines[-1].endswith("/s)\n")


def test_without_total_it_counts():
    screen = Terminal()
    progress = Progress("import", stream=screen)
    progress.advance(7)
    progress.finish()
    assert screen.getvalue().startswith("\rimport: 7 (")


def test_silent_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress("export", total=10, stream=out)
    progress.advance(10)
    progress.finish()
    assert out.getvalue() == ""
