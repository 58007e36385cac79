"""``rulelang enumerate``: every rule of the Odeen dialect, with its semantic class and counts.

One row per rule (grammar order): the rule, its class id, the canonical rule of its class,
how many of the 117,649 scenes satisfy it, and whether it is constant. ``--classes`` gives
one row per class instead. The same data the golden tests compare with.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from . import EXIT_OK
from .common import add_scheduler_option, add_universe_option, dump_json, executor_from, universe_from, writable_output

RULE_COLUMNS = ("rule", "class", "canonical", "true_count", "constant")
CLASS_COLUMNS = ("class", "canonical", "size", "true_count", "constant")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "enumerate", help="list every rule of a universe's dialect with its class and true count",
        description="List the rules of a universe's dialect (Odeen's 24,794 by default): rule, semantic class id, the "
                    "class's canonical rule (fewest words, then alphabetical), how many of the "
                    "scenes satisfy it, and 'true'/'false' when it is constant. --classes lists "
                    "one row per semantic class instead. A universe too large for the semantics matrix "
                    "is streamed in blocks (in this process, or on a Dask cluster with --scheduler); "
                    "the output file is written only when every scene has been seen.")
    p.add_argument("--format", choices=("tsv", "json"), default="tsv", help="output format")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE (atomically) instead of standard output")
    p.add_argument("--classes", action="store_true",
                   help="one row per class: id, canonical rule, size, true count, constant")
    add_universe_option(p)
    add_scheduler_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..enumerate import Dialect
    from ..errors import RulelangError
    from ..io import write_atomic

    if args.output:
        writable_output(args.output)
    dialect = Dialect(universe_from(args), executor_from(args))
    progress = sys.stderr.isatty()
    if progress:
        how = (f"streaming {dialect.universe.n_scenes:,} scenes in blocks ({dialect.executor.name}) for"
               if dialect.streamed else "building the semantics matrix")
        sys.stderr.write(f"{how} ({len(dialect.rules):,} rules x {dialect.universe.n_scenes:,} scenes) ... ")
        sys.stderr.flush()
    start = time.perf_counter()
    rows = list(dialect.rows())
    if progress:
        sys.stderr.write(f"done in {time.perf_counter() - start:.1f} s\n")
    columns = RULE_COLUMNS
    if args.classes:
        cls = dialect.classes
        rows = [{"class": c, "canonical": rows[int(i)]["rule"], "size": int(cls.sizes[c]),
                 "true_count": rows[int(i)]["true_count"], "constant": rows[int(i)]["constant"]}
                for c, i in enumerate(cls.canonical)]
        columns = CLASS_COLUMNS
    if args.format == "json":
        import io

        buf = io.StringIO()
        dump_json({"language": f"{dialect.universe.name} dialect", "summary": _summary(dialect),
                   "classes" if args.classes else "rules": rows}, buf)
        data = buf.getvalue()
    else:
        lines = ["\t".join(columns)]
        lines += ["\t".join(str(r[c]) for c in columns) for r in rows]
        data = "\n".join(lines) + "\n"
    if args.output:
        try:
            write_atomic(args.output, data)
        except OSError as err:
            raise RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=args.output) from None
        what = "classes" if args.classes else "rules"
        out.write(f"wrote {len(rows):,} {what} to {args.output}\n")
    else:
        out.write(data)
    return EXIT_OK


def _summary(dialect) -> dict:
    """Whole-dialect counts, with the keys of the golden ``summary.json``."""
    const = dialect.constant()
    return {
        "rules": len(dialect.rules),
        "scenes": dialect.universe.n_scenes,
        "classes": dialect.classes.n_classes,
        "constant_true": int((const == 1).sum()),
        "constant_false": int((const == -1).sum()),
    }
