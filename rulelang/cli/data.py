"""``rulelang data make|info``: build a reproducible Odeen data set, or describe one."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import (add_scheduler_option, add_universe_option, dump_json, error_line, executor_from, plural, seed,
                     universe_from)


def _ks(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="make or describe an Odeen data set",
                       description="Make a reproducible Odeen data set from a seed, or describe one.")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    m = actions.add_parser("make", help="build a data set (splits, training samples, tables)",
                           description="Build the six training regimes, validation and test tables, "
                                       "and evaluation samples. Same seed, same bytes.")
    m.add_argument("--seed", type=seed, default=0, help="random seed (default 0)")
    m.add_argument("--out", default=None, metavar="DIR", help="output directory (default data/odeen-v1)")
    m.add_argument("--keep-left-of", action="store_true",
                   help="allow rules with at_the_left_of in validation and test (the paper excluded them)")
    m.add_argument("--force", action="store_true", help="replace DIR if it holds a data set")
    g = m.add_argument_group("sizes (defaults: the paper's protocol)")
    g.add_argument("--train", type=int, default=1438, metavar="N", help="large training set (1438)")
    g.add_argument("--train-small", type=int, default=500, metavar="N", help="small training set, a subset (500)")
    g.add_argument("--validation", type=int, default=500, metavar="N", help="validation rules (500)")
    g.add_argument("--test", type=int, default=1000, metavar="N", help="test rules (1000)")
    g.add_argument("--k", type=_ks, default=(100, 1000, 10000), metavar="K,K,..",
                   help="labelled scenes per training rule (100,1000,10000)")
    g.add_argument("--table-size", type=int, default=32, metavar="N", help="scenes per table (32)")
    g.add_argument("--eval-size", type=int, default=1176, metavar="N", help="evaluation sample (1176)")
    m.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    add_universe_option(m)
    add_scheduler_option(m)

    i = actions.add_parser("info", help="describe and verify a data set",
                           description="Describe a data set and verify every file against its manifest.")
    i.add_argument("dir", nargs="?", default=None, metavar="DIR", help="data set directory (default data/odeen-v1)")
    i.add_argument("--check", action="store_true",
                   help="also re-derive every label and split invariant, and the tables' ceilings")
    i.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_universe_option(i)
    p.set_defaults(run=run)


def run_make(args: argparse.Namespace, out: TextIO) -> int:
    import time

    from ..data import MakeOptions, SplitOptions, make_dataset
    from ..data.make import default_dir
    from ..enumerate import Dialect
    from ..harness.progress import Steps

    options = MakeOptions(
        seed=args.seed,
        splits=SplitOptions(n_train=args.train, n_train_small=args.train_small,
                            n_validation=args.validation, n_test=args.test,
                            keep_left_of=args.keep_left_of),
        ks=args.k, table_size=args.table_size, eval_size=args.eval_size)
    if args.out is not None and not args.out.strip():
        error_line("data make: --out must name a folder")
        return EXIT_ERROR
    universe = universe_from(args)
    target = args.out if args.out is not None else str(default_dir(universe.name))
    steps = Steps(enabled=None if not args.quiet else False)
    start = time.perf_counter()
    try:
        path = make_dataset(target, options, dialect=Dialect(universe, executor_from(args)), force=args.force,
                            progress=steps)
    finally:
        steps.close()
    out.write(f"wrote {path} in {time.perf_counter() - start:.1f} s\n")
    return EXIT_OK


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def run_info(args: argparse.Namespace, out: TextIO) -> int:
    from ..data import DataSet
    from ..data.make import default_dir

    universe = universe_from(args)
    ds = DataSet(args.dir or default_dir(universe.name), universe)
    ds.verify()
    man = ds.manifest
    problems: list[str] = []
    stats: dict = {}
    if args.check:
        from ..data.audit import audit

        problems, stats = audit(ds)
    files = man["files"]
    total = sum(f["bytes"] for f in files.values())
    if args.format == "json":
        dump_json({"path": str(ds.path), "format": man["format"], "version": man["version"],
                   "seed": man["seed"], "options": man["options"],
                   "splits": {s: v["size"] for s, v in man["splits"].items()},
                   "regimes": [r["name"] for r in man["regimes"]], "files": len(files), "bytes": total,
                   "checksums": "ok", "problems": problems, "tables": stats}, out)
        return EXIT_FINDINGS if problems else EXIT_OK
    opts = man["options"]
    out.write(f"data set {ds.path}  ({man['format']} version {man['version']}, seed {man['seed']}, "
              f"{man.get('created_by', '?')})\n")
    out.write(f"universe {man['universe']}: {plural(man['n_rules'], 'dialect rule')}, "
              f"{plural(man['n_scenes'], 'scene')}\n")
    for split, info in man["splits"].items():
        extra = ""
        if "samples" in info:
            extra = f"  {opts['ks'][-1]:,} labelled scenes per rule"
        elif split == "train-small":
            extra = "  (a subset of train)"
        if "tables" in info:
            extra = (f"  tables: {', '.join(info['tables'])} ({opts['table_size']} scenes); "
                     f"evaluation sample: {opts['eval_size']:,} scenes")
        out.write(f"  {split:<12} {info['size']:>6,} rules{extra}\n")
    out.write(f"regimes: {', '.join(r['name'] for r in man['regimes'])}\n")
    left = "allowed" if opts["splits"]["keep_left_of"] else "excluded"
    out.write(f"constant rules in validation/test: excluded; at_the_left_of rules: {left}\n")
    out.write(f"files: {len(files)}, {_size(total)}, checksums OK\n")
    if args.check:
        out.write("\n| tables | true share | ceiling (identified) | mean consistent classes |\n"
                  "|---|---:|---:|---:|\n")
        for name, s in stats.items():
            out.write(f"| {name} | {100 * s['true_share']:.1f} % | {100 * s['ceiling']:.1f} % "
                      f"| {s['mean_consistent_classes']:.2f} |\n")
        for p in problems:
            out.write(f"{ds.path}: error[E501] {p}\n")
        out.write("all checks passed\n" if not problems else f"Found {len(problems)} problems.\n")
    return EXIT_FINDINGS if problems else EXIT_OK


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.action == "make":
        return run_make(args, out)
    if args.action == "info":
        return run_info(args, out)
    return EXIT_ERROR
