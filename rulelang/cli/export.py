"""``rulelang export popper TABLE DIR``: a table as a task for other learners (ILP)."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import add_universe_option, print_diagnostics, universe_from, use_color


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="export a table for other tools (Popper)",
                       description="Write a table (a scene file whose scenes all carry labels) in "
                                   "another tool's format.")
    formats = p.add_subparsers(dest="target", metavar="FORMAT")
    formats.required = True
    pp = formats.add_parser("popper", help="the ILP system Popper: exs.pl, bk.pl, bias.pl",
                            description="Write exs.pl (examples), bk.pl (background knowledge: pieces, "
                                        "their colour, shape and orientation, and the relations between "
                                        "them) and bias.pl (Popper's language bias) into DIR.")
    pp.add_argument("table", metavar="TABLE", help="a table file ('-' reads standard input)")
    pp.add_argument("dir", metavar="DIR", help="output directory (created if missing)")
    pp.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                    help="colour diagnostics")
    add_universe_option(pp)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from ..data.popper import popper_files
    from ..errors import RulelangError
    from ..io import read_text, write_atomic
    from ..scenefile import parse_scene_file

    path = "<stdin>" if args.table == "-" else args.table
    universe = universe_from(args)
    table = parse_scene_file(read_text(args.table), path, universe=universe)
    errors = list(table.errors)
    for e in table.entries:
        if e.label is None:
            errors.append(RulelangError("this scene has no label; a table labels every scene",
                                        code="E203", path=path, line=e.line, column=e.column,
                                        end_column=e.column + len(e.scene),
                                        source_line=table.lines[e.line - 1],
                                        hint="add 'true' or 'false' after the scene"))
    if not table.entries and not errors:
        errors.append(RulelangError("the table holds no scenes", code="E203", path=path))
    if errors:  # nothing is written for a table with bad lines
        errors.sort(key=lambda e: (e.line or 0, e.column or 0))
        n = print_diagnostics(errors, out, use_color(args, out))
        out.write(f"Found {n} error{'s' if n != 1 else ''} in 1 file; nothing written.\n")
        return EXIT_FINDINGS
    files = popper_files(table, universe)
    target = Path(args.dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_atomic(target / name, text)
    except OSError as err:
        raise RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=str(target)) from None
    n_pos = sum(1 for e in table.entries if e.label)
    out.write(f"wrote {', '.join(str(target / n) for n in files)} "
              f"({n_pos} positive, {len(table.entries) - n_pos} negative examples)\n")
    return EXIT_OK if files else EXIT_ERROR
