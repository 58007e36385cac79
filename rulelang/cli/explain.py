"""``rulelang explain TABLE``: the simplest rules that explain a table, and what to ask next."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import add_output_options, add_universe_option, draw_scene, dump_json, print_diagnostics, universe_from, use_color


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain", help="find the rules that explain a table of labelled scenes",
        description="Find every phenomenon of the Odeen dialect consistent with TABLE (a scene "
                    "file whose scenes all carry labels), ranked by the simplicity prior "
                    "2^-words; show the best rule, its confidence, the runners-up and the next "
                    "scene to ask. When no dialect rule fits (or with --full), search the full "
                    "language bottom-up by size.")
    p.add_argument("table", metavar="TABLE", help="a table file ('-' reads standard input)")
    p.add_argument("--tolerance", type=_natural, default=0, metavar="K",
                   help="accept rules that contradict up to K labels (noisy tables)")
    p.add_argument("--noise", type=float, default=0.01, metavar="P",
                   help="assumed probability of a wrong label, ranks noisy candidates (default 0.01)")
    p.add_argument("--top", type=_natural, default=5, metavar="N", help="candidates to show (default 5)")
    p.add_argument("--full", action="store_true", help="also search the full language")
    p.add_argument("--max-size", type=_natural, default=10, metavar="N",
                   help="full-language search: largest rule in words (default 10)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S",
                   help="full-language search: seconds (default 10)")
    p.add_argument("--criterion", choices=("cover", "gain", "minimax"), default="cover",
                   help="how to pick the next scene (default cover: expected information gain, "
                        "and a planned cover of the sparse rules; gain: information gain only)")
    p.add_argument("--prior", choices=("simplicity", "uniform"), default="simplicity",
                   help="the belief the information gain is measured under (default simplicity)")
    add_universe_option(p)
    add_output_options(p)
    p.set_defaults(run=run)


def _natural(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def run(args: argparse.Namespace, out: TextIO) -> int:
    from rulelang.io import read_text
    from rulelang.search import explain, read_table, synthesize
    from rulelang.search.streamed import ask

    color = use_color(args, out)
    if not 0.0 < args.noise < 0.5:
        out.write("rulelang explain: --noise must lie strictly between 0 and 0.5\n")
        return EXIT_ERROR
    path = "<stdin>" if args.table == "-" else args.table
    table, errors = read_table(read_text(args.table), path, universe_from(args))
    if table is None:
        if args.format == "json":
            dump_json({"errors": [e.diagnostic.to_json() for e in errors]}, out)
        else:
            n = print_diagnostics(errors, out, color)
            out.write(f"Found {n} error{'s' * (n != 1)} in {path}; it is not a table explain can use.\n")
        return EXIT_FINDINGS
    exp = explain(table, tolerance=args.tolerance, noise=args.noise)
    query = ask(exp.version_space, criterion=args.criterion, prior=args.prior,
                exclude=table.scene_ids) if exp.n_candidates > 1 else None
    synth = None
    if args.full or exp.status == "none":
        synth = synthesize(table, max_size=args.max_size, timeout=args.timeout)
    found = exp.n_candidates > 0 or (synth is not None and synth.best is not None)
    if args.format == "json":
        obj = exp.to_json(limit=args.top)
        obj["table"] = {"path": path, "scenes": len(table), "true": table.n_true,
                        "merged_duplicates": table.duplicates}
        obj["next_scene"] = query.to_json() if query else None
        obj["synthesis"] = synth.to_json() if synth else None
        dump_json(obj, out)
        return EXIT_OK if found else EXIT_FINDINGS
    if args.quiet:
        best = exp.best.rule if exp.best else (synth.best.rule if synth and synth.best else None)
        out.write(f"{best}\n" if best else "no rule fits\n")
        return EXIT_OK if found else EXIT_FINDINGS
    merged = (f"; {table.duplicates:,} repeated line{'s' * (table.duplicates != 1)} merged, their labels "
              f"agreeing" if table.duplicates else "")
    out.write(f"table {path}: {len(table):,} scenes ({table.n_true:,} true, {len(table) - table.n_true:,} false)"
              f"{merged}\n")
    out.write(exp.summary() + "\n")
    if exp.best is not None:
        b = exp.best
        noisy = f"; contradicts {b.mismatches} label{'s' * (b.mismatches != 1)}" if args.tolerance else ""
        out.write(f"best rule    {b.rule}\n")
        out.write(f"confidence   {b.posterior:.1%}  (prior 2^-words: {b.words} words; "
                  f"{b.members} equivalent dialect rule{'s' * (b.members != 1)}{noisy})\n")
        rest = exp.candidates(args.top if not args.verbose else max(args.top, 20))[1:]
        if rest:
            out.write(f"runners-up   ({exp.n_candidates - 1:,} in all)\n")
            for rank, c in enumerate(rest, start=2):
                extra = f", contradicts {c.mismatches}" if args.tolerance else ""
                out.write(f"  {rank:>3}. {c.posterior:6.1%}  {c.rule}  ({c.words} words{extra})\n")
    if query is not None:
        out.write(f"next scene   {draw_scene(query.scene, color, table.universe)}  (true for {query.n_true:,} "
                  f"candidates, false for {query.n_false:,}; expected gain {query.gain:.2f} bits)\n")
    if synth is not None:
        out.write(synth.summary_block(table.universe.n_scenes) + "\n")
    return EXIT_OK if found else EXIT_FINDINGS
