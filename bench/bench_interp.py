"""Benchmark of issue 5: the neural learners in every training regime (the paper's results).

Per regime (models at ``MODELS/<regime>/{interpreter,generator,empiricist}.pt``; a solver
whose model is missing is skipped, and the record says so):

1. the interpreter given the **true rule** (the paper's Fig. 4 protocol): every test rule's
   evaluation sample (1,176 scenes) labelled by the interpreter reading the hidden rule's
   words; T-Acc (mean over rules of the share of right labels) and NRS on the sample;
2. ``run_benchmark`` on the test tables (``--limit`` per table kind) for ``crn`` (B = 300),
   ``emp-r``, ``emp-l`` and ``explain`` (the exact search: the reference, on the same
   tasks), and ``isearch`` on informative tables (``--isearch-limit``);
3. from the checkpoints: training seconds, steps, parameters, best validation score, history;
4. CRN rule induction / exact search rule induction, and whether CRN beats EMP-R (rule
   induction) and EMP-L (T-Acc on the sample);
5. for ``--sweep-regime``: CRN on informative tables for each B of ``--beams-sweep``.

Results are merged into ``--out`` (keyed by regime: regimes can be run one at a time); the
markdown tables (``--out`` with ``.md``) and the plots (``--plots``, see
``bench/plot_interp.py``) are regenerated from the merged record on every run.

Usage: ``.venv/bin/python bench/bench_interp.py [--regimes 1438x10000] [--limit 200] ...``
(``--help`` lists every option). Nothing here trains a model: train them first with
``rulelang train interpreter|generator|empiricist --regime R``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

# Before torch and Numba load OpenMP: idle OpenMP threads sleep instead of spinning beside
# the measured work (see rulelang.interp.grid.worker_environment).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from _common import RESULTS, write_result  # bench/ is on sys.path: the folder of the script
from plot_interp import (GRID_SECONDS_MAX, LEARNERS, MODEL_SECONDS_MAX, REGIME_TARGETS,  # noqa: E402
                               TARGET_REGIME, markdown, model_seconds, plot_all)

#: The models each solver loads.
NEEDS = {"crn": ("interpreter", "generator"), "crn-paper": ("interpreter", "generator"), "emp-r": ("generator",),
         "emp-l": ("empiricist",), "isearch": ("interpreter",), "explain": ()}
#: Runs that are a solver with options: the paper's CRN is ours without revision.
VARIANTS = {"crn-paper": ("crn", {"revise": "0"})}
NEURAL = {"crn": "rulelang.interp.solvers:CRNSolver", "isearch": "rulelang.interp.solvers:InterpreterSearchSolver",
          "emp-r": "rulelang.interp.solvers:EmpRSolver", "emp-l": "rulelang.interp.solvers:EmpLSolver"}
#: Summary fields kept per solver run.
FIELDS = ("tasks", "rule_induction", "t_acc_sample", "nrs_sample", "found_in_list", "mean_rank_when_found",
          "seconds_per_task", "abstained", "errors", "setup_seconds", "ceiling")
#: Targets of the issue judged in every regime (the per-regime ones are REGIME_TARGETS); the
#: CRN's time in the best regime, TARGET_REGIME.
TARGETS = {"crn_seconds_per_table_max": 0.5, "model_seconds_max": MODEL_SECONDS_MAX,
           "grid_seconds_max": GRID_SECONDS_MAX}


def _plain(x: Any) -> Any:
    """JSON-ready copy: numpy scalars and arrays, tuples, tensors-free."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "tolist"):
        return x.tolist()
    return x


def _log(msg: str) -> None:
    print(msg, flush=True)


# -- 1. the interpreter given the true rule --------------------------------------------------

