"""``python -m rulelang``: the command line (the same as the ``rulelang`` script)."""

from .cli import console

console()
