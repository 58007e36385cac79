"""The progress bar of the harness and the command line: :mod:`rulelang.progress` (in the
core, so that library code can report progress too); kept here under its old name."""

from __future__ import annotations

from ..progress import Progress, Steps

__all__ = ["Progress", "Steps"]
