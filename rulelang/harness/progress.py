"""A tiny progress bar for long jobs, on standard error, with no dependency.

It draws only on a terminal (or when forced), at most ten times a second, and erases
itself when closed, so piped output and logs stay clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """``with Progress(total, "label") as bar: ... bar.update()``."""

    def __init__(self, total: int, label: str = "", *, stream: TextIO | None = None,
                 enabled: bool | None = None, width: int = 30) -> None:
        self.total = max(0, int(total))
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = (hasattr(self.stream, "isatty") and self.stream.isatty()) if enabled is None else enabled
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._drawn = 0.0
        self._shown = False

    def __enter__(self) -> "Progress":
        self._draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1, label: str | None = None) -> None:
        self.done += n
        if label is not None:
            self.label = label
        self._draw()

    def line(self) -> str:
        """The bar as text: ``label [#####.....]  50/100  12.3/s  eta 00:04``."""
        elapsed = time.perf_counter() - self.start
        frac = self.done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"{self.label} [{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{self.total}"
                f"  {rate:.1f}/s  {_clock(elapsed)} eta {_clock(eta)}")

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._drawn < 0.1 and self.done < self.total:
            return
        self._drawn = now
        self.stream.write("\r" + self.line() + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


class Steps:
    """Named phases of a job on one status line (``data make``'s progress)."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = (hasattr(self.stream, "isatty") and self.stream.isatty()) if enabled is None else enabled
        self.start = time.perf_counter()

    def __call__(self, phase: str) -> None:
        if self.enabled:
            self.stream.write(f"\r{_clock(time.perf_counter() - self.start)} {phase}...\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
