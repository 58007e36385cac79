"""Run one solver on the tables of a split and score it with every measure.

The solver sees, per task, the table and the scenes to label (never the hidden rule);
its time is measured per task. Scoring happens afterwards, in one vectorised pass
(:class:`rulelang.measures.Judge`), and is timed apart from the solver.

An abstention, an answer that is not a valid rule, or a solver that raises on a task is
scored as wrong on every measure; errors are recorded with their task.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..errors import RulelangError
from ..measures import INVALID, NO_CLASS, Judge
from ..measures_direct import DirectJudge
from ..parser import parse
from ..solver import Answer, SolverContext, Task
from ..stream import scenes_of
from .api import load_solver

FORMAT = "rulelang-bench"
VERSION = 1


@dataclass
class Outcome:
    """The solver's side of a run: one answer (or error) and time per task."""

    answers: list[Answer] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)


def solve_all(solver: Any, tasks: list[Task], tick: Callable[[], None] | None = None) -> Outcome:
    out = Outcome()
    for task in tasks:
        start = time.perf_counter()
        try:
            answer = solver.solve(task)
            if not isinstance(answer, Answer):
                raise TypeError(f"solve() returned {type(answer).__name__}, not an Answer")
            _check_answer(answer, task)
        except RulelangError:
            raise
        except Exception as exc:  # a solver's failure on one task is recorded, not fatal
            answer = Answer.abstention()
            out.errors[task.index] = f"{type(exc).__name__}: {exc}"
        out.seconds.append(time.perf_counter() - start)
        out.answers.append(answer)
        if tick:
            tick()
    return out


def _check_answer(answer: Answer, task: Task) -> None:
    if answer.labels is not None and np.shape(answer.labels) != task.query.shape:
        raise ValueError(f"labels of shape {np.shape(answer.labels)} for {task.query.size} query scenes")
    n = task.universe.n_scenes
    if answer.all_labels is not None and np.shape(answer.all_labels) != (n,):
        raise ValueError(f"all_labels of shape {np.shape(answer.all_labels)}, expected ({n},)")


def make_tasks(dataset: Any, split: str, kind: str, limit: int | None, seed: int,
               label_all: bool = True) -> tuple[list[Task], Any, Any]:
    """The tasks of ``split`` with tables of ``kind`` (and the tables and evaluation samples)."""
    tables = dataset.tables(split, kind)
    evaluation = dataset.evaluation(split)
    n = len(tables) if limit is None else max(0, min(limit, len(tables)))
    tasks = [Task(index=i, scene_ids=tables.scenes[i].astype(np.int64),
                  scenes=scenes_of(dataset.universe, tables.scenes[i]), labels=tables.labels[i].copy(),
                  query=evaluation.scenes[i].astype(np.int64), label_all=label_all, seed=seed,
                  universe=dataset.universe)
             for i in range(n)]
    return tasks, tables, evaluation


def classify_answers(judge: Judge, hidden: np.ndarray, outcome: Outcome) -> dict[str, np.ndarray]:
    """The class of every answer's rules: the first one's, the rank of the first correct one."""
    n = len(outcome.answers)
    hidden = np.asarray(hidden[:n], dtype=np.int64)
    hclass = judge.class_of[hidden]
    answers = outcome.answers
    flat = [r for a in answers if not a.abstain for r in a.rules]
    classes = judge.classify(flat)
    per_task: list[np.ndarray] = []
    i = 0
    for a in answers:
        k = 0 if a.abstain else len(a.rules)
        per_task.append(classes[i:i + k])
        i += k
    abstained = np.array([a.abstain for a in answers], dtype=bool)
    first = np.array([c[0] if c.size else INVALID for c in per_task], dtype=np.int64)
    rank = np.array([judge.first_equivalent(hc, c) for hc, c in zip(hclass, per_task)], dtype=np.int64)
    correct = (first == hclass) & ~abstained
    return {"hidden": hidden, "hclass": hclass, "abstained": abstained, "first": first, "rank": rank,
            "correct": correct}


