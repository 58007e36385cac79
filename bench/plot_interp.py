"""Tables and plots of ``bench/bench_interp.py``'s record, regenerated from its merged JSON.

Markdown (:func:`markdown`): the paper's Fig. 4 (the interpreter given the true rule),
Table 1 (rule induction), Table 2 (NRS, T-Acc), Table 3 (rank of the true rule in the
beams), compute, the targets of every regime (:data:`REGIME_TARGETS`) and CRN against B.
Plots (PNG):

* ``interp_tacc.png`` — the interpreter's T-Acc given the true rule, per regime, with its target;
* ``interp_rule_induction.png`` — rule induction of EMP-R, the CRN without and with revision,
  isearch, exact search;
* ``interp_tacc_solvers.png`` — T-Acc on the sample of EMP-L, CRN, exact search;
* ``interp_beams.png`` — CRN rule induction and seconds per task against B;
* ``interp_training.png`` — validation score against training seconds, per learner;
* ``interp_learning_curves.png`` — validation score against steps (where each model stalls;
  a cross where its cool-down began).

Missing numbers are left out (a bar, a line, or a whole figure when nothing is there).

Usage: ``.venv/bin/python bench/plot_interp.py [--json bench/results/interp.json] [--plots bench/plots]``
(writes the tables next to the JSON, as ``.md``, and prints them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LEARNERS = ("interpreter", "generator", "empiricist")
#: The best regime (the B sweep and the CRN's time target are judged there).
TARGET_REGIME = "1438x10000"
#: Targets per regime (issue 12): the interpreter's T-Acc given the true rule, and CRN rule
#: induction on informative tables as a share of the exact search's.
REGIME_TARGETS = {
    "1438x10000": {"t_acc": 0.999, "crn_over_exact": 0.97},
    "1438x1000": {"t_acc": 0.995, "crn_over_exact": 0.9},
    "1438x100": {"t_acc": 0.99, "crn_over_exact": 0.8},
    "500x10000": {"t_acc": 0.97, "crn_over_exact": 0.6},
    "500x1000": {"t_acc": 0.96, "crn_over_exact": 0.5},
    "500x100": {"t_acc": 0.95, "crn_over_exact": 0.4},
}
#: Every model's training time, and the whole grid's (seconds).
MODEL_SECONDS_MAX, GRID_SECONDS_MAX = 3600.0, 6 * 3600.0
SOLVER_LABEL = {"emp-r": "EMP-R", "emp-l": "EMP-L", "crn": "CRN", "crn-paper": "CRN, no revision",
                "isearch": "isearch", "explain": "exact search"}
COLOR = {"emp-r": "tab:gray", "emp-l": "tab:gray", "crn": "tab:blue", "crn-paper": "tab:cyan",
         "isearch": "tab:orange", "explain": "tab:green"}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _value(rec: dict[str, Any], kind: str, solver: str, field: str) -> float | None:
    r = rec.get("solvers", {}).get(kind, {}).get(solver) or {}
    v = r.get(field)
    return float(v) if isinstance(v, (int, float)) else None


def _save(fig: Any, path: Path, plt: Any) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_tacc(regimes: dict[str, Any], path: Path, plt: Any) -> Path | None:
    pts = [(r, rec["interpreter_true_rule"]["t_acc"]) for r, rec in regimes.items()
           if (rec.get("interpreter_true_rule") or {}).get("t_acc") is not None]
    if not pts:
        return None
    fig, ax = plt.subplots(figsize=(1.2 * len(pts) + 3, 3.8))
    names, vals = zip(*pts)
    bars = ax.bar(names, vals, color="tab:blue")
    ax.bar_label(bars, labels=[f"{v:.4f}" for v in vals], fontsize=8)
    goals = [REGIME_TARGETS.get(n, {}).get("t_acc") for n in names]
    for i, goal in enumerate(goals):
        if goal is not None:
            ax.plot([i - 0.4, i + 0.4], [goal, goal], "--", color="tab:red", lw=1.2,
                    label="target" if i == goals.index(goal) and goal == max(g for g in goals if g) else None)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_ylim(max(0.0, min(list(vals) + [g for g in goals if g]) - 0.05), 1.005)
    ax.set_xlabel("training regime (rules x scenes per rule)")
    ax.set_ylabel("T-Acc given the true rule")
    ax.set_title("Interpreter on novel phenomena (test split)")
    return _save(fig, path, plt)


def _kinds(regimes: dict[str, Any]) -> list[str]:
    kinds = sorted({k for rec in regimes.values() for k in rec.get("solvers", {})})
    return sorted(kinds, key=lambda k: k != "informative")


def plot_grouped(regimes: dict[str, Any], solvers: tuple[str, ...], field: str, ylabel: str, title: str,
                 path: Path, plt: Any) -> Path | None:
    kinds = [k for k in _kinds(regimes)
             if any(_value(rec, k, s, field) is not None for rec in regimes.values() for s in solvers)]
    if not kinds:
        return None
    names = list(regimes)
    width = 0.8 / len(solvers)
    fig, axes = plt.subplots(1, len(kinds), figsize=(max(5.0, 1.3 * len(names) + 2) * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for j, s in enumerate(solvers):
            xs, ys = [], []
            for i, r in enumerate(names):
                v = _value(regimes[r], kind, s, field)
                if v is not None:
                    xs.append(i + (j - (len(solvers) - 1) / 2) * width)
                    ys.append(v)
            if xs:
                ax.bar(xs, ys, width, label=SOLVER_LABEL[s], color=COLOR[s],
                       hatch="//" if s == "emp-l" else None, edgecolor="white")
        ax.set_xticks(range(len(names)), names)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("training regime")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title} ({kind} tables)")
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(solvers))
    return _save(fig, path, plt)


def plot_beams(regimes: dict[str, Any], path: Path, plt: Any) -> Path | None:
    sweeps = {r: [p for p in (rec.get("beams_sweep") or {}).get("points", [])
                  if p.get("rule_induction") is not None]
              for r, rec in regimes.items()}
    sweeps = {r: pts for r, pts in sweeps.items() if pts}
    if not sweeps:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax2 = ax.twinx()
    ticks: set[int] = set()
    for r, pts in sweeps.items():
        bs = [p["beams"] for p in pts]
        ticks.update(bs)
        ax.plot(bs, [p["rule_induction"] for p in pts], "o-", color="tab:blue", label=f"rule induction ({r})")
        ax2.plot(bs, [p["seconds_per_task"] for p in pts], "s--", color="tab:red", label=f"s / task ({r})")
    ax2.axhline(0.5, ls=":", color="tab:red", lw=1, label="0.5 s target (B = 300)")
    ax.set_xscale("log")
    ax.set_xticks(sorted(ticks), [str(b) for b in sorted(ticks)])
    ax.minorticks_off()
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("B (conjectures)")
    ax.set_ylabel("CRN rule induction", color="tab:blue")
    ax2.set_ylabel("seconds per table", color="tab:red")
    ax2.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.18), ncol=2)
    ax.set_title("CRN: more conjectures, more compute")
    return _save(fig, path, plt)


def plot_training(regimes: dict[str, Any], path: Path, plt: Any, x: str = "seconds") -> Path | None:
    """Validation score against training seconds (``x="seconds"``) or steps (the learning
    curves: where each model stalls; a cross marks where its cool-down began)."""
    learners = ("interpreter", "generator", "empiricist")
    have = [k for k in learners
            if any((rec.get("training") or {}).get(k, {}).get("history") for rec in regimes.values())]
    if not have:
        return None
    ylab = {"interpreter": "validation T-Acc", "generator": "validation recall (64 conjectures)",
            "empiricist": "validation T-Acc"}
    fig, axes = plt.subplots(1, len(have), figsize=(4.5 * len(have), 3.8), squeeze=False)
    for ax, k in zip(axes[0], have):
        for r, rec in regimes.items():
            info = (rec.get("training") or {}).get(k, {})
            hist = [h for h in (info.get("history") or []) if h.get("val_score") is not None and h.get(x) is not None]
            if hist:
                line, = ax.plot([h[x] for h in hist], [h["val_score"] for h in hist], "-", marker=".", label=r)
                start = (info.get("schedule") or {}).get("decay_start")
                at = [h for h in hist if h["step"] >= start] if start is not None else []
                if at:
                    ax.plot([at[0][x]], [at[0]["val_score"]], "x", color=line.get_color(), ms=8)
        ax.set_xlabel("training seconds" if x == "seconds" else "step")
        ax.set_ylabel(ylab[k])
        if k == "interpreter":
            ax.set_ylim(max(0.9, ax.get_ylim()[0]), 1.001)
        ax.set_title(k)
        ax.legend(fontsize=7)
    return _save(fig, path, plt)


def plot_all(regimes: dict[str, Any], out: Path) -> list[Path]:
    """Every figure that has data, written under ``out``; returns their paths."""
    plt = _plt()
    out.mkdir(parents=True, exist_ok=True)
    made = [
        plot_tacc(regimes, out / "interp_tacc.png", plt),
        plot_grouped(regimes, ("emp-r", "crn-paper", "crn", "isearch", "explain"), "rule_induction",
                     "rule induction", "Rule induction", out / "interp_rule_induction.png", plt),
        plot_grouped(regimes, ("emp-l", "crn", "explain"), "t_acc_sample", "T-Acc (1,176-scene sample)",
                     "Tagging accuracy", out / "interp_tacc_solvers.png", plt),
        plot_beams(regimes, out / "interp_beams.png", plt),
        plot_training(regimes, out / "interp_training.png", plt),
        plot_training(regimes, out / "interp_learning_curves.png", plt, x="step"),
    ]
    return [p for p in made if p is not None]


# -- markdown tables -------------------------------------------------------------------------

def model_seconds(training: dict[str, Any]) -> float:
    """A model's wall-clock training time: set-up, steps and validations."""
    return float(training.get("seconds") or 0.0) + float(training.get("setup_seconds") or 0.0)