def interpreter_true_rule(path: Path, ds: Any, judge: Any, n_rules: int) -> dict[str, Any]:
    """Label each test rule's evaluation sample with the interpreter reading that rule."""
    import numpy as np
    import torch

    from rulelang.interp.model import CHUNK, LearnedInterpreter

    interp = LearnedInterpreter.load(path)
    ev = ds.evaluation("test")
    n = len(ev) if n_rules <= 0 else min(n_rules, len(ev))
    s = ev.scenes.shape[1]
    tokens = interp.tokens(ev.texts[:n])
    pred = np.empty((n, s), dtype=bool)
    per = max(1, CHUNK // s)  # rules per rule-reading pass: about CHUNK pairs
    start = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, n, per):
            tok = tokens[i:i + per]
            m = tok.shape[0]
            table, summary = interp.net.read_rules(tok)
            glyphs = interp.glyphs[torch.from_numpy(ev.scenes[i:i + m].astype(np.int64))].reshape(m * s, -1)
            rule_of = torch.arange(m).repeat_interleave(s)
            flat = np.empty(m * s, dtype=bool)
            for j in range(0, m * s, CHUNK):
                flat[j:j + CHUNK] = (interp.net.label(table, summary, rule_of[j:j + CHUNK],
                                                      glyphs[j:j + CHUNK]) > 0).numpy()
            pred[i:i + m] = flat.reshape(m, s)
    seconds = time.perf_counter() - start
    truth = ev.labels[:n]
    t_acc = judge.t_acc(pred, truth)
    nrs = judge.nrs_sample(ev.rules[:n], ev.scenes[:n], pred)
    worst = np.argsort(t_acc, kind="stable")[:5]
    return {
        "rules": n, "pairs": n * s, "seconds": seconds, "pairs_per_second": n * s / max(seconds, 1e-9),
        "t_acc": float(t_acc.mean()), "t_acc_min": float(t_acc.min()),
        "rules_t_acc_ge_0_99": float(np.mean(t_acc >= 0.99)), "rules_perfect": float(np.mean(t_acc == 1.0)),
        "nrs": float(nrs.mean()),
        "acc_on_true": float((pred & truth).sum() / max(1, truth.sum())),
        "acc_on_false": float((~pred & ~truth).sum() / max(1, (~truth).sum())),
        "worst": [{"rule": ev.texts[int(i)], "t_acc": float(t_acc[i])} for i in worst],
    }


# -- 2. the solvers through the harness ------------------------------------------------------

def run_solver(ds: Any, solver: str, kind: str, limit: int, regime: str, options: dict[str, str],
               judge: Any) -> dict[str, Any]:
    from rulelang.errors import RulelangError
    from rulelang.harness import run_benchmark

    start = time.perf_counter()
    solver, extra = VARIANTS.get(solver, (solver, {}))
    options = {**options, **extra}
    try:
        r = run_benchmark(ds, solver, kind, "test", limit=limit, regime=regime, options=options, judge=judge)
    except RulelangError as err:
        return {"error": str(err).splitlines()[0], "limit": limit, "options": options}
    s = r["summary"]
    out = {k: s.get(k) for k in FIELDS}
    out.update(limit=limit, options=options, wall_seconds=time.perf_counter() - start)
    if solver in ("crn", "isearch"):
        mism = [t["info"]["mismatches"] for t in r["tasks"] if "mismatches" in t.get("info", {})]
        out["fits_every_observation"] = sum(m == 0 for m in mism) / len(mism) if mism else None
    if solver == "crn":
        conj = [t["info"]["conjectures"] for t in r["tasks"] if "conjectures" in t.get("info", {})]
        out["mean_conjectures"] = sum(conj) / len(conj) if conj else None
        ranked = [t["info"]["ranked"] for t in r["tasks"] if "ranked" in t.get("info", {})]
        out["mean_ranked"] = sum(ranked) / len(ranked) if ranked else None
    return out


def _line(name: str, kind: str, r: dict[str, Any]) -> str:
    if "error" in r or "skipped" in r:
        return f"  {name:>8} {kind:<11} {r.get('skipped') or 'ERROR ' + r['error']}"
    pct = lambda x: "  n/a" if x is None else f"{100 * x:5.1f}"  # noqa: E731
    return (f"  {name:>8} {kind:<11} tasks {r['tasks']:4d}  rule induction {pct(r['rule_induction'])}  "
            f"in list {pct(r['found_in_list'])}  T-Acc {pct(r['t_acc_sample'])}  NRS {pct(r['nrs_sample'])}  "
            f"{1e3 * (r['seconds_per_task'] or 0):8.1f} ms/task")


# -- 3. the checkpoints ----------------------------------------------------------------------

def training_info(path: Path) -> dict[str, Any]:
    from rulelang.interp import checkpoint

    ckpt = checkpoint.load(path)
    keep = ("kind", "regime", "step", "best_score", "best_step", "seconds", "params", "torch", "schedule", "stopped",
            "cpu_seconds", "setup_seconds", "setup_cpu_seconds")
    info = {k: ckpt.get(k) for k in keep}
    info.update(path=str(path), file_bytes=path.stat().st_size, net=ckpt.get("net"),
                train=ckpt.get("train"), history=ckpt.get("history") or [])
    return _plain(info)


