"""``rulelang serve``: Zendo in the browser, both roles, on a local web page.

The board plays the games of ``rulelang play`` (:mod:`rulelang.search.zendo`) and draws them
with the pictures of ``rulelang render``; games are stored in a SQLite file, so a reloaded
page or a restarted server goes on where it was. It needs the ``web`` extra (Starlette and
uvicorn); without it the command says, in one line, how to install it, and exits 2.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TextIO

from . import EXIT_ERROR, EXIT_OK
from .common import add_universe_option, universe_from

DEFAULT_PORT = 8714


def default_db() -> Path:
    """Where games are kept: ``$XDG_STATE_HOME/rulelang/games.sqlite`` (``~/.local/state``)."""
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "rulelang" / "games.sqlite"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="play Zendo in the browser: a board for both roles",
        description="Start a local web page where you play Zendo: guess the machine's hidden rule "
                    "by building scenes from a palette of pieces, or hide a rule and let the machine "
                    "(the exact search or the neural CRN) find it. Games survive reloads and "
                    "restarts. Listens on 127.0.0.1 only unless --host says otherwise. Needs the "
                    "'web' extra: pip install 'rulelang[web]'.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 "
                        "serves every network the machine is on)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--db", metavar="FILE", default=None,
                   help=f"SQLite file of the games (default {default_db()})")
    p.add_argument("--beams", type=int, default=None, metavar="B",
                   help="the CRN student's conjectures per turn (default: as 'play --student crn')")
    p.add_argument("--interpreter", metavar="FILE", help="the CRN student's interpreter checkpoint")
    p.add_argument("--generator", metavar="FILE", help="the CRN student's generator checkpoint")
    add_universe_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from .common import error_line

    if not 0 <= args.port <= 65535:
        error_line("--port must lie in 0..65535")
        return EXIT_ERROR
    if args.beams is not None and args.beams < 1:
        error_line("--beams must be at least 1")
        return EXIT_ERROR
    universe = universe_from(args)
    from ..web.app import serve

    serve(str(args.db or default_db()), args.host, args.port, universe, beams=args.beams,
          interpreter=args.interpreter, generator=args.generator, out=out)
    return EXIT_OK
