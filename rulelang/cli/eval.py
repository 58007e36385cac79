"""``rulelang eval RULE SCENE...``: label a few scenes under one rule, for quick use."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_OK
from .common import (add_language_options, add_output_options, add_universe_option, draw_scene, dump_json,
                     report_errors, universe_from, use_color)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="label scenes under one rule",
                       description="Label each SCENE under RULE (true: the scene satisfies it).")
    p.add_argument("rule", metavar="RULE", help="a rule, e.g. 'at_least 1 red touching blue'")
    p.add_argument("scenes", metavar="SCENE", nargs="+", help="scenes, one glyph per cell, e.g. 'A.vb..'")
    p.add_argument("--engine", choices=("checker", "interpreter"), default="checker",
                   help="checker: the exact semantics (default); interpreter: the learned interpreter's "
                        "reading of the rule's words (it knows only the dialect's words)")
    p.add_argument("--model", metavar="FILE", help="interpreter checkpoint (default: the shipped one)")
    add_language_options(p)
    add_universe_option(p)
    add_output_options(p)
    p.set_defaults(run=run)


def _learned(args: argparse.Namespace, glyphs, universe):
    """The learned interpreter's probabilities of ``true`` (E701 for a word it does not know)."""
    import numpy as np

    from rulelang.interp.model import LearnedInterpreter, model_path

    from ..errors import RulelangError
    from ..parser import parse

    model = LearnedInterpreter.load(model_path("interpreter", args.model), universe)
    model.vocab.encode(args.rule, path="<rule>", line=1)
    try:
        parse(args.rule, universe=universe, dialect=True)
    except RulelangError as err:
        d = err.located(path="<rule>").diagnostic
        raise RulelangError(f"the learned interpreter reads only rules of the Odeen dialect: {d.message}",
                            code="E701", path="<rule>", line=d.line, column=d.column, end_column=d.end_column,
                            source_line=args.rule, expected=d.expected,
                            hint="use the exact checker (--engine checker) for the full language") from None
    return 1.0 / (1.0 + np.exp(-model.logits([args.rule], glyphs)[0]))


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..checker import label
    from ..errors import RulelangError
    from ..parser import parse
    from ..printer import format_rule
    color = use_color(args, out)
    universe = universe_from(args)
    try:
        rule = parse(args.rule, universe=universe, dialect=args.dialect)
    except RulelangError as err:
        report_errors([err.located(path="<rule>")], out, args, color)
        return EXIT_ERROR
    scenes, errors = [], []
    for i, text in enumerate(args.scenes, start=1):
        try:
            scenes.append((text, universe.parse_scene(text)))
        except RulelangError as err:
            errors.append(err.located(path=f"<scene {i}>", line=1, source_line=text))
    if args.format != "json" or not scenes:
        report_errors(errors, out, args, color)
    if scenes:
        import numpy as np

        glyphs = np.stack([c for _, c in scenes])
        probs = None
        if args.engine == "interpreter":
            try:
                probs = _learned(args, glyphs, universe)
            except RulelangError as err:
                report_errors([err], out, args, color)
                return EXIT_ERROR
            labels = probs > 0.5
        else:
            labels = label(rule, glyphs, universe)
        if args.format == "json":
            rows = [{"scene": s, "label": bool(v)} for (s, _), v in zip(scenes, labels)]
            if probs is not None:
                for row, p in zip(rows, probs):
                    row["probability"] = round(float(p), 6)
            dump_json({"rule": format_rule(rule), "engine": args.engine, "labels": rows,
                       **({"errors": [e.diagnostic.to_json() for e in errors]} if errors else {})}, out)
        else:
            for i, ((s, _), v) in enumerate(zip(scenes, labels)):
                extra = f"  (p = {probs[i]:.3f})" if probs is not None else ""
                out.write(f"{draw_scene(s, color, universe)}  {'true' if v else 'false'}{extra}\n")
    return EXIT_ERROR if errors else EXIT_OK
