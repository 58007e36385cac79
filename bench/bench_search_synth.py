"""Benchmark of issue 3: the full-language synthesiser — which sizes it reaches in 10 s.

Tables of 32 distinct random scenes (seeded):

* **no short rule**: random labels, so the search runs to its limit; figure: the largest
  size searched completely within 10 s (target: report it), and the signatures per size;
* **hidden rules beyond the dialect** of growing size: figure: seconds to the smallest
  explanation (which may be smaller than the hidden rule: 32 scenes rarely pin it down).

The limit on kept signatures (``rulelang.search.synth.MAX_SIGNATURES``, about 0.5 GB) may stop a
search before its timeout; the record says which limit stopped each run.

Usage: ``.venv/bin/python bench/bench_search_synth.py [--quick] [--timeout S] [--out PATH]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from _common import write_result  # bench/ is on sys.path: the folder of the script

HIDDEN = (
    "not exactly 2 red",
    "exactly 4 blue or zero block",
    "not at_least 1 red touching blue and at_least 3 pyramid",
    "(at_least 2 red or exactly 1 blue block) and not zero pyramid pointing_down",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one random table, two hidden rules")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    from rulelang.checker import label
    from rulelang.parser import parse
    from rulelang.universe import ODEEN
    from rulelang.search import Table, synthesize

    rng = np.random.default_rng(0)
    scenes = ODEEN.all_scenes()
    synthesize(Table(scenes[:4], [True, False, True, False]), max_size=4)  # warm the kernels

    runs = []
    for i in range(1 if args.quick else 3):
        ids = rng.choice(ODEEN.n_scenes, 32, replace=False)
        table = Table(scenes[ids], rng.random(32) < 0.5)
        res = synthesize(table, max_size=40, timeout=args.timeout)
        runs.append({"kind": "random labels", "seed_index": i, "complete_size": res.complete_size,
                     "stopped": res.stopped, **res.to_json()})
        print(f"random labels #{i}: complete up to size {res.complete_size} in "
              f"{res.seconds:.1f} s (stopped: {res.stopped}); kept signatures per size "
              f"{[s.kept for s in res.sizes]}")
    for text in HIDDEN[: 2 if args.quick else len(HIDDEN)]:
        rule = parse(text)
        ids = rng.choice(ODEEN.n_scenes, 32, replace=False)
        table = Table(scenes[ids], label(rule, scenes[ids]))
        res = synthesize(table, max_size=40, timeout=args.timeout)
        best = res.best.rule if res.best else None
        runs.append({"kind": "hidden rule", "hidden": text, "found": best, **res.to_json()})
        print(f"hidden '{text}': {res.stopped} after {res.seconds:.2f} s -> {best} "
              f"({res.best.words if res.best else '-'} words)")
    path = write_result("search_synth", {"timeout_s": args.timeout, "table_scenes": 32, "runs": runs},
                        args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
