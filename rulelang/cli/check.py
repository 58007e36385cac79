"""``rulelang check``: (being written)."""

from __future__ import annotations

import argparse
from typing import TextIO


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="(not yet available)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    raise NotImplementedError("check")
