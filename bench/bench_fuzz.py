"""Benchmark: the fuzz campaign — 100,000 generated inputs through ``check``, ``fmt``,
``eval`` and ``explain``, in-process, and what came out.

Run from the repository root::

    .venv/bin/python bench/bench_fuzz.py              # 100,000 inputs (about 15-25 min here)
    .venv/bin/python bench/bench_fuzz.py --quick      # 10,000 inputs

The inputs (:mod:`rulelang.cli.fuzz`, one seed): rules printed from random syntax trees
with odd spacing, comments, labels and CRLF; the same mutated; word soup; rules of
200-2,000 terms or as deeply nested; huge words and numbers; random text; scene lines and
tables, good and broken. Each goes through :func:`rulelang.cli.main` like a user's command.
Reported: inputs tried, diagnostics by code, exit codes, failures (an internal error, a
traceback, an exit code outside 0/1/2, a failure without a diagnostic, a ``fmt`` that loses
a line or is not idempotent) — the goal is 0 — and the time per input.

Baseline, in the same run: the same four commands on the shipped examples (good input),
median of several runs each. The ratio "median command time in the campaign / mean of the
good-input medians" says whether bad input costs more than good input (it should not: a
diagnostic is no slower than a verdict); the mean time per input is higher, since the
campaign also feeds rules of 2,000 terms and words of 100,000 characters.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, stats, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.cli import build_parser, main  # noqa: E402
from rulelang.cli.fuzz import Campaign  # noqa: E402
from rulelang.progress import Progress  # noqa: E402

EXAMPLES = ROOT / "examples"
GOOD = [
    ["check", str(EXAMPLES / "rules.rl"), str(EXAMPLES / "table.txt")],
    ["fmt", "--check", str(EXAMPLES / "rules.rl")],
    ["eval", "at_least 1 red touching blue", "A.b...", "Ab....", "......"],
    ["explain", str(EXAMPLES / "table.txt")],
]


def good_input_seconds(repeat: int) -> dict:
    """Median seconds of each command on the examples (after one warm-up run)."""
    parser = build_parser()
    out = {}
    for argv in GOOD:
        times = []
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()):
                code = main(argv, out=io.StringIO(), parser=parser)
            if code not in (0, 1):
                raise SystemExit(f"{' '.join(argv)}: exit {code}")
            if i:
                times.append(time.perf_counter() - t0)
        out[argv[0]] = stats(times)
    return out


def main_(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--inputs", type=int, default=100_000, help="inputs to generate (default 100,000)")
    ap.add_argument("--quick", action="store_true", help="10,000 inputs")
    ap.add_argument("--seed", type=int, default=0, help="the campaign's seed (default 0)")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each good-input command (default 7)")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/fuzz.json)")
    args = ap.parse_args(argv)
    n = 10_000 if args.quick else args.inputs

    baseline = good_input_seconds(args.repeat)  # also loads the dialect index, outside the campaign
    good_mean = statistics.mean(s["median"] for s in baseline.values())
    with tempfile.TemporaryDirectory(prefix="rulelang-fuzz-") as tmp:
        campaign = Campaign(Path(tmp), args.seed)
        with Progress(n, "fuzz campaign") as bar:
            tally = campaign.play(n, tick=bar.update)
    per_input = tally.seconds / max(1, tally.tried)
    result = tally.to_json()
    median = result["command_seconds"]["median"]
    payload = {
        "config": {"inputs": n, "seed": args.seed, "repeat": args.repeat,
                   "command": "bench/bench_fuzz.py" + (" --quick" if args.quick else "")},
        "targets": {"failures": 0},
        "results": {
            **result,
            "seconds_per_input": per_input,
            "good_input_seconds": baseline,
            "good_input_mean_median_s": good_mean,
            "ratio_campaign_median_to_good_input": median / good_mean,
        },
    }
    path = write_result("fuzz", payload, args.out)

    cs = result["command_seconds"]
    print(f"fuzz campaign, seed {args.seed}: {tally.tried:,} inputs in {tally.seconds:.0f} s "
          f"({per_input * 1e3:.1f} ms an input with its files; command median {cs['median'] * 1e3:.1f} ms, "
          f"p99 {cs['p99'] * 1e3:.0f} ms, max {cs['max']:.2f} s)")
    print("  by command: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.commands.items())))
    print("  exit codes: " + ", ".join(f"{k}: {v:,}" for k, v in sorted(tally.exits.items())))
    print("  diagnostics by code: " + ", ".join(f"{k} {v:,}" for k, v in sorted(tally.codes.items())))
    print(f"  failures (internal errors, tracebacks, silent failures, lossy fmt): {len(tally.failures)} "
          f"[{'PASS' if not tally.failures else 'FAIL'}]")
    for f in tally.failures[:5]:
        print(f"    {f}")
    print("  good input (the examples), median per command: "
          + ", ".join(f"{k} {s['median'] * 1e3:.1f} ms" for k, s in baseline.items()))
    print(f"  ratio campaign median / good input: {payload['results']['ratio_campaign_median_to_good_input']:.2f}x")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main_())
