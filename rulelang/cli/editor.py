"""``rulelang editor textmate|vscode``: editor support generated from the universe's words.

``textmate`` writes the TextMate grammar of rule files (``-o FILE``, else standard output);
``vscode DIR`` writes a VS Code extension (the grammar and a client of ``rulelang lsp``).
The repository ships a generated copy of the grammar in ``editors/``; a test keeps it current.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_OK
from .common import add_universe_option, universe_from, writable_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "editor", help="generate editor support: a TextMate grammar, a VS Code extension",
        description="Generate editor support for rule files from the universe's vocabulary: "
                    "'textmate' writes the TextMate grammar (VS Code, Sublime Text, TextMate); "
                    "'vscode DIR' writes a VS Code extension with the grammar and a client of "
                    "the language server ('rulelang lsp'). See the README for Neovim and Helix.")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    tm = kinds.add_parser("textmate", help="the TextMate grammar of rule files (JSON)")
    tm.add_argument("-o", "--output", metavar="FILE", help="write it here (default: standard output)")
    vs = kinds.add_parser("vscode", help="a VS Code extension: grammar and language client")
    vs.add_argument("directory", metavar="DIR", help="the extension's folder (made if missing)")
    for k in (tm, vs):
        add_universe_option(k)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from ..editor import textmate_json, vscode_extension
    from ..errors import RulelangError
    from ..io import write_atomic

    target = args.output if args.kind == "textmate" else args.directory
    if target in (None, "-") and args.kind == "textmate":
        out.write(textmate_json(universe_from(args)))
        return EXIT_OK
    if not str(target).strip():
        raise RulelangError("an empty name is no file or folder to write", code="E301")
    try:
        if args.kind == "textmate":
            writable_output(target)
            write_atomic(target, textmate_json(universe_from(args)))
            return EXIT_OK
        root = Path(target)
        if root.exists() and not root.is_dir():
            raise RulelangError("exists and is not a folder", code="E301", path=str(root))
        for rel, text in vscode_extension(universe_from(args)).items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            write_atomic(root / rel, text)
        out.write(f"{root}: VS Code extension written; run 'npm install' there, then reload VS Code\n")
        return EXIT_OK
    except OSError as err:
        raise RulelangError(f"cannot write: {err.strerror or err}", code="E301",
                            path=str(err.filename or target)) from None
