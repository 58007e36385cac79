"""CRN inference time per table (issue 5: B = 300 conjectures in <= 0.5 s per table).

Runs the shipped (or given) CRN on the first N informative test tables, B conjectures each,
and times ``solve(task)`` alone (the answer includes the interpreter's labels of the
1,176-scene evaluation sample). The baseline, in the same run, is the same CRN without
batching: the generator's beam search run one beam at a time per step would be
unreasonably slow, so the baseline keeps the batched beam search and labels the table under
each conjecture with its own interpreter call, as a straightforward implementation would.

Usage: ``.venv/bin/python bench/bench_crn.py [--tasks 50] [--beams 300] [--threads 1,2]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _common import write_result  # bench/ is on sys.path: the folder of the script


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data/odeen-v1")
    ap.add_argument("--tasks", type=int, default=50)
    ap.add_argument("--beams", type=int, default=300)
    ap.add_argument("--threads", default="1,2", help="torch thread counts to time, comma-separated")
    ap.add_argument("--baseline-tasks", type=int, default=5, help="tasks for the unbatched baseline")
    ap.add_argument("--quick", action="store_true", help="10 tasks, 2 for the baseline")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.quick:
        args.tasks, args.baseline_tasks = 10, 2

    import numpy as np
    import torch

    from rulelang.data import DataSet
    from rulelang.harness.api import SolverContext
    from rulelang.harness.run import make_tasks
    from rulelang.measures import Judge

    ds = DataSet(args.data)
    judge = Judge().warm()  # the checker's parallel kernels first (see rulelang.interp.train)
    tasks, _, _ = make_tasks(ds, "test", "informative", args.tasks, 0)
    from rulelang.interp.solvers import CRNSolver

    start = time.perf_counter()
    crn = CRNSolver(SolverContext(dataset=ds, options={"beams": str(args.beams)}, dialect=judge.dialect))
    setup = time.perf_counter() - start
    results: dict[str, dict] = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        crn.solve(tasks[0])  # warm-up
        times = []
        for task in tasks:
            t0 = time.perf_counter()
            crn.solve(task)
            times.append(time.perf_counter() - t0)
        results[f"batched, {threads} thread(s)"] = {"median": statistics.median(times), "min": min(times),
                                                   "mean": statistics.fmean(times), "tasks": len(times)}
        print(f"CRN B={args.beams}, {threads} thread(s): median {statistics.median(times) * 1e3:.0f} ms/table "
              f"(min {min(times) * 1e3:.0f}, mean {statistics.fmean(times) * 1e3:.0f}; {len(times)} tables)")

    # Baseline: one interpreter call per conjecture.
    torch.set_num_threads(max(int(t) for t in args.threads.split(",")))
    times = []
    for task in tasks[:args.baseline_tasks]:
        t0 = time.perf_counter()
        beam = crn.generator.propose(task.scenes, task.labels, crn.beams, crn.class_of)
        mism = [int(np.count_nonzero(crn.interpreter.labels([crn.texts[int(r)]], task.scenes)[0] != task.labels))
                for r in beam.rules]
        best = crn.texts[int(beam.rules[int(np.argmin(mism))])]
        crn.interpreter.labels([best], task.query)
        times.append(time.perf_counter() - t0)
    base = statistics.median(times)
    batched = min(v["median"] for v in results.values())
    print(f"baseline (one interpreter call per conjecture): median {base * 1e3:.0f} ms/table "
          f"({len(times)} tables); batched is {base / batched:.1f}x faster")
    verdict = "PASS" if batched <= 0.5 else "FAIL"
    print(f"target <= 0.5 s per table at B = {args.beams}: {verdict} ({batched * 1e3:.0f} ms); set-up {setup:.1f} s")
    target = Path(args.out) if args.out else None
    path = write_result("crn", {"beams": args.beams, "setup_seconds": setup, "runs": results,
                                "baseline_median": base, "speedup": base / batched, "verdict": verdict},
                        path=target)
    print(f"result: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