def _pct(x: Any) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def _secs(x: Any) -> str:
    if x is None:
        return "–"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def _get(rec: dict[str, Any], kind: str, solver: str, field: str) -> Any:
    r = rec.get("solvers", {}).get(kind, {}).get(solver) or {}
    return r.get(field)


def _yes(x: Any) -> str:
    return "–" if x is None else ("yes" if x else "no")


def markdown(regimes: dict[str, dict[str, Any]]) -> str:
    """The paper's tables for every regime of the merged record (percentages)."""
    kinds = sorted({k for rec in regimes.values() for k in rec.get("solvers", {})})
    lines = ["**Fig. 4 — the interpreter given the true rule** (test split, evaluation sample; percentages)", "",
             "| regime | rules | T-Acc | target | NRS | rules with T-Acc ≥ 0.99 | worst rule's T-Acc | time (pairs/s) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, rec in regimes.items():
        t = rec.get("interpreter_true_rule")
        if t:
            goal = REGIME_TARGETS.get(name, {}).get("t_acc")
            lines.append(f"| {name} | {t['rules']:,} | {100 * t['t_acc']:.2f} | {'–' if goal is None else 100 * goal:g} "
                         f"| {_pct(t['nrs'])} "
                         f"| {_pct(t['rules_t_acc_ge_0_99'])} | {_pct(t['t_acc_min'])} "
                         f"| {t['seconds']:.1f} s ({t['pairs_per_second']:,.0f}) |")
    lines += ["", "**Table 1 — rule induction** (test tables; percentages; same tasks for every solver "
                  "but isearch)", "",
              "| regime | tables | tasks | EMP-R | CRN, no revision | CRN | isearch (tasks) | exact search "
              "| CRN / exact | target | CRN > EMP-R |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, rec in regimes.items():
        for kind in (k for k in kinds if k in rec.get("solvers", {})):
            c = rec.get("comparison", {}).get(kind, {})
            tasks = _get(rec, kind, "crn", "tasks") or _get(rec, kind, "explain", "tasks")
            isr = _get(rec, kind, "isearch", "rule_induction")
            iss = f"{_pct(isr)} ({_get(rec, kind, 'isearch', 'tasks')})" if isr is not None else "–"
            ratio = c.get("crn_over_exact")
            goal = REGIME_TARGETS.get(name, {}).get("crn_over_exact") if kind == "informative" else None
            lines.append(f"| {name} | {kind} | {tasks or '–'} | {_pct(_get(rec, kind, 'emp-r', 'rule_induction'))} "
                         f"| {_pct(_get(rec, kind, 'crn-paper', 'rule_induction'))} "
                         f"| {_pct(_get(rec, kind, 'crn', 'rule_induction'))} | {iss} "
                         f"| {_pct(_get(rec, kind, 'explain', 'rule_induction'))} "
                         f"| {'–' if ratio is None else f'{ratio:.3f}'} | {'–' if goal is None else f'{goal} ×'} "
                         f"| {_yes(c.get('crn_beats_emp_r'))} |")
    lines += ["", "**Table 2 — NRS and T-Acc on the 1,176-scene sample** (percentages)", "",
              "| regime | tables | EMP-L NRS | EMP-L T-Acc | CRN NRS | CRN T-Acc | exact NRS | exact T-Acc "
              "| CRN > EMP-L (T-Acc) |",
              "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for name, rec in regimes.items():
        for kind in (k for k in kinds if k in rec.get("solvers", {})):
            cells = [_pct(_get(rec, kind, s, f)) for s in ("emp-l", "crn", "explain")
                     for f in ("nrs_sample", "t_acc_sample")]
            c = rec.get("comparison", {}).get(kind, {})
            lines.append(f"| {name} | {kind} | " + " | ".join(cells) + f" | {_yes(c.get('crn_beats_emp_l'))} |")
    lines += ["", "**Table 3 — rank of the true rule in the generator's beams** (EMP-R's B = 300 beams; "
                  "CRN's re-ranked list)", "",
              "| regime | tables | in EMP-R's beams | mean rank (found) | in CRN's list | CRN mean rank (found) |",
              "|---|---|---:|---:|---:|---:|"]
    for name, rec in regimes.items():
        for kind in (k for k in kinds if k in rec.get("solvers", {})):
            rank = [_get(rec, kind, s, "mean_rank_when_found") for s in ("emp-r", "crn")]
            lines.append(f"| {name} | {kind} | {_pct(_get(rec, kind, 'emp-r', 'found_in_list'))} "
                         f"| {'–' if rank[0] is None else f'{rank[0]:.2f}'} "
                         f"| {_pct(_get(rec, kind, 'crn', 'found_in_list'))} "
                         f"| {'–' if rank[1] is None else f'{rank[1]:.2f}'} |")
    lines += ["", "**Compute — training** (this machine, shared: wall-clock minutes of set-up, training and "
                  "validation as recorded in each checkpoint, and their CPU minutes where recorded; steps taken, "
                  "the best validation score and its step, where the cool-down began)",
              "", "| regime | interpreter | generator | empiricist | regime total (CPU) |", "|---|---|---|---|---:|"]
    grid = grid_cpu = 0.0
    for name, rec in regimes.items():
        cells, total, cpu = [], 0.0, 0.0
        for k in LEARNERS:
            t = rec.get("training", {}).get(k)
            if not t:
                cells.append("–")
                continue
            wall = model_seconds(t)
            total += wall
            cpu += (t.get("cpu_seconds") or 0.0) + (t.get("setup_cpu_seconds") or 0.0)
            start = (t.get("schedule") or {}).get("decay_start")
            used = f" (CPU {(t['cpu_seconds'] + (t.get('setup_cpu_seconds') or 0)) / 60:.1f})" if t.get("cpu_seconds") else ""
            cells.append(f"{wall / 60:.1f} min{used}, {t['step']:,} steps, best val {t['best_score']:.4f} "
                         f"(step {t['best_step']:,}){'' if start is None else f', cool-down at {start:,}'}")
        grid, grid_cpu = grid + total, grid_cpu + cpu
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {total / 60:.0f} min ({cpu / 60:.0f}) |")
    lines.append(f"| all | | | | **{grid / 3600:.2f} h** ({grid_cpu / 3600:.2f} h) |")
    lines += ["", "**Compute — inference** (seconds per task, informative tables unless only others ran)", "",
              "| regime | CRN (B = 300) | EMP-R | EMP-L | isearch | exact search |", "|---|---:|---:|---:|---:|---:|"]
    for name, rec in regimes.items():
        kind = "informative" if "informative" in rec.get("solvers", {}) else next(iter(rec.get("solvers", {})), "")
        lines.append(f"| {name} | " + " | ".join(_secs(_get(rec, kind, s, "seconds_per_task"))
                                                 for s in ("crn", "emp-r", "emp-l", "isearch", "explain")) + " |")
    lines += ["", "**Targets** (informative test tables for the CRN)", "",
              "| regime | interpreter T-Acc (target) | CRN / exact (target) | CRN > EMP-R | CRN > EMP-L (T-Acc) "
              "| slowest model | CRN s / table |", "|---|---|---|---|---|---|---:|"]
    for name, rec in regimes.items():
        t = rec.get("interpreter_true_rule") or {}
        c = rec.get("comparison", {}).get("informative", {})
        v = rec.get("verdicts", {})
        goal = REGIME_TARGETS.get(name, {})
        slow = max(((k, model_seconds(x)) for k, x in (rec.get("training") or {}).items()),
                   key=lambda kv: kv[1], default=None)
        tacc = "–" if "t_acc" not in t else f"{t['t_acc']:.4f}"
        ratio = "–" if c.get("crn_over_exact") is None else f"{c['crn_over_exact']:.3f} ×"
        slowest = "–" if slow is None else f"{slow[0]} {slow[1] / 60:.1f} min"
        crn = _secs(_get(rec, "informative", "crn", "seconds_per_task"))
        lines.append(f"| {name} | {tacc} ({goal.get('t_acc', '–')}) {v.get('interpreter_t_acc', '')} "
                     f"| {ratio} ({goal.get('crn_over_exact', '–')} ×) {v.get('crn_over_exact', '')} "
                     f"| {_yes(c.get('crn_beats_emp_r'))} | {_yes(c.get('crn_beats_emp_l'))} "
                     f"| {slowest} {v.get('model_seconds', '')} | {crn} {v.get('crn_seconds_per_table_b300', '')} |")
    for name, rec in regimes.items():
        sweep = rec.get("beams_sweep") or {}
        if sweep.get("points"):
            lines += ["", f"**CRN against B** (regime {name}, {sweep['kind']} tables, {sweep['limit']} tasks)", "",
                      "| B | rule induction | in list | T-Acc | time / task |", "|---:|---:|---:|---:|---:|"]
            for pt in sweep["points"]:
                lines.append(f"| {pt['beams']} | {_pct(pt.get('rule_induction'))} | {_pct(pt.get('found_in_list'))} "
                             f"| {_pct(pt.get('t_acc_sample'))} | {_secs(pt.get('seconds_per_task'))} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", default=str(ROOT / "bench" / "results" / "interp.json"))
    p.add_argument("--plots", default=str(ROOT / "bench" / "plots"))
    args = p.parse_args()
    regimes = json.loads(Path(args.json).read_text()).get("regimes") or {}
    md = markdown(regimes)
    Path(args.json).with_suffix(".md").write_text(md)
    print(md)
    for png in plot_all(regimes, Path(args.plots)):
        print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
