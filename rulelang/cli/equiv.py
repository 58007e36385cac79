"""``rulelang equiv R1 R2``: are two rules equivalent? If not, the simplest counterexample."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import (add_language_options, add_output_options, add_scheduler_option, add_universe_option,
                     draw_scene, dump_json, executor_from, report_errors, universe_from, use_color)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("equiv", help="compare two rules on every scene",
                       description="Say whether R1 and R2 label all scenes alike; if not, show the "
                                   "simplest scene (fewest pieces) they disagree on. Exit 1 when they differ.")
    p.add_argument("first", metavar="R1")
    p.add_argument("second", metavar="R2")
    add_language_options(p)
    add_universe_option(p)
    add_scheduler_option(p)
    add_output_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..equivalence import equivalent
    from ..errors import RulelangError, quoted, shorten
    from ..parser import parse
    from ..printer import format_rule

    color = use_color(args, out)
    universe = universe_from(args)
    rules, errors = [], []
    for name, text in (("<R1>", args.first), ("<R2>", args.second)):
        try:
            rules.append(parse(text, universe=universe, dialect=args.dialect))
        except RulelangError as err:
            errors.append(err.located(path=name))
    if errors:
        report_errors(errors, out, args, color)
        return EXIT_ERROR
    verdict = equivalent(*rules, universe, executor_from(args))
    a, b = (format_rule(r) for r in rules)
    if args.format == "json":
        dump_json({"first": a, "second": b, "equivalent": verdict.equivalent,
                   "counterexample": verdict.counterexample,
                   "labels": list(verdict.labels) if verdict.labels else None,
                   "disagreements": verdict.n_disagree}, out)
    elif verdict.equivalent:
        out.write(f"equivalent: {quoted(a, 200)} and {quoted(b, 200)} label all {universe.n_scenes:,} scenes alike\n")
    else:
        la, lb = (str(v).lower() for v in verdict.labels)  # type: ignore[union-attr]
        out.write(f"not equivalent: they disagree on {verdict.n_disagree:,} scenes\n"
                  f"simplest counterexample: {draw_scene(verdict.counterexample, color, universe)}\n"
                  f"  {shorten(a, 200)}  ->  {la}\n  {shorten(b, 200)}  ->  {lb}\n")
    return EXIT_OK if verdict.equivalent else EXIT_FINDINGS