# -- 4. comparisons and targets --------------------------------------------------------------

def compare(rec: dict[str, Any]) -> dict[str, Any]:
    """Per table kind: CRN against the exact search, EMP-R and EMP-L (same tasks only)."""
    out: dict[str, Any] = {}
    for kind, runs in rec.get("solvers", {}).items():
        def ok(name: str) -> dict[str, Any] | None:
            r = runs.get(name)
            return r if r and "tasks" in r else None

        crn, exact, emp_r, emp_l = ok("crn"), ok("explain"), ok("emp-r"), ok("emp-l")
        paper = ok("crn-paper")
        c: dict[str, Any] = {}
        if crn and exact and crn["tasks"] == exact["tasks"]:
            c["exact_rule_induction"] = exact["rule_induction"]
            c["crn_over_exact"] = (crn["rule_induction"] / exact["rule_induction"]
                                   if exact["rule_induction"] else None)
        if paper and exact and paper["tasks"] == exact["tasks"] and exact["rule_induction"]:
            c["crn_paper_over_exact"] = paper["rule_induction"] / exact["rule_induction"]
        if crn and emp_r and crn["tasks"] == emp_r["tasks"]:
            c["crn_minus_emp_r_rule_induction"] = crn["rule_induction"] - emp_r["rule_induction"]
            c["crn_beats_emp_r"] = crn["rule_induction"] > emp_r["rule_induction"]
        if crn and emp_l and crn["tasks"] == emp_l["tasks"]:
            c["crn_minus_emp_l_t_acc"] = crn["t_acc_sample"] - emp_l["t_acc_sample"]
            c["crn_beats_emp_l"] = crn["t_acc_sample"] > emp_l["t_acc_sample"]
        out[kind] = c
    return out


