"""Scoring on a universe too large for the semantics matrix (:class:`~rulelang.measures_direct.DirectJudge`).

The same measures as :func:`rulelang.harness.run.score`, each computed on the scenes it
concerns; T-Acc on all scenes streams every scene; NRS on all scenes is not measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..measures_direct import DirectJudge
from ..parser import parse
from .run import Outcome, classify_answers


def score_direct(judge: DirectJudge, hidden: np.ndarray, tables: Any, evaluation: Any,
                 outcome: Outcome) -> dict[str, Any]:
    """Every measure, per task (arrays), as :func:`rulelang.harness.run.score` returns them."""
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
    t_acc_sample = np.where(has_sample, judge.t_acc(sample, truth), 0.0)
    nrs_sample = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(has_sample)
    if idx.size:
        nrs_sample[idx] = judge.nrs_sample(hidden[idx], ev_scenes[idx], sample[idx])
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
