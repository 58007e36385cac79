"""Benchmark: ``explain`` on a world too large for the scene index (odeen-10, 282,475,249 scenes).

Run from the repository root::

    .venv/bin/python bench/bench_explain_huge.py            # odeen-10: the classes take minutes
    .venv/bin/python bench/bench_explain_huge.py --universe odeen-8

What it measures: the one-off build of the dialect's classes by streaming every scene
(``rulelang.search.index.class_index``, what the disk cache then keeps), with its peak
memory; then ``explain`` on 32-scene tables (random scenes, labelled by a random
non-constant phenomenon), where the candidates run on the table's scenes directly: median
over the tables against the target (<= 50 ms), the next question's time, and a check that
the hidden phenomenon is always among the candidates.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from _common import stats, verdict, write_result
from rulelang.checker import label
from rulelang.search import Table, explain
from rulelang.search.active import ask
from rulelang.search.index import class_index
from rulelang.stream import scenes_of
from rulelang.worldfile import load_universe

TARGET_S = 0.050


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--universe", default="odeen-10")
    ap.add_argument("--tables", type=int, default=60)
    args = ap.parse_args()
    load0 = os.getloadavg()
    u = load_universe(args.universe)
    start = time.perf_counter()
    ix = class_index(u, disk_cache=False)
    build = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # this process's own (not a child)
    print(f"classes of {u.name}: {ix.n_classes:,} from {len(ix.rules):,} canonical rules, built by streaming "
          f"{u.n_scenes:,} scenes in {build:.0f} s (peak memory {peak / 2**20:.0f} MiB)")
    rng = np.random.default_rng(0)
    ok = np.flatnonzero((ix.true_counts > 0) & (ix.true_counts < u.n_scenes))
    tables = []
    for _ in range(args.tables):
        c = int(rng.choice(ok))
        scenes = scenes_of(u, rng.choice(u.n_scenes, size=32, replace=False))
        tables.append((c, Table(scenes, label(ix.rules[c], scenes, u), u)))
    explain(tables[0][1], index=ix)  # warm
    times, asks, found, sizes = [], [], 0, []
    for c, t in tables:
        start = time.perf_counter()
        exp = explain(t, index=ix)
        times.append(time.perf_counter() - start)
        found += int(c in set(exp.ids.tolist()))
        sizes.append(exp.n_candidates)
        start = time.perf_counter()
        ask(exp.version_space)
        asks.append(time.perf_counter() - start)
    s, a = stats(times), stats(asks)
    print(f"explain on {len(tables)} 32-scene tables: median {s['median'] * 1e3:.1f} ms "
          f"(min {s['min'] * 1e3:.1f} ms; target <= {TARGET_S * 1e3:.0f} ms: {verdict(s['median'], TARGET_S)}); "
          f"hidden phenomenon among the candidates {found}/{len(tables)}; "
          f"median {int(np.median(sizes))} candidates")
    print(f"next question from a pool of 4,096 scenes: median {a['median'] * 1e3:.1f} ms")
    print(f"load average at start {load0[0]:.2f}, at end {os.getloadavg()[0]:.2f} (2 cores)")
    path = write_result(f"explain_huge_{u.name}", {
        "universe": u.name, "scenes": u.n_scenes, "classes": ix.n_classes, "build_seconds": build,
        "build_peak_bytes": peak, "explain": s, "ask": a, "target_seconds": TARGET_S,
        "hidden_found": found, "tables": len(tables), "median_candidates": int(np.median(sizes)),
        "load_average": {"start": list(load0), "end": list(os.getloadavg())}})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
