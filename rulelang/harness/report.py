"""Benchmark results as paper-style markdown tables.

Table 1 is rule induction (is the first conjecture equivalent to the hidden rule?), with
the rank of the first equivalent conjecture, the tables' ceiling and the time per task;
Table 2 is the nearest rule score and the tagging accuracy, on the 1,176-scene sample and
on all scenes. Several results (solvers, table kinds) share one pair of tables.
"""

from __future__ import annotations

from typing import Any, Iterable


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def _num(x: float | None, fmt: str = "{:.2f}") -> str:
    return "n/a" if x is None else fmt.format(x)


def _time(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x * 1e3:.2f} ms" if x < 1 else f"{x:.2f} s"


def _caption(results: list[dict[str, Any]]) -> str:
    splits = sorted({r["split"] for r in results})
    tasks = sorted({r["summary"]["tasks"] for r in results})
    return f"{'/'.join(splits)} split, {'/'.join(f'{t:,}' for t in tasks)} phenomena"


def markdown(results: Iterable[dict[str, Any]]) -> str:
    """Table 1 and Table 2 for ``results`` (as :func:`rulelang.harness.run_benchmark` returns)."""
    results = list(results)
    if not results:
        return ""
    cap = _caption(results)
    lines = [
        f"**Table 1 — rule induction** ({cap}; percentages)",
        "",
        "| solver | tables | regime | rule induction | equivalent in list | mean rank (found) "
        "| table ceiling | abstained | time / task |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r["summary"]
        lines.append(
            f"| {r['solver']} | {r['table_kind']} | {r.get('regime') or '-'} | {_pct(s['rule_induction'])} "
            f"| {_pct(s['found_in_list'])} | {_num(s['mean_rank_when_found'])} | {_pct(s['ceiling'])} "
            f"| {s['abstained']} | {_time(s['seconds_per_task'])} |")
    lines += [
        "",
        f"**Table 2 — nearest rule score and tagging accuracy** ({cap}; percentages)",
        "",
        "| solver | tables | regime | NRS (1,176 scenes) | NRS (all scenes) | T-Acc (1,176 scenes) "
        "| T-Acc (all scenes) |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r["summary"]
        lines.append(
            f"| {r['solver']} | {r['table_kind']} | {r.get('regime') or '-'} | {_pct(s['nrs_sample'])} "
            f"| {_pct(s['nrs_all'])} | {_pct(s['t_acc_sample'])} | {_pct(s['t_acc_all'])} |")
    return "\n".join(lines) + "\n"
