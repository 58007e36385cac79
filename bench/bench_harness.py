"""Benchmark of issue 4: building the data set, and scoring solvers with every measure.

Figures:

* ``rulelang data make`` with the default (six-regime) options, as a user runs it: a fresh
  process each time, wall clock, into an empty directory (target: under 2 minutes); plus
  the time of each phase, measured once in-process;
* for every built-in solver (``explain``, ``random-rule``, ``constant``) and table kind on
  the 1,000-rule test split: every measure, the solver's time, and the measures' time
  apart from the solver (target: at most 5 s in total) — split into the one-off set-up
  (dialect matrix, classes, scene-major index) and the scoring itself, which is repeated
  ``--runs`` times on the same answers;
* the scoring of a *perfect* learner (its answer is the hidden rule): the slowest case for
  NRS, whose searches stop early at the first rival as near as the hidden rule.

Usage: ``.venv/bin/python bench/bench_harness.py [--quick] [--runs N] [--data DIR] [--out PATH]``
(``--data`` reuses an existing data set instead of building one for the scoring part).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from _common import ROOT, stats, verdict, write_result  # bench/ is on sys.path: the folder of the script

SOLVERS = ("explain", "random-rule", "constant")
KINDS = ("random", "balanced", "informative")


def time_data_make(runs: int, workdir: Path) -> tuple[dict, Path]:
    times = []
    target = workdir / "run0"
    for i in range(runs):
        target = workdir / f"run{i}"
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "rulelang"), "data", "make", "-q", "--out", str(target)],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return stats(times), target


def phases(workdir: Path) -> dict[str, float]:
    """Seconds per phase of one in-process build (the dialect matrix included in 'splits')."""
    from rulelang.data import MakeOptions, make_dataset

    marks: list[tuple[str, float]] = []
    make_dataset(workdir / "phases", MakeOptions(), progress=lambda p: marks.append((p, time.perf_counter())))
    marks.append(("end", time.perf_counter()))
    return {name: round(t1 - t0, 3) for (name, t0), (_, t1) in zip(marks, marks[1:])}


class Perfect:
    """Answers the hidden rule: the slowest case for the NRS searches."""

    name = "perfect"

    def __init__(self, context):
        self.texts = context.dataset.texts("test")

    def solve(self, task):
        from rulelang.harness import Answer

        return Answer(rules=(self.texts[task.index],))


def score_runs(ds, solver: str, kind: str, judge, runs: int) -> dict:
    from rulelang.harness.run import make_tasks, run_benchmark, score, solve_all

    result = run_benchmark(ds, solver, kind, "test", judge=judge)
    tasks, tables, evaluation = make_tasks(ds, "test", kind, None, 0)
    from rulelang.harness.api import SolverContext, load_solver

    outcome = solve_all(load_solver(solver, SolverContext(dataset=ds, dialect=judge.dialect)), tasks)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        score(judge, tables.rules, tables, evaluation, outcome)
        times.append(time.perf_counter() - start)
    return {"summary": result["summary"], "scoring": stats(times), "result": result}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="one data build, one scoring run")
    p.add_argument("--runs", type=int, default=None, help="repeats (default 3; --quick 1)")
    p.add_argument("--data", default=None, help="score on this data set instead of a fresh build")
    p.add_argument("--out", default=None, help="JSON record (default bench/results/harness.json)")
    args = p.parse_args()
    runs = args.runs or (1 if args.quick else 3)

    from rulelang.data import DataSet
    from rulelang.harness import markdown, register
    from rulelang.measures import Judge

    with tempfile.TemporaryDirectory(prefix="bench-harness-") as tmp:
        work = Path(tmp)
        make, built = time_data_make(1 if args.quick else 2, work)
        print(f"data make (fresh process, default options): median {make['median']:.1f} s, "
              f"min {make['min']:.1f} s  [{verdict(make['median'], 120)} <= 120 s]")
        phase = phases(work)
        print("phases (in-process):", ", ".join(f"{k} {v:.1f} s" for k, v in phase.items()))
        ds = DataSet(args.data or built)
        ds.verify()

        start = time.perf_counter()
        judge = Judge().warm()
        setup = time.perf_counter() - start
        print(f"measures set-up (matrix, classes, scene-major index): {setup:.2f} s")

        register("perfect", Perfect)
        rows, results = {}, []
        for solver in SOLVERS + ("perfect",):
            for kind in KINDS if solver != "perfect" else ("informative",):
                r = score_runs(ds, solver, kind, judge, runs)
                rows[f"{solver}/{kind}"] = {"summary": r["summary"], "scoring": r["scoring"]}
                results.append(r["result"])
                total = setup + r["scoring"]["median"]
                print(f"{solver:>11} {kind:<11} solver {r['summary']['solver_seconds']:7.2f} s  "
                      f"scoring median {r['scoring']['median']:.2f} s  measures total {total:.2f} s  "
                      f"[{verdict(total, 5.0)} <= 5 s]")
        print()
        print(markdown(results))
        worst = max(v["scoring"]["median"] for v in rows.values())
        path = write_result("harness", {
            "config": {"runs": runs, "quick": args.quick, "data": str(args.data or "fresh build"),
                       "split": "test", "tasks": len(ds.rules("test"))},
            "data_make": make, "data_make_phases": phase,
            "measure_setup_seconds": setup,
            "runs": rows,
            "targets": {"data_make_median_s": 120, "measures_total_s": 5.0},
            "verdicts": {"data_make": verdict(make["median"], 120),
                         "measures": verdict(setup + worst, 5.0)},
        }, Path(args.out) if args.out else None)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
