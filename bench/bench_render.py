"""Benchmark: drawing a 32-scene table (``rulelang render``), as SVG and as PNG.

Run from the repository root::

    .venv/bin/python bench/bench_render.py            # a few seconds
    .venv/bin/python bench/bench_render.py --quick

The table: 32 random scenes of Odeen labelled by a rule, drawn with that rule's selected
cells highlighted and its contradictions framed (the most work a picture has). Measured
in-process, medians of several runs:

* ``table_svg`` — the SVG text (target 100 ms);
* ``Drawing.png`` — the same picture rasterised by :mod:`rulelang.raster` and encoded as PNG
  (target 100 ms as well: ``render -o x.png`` is the same command); the rasteriser keeps
  each shape's coverage mask between pictures, so this is also timed with none kept (the
  first picture of a process);
* ``rulelang render TABLE -o out.svg|out.png --rule RULE`` through the CLI's ``main`` in this
  process: reading and parsing the file, drawing, writing the file atomically.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import stats, verdict, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.cli import main as cli
from rulelang.parser import parse
from rulelang.raster import clear_cache
from rulelang.reference import evaluate
from rulelang.render import table_drawing, table_svg
from rulelang.universe import ODEEN

TARGET_S = 0.100
RULE = "at_least 1 red touching blue and zero pyramid pointing_down"
HIDDEN = "at_least 1 red touching blue"


def timed(fn, runs: int) -> dict:
    fn()  # the first call imports and warms what it needs
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return stats(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/render.json)")
    args = ap.parse_args()
    runs = 5 if args.quick else 21
    rng = np.random.default_rng(14)
    scenes = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, 32, replace=False)]]
    hidden, rule = parse(HIDDEN), parse(RULE)
    labels = [evaluate(hidden, s) for s in scenes]
    results = {
        "svg": timed(lambda: table_svg(scenes, labels, rule=rule), runs),
        "png": timed(lambda: table_drawing(scenes, labels, rule=rule).png(), runs),
        # The rasteriser keeps each shape's coverage mask between pictures; a first picture
        # (a fresh process) computes them all.
        "png_uncached": timed(lambda: (clear_cache(), table_drawing(scenes, labels, rule=rule).png()), runs),
    }
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "table.txt"
        table.write_text("".join(f"{s} {str(v).lower()}\n" for s, v in zip(scenes, labels)))
        for kind in ("svg", "png"):
            out = Path(tmp) / f"out.{kind}"
            argv = ["render", str(table), "-o", str(out), "--rule", RULE]
            results[f"cli_{kind}"] = timed(lambda argv=argv: cli(argv, out=io.StringIO()), runs)
        size = {k: (Path(tmp) / f"out.{k}").stat().st_size for k in ("svg", "png")}
    d = table_drawing(scenes, labels, rule=rule)
    print(f"32-scene table, {d.width:.0f} x {d.height:.0f} px; svg {size['svg']:,} bytes, png {size['png']:,} bytes")
    for key, label in (("svg", "table_svg"), ("png", "Drawing.png"), ("png_uncached", "Drawing.png, no masks kept"),
                       ("cli_svg", "rulelang render -o .svg"), ("cli_png", "rulelang render -o .png")):
        med = results[key]["median"]
        print(f"{label + ' (median of ' + str(runs) + ')':<36}{1000 * med:8.1f} ms   target "
              f"{1000 * TARGET_S:.0f} ms  {verdict(med, TARGET_S)}")
    write_result("render", {"config": {"scenes": 32, "rule": RULE, "runs": runs, "bytes": size},
                            "results": results, "target_s": TARGET_S,
                            "verdicts": {k: verdict(v["median"], TARGET_S) for k, v in results.items()}}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
