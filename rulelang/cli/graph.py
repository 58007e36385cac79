"""``rulelang graph [TABLE]``: the implication order of phenomena, as GraphML or DOT."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from . import EXIT_FINDINGS, EXIT_OK
from .common import (add_output_options, add_universe_option, error_line, natural, print_diagnostics, universe_from,
                     use_color, writable_output)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph", help="export the implication graph of phenomena (GraphML or DOT)",
        description="Export the Hasse diagram of implication between phenomena of the Odeen "
                    "dialect (A -> B: every scene true under A is true under B, and nothing "
                    "lies strictly between): for the whole dialect, or for the phenomena "
                    "consistent with TABLE.")
    p.add_argument("table", metavar="TABLE", nargs="?",
                   help="restrict to the version space of this table ('-' reads standard input)")
    p.add_argument("--tolerance", type=natural, default=0, metavar="K",
                   help="with TABLE: phenomena contradicting up to K labels")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout")
    add_universe_option(p)
    add_output_options(p, formats=("graphml", "dot"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from rulelang.io import read_text, write_atomic
    from rulelang.search import dialect_index, explain, read_table
    from rulelang.search.graph import implication_graph, to_dot, to_graphml

    from rulelang.errors import RulelangError
    from rulelang.search.index import fits

    if args.output:
        writable_output(args.output)
    universe = universe_from(args)
    if not fits(universe):
        raise RulelangError(f"the implication graph compares every phenomenon on every scene: universe "
                            f"{universe.name!r} ({universe.n_scenes:,} scenes) is too large for it", code="E205")
    ids = None
    if args.table is not None:
        path = "<stdin>" if args.table == "-" else args.table
        table, errors = read_table(read_text(args.table), path, universe)
        if table is None:  # standard output is the graph: the diagnostics go to standard error
            n = print_diagnostics(errors, sys.stderr, use_color(args, sys.stderr))
            sys.stderr.write(f"Found {n} error{'s' * (n != 1)} in {path}.\n")
            return EXIT_FINDINGS
        exp = explain(table, tolerance=args.tolerance)
        if exp.n_candidates == 0:
            error_line(f"graph: {exp.summary()}: the graph would be empty")
            return EXIT_FINDINGS
        ids = exp.ids
    elif not args.quiet:
        sys.stderr.write(f"building the implication graph of all "
                         f"{dialect_index(universe).n_classes:,} phenomena ...\n")
    graph, stats = implication_graph(ids, dialect_index(universe))
    text = to_graphml(graph) if args.format == "graphml" else to_dot(graph)
    if args.output:
        try:
            write_atomic(args.output, text)
        except OSError as err:
            raise RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=args.output) from None
    else:
        out.write(text)
    if args.verbose:
        timing = ", ".join(f"{k} {v:.2f} s" for k, v in stats.seconds.items())
        sys.stderr.write(f"{stats.nodes:,} phenomena, {stats.implications:,} implications, "
                         f"{stats.edges:,} edges in the Hasse diagram ({timing})\n")
    return EXIT_OK

