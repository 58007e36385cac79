"""The measures of DESIGN §5, exact and fast, over the semantics matrix of the dialect.

* **rule induction**: the learner's first rule is equivalent to the hidden rule;
* **rank**: the 1-based position of the first equivalent rule in the learner's ranked list;
* **T-Acc**: the share of scenes the learner labels as the hidden rule does, on a sample
  (1,176 scenes per phenomenon, the paper's protocol) and on all scenes;
* **NRS**: the hidden rule is the dialect rule nearest (Hamming distance) to the learner's
  labels, and every equally near rule is equivalent to it — on the sample and on all scenes;
* **ceiling**: the hidden class is the only dialect class consistent with a table.

Equivalence is decided by semantic class: a rule of the dialect is looked up by its text,
any other rule (the full language) is compiled, run on every scene and matched to a class
by its label row (:data:`NO_CLASS` when it matches none: a phenomenon outside the dialect,
equivalent to no dialect rule). Rules with equal rows are equivalent, so "every equally
near rule is equivalent" is checked class by class.
"""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

import numpy as np

from . import measure_kernels as MK
from .bits import gather_bits, row_hashes, scene_major
from .ast import Rule
from .checker import compile_rules, run
from .enumerate import Dialect
from .errors import RulelangError
from .parser import parse
from .printer import format_rule

#: The class id of a rule that labels the scenes like no dialect rule.
NO_CLASS = -1
#: The class id of a conjecture that is not a valid rule at all.
INVALID = -2



def classify_by_text(rules: Sequence[str | Rule], text_class: dict[str, int],
                     universe: object) -> tuple[np.ndarray, list[tuple[int, Rule]]]:
    """The first step of every judge's ``classify``: each rule's class by its text (as given,
    then as printed canonically), :data:`INVALID` where it does not parse; and the parsed rules
    whose text is no dialect rule's, ``(position, rule)``, for the judge to classify by label."""
    out = np.full(len(rules), INVALID, dtype=np.int64)
    pending: list[tuple[int, Rule]] = []
    for i, rule in enumerate(rules):
        text = rule if isinstance(rule, str) else format_rule(rule)
        c = text_class.get(text.strip())
        if c is None:
            try:
                ast = parse(text, universe=universe) if isinstance(rule, str) else rule
            except RulelangError:
                continue
            c = text_class.get(format_rule(ast))
            if c is None:
                pending.append((i, ast))
                continue
        out[i] = c
    return out, pending