def verdicts(regime: str, rec: dict[str, Any]) -> dict[str, str]:
    def v(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    out = {}
    goal = REGIME_TARGETS.get(regime, {})
    t = rec.get("interpreter_true_rule") or {}
    if "t_acc" in t and "t_acc" in goal:
        out["interpreter_t_acc"] = v(t["t_acc"] >= goal["t_acc"])
    c = rec.get("comparison", {}).get("informative", {})
    if c.get("crn_over_exact") is not None and "crn_over_exact" in goal:
        out["crn_over_exact"] = v(c["crn_over_exact"] >= goal["crn_over_exact"])
    for key in ("crn_beats_emp_r", "crn_beats_emp_l"):
        if c.get(key) is not None:
            out[key] = v(bool(c[key]))
    crn = rec.get("solvers", {}).get("informative", {}).get("crn") or {}
    if (regime == TARGET_REGIME and crn.get("seconds_per_task") is not None
            and not crn.get("options", {}).get("beams")):
        out["crn_seconds_per_table_b300"] = v(crn["seconds_per_task"] <= TARGETS["crn_seconds_per_table_max"])
    seconds = [model_seconds(x) for x in (rec.get("training") or {}).values() if x.get("seconds") is not None]
    if seconds:
        out["model_seconds"] = v(max(seconds) <= TARGETS["model_seconds_max"])
    return out


# -- the run ---------------------------------------------------------------------------------

def bench_regime(ds: Any, regime: str, models: Path, args: argparse.Namespace, judge: Any,
                 exact_cache: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
    rec: dict[str, Any] = {"data": str(ds.path), "models": str(models / regime),
                           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    from rulelang.errors import RulelangError

    paths = {k: models / regime / f"{k}.pt" for k in LEARNERS}
    # Learner -> why it cannot be used (absent, or a file the checkpoint loader refuses).
    missing = {k: f"no {k} in {models / regime}" for k, p in paths.items() if not p.is_file()}
    rec["training"] = {}
    for k in LEARNERS:
        if k in missing:
            continue
        try:
            rec["training"][k] = training_info(paths[k])
        except RulelangError as err:
            missing[k] = str(err).splitlines()[0]
    rec["missing_models"] = missing
    _log(f"\n== regime {regime} ==" + "".join(f"\n  skipped: {why}" for why in missing.values()))
    for k, info in rec["training"].items():
        _log(f"  {k:<11} {info['params']:>9,} params  {info['step']:>6} steps  {info['seconds'] or 0:8.1f} s "
             f"training  best validation {info['best_score']:.4f} (step {info['best_step']})")

    if "interpreter" not in missing:
        t = interpreter_true_rule(paths["interpreter"], ds, judge, args.interp_rules)
        rec["interpreter_true_rule"] = t
        _log(f"  interpreter, true rule: {t['rules']} rules x {t['pairs'] // max(1, t['rules'])} scenes "
             f"({t['pairs']:,} pairs) in {t['seconds']:.1f} s ({t['pairs_per_second']:,.0f} pairs/s): "
             f"T-Acc {t['t_acc']:.4f}  NRS {t['nrs']:.4f}  rules with T-Acc >= 0.99: "
             f"{100 * t['rules_t_acc_ge_0_99']:.1f}%")

    options = {"models": str(models)}
    if args.threads:
        options["threads"] = str(args.threads)
    rec["solvers"] = {}
    for kind in args.kinds:
        runs: dict[str, Any] = {}
        plan = [("emp-r", args.limit), ("crn", args.limit), ("crn-paper", args.limit), ("emp-l", args.limit),
                ("explain", args.limit)]
        if kind == "informative" and args.isearch_limit > 0:
            plan.append(("isearch", args.isearch_limit))
        for solver, limit in plan:
            lacking = [missing[k] for k in NEEDS[solver] if k in missing]
            if lacking:
                runs[solver] = {"skipped": "; ".join(lacking)}
            elif solver == "explain":
                key = (kind, limit)
                if key not in exact_cache:  # the exact search does not depend on the regime
                    exact_cache[key] = run_solver(ds, solver, kind, limit, regime, {}, judge)
                runs[solver] = exact_cache[key]
            else:
                runs[solver] = run_solver(ds, solver, kind, limit, regime, options, judge)
            _log(_line(solver, kind, runs[solver]))
        rec["solvers"][kind] = runs

    if regime == args.sweep_regime and args.beams_sweep:
        if "interpreter" in missing or "generator" in missing:
            rec["beams_sweep"] = {"skipped": "; ".join(missing[k] for k in ("interpreter", "generator")
                                                      if k in missing)}
        else:
            points = []
            for b in args.beams_sweep:
                r = run_solver(ds, "crn", "informative", args.limit, regime, {**options, "beams": str(b)}, judge)
                r["beams"] = b
                points.append(r)
                _log(_line(f"crn B={b}", "informative", r))
            rec["beams_sweep"] = {"kind": "informative", "limit": args.limit, "points": points}
    return rec


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``old``, dicts merged key by key (lists and numbers replaced)."""
    out = dict(old)
    for k, v in new.items():
        out[k] = _merge(old[k], v) if isinstance(v, dict) and isinstance(old.get(k), dict) else v
    return out


def _regime_key(name: str) -> tuple[int, int, str]:
    r, _, k = name.partition("x")
    return (-int(r), -int(k), name) if r.isdigit() and k.isdigit() else (0, 0, name)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default="data/odeen-v1", help="data set directory (default data/odeen-v1)")
    p.add_argument("--models", default="models", help="MODELS/<regime>/<kind>.pt (default models)")
    p.add_argument("--regimes", default=None,
                   help="comma-separated regimes (default: those with MODELS/<regime>/interpreter.pt)")
    p.add_argument("--limit", type=int, default=200, help="test tasks per table kind (default 200)")
    p.add_argument("--kinds", default="informative", help="table kinds, comma-separated (default informative)")
    p.add_argument("--isearch-limit", type=int, default=20, help="isearch tasks, informative only (0: skip)")
    p.add_argument("--interp-rules", type=int, default=0, help="test rules for the true-rule protocol (0: all)")
    p.add_argument("--beams-sweep", default="1,10,30,100,300", help="B values for CRN (empty: skip)")
    p.add_argument("--sweep-regime", default=TARGET_REGIME, help=f"regime of the B sweep (default {TARGET_REGIME})")
    p.add_argument("--threads", type=int, default=0, help="torch threads (default: torch's own choice)")
    p.add_argument("--out", default=str(RESULTS / "interp.json"), help="JSON record, merged into if present")
    p.add_argument("--plots", default=str(RESULTS.parent / "plots"), help="PNG directory (default bench/plots)")
    args = p.parse_args()
    args.kinds = [k for k in args.kinds.split(",") if k]
    try:
        args.beams_sweep = [int(b) for b in args.beams_sweep.split(",") if b.strip()]
    except ValueError:
        p.error(f"--beams-sweep takes integers, got {args.beams_sweep!r}")

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from rulelang.data import DataSet
    from rulelang.harness import available, register
    from rulelang.measures import Judge

    for name, spec in NEURAL.items():  # an environment installed before the entry points existed
        if name not in available():
            register(name, spec)
    ds = DataSet(args.data)
    models = Path(args.models)
    names = [r.name for r in ds.regimes]
    if args.regimes:
        regimes = [r for r in args.regimes.split(",") if r]
        unknown = [r for r in regimes if r not in names]
        if unknown:
            p.error(f"no regime {', '.join(unknown)} in {args.data} (it has {', '.join(names)})")
    else:
        regimes = [r for r in names if (models / r / "interpreter.pt").is_file()]
    bad = [k for k in args.kinds if k not in ds.table_kinds]
    if bad:
        p.error(f"no table kind {', '.join(bad)} (the data set has {', '.join(ds.table_kinds)})")
    _log(f"data {args.data}; models {models}; regimes: {', '.join(regimes) or 'none'}; "
         f"kinds {','.join(args.kinds)}; limit {args.limit}; isearch {args.isearch_limit}; "
         f"torch threads {torch.get_num_threads()}")
    if args.sweep_regime not in regimes and args.beams_sweep:
        _log(f"(no B sweep: the sweep regime {args.sweep_regime} is not among them)")

    start = time.perf_counter()
    judge = Judge().warm()
    _log(f"measures set-up: {time.perf_counter() - start:.1f} s")
    exact_cache: dict[tuple[str, int], dict[str, Any]] = {}
    new = {r: _plain(bench_regime(ds, r, models, args, judge, exact_cache)) for r in regimes}

    out = Path(args.out)
    old: dict[str, Any] = {}
    if out.is_file():
        try:
            old = json.loads(out.read_text()).get("regimes") or {}
        except (OSError, ValueError, AttributeError):
            _log(f"(could not read {out}; starting afresh)")
    merged = dict(old)
    for r, rec in new.items():
        prev = old.get(r) if isinstance(old.get(r), dict) else {}
        merged[r] = _merge(prev, rec) if prev.get("data") == rec["data"] else rec
        for key in ("training", "missing_models", "beams_sweep"):  # the models' state now, not a mix
            if key in rec:
                merged[r][key] = rec[key]
    for r, rec in merged.items():
        rec["comparison"] = compare(rec)
        rec["verdicts"] = verdicts(r, rec)
    grid_seconds = sum(model_seconds(x) for rec in merged.values() for x in (rec.get("training") or {}).values())
    _log(f"the grid's training time, as recorded in its {sum(len(rec.get('training') or {}) for rec in merged.values())} "
         f"checkpoints: {grid_seconds / 3600:.2f} h (target <= {GRID_SECONDS_MAX / 3600:.0f} h)")
    merged = {r: merged[r] for r in sorted(merged, key=_regime_key)}
    for r in new:
        for kind, c in merged[r]["comparison"].items():
            if c:
                _log(f"{r} {kind}: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                                 for k, v in c.items()))
        if merged[r]["verdicts"]:
            _log(f"{r} verdicts: " + ", ".join(f"{k} {v}" for k, v in merged[r]["verdicts"].items()))

    path = write_result("interp", {
        "config": {"data": args.data, "models": str(models), "regimes_run": regimes, "kinds": args.kinds,
                   "limit": args.limit, "isearch_limit": args.isearch_limit, "interp_rules": args.interp_rules,
                   "beams_sweep": args.beams_sweep, "sweep_regime": args.sweep_regime,
                   "torch_threads": torch.get_num_threads()},
        "targets": {**TARGETS, "target_regime": TARGET_REGIME, "per_regime": REGIME_TARGETS},
        "grid_seconds": grid_seconds,
        "regimes": merged,
    }, out)
    md = markdown(merged)
    md_path = out.with_suffix(".md")
    md_path.write_text(md)
    print("\n" + md)
    _log(f"wrote {path} and {md_path}")

    for png in plot_all(merged, Path(args.plots)):
        _log(f"wrote {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
