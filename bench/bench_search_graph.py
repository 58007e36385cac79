"""Benchmark of issue 3: the implication graph (Hasse diagram) of the whole dialect.

Figures: the time to build the Hasse diagram of all 11,618 phenomena (warm: index, class
rows and distinct scenes in memory; the networkx DiGraph included), per phase; its size;
GraphML/DOT export time; and, for scale, a naive build — every pair tested with numpy on
full rows, then ``networkx.transitive_reduction`` — timed on a random subset and checked
to give the same edges there.

Usage: ``.venv/bin/python bench/bench_search_graph.py [--quick] [--runs N] [--out PATH]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from _common import stats, write_result  # bench/ is on sys.path: the folder of the script

SUBSET = 400


def naive(ix, ids):
    import networkx as nx

    rows = ix.class_rows[ids]
    g = nx.DiGraph()
    g.add_nodes_from(ids.tolist())
    for i in range(len(ids)):
        sub = ~(rows[i] & ~rows).any(axis=1)
        sub[i] = False
        g.add_edges_from((int(ids[i]), int(ids[j])) for j in np.flatnonzero(sub))
    return nx.transitive_reduction(g)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs

    from rulelang.search.graph import implication_graph, to_dot, to_graphml
    from rulelang.search.index import dialect_index

    ix = dialect_index()
    ix.class_rows, ix.distinct_scenes  # noqa: B018 - one-off set-up, not counted
    implication_graph(np.arange(64), ix)  # warm the kernels
    times, g, st = [], None, None
    for _ in range(runs):
        t0 = time.perf_counter()
        g, st = implication_graph(None, ix)
        times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    graphml = to_graphml(g)
    t_graphml = time.perf_counter() - t0
    t0 = time.perf_counter()
    dot = to_dot(g)
    t_dot = time.perf_counter() - t0

    ids = np.sort(np.random.default_rng(0).choice(ix.n_classes, SUBSET, replace=False))
    t0 = time.perf_counter()
    ref = naive(ix, ids)
    t_naive = time.perf_counter() - t0
    ours, _ = implication_graph(ids, ix)
    assert set(ref.edges()) == set(ours.edges()), "naive and fast Hasse diagrams differ"
    scale = (ix.n_classes / SUBSET) ** 2

    payload = {
        "nodes": st.nodes, "hasse_edges": st.edges, "implications": st.implications,
        "signature_candidates": st.candidates, "build_s": stats(times), "phases_s": st.seconds,
        "graphml_s": t_graphml, "graphml_bytes": len(graphml), "dot_s": t_dot, "dot_bytes": len(dot),
        "naive_subset": SUBSET, "naive_subset_s": t_naive,
        "naive_all_pairs_extrapolated_s": t_naive * scale,
    }
    path = write_result("search_graph", payload, args.out)
    print(f"Hasse diagram of all {st.nodes:,} phenomena: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s; {st.implications:,} implications, {st.edges:,} cover edges "
          f"({st.candidates:,} candidate pairs from signatures)")
    print("  phases (last run): " + ", ".join(f"{k} {v:.2f} s" for k, v in st.seconds.items()))
    print(f"  export: GraphML {t_graphml:.2f} s ({len(graphml) / 1e6:.1f} MB), DOT {t_dot:.2f} s")
    print(f"  naive (numpy all pairs + networkx.transitive_reduction) on {SUBSET} classes: "
          f"{t_naive:.2f} s, same edges; x{scale:.0f} pairs for all -> ~{t_naive * scale / 60:.0f} min "
          "(lower bound: the reduction grows faster)")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
