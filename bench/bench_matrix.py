"""Benchmark: build the full semantics matrix of the Odeen dialect.

The matrix labels all 24,794 dialect rules on all 117,649 scenes, one packed bit row per
rule (~365 MB). Run from the repository root::

    .venv/bin/python bench/bench_matrix.py              # full run, about a minute
    .venv/bin/python bench/bench_matrix.py --quick      # fewer repeats, smaller naive subset

What it measures (see BENCHMARKS.md for the targets):

* **warm**: ``semantics_matrix(Dialect().rules)`` in a process whose Numba kernels are
  already loaded. Every run compiles the 24,794 rules afresh (no program is cached); what
  stays from run to run is the JIT'd kernels and the glyph rows of all scenes (0.6 MB,
  cached per universe). Reported as min and median: the machine is shared, so the min is the
  run least disturbed by other work.
* **compile** and **kernels**: the two halves of a warm run, timed apart.
* **serial**: the same with ``parallel=False`` (one core).
* **first call**: the first build in this process (loads the cached kernels from disk, or
  compiles them when the cache is empty).
* **peak memory**: the peak resident set (``VmHWM``) of a fresh subprocess that builds the
  matrix once, and what it held before the build (interpreter, Numba, the rules).
* **ratio**: a straightforward numpy evaluator, one rule at a time (boolean arrays over all
  scenes, ``numpy.packbits`` at the end), run on a random subset of rules in this process;
  its per-rule time times 24,794, divided by our warm median. It must agree with the matrix
  on every row it computes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from _common import ROOT, stats, verdict, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.ast import And, Not, Or, Prop, Rule  # noqa: E402
from rulelang.checker import compile_rules, run, semantics_matrix  # noqa: E402
from rulelang.enumerate import Dialect  # noqa: E402
from rulelang.universe import ODEEN, Universe  # noqa: E402

TARGET_WARM_S = 0.2
TARGET_PEAK_BYTES = 1_000_000_000


# -- the naive evaluator (the yardstick of the ratio) ------------------------------------


def _cells(obj, scenes: np.ndarray, universe: Universe) -> np.ndarray:
    """``bool[n, length]``: the cells holding a piece the object phrase selects."""
    mask = universe.selection(obj.color, obj.shape, obj.orientation)
    lut = np.array([(mask >> g) & 1 for g in range(universe.n_glyphs)], dtype=bool)
    return lut[scenes]


def _naive(rule: Rule, scenes: np.ndarray, universe: Universe) -> np.ndarray:
    """``bool[n]``: the rule's labels, computed with whole-array numpy operations."""
    if isinstance(rule, Not):
        return ~_naive(rule.operand, scenes, universe)
    if isinstance(rule, (And, Or)):
        a, b = _naive(rule.left, scenes, universe), _naive(rule.right, scenes, universe)
        return a & b if isinstance(rule, And) else a | b
    assert isinstance(rule, Prop)
    x = _cells(rule.subject, scenes, universe)
    if rule.relation is not None:
        y = _cells(rule.other, scenes, universe)
        left = np.zeros_like(y)  # a y in the cell just left of i
        left[:, 1:] = y[:, :-1]
        right = np.zeros_like(y)
        right[:, :-1] = y[:, 1:]
        if rule.relation == "touching":
            x = x & (left | right)
        elif rule.relation == "surrounded_by":
            x = x & left & right
        elif rule.relation == "at_the_right_of":  # a y somewhere left of i
            x = x & np.logical_or.accumulate(left, axis=1)
        else:  # at_the_left_of: a y somewhere right of i
            x = x & np.logical_or.accumulate(right[:, ::-1], axis=1)[:, ::-1]
    count = x.sum(axis=1)
    lo, hi = rule.quantity.bounds(universe.length)
    return (count >= lo) & (count <= hi)


def naive_rows(rules: list[Rule], universe: Universe = ODEEN) -> np.ndarray:
    """``uint8[len(rules), ceil(n_scenes / 8)]``: packed label rows, one rule at a time."""
    scenes = universe.all_scenes()
    return np.stack([np.packbits(_naive(r, scenes, universe)) for r in rules])


# -- measurements ------------------------------------------------------------------------


_PEAK_CHILD = """
import json, resource, sys, time
from rulelang.enumerate import Dialect
from rulelang.checker import semantics_matrix

def high_water():
    # VmHWM: peak RSS of this process image. (ru_maxrss would do, but Linux carries it over
    # from the parent across fork and exec, so a child of a big process reports the parent.)
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)

rules = Dialect().rules
before = high_water()
t = time.perf_counter()
m = semantics_matrix(rules)
t = time.perf_counter() - t
print(json.dumps({"rss_before_bytes": before, "peak_rss_bytes": high_water(),
                  "matrix_bytes": m.words.nbytes, "build_in_fresh_process_s": t}))
"""


