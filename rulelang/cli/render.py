"""``rulelang render SCENES -o out.svg|out.png``: draw scenes, a table, what a rule selects.

Blocks are squares and pyramids triangles pointing up or down, in their colours; a labelled
scene carries its Zendo stone (white: true, black: false). With ``--rule`` the cells the
rule selects are highlighted, and labelled scenes the rule contradicts are framed in red.
The pictures come from :mod:`rulelang.render`; PNG from its own rasteriser (no system
library needed).
"""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import add_language_options, add_universe_option, error_line, print_diagnostics, universe_from, use_color

FORMATS = (".svg", ".png")
#: The largest PNG drawn (pixels; 3 bytes each in memory): a --scale or --cell far too large
#: is an error, not an exhausted memory.
MAX_PIXELS = 64_000_000


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "render", help="draw scenes or a table as a picture (SVG or PNG)",
        description="Draw the scenes of a scene file (one per line, optional true/false label) as "
                    "pieces: blocks as squares, pyramids as triangles, in their colours; labels as "
                    "Zendo stones (white true, black false). With --rule, highlight the cells the "
                    "rule selects and frame the labelled scenes it contradicts. Bad lines are "
                    "reported (exit 1) and the good ones still drawn.")
    p.add_argument("scenes", metavar="SCENES", help="scene file or table ('-' for standard input)")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the picture to write: FILE.svg or FILE.png ('-' writes SVG to standard output)")
    p.add_argument("--rule", metavar="RULE", help="highlight the cells this rule selects")
    p.add_argument("--columns", type=int, metavar="N", help="lay the scenes out in N columns")
    p.add_argument("--cell", type=int, default=40, metavar="PX", help="cell size in pixels (default 40)")
    p.add_argument("--scale", type=float, default=1.0, help="PNG pixels per SVG pixel (default 1)")
    p.add_argument("--title", help="text above the scenes (default: the rule)")
    p.add_argument("--no-captions", action="store_true", help="do not write each scene's string under it")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour diagnostics (auto: on a terminal, unless NO_COLOR is set)")
    add_language_options(p)
    add_universe_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    import sys
    from pathlib import Path

    from ..errors import RulelangError
    from ..io import read_text, write_atomic
    from ..parser import parse
    from ..render import table_drawing
    from ..scenefile import parse_scene_file

    suffix = ".svg" if args.output == "-" else Path(args.output).suffix.lower()
    if suffix not in FORMATS:
        error_line(f"render: cannot tell the format of {args.output!r}: name it .svg or .png")
        return EXIT_ERROR
    if args.cell < 4 or (args.columns is not None and args.columns < 1) or not 0 < args.scale < float("inf"):
        error_line("render: --cell must be at least 4, --columns and --scale positive (and --scale finite)")
        return EXIT_ERROR
    report = sys.stderr if args.output == "-" else out
    color = use_color(args, report)
    # What stops the command (an unreadable file, a bad world, a bad --rule) goes to standard
    # error with the exit code of every command (rulelang.cli.main); bad scene lines are findings.
    text = read_text(args.scenes)
    universe = universe_from(args)
    try:
        rule = None if args.rule is None else parse(args.rule, universe=universe, dialect=args.dialect)
    except RulelangError as err:
        raise (err if err.path else err.located(path="<rule>")) from None
    sf = parse_scene_file(text, "<stdin>" if args.scenes == "-" else args.scenes, universe=universe)
    n_bad = print_diagnostics(sf.errors, report, color)
    drawing = table_drawing([e.scene for e in sf.entries], [e.label for e in sf.entries], universe, rule=rule,
                            columns=args.columns, cell=args.cell, title=args.title,
                            captions=not args.no_captions)
    if suffix == ".png":
        w, h = (max(1, round(side * args.scale)) for side in (drawing.width, drawing.height))
        if w * h > MAX_PIXELS:
            error_line(f"render: the picture would be {w:,} x {h:,} pixels, more than {MAX_PIXELS:,}: "
                       "lower --scale or --cell, or write SVG")
            return EXIT_ERROR
    data: str | bytes = drawing.svg() if suffix == ".svg" else drawing.png(args.scale)
    if args.output == "-":
        out.write(data)  # type: ignore[arg-type]
    else:
        try:
            write_atomic(args.output, data)
        except OSError as err:
            error_line(f"render: cannot write {args.output}: {err.strerror or err}")
            return EXIT_ERROR
        report.write(f"{args.output}: {len(sf.entries):,} scene{'' if len(sf.entries) == 1 else 's'} drawn\n")
    return EXIT_FINDINGS if n_bad else EXIT_OK
