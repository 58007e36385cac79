"""Benchmark: the streamed exact engine on worlds past Odeen, in-process and on Dask.

Run from the repository root::

    .venv/bin/python bench/bench_stream.py                # everything (odeen-10 takes minutes)
    .venv/bin/python bench/bench_stream.py --no-odeen10   # skip the 282-million-scene world

What it measures, in one run (the machine is shared: the load average is recorded):

* **baseline**: the in-memory semantics matrix of the Odeen dialect (24,794 rules x 117,649
  scenes, ``semantics_matrix``), warm, median of 5: its cost per (rule, scene).
* **odeen-8 streamed**: the classes and true counts of the dialect over all 5,764,801
  scenes (``rulelang.stream.classes``, in-process on every core), warm, median of 3: its
  cost per (rule, scene), and the ratio to the baseline; the fingerprint pass alone too.
* **enumerate**: ``rulelang enumerate --universe U -o FILE`` in a fresh process for scene
  lengths 4, 5, 6, 7, 8 (and 10): wall time, peak resident memory (``VmHWM``), classes.
* **Dask**: the odeen-8 job on a ``LocalCluster`` of 2 single-threaded worker processes
  against the in-process path (2 threads), same run, as a ratio; and a projection to a
  64-core cluster from the measured cost per block (stated as a projection, not measured).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import ROOT, stats, verdict, write_result
from rulelang import stream
from rulelang.checker import compile_rules, run
from rulelang.distributed import DaskExecutor, InProcess
from rulelang.enumerate import dialect_rules
from rulelang.universe import ODEEN
from rulelang.worldfile import load_universe

TARGET_ODEEN8_S = 15.0
TARGET_RATIO = 1.5
TARGET_ODEEN10_S = 600.0
TARGET_ODEEN10_PEAK = 2 * 1024**3
TARGET_DASK_OVERHEAD = 0.15

# VmHWM, not ru_maxrss: on Linux a child inherits its parent's ru_maxrss across fork.
_PEAK = ("import re, sys; from rulelang.cli import main; code = main(sys.argv[1:]); "
         "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
         "sys.stderr.write(f'PEAK_KB {hwm}\\n'); sys.exit(code)")


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def enumerate_cli(universe: str, workdir: Path) -> dict:
    """``rulelang enumerate`` in a fresh process: wall time, peak memory, classes."""
    target = workdir / f"{Path(universe).stem}-classes.tsv"
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _PEAK, "enumerate", "--universe", universe, "--classes",
                           "-o", str(target)], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"enumerate --universe {universe} failed:\n{proc.stdout}\n{proc.stderr}")
    peak_kb = int(next(line.split()[1] for line in proc.stderr.splitlines() if line.startswith("PEAK_KB")))
    classes = sum(1 for _ in target.open()) - 1
    target.unlink()
    return {"universe": universe, "seconds": wall, "peak_bytes": peak_kb * 1024, "classes": classes}


def world_file(length: int, workdir: Path) -> str:
    """The universe file of Odeen with ``length`` cells (built-in when there is one)."""
    if length == 6:
        return "odeen"
    if length in (8, 10):
        return f"odeen-{length}"
    from rulelang.worldfile import to_toml

    path = workdir / f"odeen-{length}.toml"
    path.write_text(to_toml(dataclasses.replace(ODEEN, name=f"odeen-{length}", length=length)))
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-odeen10", action="store_true", help="skip odeen-10 (minutes)")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    ap.add_argument("--dask-only", action="store_true", help="only the Dask comparison (and the baseline)")
    args = ap.parse_args()
    load0 = os.getloadavg()
    rules = dialect_rules(ODEEN)
    result: dict = {"rules": len(rules)}

    # -- the baseline: the in-memory matrix ----------------------------------------------
    program = compile_rules(rules, ODEEN)
    run(program, None, parallel=True)  # load the kernels, the scene rows
    base = stats(timed(lambda: run(program, None, parallel=True), 5))
    base_cost = base["median"] / (len(rules) * ODEEN.n_scenes)
    result["baseline"] = {"what": "semantics matrix, odeen, warm", **base, "seconds_per_rule_scene": base_cost}
    print(f"baseline  in-memory matrix of odeen: median {base['median'] * 1e3:.0f} ms "
          f"= {base_cost * 1e12:.2f} ps per (rule, scene)")

    u8 = load_universe("odeen-8")
    rules8 = dialect_rules(u8)
    if not args.dask_only:
        # -- odeen-8 streamed, in-process ------------------------------------------------------
        ex = InProcess()
        stream.classes(rules8[:300], u8, ex, block=4096 * 8)  # load the stream kernels
        cells = len(rules8) * u8.n_scenes
        digest = stats(timed(lambda: stream.digests(rules8, u8, ex), 3))
        runs = []
        full = []
        for _ in range(3):
            start = time.perf_counter()
            res = stream.classes(rules8, u8, ex)
            full.append(time.perf_counter() - start)
            runs.append(res)
        full_s = stats(full)
        res = runs[-1]
        cost = full_s["median"] / cells
        result["odeen8"] = {
            "scenes": u8.n_scenes, "rules": len(rules8), "classes": len(res.groups), "executor": ex.name,
            "digest": digest, "classes_job": full_s, "verified_pairs": res.verified_pairs,
            "collisions": res.collisions,
            "seconds_per_rule_scene": cost, "ratio_to_matrix": cost / base_cost,
            "digest_ratio_to_matrix": digest["median"] / cells / base_cost,
        }
        print(f"odeen-8   streamed classes + true counts: median {full_s['median']:.2f} s "
              f"(fingerprints {digest['median']:.2f} s, exact check of {res.verified_pairs:,} pairs); "
              f"{len(res.groups):,} classes; {cost * 1e12:.2f} ps per (rule, scene) = "
              f"{cost / base_cost:.2f} x the matrix (target <= {TARGET_RATIO}: "
              f"{verdict(cost / base_cost, TARGET_RATIO)})")

        # -- the scaling table: enumerate in fresh processes ----------------------------------
        table = []
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            lengths = [4, 5, 6, 7, 8] + ([] if args.no_odeen10 else [10])
            for length in lengths:
                row = enumerate_cli(world_file(length, work), work) | {"length": length,
                                                                       "scenes": 7**length}
                table.append(row)
                print(f"enumerate length {length:>2}: {row['scenes']:>12,} scenes  {row['seconds']:8.1f} s  "
                      f"peak {row['peak_bytes'] / 2**20:7.0f} MiB  {row['classes']:>6,} classes")
        result["scaling"] = table
        by_len = {r["length"]: r for r in table}
        result["targets"] = {"odeen8_enumerate_s": TARGET_ODEEN8_S, "ratio": TARGET_RATIO,
                             "odeen10_enumerate_s": TARGET_ODEEN10_S, "odeen10_peak_bytes": TARGET_ODEEN10_PEAK,
                             "dask_overhead": TARGET_DASK_OVERHEAD}
        print(f"enumerate --universe odeen-8: {by_len[8]['seconds']:.1f} s "
              f"(target <= {TARGET_ODEEN8_S:.0f} s: {verdict(by_len[8]['seconds'], TARGET_ODEEN8_S)})")
        if 10 in by_len:
            r = by_len[10]
            print(f"enumerate --universe odeen-10: {r['seconds']:.0f} s "
                  f"({verdict(r['seconds'], TARGET_ODEEN10_S)}), peak {r['peak_bytes'] / 2**30:.2f} GiB "
                  f"({verdict(r['peak_bytes'], TARGET_ODEEN10_PEAK)})")

    # -- Dask: a 2-worker LocalCluster against the in-process path -------------------------
    if not args.no_dask:
        import distributed

        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                      dashboard_address=None, silence_logs=40) as cluster:
            dx = DaskExecutor.connect(cluster.scheduler_address)
            stream.classes(rules8[:300], u8, dx, block=4096 * 8)  # workers load the kernels
            here, there, cpu_here, cpu_there = [], [], [], []

            def worker_cpu() -> float:
                return sum(dx.client.run(time.process_time).values())

            for _ in range(3):  # interleaved, so that a change of load hits both
                start, cpu = time.perf_counter(), time.process_time()
                a = stream.classes(rules8, u8, InProcess(2))
                here.append(time.perf_counter() - start)
                cpu_here.append(time.process_time() - cpu)
                start, cpu, wcpu = time.perf_counter(), time.process_time(), worker_cpu()
                b = stream.classes(rules8, u8, dx)
                there.append(time.perf_counter() - start)
                # every process of the job: the workers, and this one (client and scheduler)
                cpu_there.append(time.process_time() - cpu + worker_cpu() - wcpu)
                assert a.groups == b.groups and np.array_equal(a.true_counts, b.true_counts)
            n_blocks = len(stream.blocks(u8.n_scenes, None, dx.workers)) * 2  # two passes
            dx.close()
        h, t = stats(here), stats(there)
        ratio = t["median"] / h["median"]
        ch, ct = stats(cpu_here), stats(cpu_there)
        cpu_ratio = ct["median"] / ch["median"]
        # The projection works from CPU seconds (the work itself), not from wall time on a
        # machine shared with other jobs.
        per_block = ch["median"] / n_blocks  # core-seconds per block, measured
        r10 = 7**10 / u8.n_scenes
        dask_cpu = ch["median"] * max(1.0, cpu_ratio)
        projection = {"cores": 64, "odeen8_s": dask_cpu / 64, "odeen10_s": dask_cpu * r10 / 64,
                      "assumes": "the CPU seconds of the job as measured here on the LocalCluster, "
                                 "spread evenly over 64 cores (512 blocks a pass at the default "
                                 "blocking); excludes network transfer (24 bytes per rule per block) "
                                 "and scheduling latency; not measured"}
        result["dask"] = {"in_process": h, "local_cluster": t, "ratio": ratio, "overhead": ratio - 1,
                          "cpu_in_process": ch, "cpu_local_cluster": ct, "cpu_ratio": cpu_ratio,
                          "blocks": n_blocks, "core_seconds_per_block": per_block, "projection": projection}
        print(f"dask      LocalCluster(2 workers) {t['median']:.2f} s vs in-process {h['median']:.2f} s: "
              f"x {ratio:.3f} (overhead {100 * (ratio - 1):+.1f} %, target <= "
              f"{100 * TARGET_DASK_OVERHEAD:.0f} %: {verdict(ratio - 1, TARGET_DASK_OVERHEAD)}); "
              f"bit-identical")
        print(f"dask      CPU seconds of every process of the job: {ct['median']:.2f} s vs {ch['median']:.2f} s "
              f"in-process: x {cpu_ratio:.3f} (overhead {100 * (cpu_ratio - 1):+.1f} %; robust to other "
              f"jobs on the machine, unlike wall time)")
        print(f"projection (not measured): 64 cores, {per_block * 1e3:.0f} core-ms per block -> "
              f"odeen-8 {projection['odeen8_s']:.2f} s, odeen-10 {projection['odeen10_s']:.1f} s")
    result["load_average"] = {"start": list(load0), "end": list(os.getloadavg())}
    print(f"load average at start {load0[0]:.2f}, at end {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"wrote {write_result('stream_dask' if args.dask_only else 'stream', result)}")


if __name__ == "__main__":
    main()