def peak_memory() -> dict:
    """Build the matrix once in a fresh process: its peak resident memory, before and after."""
    out = subprocess.run([sys.executable, "-c", _PEAK_CHILD], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result  # free the 365 MB before the next run, as a caller would
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=15, help="timed builds (default 15)")
    ap.add_argument("--naive-rules", type=int, default=500,
                    help="rules the naive evaluator runs on (default 500)")
    ap.add_argument("--quick", action="store_true", help="5 repeats, 100 naive rules")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/matrix.json)")
    args = ap.parse_args(argv)
    if args.quick:
        args.repeat, args.naive_rules = 5, 100

    dialect = Dialect()
    rules = dialect.rules
    t0 = time.perf_counter()
    matrix = semantics_matrix(rules)
    first = time.perf_counter() - t0

    warm = timed(lambda: semantics_matrix(rules), args.repeat)
    compile_times = timed(lambda: compile_rules(rules), args.repeat)
    program = compile_rules(rules)
    kernel_times = timed(lambda: run(program, None, parallel=True), args.repeat)
    serial = timed(lambda: run(program, None, parallel=False), max(3, args.repeat // 3))

    rng = np.random.default_rng(2022)
    subset = np.sort(rng.choice(len(rules), size=min(args.naive_rules, len(rules)), replace=False))
    t0 = time.perf_counter()
    naive = naive_rows([rules[i] for i in subset])
    naive_s = time.perf_counter() - t0
    if not np.array_equal(naive, matrix.packed[subset]):
        print("error: the naive evaluator disagrees with the matrix", file=sys.stderr)
        return 2
    naive_per_rule = naive_s / len(subset)
    naive_full = naive_per_rule * len(rules)

    memory = peak_memory()
    warm_stats = stats(warm)
    ratio = naive_full / warm_stats["median"]
    payload = {
        "config": {"rules": len(rules), "scenes": dialect.universe.n_scenes,
                   "repeat": args.repeat, "naive_rules": int(len(subset))},
        "targets": {"warm_s": TARGET_WARM_S, "peak_rss_bytes": TARGET_PEAK_BYTES},
        "results": {
            "warm_s": warm_stats,
            "compile_s": stats(compile_times),
            "kernels_s": stats(kernel_times),
            "serial_s": stats(serial),
            "first_call_s": first,
            "memory": memory,
            "naive": {"rules": int(len(subset)), "seconds": naive_s, "per_rule_s": naive_per_rule,
                      "extrapolated_full_s": naive_full},
            "ratio_naive_to_warm_median": ratio,
        },
        "cached_between_runs": ["Numba kernels (JIT, on disk and in memory)",
                                "glyph rows of all scenes, per universe (0.6 MB)"],
    }
    path = write_result("matrix", payload, args.out)

    ms = lambda s: f"{s * 1e3:7.1f} ms"  # noqa: E731
    print(f"dialect matrix: {len(rules):,} rules x {dialect.universe.n_scenes:,} scenes, "
          f"{matrix.words.nbytes / 1e6:.0f} MB")
    print(f"warm build     min {ms(warm_stats['min'])}  median {ms(warm_stats['median'])}  "
          f"(target {TARGET_WARM_S * 1e3:.0f} ms: {verdict(warm_stats['median'], TARGET_WARM_S)})")
    print(f"  compile      min {ms(min(compile_times))}  (24,794 rules -> program, uncached)")
    print(f"  kernels      min {ms(min(kernel_times))}  median {ms(stats(kernel_times)['median'])}")
    print(f"serial build   min {ms(min(serial))}  (kernels only, one core)")
    print(f"first call     {ms(first)}  (loads the kernels from the Numba cache)")
    print(f"peak memory    {memory['peak_rss_bytes'] / 1e6:.0f} MB peak RSS in a fresh process "
          f"({memory['rss_before_bytes'] / 1e6:.0f} MB before the build; target "
          f"{TARGET_PEAK_BYTES / 1e9:.0f} GB: {verdict(memory['peak_rss_bytes'], TARGET_PEAK_BYTES)})")
    print(f"naive numpy    {naive_per_rule * 1e3:.2f} ms/rule on {len(subset)} rules -> "
          f"{naive_full:.1f} s for all (extrapolated); ratio {ratio:,.0f}x")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