def _sample_measures(judge: Judge | DirectJudge, hidden: np.ndarray, ev_scenes: np.ndarray, truth: np.ndarray,
                     sample: np.ndarray, has_sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T-Acc and NRS on the evaluation sample, per task (0 and false where the learner gave no labels)."""
    t_acc = np.where(has_sample, judge.t_acc(sample, truth), 0.0)
    nrs = np.zeros(len(has_sample), dtype=bool)
    idx = np.flatnonzero(has_sample)
    if idx.size:
        nrs[idx] = judge.nrs_sample(hidden[idx], ev_scenes[idx], sample[idx])
    return t_acc, nrs


def score(judge: Judge, hidden: np.ndarray, tables: Any, evaluation: Any, outcome: Outcome) -> dict[str, Any]:
    """Every measure, per task (arrays) — see :mod:`rulelang.measures`."""
    n = len(outcome.answers)
    answers = outcome.answers
    c = classify_answers(judge, hidden, outcome)
    hidden, abstained, first, rank, correct = c["hidden"], c["abstained"], c["first"], c["rank"], c["correct"]

    # The learner's labels: its own, else its first rule's.
    ev_scenes = evaluation.scenes[:n].astype(np.int64)
    truth = evaluation.labels[:n]
    sample = np.zeros(truth.shape, dtype=bool)
    has_sample = np.zeros(n, dtype=bool)
    rows = np.zeros((n, judge.words.shape[1]), dtype=np.uint64)
    has_rows = np.zeros(n, dtype=bool)
    by_class = [t for t in range(n) if answers[t].labels is None and first[t] >= 0 and not abstained[t]]
    if by_class:
        sample[by_class] = judge.class_labels(first[by_class], ev_scenes[by_class])
        has_sample[by_class] = True
    novel = [t for t in range(n) if first[t] == NO_CLASS and not abstained[t]]
    novel_rows = judge.rows([answers[t].rules[0] for t in novel]) if novel else None
    for j, t in enumerate(novel):
        if answers[t].labels is None:
            sample[t] = judge.row_labels(novel_rows[j:j + 1], ev_scenes[t:t + 1])[0]
            has_sample[t] = True
    for t, a in enumerate(answers):
        if a.abstain:
            continue
        if a.labels is not None:
            sample[t] = np.asarray(a.labels, dtype=bool)
            has_sample[t] = True
        if a.all_labels is not None:
            rows[t] = judge.pack(np.asarray(a.all_labels, dtype=bool)[None, :])[0]
            has_rows[t] = True
        elif first[t] >= 0:
            rows[t] = judge.words[judge.canonical[first[t]]]
            has_rows[t] = True
    for j, t in enumerate(novel):
        if answers[t].all_labels is None:
            rows[t] = novel_rows[j]
            has_rows[t] = True

    t_acc_sample, nrs_sample = _sample_measures(judge, hidden, ev_scenes, truth, sample, has_sample)
    nrs_all = np.zeros(n, dtype=bool)
    t_acc_all = np.zeros(n)
    idx = np.flatnonzero(has_rows)
    if idx.size:
        ok, dist = judge.nrs_all(hidden[idx], rows[idx])
        nrs_all[idx] = ok
        t_acc_all[idx] = 1.0 - dist / judge.universe.n_scenes
    consistent = judge.consistent(tables.scenes[:n], tables.labels[:n])
    return {
        "correct": correct, "rank": rank, "abstained": abstained, "first_class": first,
        "t_acc_sample": t_acc_sample, "nrs_sample": nrs_sample,
        "t_acc_all": t_acc_all, "nrs_all": nrs_all,
        # The all-scene measures exist when some answer gives all labels (or a rule).
        "all_scenes_measured": bool(has_rows.any() or not (has_sample.any())),
        "consistent": consistent, "ceiling": consistent == 1,
    }


def score_direct(judge: DirectJudge, hidden: np.ndarray, tables: Any, evaluation: Any,
                 outcome: Outcome) -> dict[str, Any]:
    """Every measure, per task (arrays), as :func:`score` returns them, on a universe too large
    for the semantics matrix (:class:`~rulelang.measures_direct.DirectJudge`): each measure is
    computed on the scenes it concerns; T-Acc on all scenes streams every scene; NRS on all
    scenes is not measured."""
    n = len(outcome.answers)
    answers = outcome.answers
    c = classify_answers(judge, hidden, outcome)
    hidden, abstained, first = c["hidden"], c["abstained"], c["first"]
    ev_scenes = evaluation.scenes[:n].astype(np.int64)
    truth = evaluation.labels[:n]
    sample = np.zeros(truth.shape, dtype=bool)
    has_sample = np.zeros(n, dtype=bool)
    rule_of: dict[int, Any] = {}  # task -> the learner's first rule, where it gave a valid one
    for t, a in enumerate(answers):
        if a.abstain or first[t] < -1:
            continue
        rule = judge.canonical_rules[first[t]] if first[t] >= 0 else a.rules[0]
        rule_of[t] = parse(rule, universe=judge.universe) if isinstance(rule, str) else rule
        if a.labels is not None:
            sample[t] = np.asarray(a.labels, dtype=bool)
        else:
            sample[t] = judge.rule_labels(rule_of[t], ev_scenes[t])
        has_sample[t] = True
    t_acc_sample, nrs_sample = _sample_measures(judge, hidden, ev_scenes, truth, sample, has_sample)
    t_acc_all = np.zeros(n)
    tasks = sorted(rule_of)
    if tasks:
        d = judge.distances([(rule_of[t], judge.dialect.rules[hidden[t]]) for t in tasks])
        t_acc_all[tasks] = 1.0 - d / judge.universe.n_scenes
    consistent = judge.consistent(tables.scenes[:n].astype(np.int64), tables.labels[:n])
    return {
        "correct": c["correct"], "rank": c["rank"], "abstained": abstained, "first_class": first,
        "t_acc_sample": t_acc_sample, "nrs_sample": nrs_sample,
        "t_acc_all": t_acc_all, "nrs_all": np.zeros(n, dtype=bool),
        "all_scenes_measured": bool(tasks), "nrs_all_measured": False,
        "consistent": consistent, "ceiling": consistent == 1,
    }


def summarize(s: dict[str, Any], seconds: list[float]) -> dict[str, Any]:
    n = len(seconds)
    found = s["rank"] > 0

    def mean(x: np.ndarray) -> float | None:
        return float(np.mean(x)) if n else None

    all_ok = s["all_scenes_measured"]
    nrs_all_ok = all_ok and s.get("nrs_all_measured", True)
    return {
        "tasks": n,
        "rule_induction": mean(s["correct"]),
        "found_in_list": mean(found),
        "mean_rank_when_found": float(np.mean(s["rank"][found])) if found.any() else None,
        "t_acc_sample": mean(s["t_acc_sample"]),
        "t_acc_all": mean(s["t_acc_all"]) if all_ok else None,
        "nrs_sample": mean(s["nrs_sample"]),
        "nrs_all": mean(s["nrs_all"]) if nrs_all_ok else None,
        "ceiling": mean(s["ceiling"]),
        "mean_consistent_classes": mean(s["consistent"]),
        "abstained": int(np.count_nonzero(s["abstained"])),
        "seconds_per_task": float(np.mean(seconds)) if n else None,
        "solver_seconds": float(np.sum(seconds)),
    }


def run_benchmark(dataset: Any, solver: str, kind: str = "informative", split: str = "test", *,
                  limit: int | None = None, seed: int = 0, regime: str | None = None,
                  options: dict[str, str] | None = None, judge: Judge | None = None,
                  tick: Callable[[], None] | None = None,
                  on_tasks: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Score ``solver`` on the ``kind`` tables of ``split``; returns the JSON-ready result."""
    if regime is not None:
        dataset.regime(regime)  # fail early on an unknown regime
    tasks, tables, evaluation = make_tasks(dataset, split, kind, limit, seed)
    if on_tasks:
        on_tasks(len(tasks))
    start = time.perf_counter()
    judge = (judge or Judge()).warm()
    measure_setup = time.perf_counter() - start
    context = SolverContext(dataset=dataset, regime=regime, seed=seed, universe=dataset.universe,
                            options=dict(options or {}), dialect=judge.dialect)
    start = time.perf_counter()
    solver_obj = load_solver(solver, context)
    setup = time.perf_counter() - start
    outcome = solve_all(solver_obj, tasks, tick)
    start = time.perf_counter()
    if isinstance(judge, DirectJudge):  # a universe too large for the matrix
        s = score_direct(judge, tables.rules, tables, evaluation, outcome)
    else:
        s = score(judge, tables.rules, tables, evaluation, outcome)
    scoring = time.perf_counter() - start
    summary = summarize(s, outcome.seconds)
    summary.update(setup_seconds=setup, measure_setup_seconds=measure_setup, scoring_seconds=scoring,
                   errors=len(outcome.errors))
    return {
        "format": FORMAT, "version": VERSION,
        "solver": solver, "table_kind": kind, "split": split, "regime": regime, "seed": seed,
        "limit": limit,
        "data": {"path": str(dataset.path), "seed": dataset.seed},
        "summary": summary,
        "tasks": _task_records(tables, outcome, s, judge),
    }


def _task_records(tables: Any, outcome: Outcome, s: dict[str, Any], judge: Judge) -> list[dict[str, Any]]:
    out = []
    canonical, texts = judge.canonical, judge.dialect.texts
    for t, a in enumerate(outcome.answers):
        first = a.rules[0] if a.rules and not a.abstain else None
        conjecture = first if first is None or isinstance(first, str) else _format(first)
        # Every solver's answer is reported as the simplest rule of its phenomenon (the
        # canonical rule of its dialect class); the solver's own words are kept beside it.
        c = int(s["first_class"][t])
        answer = texts[canonical[c]] if c >= 0 else conjecture
        rec: dict[str, Any] = {
            "rule": tables.texts[t],
            "answer": answer,
            "n_rules": 0 if a.abstain else len(a.rules),
            "correct": bool(s["correct"][t]), "rank": int(s["rank"][t]) or None,
            "t_acc_sample": round(float(s["t_acc_sample"][t]), 6),
            "t_acc_all": round(float(s["t_acc_all"][t]), 6) if s["all_scenes_measured"] else None,
            "nrs_sample": bool(s["nrs_sample"][t]),
            "nrs_all": bool(s["nrs_all"][t]) if s["all_scenes_measured"] and s.get("nrs_all_measured", True)
            else None,
            "ceiling": bool(s["ceiling"][t]), "consistent_classes": int(s["consistent"][t]),
            "abstained": bool(a.abstain), "seconds": round(outcome.seconds[t], 6),
        }
        if conjecture != answer:
            rec["conjecture"] = conjecture
        if t in outcome.errors:
            rec["error"] = outcome.errors[t]
        if a.info:
            rec["info"] = a.info
        out.append(rec)
    return out


def _format(rule: Any) -> str:
    from ..printer import format_rule

    return format_rule(rule)
