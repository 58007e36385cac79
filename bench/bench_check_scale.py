"""Benchmark: ``rulelang check`` on a big table — 1,000 rules x 100,000 labelled scenes.

Run from the repository root::

    .venv/bin/python bench/bench_check_scale.py            # about a minute
    .venv/bin/python bench/bench_check_scale.py --quick

The fixture (a temporary directory): 1,000 distinct rules of the dialect drawn at random,
and a table of 100,000 scenes drawn at random with replacement (so about 32,000 lines
repeat an earlier scene), labelled by the first rule. Measured, in one process:

* **end to end**: ``rulelang.cli.main(["check", RULES, TABLE])`` — reading both files,
  parsing 1,000 rules and 100,000 scene lines, labelling, judging, and writing the text
  report (to memory) — median of several runs after a warm-up run (the Numba kernels are
  loaded once per process, as in any run after the first);
* the **baseline**, in the same process: the in-memory matrix cost — the compiled checker
  labelling the 1,000 parsed rules on the 100,000 scene arrays (``run(compile_rules(...))``);
* the phases of the end-to-end time, and the JSON report;
* for scale, one fresh process (``rulelang check`` as a user runs it: interpreter start-up,
  imports and kernel loading included).

Target: end to end <= 2 s.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import ROOT, stats, verdict, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.checker import compile_rules, run  # noqa: E402
from rulelang.cli import main  # noqa: E402
from rulelang.enumerate import dialect_rules  # noqa: E402
from rulelang.io import read_text  # noqa: E402
from rulelang.printer import format_rule  # noqa: E402
from rulelang.report import judge  # noqa: E402
from rulelang.rulefile import parse_rule_file  # noqa: E402
from rulelang.scenefile import parse_scene_file  # noqa: E402
from rulelang.universe import ODEEN  # noqa: E402

TARGET_S = 2.0


def make_fixture(directory: Path, n_rules: int, n_scenes: int, seed: int = 16) -> tuple[Path, Path]:
    rng = np.random.default_rng(seed)
    rules = dialect_rules()
    picked = [rules[i] for i in rng.choice(len(rules), n_rules, replace=False)]
    ids = rng.integers(0, ODEEN.n_scenes, n_scenes)
    scenes = ODEEN.all_scenes()[ids]
    labels = run(compile_rules(picked[:1]), scenes).bools()[0]
    rules_path, table_path = directory / "rules.rl", directory / "table.txt"
    rules_path.write_text("".join(format_rule(r) + "\n" for r in picked))
    table_path.write_text("".join(f"{ODEEN.format_scene(s)} {'true' if v else 'false'}\n"
                                  for s, v in zip(scenes, labels)))
    return rules_path, table_path


def timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return stats(times)


def main_(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=1_000)
    ap.add_argument("--scenes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each figure (default 5)")
    ap.add_argument("--quick", action="store_true", help="3 runs")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/check_scale.json)")
    args = ap.parse_args(argv)
    repeat = 3 if args.quick else args.repeat

    with tempfile.TemporaryDirectory(prefix="rulelang-check-scale-") as tmp:
        rules_path, table_path = make_fixture(Path(tmp), args.rules, args.scenes)
        argv_check = ["check", str(rules_path), str(table_path)]
        sink = io.StringIO()
        code = main(argv_check, out=sink)  # warm-up: loads the kernels
        if code != 1:
            raise SystemExit(f"check exited {code}, expected 1 (rules falsified by the table)")
        report_bytes = len(sink.getvalue().encode())
        end_to_end = timed(lambda: main(argv_check, out=io.StringIO()), repeat)
        json_run = timed(lambda: main(argv_check + ["--format", "json"], out=io.StringIO()), 1)

        # The phases, one by one.
        rules_text, table_text = read_text(rules_path), read_text(table_path)
        read = timed(lambda: (read_text(rules_path), read_text(table_path)), repeat)
        scenes_parse = timed(lambda: parse_scene_file(table_text, str(table_path)), repeat)
        rules_parse = timed(lambda: parse_rule_file(rules_text, str(rules_path)), repeat)
        rf, sf = parse_rule_file(rules_text, str(rules_path)), parse_scene_file(table_text, str(table_path))
        judged = timed(lambda: judge(rf, sf, engine="compiled"), repeat)
        report = judge(rf, sf, engine="compiled")
        findings = timed(lambda: report.findings(3), repeat)

        # The baseline: the in-memory matrix of the same rules on the same scenes.
        parsed = [e.rule for e in rf.entries]
        glyphs = sf.scenes()
        matrix = timed(lambda: run(compile_rules(parsed), glyphs), repeat)

        script = Path(sys.executable).with_name("rulelang")
        cmd = [str(script)] if script.exists() else [sys.executable, "-m", "rulelang"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd + argv_check, capture_output=True, text=True)
        cold = time.perf_counter() - t0
        if proc.returncode != 1:
            raise SystemExit(f"the fresh process exited {proc.returncode}: {proc.stderr[-500:]}")

    ratio = end_to_end["median"] / matrix["median"]
    payload = {
        "config": {"rules": args.rules, "scenes": args.scenes, "repeat": repeat,
                   "command": "bench/bench_check_scale.py" + (" --quick" if args.quick else "")},
        "targets": {"end_to_end_s": TARGET_S},
        "results": {
            "end_to_end_s": end_to_end, "json_report_s": json_run, "report_bytes": report_bytes,
            "phases_s": {"read_files": read, "parse_scenes": scenes_parse, "parse_rules": rules_parse,
                         "label_and_judge": judged, "findings": findings},
            "in_memory_matrix_s": matrix, "ratio_end_to_end_to_matrix": ratio,
            "fresh_process_s": cold,
            "n_distinct_scenes": int(np.unique(ODEEN.scene_index(glyphs)).size),
        },
    }
    path = write_result("check_scale", payload, args.out)

    ms = lambda s: f"{s * 1e3:7.0f} ms"  # noqa: E731
    print(f"rulelang check: {args.rules:,} rules x {args.scenes:,} labelled scenes, in one process")
    print(f"  end to end (read, parse, label, judge, text report): median {ms(end_to_end['median'])}, "
          f"min {ms(end_to_end['min'])} [{verdict(end_to_end['median'], TARGET_S)} <= {TARGET_S:.0f} s]")
    print(f"  baseline, the in-memory matrix (compile + label):    median {ms(matrix['median'])}; "
          f"ratio end to end / matrix {ratio:.1f}x")
    print("  phases (median): " + ", ".join(f"{k} {v['median'] * 1e3:.0f} ms"
                                             for k, v in payload["results"]["phases_s"].items()))
    print(f"  JSON report {ms(json_run['median'])}; text report {report_bytes / 1e3:.0f} kB; "
          f"a fresh process (start-up, imports, kernels) {ms(cold)}")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
