"""Progress of long work, on standard error, with no dependency.

Library code says what it is doing without knowing who listens::

    from rulelang import progress

    with progress.task("parsing rules.rl", total=len(lines)) as t:
        for line in lines:
            ...
            t.update()

and the command line decides whether and where it is shown (:func:`reporting`, set up
by ``rulelang.cli.main``: standard error, unless ``-q``). Outside it (a library call, a
test) a task shows nothing. Shown, progress is

* on a terminal, a bar redrawn at most ten times a second, erased when the work ends;
* otherwise (a pipe, a log file), a line every :data:`INTERVAL` seconds, and a last one
  saying how long the work took, so that a log shows long work without a flood of lines.

Either way nothing appears for work that ends within :data:`DELAY` seconds (terminal) or
:data:`FIRST_LINE` seconds (log), so quick commands stay quiet. Progress is drawn when the
work reports it (:meth:`Progress.update`), never from another thread. Tasks may nest (the
index build inside a benchmark run): only the innermost one draws.

The harness's :mod:`rulelang.harness.progress` is this module under its older name.
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Callable, Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")

#: Seconds before a bar appears on a terminal.
DELAY = 0.5
#: Seconds before the first progress line when standard error is not a terminal ...
FIRST_LINE = 2.0
#: ... and between two lines after it.
INTERVAL = 5.0


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


#: The tasks under way, innermost last: only that one draws.
_active: list["Progress"] = []


class Progress:
    """``with Progress(total, "label") as bar: ... bar.update()``.

    Args:
        total: how many steps the work has (0: unknown; the count is shown alone).
        stream: where to draw (standard error by default).
        enabled: ``False`` shows nothing; ``None`` or ``True`` shows a bar on a terminal
            and a line every ``interval`` seconds elsewhere.
        delay: seconds before a bar first appears (default :data:`DELAY`; a log's first
            line waits :data:`FIRST_LINE`).
        interval: seconds between two lines of a log (default :data:`INTERVAL`).
    """

    def __init__(self, total: int, label: str = "", *, stream: TextIO | None = None,
                 enabled: bool | None = None, width: int = 30, delay: float | None = None,
                 interval: float | None = None) -> None:
        self.total = max(0, int(total))
        self.label = self.title = label
        self.stream = stream or sys.stderr
        self.enabled = enabled is not False
        self.bar = _isatty(self.stream)
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._next = self.start + ((DELAY if delay is None else delay) if self.bar else FIRST_LINE)
        self.interval = INTERVAL if interval is None else interval
        self._shown = False
        self._lines = 0
        if self.enabled:
            _active.append(self)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1, label: str | None = None) -> None:
        self.done += n
        if label is not None:
            self.label = label
        if self.enabled and time.perf_counter() >= self._next:
            self._draw()

    def line(self) -> str:
        """The bar as text: ``label [#####.....]  50/100  12.3/s  eta 00:04``."""
        elapsed = time.perf_counter() - self.start
        frac = min(1.0, self.done / self.total) if self.total else 1.0
        fill = int(round(frac * self.width))
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = max(0, self.total - self.done) / rate if rate > 0 else 0.0
        return (f"{self.label} [{'#' * fill}{'.' * (self.width - fill)}] {self.done}/{self.total}"
                f"  {rate:.1f}/s  {_clock(elapsed)} eta {_clock(eta)}")

    def log_line(self) -> str:
        """One line for a log: ``rulelang: label: 50/100 (50%), 00:12 elapsed, eta 00:12``."""
        elapsed = time.perf_counter() - self.start
        if self.total:
            rate = self.done / elapsed if elapsed > 0 else 0.0
            eta = f", eta {_clock(max(0, self.total - self.done) / rate)}" if rate > 0 else ""
            where = f"{self.done:,}/{self.total:,} ({min(100, 100 * self.done // self.total)}%)"
        else:
            where, eta = (f"{self.done:,} done" if self.done else "working"), ""
        return f"rulelang: {self.label}: {where}, {_clock(elapsed)} elapsed{eta}"

    def _draw(self) -> None:
        if _active and _active[-1] is not self:
            return  # a nested task is drawing
        now = time.perf_counter()
        if self.bar:
            self._next = now + 0.1
            self.stream.write("\r" + self.line() + "\x1b[K")
            self._shown = True
        else:
            self._next = now + self.interval
            self.stream.write(self.log_line() + "\n")
            self._lines += 1
        self.stream.flush()

    def close(self) -> None:
        if self in _active:
            _active.remove(self)
        if not self.enabled:
            return
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
        elif self._lines:  # a log that said the work was under way says that it ended
            self.stream.write(f"rulelang: {self.title}: done in {_clock(time.perf_counter() - self.start)}\n")
            self.stream.flush()
            self._lines = 0


class Steps:
    """Named phases of a job (``data make``'s progress): a status line on a terminal, a line
    per phase elsewhere."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled is not False
        self.bar = _isatty(self.stream)
        self.start = time.perf_counter()
        self._lines = 0

    def __call__(self, phase: str) -> None:
        if not self.enabled:
            return
        stamp = _clock(time.perf_counter() - self.start)
        if self.bar:
            self.stream.write(f"\r{stamp} {phase}...\x1b[K")
        else:
            self.stream.write(f"rulelang: {stamp} {phase}...\n")
            self._lines += 1
        self.stream.flush()

    def close(self) -> None:
        if not self.enabled:
            return
        if self.bar:
            self.stream.write("\r\x1b[K")
        elif self._lines:
            self.stream.write(f"rulelang: done in {_clock(time.perf_counter() - self.start)}\n")
        self.stream.flush()


# -- the reporter library code talks to ------------------------------------------------

_stream: TextIO | None = None  # where tasks are shown; None: nowhere (the default)


@contextlib.contextmanager
def reporting(stream: TextIO | None) -> Iterator[None]:
    """Show the tasks started inside the block on ``stream`` (``None``: show nothing)."""
    global _stream
    saved = _stream
    _stream = stream
    try:
        yield
    finally:
        _stream = saved


def enabled() -> bool:
    """Whether tasks are shown (inside :func:`reporting` with a stream)."""
    return _stream is not None


def task(label: str, total: int = 0) -> Progress:
    """A :class:`Progress` for library work: shown where :func:`reporting` says, else not."""
    return Progress(total, label, stream=_stream or sys.stderr, enabled=_stream is not None)


def tracked(items: Iterable[T], label: str, total: int,
            position: Callable[[T], int] | None = None) -> Iterator[T]:
    """Yield ``items``, reporting progress (a :func:`task`) every 1,024 of them.

    ``position(item)`` says how far an item is out of ``total`` (the line number of a line,
    say); by default, how many items came before it.
    """
    with task(label, total) as bar:
        for i, item in enumerate(items, start=1):
            if not i & 1023:
                bar.update((position(item) if position else i) - bar.done)
            yield item
