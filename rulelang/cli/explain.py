"""``rulelang explain TABLE``: the simplest rules that explain a table, and what to ask next."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from .common import (add_output_options, add_universe_option, draw_scene, dump_json, error_line, natural,
                     plural, positive, print_diagnostics, seconds, universe_from, use_color)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "explain", help="find the rules that explain a table of labelled scenes",
        description="Find every phenomenon of the Odeen dialect consistent with TABLE (a scene "
                    "file whose scenes all carry labels), ranked by the simplicity prior "
                    "2^-words; show the best rule, its confidence, the runners-up and the next "
                    "scene to ask. When no dialect rule fits (or with --full), search the full "
                    "language bottom-up by size.")
    p.add_argument("table", metavar="TABLE", help="a table file ('-' reads standard input)")
    p.add_argument("--tolerance", type=natural, default=0, metavar="K",
                   help="accept rules that contradict up to K labels (noisy tables)")
    p.add_argument("--noise", type=float, default=0.01, metavar="P",
                   help="assumed probability of a wrong label, ranks noisy candidates (default 0.01)")
    p.add_argument("--top", type=natural, default=5, metavar="N", help="candidates to show (default 5)")
    p.add_argument("--full", action="store_true", help="also search the full language")
    p.add_argument("--max-size", type=natural, default=10, metavar="N",
                   help="full-language search: largest rule in words (default 10)")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="S",
                   help="full-language search: seconds (default 10)")
    p.add_argument("--criterion", choices=("cover", "gain", "minimax"), default="cover",
                   help="how to pick the next scene (default cover: expected information gain, the "
                        "opening book's question in the largest states, and a planned cover of the sparse "
                        "rules; gain: information gain only)")
    p.add_argument("--prior", choices=("simplicity", "uniform"), default="simplicity",
                   help="the belief the information gain is measured under (default simplicity)")
    add_universe_option(p)
    p.add_argument("--engine", choices=ENGINES, default="search",
                   help="search: the exact search (default); crn: the Critical Rationalist Network "
                        "(conjectures from the learned generator, falsified by the learned interpreter); "
                        "isearch: every dialect rule ranked by the learned interpreter; all: the three "
                        "side by side, the neural answers judged by the exact checker")
    p.add_argument("--models", default=None, metavar="DIR",
                   help="neural engines: a folder holding interpreter.pt and generator.pt, e.g. "
                        "models/500x1000 (default: the models shipped with rulelang)")
    p.add_argument("--beams", type=positive, default=None, metavar="B",
                   help="crn: conjectures proposed per table (default 300)")
    add_output_options(p)
    p.set_defaults(run=run)


ENGINES = ("search", "crn", "isearch", "all")


def run(args: argparse.Namespace, out: TextIO) -> int:
    from rulelang.io import read_text
    from rulelang.search import explain, read_table, synthesize
    from rulelang.search.active import ask

    color = use_color(args, out)
    if not 0.0 < args.noise < 0.5:
        error_line("explain: --noise must lie strictly between 0 and 0.5")
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
    if args.engine != "search":
        return _compete(args, table, path, out)
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
    out.write(f"table {path}: {plural(len(table), 'scene')} ({table.n_true:,} true, {len(table) - table.n_true:,} false)"
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


def _compete(args: argparse.Namespace, table, path: str, out: TextIO) -> int:
    """``--engine crn|isearch|all``: each engine's rule, its mismatches on the table (counted by
    the exact checker), its time, and whether it is equivalent to the exact search's rule.

    Exit 0 when every answer fits the table, 1 when one does not (or none came), or when the
    models cannot be used (a missing, unreadable or foreign model file; a table of a universe
    they were not trained for)."""
    import time
    from pathlib import Path

    from rulelang.checker import label
    from rulelang.equivalence import equivalent
    from rulelang.errors import RulelangError
    from rulelang.parser import parse
    from rulelang.search import explain

    neural = ("crn", "isearch") if args.engine == "all" else (args.engine,)
    try:
        from rulelang.interp.engines import NeuralEngines
        from rulelang.interp.model import BEAMS

        start = time.perf_counter()
        engines = NeuralEngines(table.universe, args.models, neural)
        load = time.perf_counter() - start
    except RulelangError as err:
        if not (err.code or "").startswith("E70"):
            raise
        if args.format == "json":
            dump_json({"errors": [err.diagnostic.to_json()]}, out)
        else:
            out.write(err.diagnostic.render() + "\n")
        return EXIT_FINDINGS
    beams = args.beams or BEAMS
    rows: list[dict] = []
    search_rule = None
    if args.engine == "all":
        start = time.perf_counter()
        exp = explain(table, tolerance=args.tolerance, noise=args.noise)
        seconds = time.perf_counter() - start
        search_rule = exp.best.rule if exp.best is not None else None
        rows.append({"engine": "search", "rule": search_rule,
                     "mismatches": exp.best.mismatches if exp.best is not None else None,
                     "seconds": round(seconds, 6), "candidates": exp.n_candidates})
    for name in neural:
        ans = engines.answer(name, table.scenes, table.labels, beams=beams, top=max(0, args.top - 1))
        row = ans.to_json()
        if ans.rule is not None:
            rule = parse(ans.rule, universe=table.universe)
            row["mismatches"] = int((label(rule, table.scenes, table.universe) != table.labels).sum())
            if search_rule is not None:
                eq = equivalent(rule, parse(search_rule, universe=table.universe), table.universe)
                row["agrees_with_search"] = eq.equivalent
                if not eq.equivalent:
                    row["counterexample"] = {"scene": eq.counterexample, "labels": list(eq.labels or ()),
                                             "scenes_disagreeing": eq.n_disagree}
        else:
            row["mismatches"] = None
        rows.append(row)
    fits = all(r["mismatches"] == 0 for r in rows)
    if args.format == "json":
        dump_json({"table": path, "scenes": len(table), "true": table.n_true,
                   "judge": "the exact checker: each rule compiled and run on the table's scenes; agreement "
                            f"is equivalence on all {table.universe.n_scenes:,} scenes",
                   "models": str(Path(engines.interpreter.path).parent), "models_seconds": round(load, 6),
                   "beams": beams, "answers": rows}, out)
        return EXIT_OK if fits else EXIT_FINDINGS
    if args.quiet:
        for r in rows:
            out.write(f"{r['engine']}: {r['rule'] or 'no rule'}\n")
        return EXIT_OK if fits else EXIT_FINDINGS
    out.write(f"table {path}: {plural(len(table), 'scene')} ({table.n_true} true, {len(table) - table.n_true} false); "
              f"models {Path(engines.interpreter.path).parent} (loaded in {load:.2f} s)\n")
    width = max(len(r["rule"] or "no rule") for r in rows)
    out.write(f"{'engine':<8}  {'rule':<{width}}  {'mismatches':>10}  {'time':>9}  agrees with search\n")
    for r in rows:
        agree = "-" if r["engine"] == "search" else _agreement(r, search_rule is not None)
        mism = "-" if r["mismatches"] is None else str(r["mismatches"])
        out.write(f"{r['engine']:<8}  {r['rule'] or 'no rule':<{width}}  {mism:>10}  {_time(r['seconds']):>9}  "
                  f"{agree}\n")
    out.write(f"judged by the exact checker: mismatches are counted by compiling each rule and labelling the "
              f"table's scenes; agreement is equivalence on all {table.universe.n_scenes:,} scenes. ")
    learned = ", ".join(f"{r['engine']} {r['learned_mismatches']}" for r in rows if "learned_mismatches" in r)
    out.write(f"The learners' own count of mismatches: {learned}.\n")
    for r in rows:
        if r.get("counterexample"):
            c = r["counterexample"]
            out.write(f"  {r['engine']} and search differ on {c['scenes_disagreeing']:,} scenes, e.g. "
                      f"{c['scene']} ({r['engine']}: {str(c['labels'][0]).lower()}, "
                      f"search: {str(c['labels'][1]).lower()})\n")
    return EXIT_OK if fits else EXIT_FINDINGS


def _agreement(row: dict, compared: bool) -> str:
    if not compared or row["rule"] is None:
        return "-"
    return "yes (equivalent)" if row.get("agrees_with_search") else "no"


def _time(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
