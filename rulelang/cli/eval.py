"""``rulelang eval RULE SCENE...``: label a few scenes under one rule, for quick use."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_OK
from ._common import add_language_options, add_output_options, draw_scene, dump_json, use_color


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="label scenes under one rule",
                       description="Label each SCENE under RULE (true: the scene satisfies it).")
    p.add_argument("rule", metavar="RULE", help="a rule, e.g. 'at_least 1 red touching blue'")
    p.add_argument("scenes", metavar="SCENE", nargs="+", help="6-glyph scenes, e.g. 'A.vb..'")
    add_language_options(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..checker import label
    from ..errors import RulelangError
    from ..parser import parse
    from ..printer import format_rule
    from ..universe import ODEEN

    color = use_color(args, out)
    try:
        rule = parse(args.rule, dialect=args.dialect)
    except RulelangError as err:
        out.write(err.located(path="<rule>").diagnostic.render(color) + "\n")
        return EXIT_ERROR
    scenes, errors = [], []
    for i, text in enumerate(args.scenes, start=1):
        try:
            scenes.append((text, ODEEN.parse_scene(text)))
        except RulelangError as err:
            errors.append(err.located(path=f"<scene {i}>", line=1, source_line=text))
    for err in errors:
        out.write(err.diagnostic.render(color) + "\n")
    if scenes:
        import numpy as np

        labels = label(rule, np.stack([c for _, c in scenes]))
        if args.format == "json":
            dump_json({"rule": format_rule(rule),
                       "labels": [{"scene": s, "label": bool(v)} for (s, _), v in zip(scenes, labels)]}, out)
        else:
            for (s, _), v in zip(scenes, labels):
                out.write(f"{draw_scene(s, color)}  {'true' if v else 'false'}\n")
    return EXIT_ERROR if errors else EXIT_OK
