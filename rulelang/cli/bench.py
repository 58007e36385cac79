"""``rulelang bench``: score a solver on a data set's tables with every measure."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TextIO

from . import EXIT_FINDINGS, EXIT_OK
from .common import add_scheduler_option, add_universe_option, dump_json, executor_from, seed, universe_from

KINDS = ("random", "balanced", "informative")


def _option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


class _Help(argparse.HelpFormatter):
    """Lists the solvers when help is shown, not when the parser is built (that would import
    the solver registry for every command)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.dest == "solver":
            from ..harness.api import available

            return f"a registered solver ({', '.join(available())}) or 'module:attribute'"
        return super()._get_help_string(action)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # a solver's name is one word: argparse's wrapping would break "emp-l" at its hyphen
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="score a solver on a data set's tables", formatter_class=_Help,
                       description="Run a solver on every table of a split and score it: rule induction, "
                                   "rank, NRS and T-Acc (1,176-scene sample and all scenes), table "
                                   "ceiling, time per task. Writes a JSON result and prints markdown tables.")
    p.add_argument("--solver", required=True, metavar="NAME", help="the solver to run")
    p.add_argument("--table-kind", choices=KINDS, default="informative", help="which tables (informative)")
    p.add_argument("--split", choices=("test", "validation"), default="test", help="which split (test)")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N tasks")
    p.add_argument("--data", default=None, metavar="DIR", help="data set directory (default data/odeen-v1)")
    p.add_argument("--regime", default=None, metavar="NAME",
                   help="training regime for learners that train, e.g. 1438x1000")
    p.add_argument("--seed", type=seed, default=0, help="seed for randomised solvers (0)")
    p.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option for the solver (repeatable)")
    p.add_argument("--interpreter", metavar="FILE",
                   help="neural solvers: the interpreter checkpoint (as --option interpreter=FILE)")
    p.add_argument("--generator", metavar="FILE",
                   help="neural solvers: the generator checkpoint (as --option generator=FILE)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="JSON result (default DIR/results/SOLVER-SPLIT-KIND.json)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="print markdown tables (text) or the summary as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_universe_option(p)
    add_scheduler_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    import json
    from pathlib import Path

    from ..data import DataSet
    from ..data.make import default_dir
    from ..enumerate import Dialect
    from ..measures_direct import judge_for
    from ..errors import RulelangError
    from ..harness import markdown, run_benchmark
    from ..harness.progress import Progress
    from ..io import write_atomic

    if args.limit is not None and args.limit < 0:
        raise RulelangError("--limit must not be negative", code="E505")
    from ..harness.api import check_options

    options = dict(args.option)
    for key in ("interpreter", "generator"):
        if getattr(args, key) is not None:
            if options.get(key, getattr(args, key)) != getattr(args, key):
                raise RulelangError(f"--{key} and --option {key}=... name different files", code="E505")
            options[key] = getattr(args, key)
    # an unknown solver, a missing extra or an option the solver lacks fails before any work
    check_options(args.solver, options)
    universe = universe_from(args)
    ds = DataSet(args.data or default_dir(universe.name), universe)
    target = Path(args.out) if args.out else ds.path / "results" / (
        f"{args.solver.replace(':', '_').replace('/', '_')}-{args.split}-{args.table_kind}.json")
    if target.is_dir() or (target.parent.exists() and not target.parent.is_dir()):  # before the work, not after
        raise RulelangError("cannot write the result here: " + ("it is a folder" if target.is_dir() else
                            f"{str(target.parent)!r} is not a folder"), code="E301", path=str(target))
    bar = Progress(0, f"{args.solver} {args.table_kind}", enabled=False if args.quiet else None,
                   stream=sys.stderr)

    def on_tasks(n: int) -> None:
        bar.total = n

    try:
        result = run_benchmark(ds, args.solver, args.table_kind, args.split, limit=args.limit,
                               seed=args.seed, regime=args.regime, options=options,
                               judge=judge_for(Dialect(universe, executor_from(args))),
                               tick=bar.update, on_tasks=on_tasks)
    finally:
        bar.close()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(result, indent=1) + "\n")
    except OSError as err:
        raise RulelangError(f"cannot write: {err.strerror or err}", code="E301", path=str(target)) from None
    s = result["summary"]
    if args.format == "json":
        dump_json({k: v for k, v in result.items() if k != "tasks"} | {"result": str(target)}, out)
    else:
        out.write(markdown([result]))
        out.write(f"\n{s['tasks']:,} tasks; solver {s['solver_seconds']:.2f} s "
                  f"(+{s['setup_seconds']:.2f} s setup), measures {s['scoring_seconds']:.2f} s "
                  f"(+{s['measure_setup_seconds']:.2f} s for the dialect matrix and index); "
                  f"result: {target}\n")
        if s["errors"]:
            out.write(f"the solver failed on {s['errors']} tasks (scored as wrong; see 'error' in the JSON)\n")
    return EXIT_FINDINGS if s["errors"] else EXIT_OK
