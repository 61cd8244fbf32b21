"""A progress line on stderr for long commands, shown only when stderr is a terminal."""
import sys
import time


class Progress:
    """Counts work done; redraws `label: done/total (rate/s)` at most 5 times a second."""

    def __init__(self, label, total=None, stream=None, enabled=None):
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.done = 0
        self.started = time.monotonic()
        self._drawn = 0.0

    def advance(self, count=1):
        self.done += count
        if self.enabled and time.monotonic() - self._drawn >= 0.2:
            self._draw()

    def _draw(self):
        self._drawn = time.monotonic()
        rate = self.done / max(self._drawn - self.started, 1e-9)
        if self.total:
            share = min(self.done / self.total, 1.0)
            bar = "#" * int(share * 30)
            text = f"{self.label} [{bar:<30}] {self.done}/{self.total} ({rate:,.0f}/s)"
        else:
            text = f"{self.label}: {self.done} ({rate:,.0f}/s)"
        self.stream.write("\r" + text)
        self.stream.flush()

    def finish(self):
        if self.enabled:
            self._draw()
            self.stream.write("\n")
            self.stream.flush()
