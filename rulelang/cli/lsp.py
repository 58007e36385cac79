"""``rulelang lsp``: the language server for rule files, over standard input and output.

An editor starts it (see the README for VS Code, Neovim and Helix). It needs the ``lsp``
extra (pygls); without it the command says, in one line, how to install it, and exits 2.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_OK
from .common import add_universe_option, universe_from


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lsp", help="the language server for rule files (stdio)",
        description="Serve the Language Server Protocol over standard input and output: "
                    "diagnostics as you type (the codes of 'rulelang check'), completion, hover "
                    "(canonical form, true count, semantic class, simplest scenes), formatting, "
                    "quick fixes, and each rule's verdict on a table beside the rule file. "
                    "Needs the 'lsp' extra: pip install 'rulelang[lsp]'.")
    p.add_argument("--stdio", action="store_true",
                   help="talk over standard input and output (the default and only transport; "
                        "accepted because editors pass it)")
    p.add_argument("--dialect", action="store_true",
                   help="accept only the Odeen dialect of the paper (an editor setting may change it)")
    p.add_argument("--table", metavar="PATTERN",
                   help="the table each rule file is judged on, relative to the rule file "
                        "(default '{stem}.table'; {stem} is the rule file's name without .rl)")
    add_universe_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..lsp import serve

    serve(dialect=args.dialect, table=args.table, universe=universe_from(args))
    return EXIT_OK
