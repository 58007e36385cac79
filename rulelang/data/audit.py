"""Check a data set against the protocol, and describe its tables.

:func:`audit` re-derives every promise of a data set from the semantics matrix: split
sizes, the small training set inside the large one, novel phenomena, no constant (and, by
default, no ``at_the_left_of``) rule evaluated on, distinct scenes per row, and every
stored label equal to the checker's. It returns the problems found (none, for a data set
``rulelang data make`` wrote) and per-table statistics, including each table kind's
ceiling: the share of tables that leave only the hidden class consistent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..enumerate import Dialect
from .dataset import DataSet, Samples
from .splits import evaluable
from .tables import labels_of


def _rows_distinct(scenes: np.ndarray) -> bool:
    s = np.sort(scenes, axis=1)
    return bool(np.all(s[:, 1:] != s[:, :-1])) if s.shape[1] > 1 else True


def _check_samples(name: str, samples: Samples, dialect: Dialect, problems: list[str]) -> None:
    if not _rows_distinct(samples.scenes):
        problems.append(f"{name}: a row repeats a scene")
    if samples.scenes.size and int(samples.scenes.max()) >= dialect.universe.n_scenes:
        problems.append(f"{name}: a scene index is out of range")
        return
    if not np.array_equal(labels_of(dialect, samples.rules, samples.scenes), samples.labels):
        problems.append(f"{name}: stored labels differ from the checker's")


def audit(ds: DataSet, dialect: Dialect | None = None, judge: Any = None) -> tuple[list[str], dict[str, Any]]:
    """``(problems, stats)`` for data set ``ds`` (see the module docstring)."""
    dialect = dialect or Dialect()
    cls = dialect.classes.class_of
    opts = ds.manifest["options"]["splits"]
    problems: list[str] = []
    rules = {s: ds.rules(s) for s in ds.splits}
    sizes = {"train": opts["n_train"], "train-small": opts["n_train_small"],
             "validation": opts["n_validation"], "test": opts["n_test"]}
    missing = [s for s in sizes if s not in rules]
    if missing:  # nothing else can be checked against splits that are not there
        problems.append(f"the data set lacks the split{'s' * (len(missing) > 1)} {', '.join(missing)}")
        return problems, {}
    for split, want in sizes.items():
        if split in rules and rules[split].size != want:
            problems.append(f"{split}: {rules[split].size} rules, the options say {want}")
    if not np.isin(rules["train-small"], rules["train"]).all():
        problems.append("train-small is not a subset of train")
    train_classes = set(cls[rules["train"]].tolist())
    ok = evaluable(dialect, opts["keep_left_of"])
    seen: set[int] = set()
    for split in ("validation", "test"):
        c = cls[rules[split]]
        if len(set(c.tolist())) != c.size:
            problems.append(f"{split}: two rules are equivalent")
        if train_classes & set(c.tolist()):
            problems.append(f"{split}: a phenomenon is also a training phenomenon (not novel)")
        if seen & set(c.tolist()):
            problems.append(f"{split}: a phenomenon is shared with another evaluation split")
        seen |= set(c.tolist())
        if not ok[rules[split]].all():
            what = "constant" if opts["keep_left_of"] else "constant or at_the_left_of"
            problems.append(f"{split}: holds a {what} rule")

    stats: dict[str, Any] = {}
    for regime in ds.regimes[:1] + [r for r in ds.regimes if r.split == "train"][-1:]:
        _check_samples(f"training {regime.name}", ds.training(regime), dialect, problems)
    if judge is None:
        from ..measures import Judge

        judge = Judge(dialect)
    for split in ("validation", "test"):
        ev = ds.evaluation(split)
        _check_samples(f"{split} evaluation", ev, dialect, problems)
        for kind in ds.table_kinds:
            t = ds.tables(split, kind)
            _check_samples(f"{split} {kind}", t, dialect, problems)
            consistent = judge.consistent(t.scenes, t.labels)
            stats[f"{split}.{kind}"] = {
                "tables": len(t),
                "true_share": float(t.labels.mean()) if t.labels.size else 0.0,
                "ceiling": float(np.mean(consistent == 1)) if len(t) else 0.0,
                "mean_consistent_classes": float(consistent.mean()) if len(t) else 0.0,
            }
            if kind == "balanced":
                _check_balance(t, dialect, split, problems)
    return problems, stats


def _check_balance(t: Samples, dialect: Dialect, split: str, problems: list[str]) -> None:
    k = t.scenes.shape[1]
    n_true = t.labels.sum(axis=1)
    total = dialect.true_counts[t.rules]
    want = np.minimum(k // 2, total)
    want = np.where(k - want > dialect.universe.n_scenes - total, k - (dialect.universe.n_scenes - total), want)
    if not np.array_equal(n_true, want):
        problems.append(f"{split} balanced: a table is not as balanced as its rule allows")
