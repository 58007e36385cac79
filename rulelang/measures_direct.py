"""The measures of DESIGN §5 on a universe too large for the semantics matrix.

:class:`DirectJudge` answers what :class:`rulelang.measures.Judge` answers, without rows
over every scene: labels on a table or an evaluation sample come from running the rules on
those scenes; a conjecture outside the dialect is matched to a class by its streamed true
count and fingerprint (:mod:`rulelang.stream`), verified exactly; T-Acc on all scenes is
``1 - disagreements / n_scenes``, the disagreements of the learner's rule and the hidden one
counted by streaming every scene. NRS on all scenes (the nearest of every class over every
scene) is not measured here: it would compare each learner with every class on every scene.
"""

from __future__ import annotations

from functools import cached_property
from typing import Sequence

import numpy as np

from .ast import Rule
from .bits import row_popcounts
from .checker import Program, compile_rules, label, run
from .enumerate import Dialect
from .errors import RulelangError
from .measures import NO_CLASS, Judge, classify_by_text
from .stream import digests, pair_differences, scenes_of


def judge_for(dialect: Dialect | None = None, executor=None):
    """The judge of ``dialect``: a :class:`Judge` where its matrix fits, else a :class:`DirectJudge`."""
    dialect = dialect or Dialect(executor=executor)
    return DirectJudge(dialect) if dialect.streamed else Judge(dialect)


def _packed(labels: np.ndarray, n_words: int) -> np.ndarray:
    """``uint64[n_words]``: boolean labels as one rule-major row."""
    out = np.zeros(n_words * 8, dtype=np.uint8)
    out[: (labels.size + 7) // 8] = np.packbits(np.asarray(labels, dtype=bool))
    return out.view(np.uint64)


class DirectJudge(Judge):
    """Scores learners on a universe whose matrix does not fit (see the module docstring)."""

    #: Whether the all-scene NRS is measured (it is not, here).
    measures_nrs_all = False

    def warm(self) -> "DirectJudge":
        for attr in ("class_of", "canonical", "_text_class", "program"):
            getattr(self, attr)
        return self

    @cached_property
    def words(self) -> np.ndarray:
        raise RulelangError(f"no semantics matrix for {self.universe.name!r}: it does not fit in memory",
                            code="E205")

    @cached_property
    def canonical_rules(self) -> list[Rule]:
        return [self.dialect.rules[i] for i in self.canonical]

    @cached_property
    def program(self) -> Program:
        """Every class's canonical rule, compiled once."""
        return compile_rules(self.canonical_rules, self.universe)

    @cached_property
    def _class_keys(self) -> dict[tuple[int, int, int], list[int]]:
        d = digests(self.canonical_rules, self.universe, self.dialect.executor)
        table: dict[tuple[int, int, int], list[int]] = {}
        for c, (n, (a, b)) in enumerate(zip(d.counts.tolist(), d.fingerprints.tolist())):
            table.setdefault((n, a, b), []).append(c)
        return table

    def classify(self, rules: Sequence[str | Rule]) -> np.ndarray:
        out, pending = classify_by_text(rules, self._text_class, self.universe)
        if pending:  # by true count and fingerprint, then an exact check against that class
            d = digests([a for _, a in pending], self.universe, self.dialect.executor)
            check: list[tuple[int, Rule, int]] = []
            for (i, ast), n, (a, b) in zip(pending, d.counts.tolist(), d.fingerprints.tolist()):
                out[i] = NO_CLASS
                check += [(i, ast, c) for c in self._class_keys.get((n, a, b), ())]
            if check:
                diff = pair_differences([(ast, self.canonical_rules[c]) for _, ast, c in check],
                                        self.universe, self.dialect.executor)
                for (i, _, c), dd in zip(check, diff.tolist()):
                    if dd == 0:
                        out[i] = c
        return out

    def rule_labels(self, rule: Rule, scene_ids: np.ndarray) -> np.ndarray:
        """``bool[k]``: one rule's labels on the given scenes."""
        return label(rule, scenes_of(self.universe, scene_ids), self.universe)

    def class_labels(self, classes: np.ndarray, scenes: np.ndarray) -> np.ndarray:
        return np.array([self.rule_labels(self.canonical_rules[int(c)], s) for c, s in zip(classes, scenes)],
                        dtype=bool).reshape(np.shape(scenes))

    def _mismatches(self, scene_ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
        rows = run(self.program, scenes_of(self.universe, scene_ids)).words
        return row_popcounts(rows ^ _packed(labels, rows.shape[1])[None, :])

    def consistent(self, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        return np.array([int((self._mismatches(s, lab) == 0).sum()) for s, lab in zip(scenes, labels)],
                        dtype=np.int64)

    def nrs_sample(self, hidden_rules: np.ndarray, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        hidden_class = self.class_of[np.asarray(hidden_rules, dtype=np.int64)]
        out = np.zeros(len(hidden_class), dtype=bool)
        for t, (h, s, lab) in enumerate(zip(hidden_class.tolist(), scenes, labels)):
            d = self._mismatches(s, lab)
            nearest = np.flatnonzero(d == d.min())
            out[t] = nearest.size == 1 and nearest[0] == h
        return out

    def distances(self, pairs: Sequence[tuple[Rule, Rule]]) -> np.ndarray:
        """``int64[n]``: on how many of all scenes the two rules of each pair disagree (streamed)."""
        return pair_differences(list(pairs), self.universe, self.dialect.executor)