class Judge:
    """Scores learners against the dialect; build it once, use it for many tasks.

    The scene-major class matrix (about 170 MB) and the class true counts are built on
    first use.
    """

    def __init__(self, dialect: Dialect | None = None) -> None:
        self.dialect = dialect or Dialect()
        self.universe = self.dialect.universe

    def warm(self) -> "Judge":
        """Build everything the measures use now (matrix, classes, scene-major index)."""
        for attr in ("words", "class_of", "canonical", "scene_major", "_by_count", "_text_class"):
            getattr(self, attr)
        return self

    # -- the dialect, seen by class ---------------------------------------------------

    @cached_property
    def words(self) -> np.ndarray:
        return self.dialect.matrix.words

    @cached_property
    def class_of(self) -> np.ndarray:
        return self.dialect.classes.class_of.astype(np.int64)

    @cached_property
    def canonical(self) -> np.ndarray:
        return self.dialect.classes.canonical.astype(np.int64)

    @property
    def n_classes(self) -> int:
        return int(self.canonical.size)

    @cached_property
    def scene_major(self) -> np.ndarray:
        """``uint64[n_scenes, ceil(n_classes / 64)]``: which classes are true on each scene."""
        return scene_major(self.words, self.canonical, self.universe.n_scenes)

    @cached_property
    def _by_count(self) -> tuple[np.ndarray, np.ndarray]:
        counts = self.dialect.true_counts[self.canonical]
        order = np.argsort(counts, kind="stable").astype(np.int64)
        return order, counts[order].astype(np.int64)

    @cached_property
    def _text_class(self) -> dict[str, int]:
        return {t: int(self.class_of[i]) for i, t in enumerate(self.dialect.texts)}

    @cached_property
    def _row_class(self) -> dict[int, list[int]]:
        hashes = row_hashes(self.words[self.canonical])
        table: dict[int, list[int]] = {}
        for c, h in enumerate(hashes.tolist()):
            table.setdefault(h, []).append(c)
        return table

    # -- conjectures ------------------------------------------------------------------

    def classify(self, rules: Sequence[str | Rule]) -> np.ndarray:
        """``int64`` class of each rule: a dialect class, :data:`NO_CLASS` or :data:`INVALID`."""
        out, pending = classify_by_text(rules, self._text_class, self.universe)
        for start in range(0, len(pending), 1024):  # bounded memory: 1,024 rows at a time
            chunk = pending[start:start + 1024]
            rows = run(compile_rules([a for _, a in chunk], self.universe), parallel=True).words
            for (i, _), row, h in zip(chunk, rows, row_hashes(rows).tolist()):
                out[i] = next((c for c in self._row_class.get(h, ())
                               if np.array_equal(self.words[self.canonical[c]], row)), NO_CLASS)
        return out

    def rows(self, rules: Sequence[str | Rule]) -> np.ndarray:
        """``uint64[n, n_words]`` label rows of valid rules (raises on an invalid one)."""
        asts = [parse(r, universe=self.universe) if isinstance(r, str) else r for r in rules]
        return run(compile_rules(asts, self.universe), parallel=True).words

    # -- the measures -------------------------------------------------------------------

    def first_equivalent(self, hidden_class: int, candidates: np.ndarray) -> int:
        """1-based rank of the first candidate class equal to ``hidden_class`` (0: none)."""
        hits = np.flatnonzero(np.asarray(candidates) == hidden_class)
        return int(hits[0]) + 1 if hits.size else 0

    def consistent(self, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``int64[n]``: how many dialect classes agree with each table (``n x k`` arrays)."""
        scenes = np.ascontiguousarray(scenes, dtype=np.int64)
        labels = np.ascontiguousarray(labels, dtype=np.bool_)
        return MK.consistent_counts(self.scene_major, self.n_classes, scenes, labels)

    def ceiling(self, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``bool[n]``: the table identifies its phenomenon (one consistent class: the hidden one).

        The tables must be labelled by their hidden rules, so the hidden class is always
        among the consistent ones.
        """
        return self.consistent(scenes, labels) == 1

    def t_acc(self, predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
        """``float[n]``: share of agreeing labels per row (``n x m`` boolean arrays)."""
        predicted, truth = np.asarray(predicted, dtype=bool), np.asarray(truth, dtype=bool)
        if predicted.shape != truth.shape:
            raise ValueError(f"predicted labels {predicted.shape} and truth {truth.shape} differ in shape")
        return (predicted == truth).mean(axis=1) if truth.shape[1] else np.ones(truth.shape[0])

    def nrs_sample(self, hidden_rules: np.ndarray, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``bool[n]``: NRS on each task's sample (``scenes``/``labels`` are ``n x m``)."""
        hidden_class = self.class_of[np.asarray(hidden_rules, dtype=np.int64)]
        ok, _ = MK.nearest_on_samples(self.scene_major, self.n_classes,
                                      np.ascontiguousarray(scenes, dtype=np.int64),
                                      np.ascontiguousarray(labels, dtype=np.bool_), hidden_class)
        return ok

    def nrs_all(self, hidden_rules: np.ndarray, learner_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(ok bool[n], hidden distance int64[n])``: NRS on all scenes.

        ``learner_rows`` are rule-major rows (``uint64[n, n_words]``, padding bits clear).
        The hidden distance gives T-Acc on all scenes: ``1 - distance / n_scenes``.
        """
        order, counts = self._by_count
        rows = np.ascontiguousarray(learner_rows, dtype=np.uint64)
        if rows.ndim != 2 or rows.shape[1] != self.words.shape[1]:
            raise ValueError(f"learner rows must be (n, {self.words.shape[1]}) uint64, got {rows.shape}")
        hidden_class = self.class_of[np.asarray(hidden_rules, dtype=np.int64)]
        return MK.nearest_everywhere(self.words, self.canonical, order, counts, rows, hidden_class)

    def class_labels(self, classes: np.ndarray, scenes: np.ndarray) -> np.ndarray:
        """``bool[n, m]``: labels of class ``classes[t]`` on ``scenes[t]``."""
        return gather_bits(self.words, self.canonical[np.asarray(classes, dtype=np.int64)],
                              np.ascontiguousarray(scenes, dtype=np.int64))

    def row_labels(self, rows: np.ndarray, scenes: np.ndarray) -> np.ndarray:
        """``bool[n, m]``: labels of rule-major row ``rows[t]`` on ``scenes[t]``."""
        rows = np.ascontiguousarray(rows, dtype=np.uint64)
        return gather_bits(rows, np.arange(rows.shape[0], dtype=np.int64),
                              np.ascontiguousarray(scenes, dtype=np.int64))

    def pack(self, labels: np.ndarray) -> np.ndarray:
        """``uint64[n, n_words]``: boolean labels of all scenes as rule-major rows."""
        labels = np.asarray(labels, dtype=bool)
        n_scenes = self.universe.n_scenes
        if labels.ndim != 2 or labels.shape[1] != n_scenes:
            raise ValueError(f"labels of all scenes must be (n, {n_scenes}), got {labels.shape}")
        n_words = self.words.shape[1]
        out = np.zeros((labels.shape[0], n_words * 8), dtype=np.uint8)
        out[:, : (n_scenes + 7) // 8] = np.packbits(labels, axis=1)
        return out.view(np.uint64)
