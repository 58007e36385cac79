"""Zendo with a neural student: the Critical Rationalist Network asks, conjectures and guesses.

A :class:`rulelang.search.zendo.Student`, played by :class:`rulelang.search.zendo.StudentGame`
like the exact student. It never runs the exact checker on its own conjectures. After a few
random opening scenes, each move: the generator proposes conjectures for the answers so
far, the interpreter falsifies those that contradict an answer, and then

* if the surviving conjectures (the interpreter's reading) agree on every scene of a
  random pool, it guesses the best one;
* otherwise it asks the pool scene on which the survivors disagree the most (query by
  committee, with the interpreter as the committee's judge).

The interpreter reads each (conjecture, scene) pair once a game (:class:`Readings`): from one
move to the next the table gains one scene and the conjectures and the committee are mostly
the same, so a move labels only what is new.

A guess is reported as the simplest rule of the conjecture's phenomenon (the dialect's
semantic classes, which the generator already uses to merge equivalent conjectures), the
conjecture itself kept beside it.
"""

from __future__ import annotations

import numpy as np

from rulelang.search.table import Table
from rulelang.search.zendo import Ask, GiveUp, Guess, Move
from rulelang.universe import ODEEN, Universe

from .model import BEAMS, ConjectureGenerator, LearnedInterpreter, rank
from .vocab import dialect_classes, dialect_texts


class NeuralStudent:
    """The CRN as Zendo student (see the module's docstring)."""

    intro = ("Think of a rule about scenes; I (a neural network: a conjecture generator and a "
             "learned interpreter) will ask about scenes until I can name it. Answer true or false.")

    def __init__(self, interpreter: LearnedInterpreter, generator: ConjectureGenerator, *,
                 universe: Universe = ODEEN, beams: int = BEAMS, opening: int = 4, pool: int = 2048,
                 committee: int = 16, seed: int = 0) -> None:
        self.interpreter, self.generator, self.universe = interpreter, generator, universe
        self.beams, self.opening, self.committee = beams, opening, committee
        self.rng = np.random.default_rng(seed)
        self.pool = self.rng.choice(universe.n_scenes, size=min(pool, universe.n_scenes), replace=False)
        self.class_of = dialect_classes(universe)
        self._canonical = _canonical_texts(self.class_of, dialect_texts(universe))
        self._readings = Readings(interpreter, generator.texts)

    def _scene(self, i: int) -> str:
        return self.universe.format_scene(self.universe.all_scenes()[self.pool[i]])

    def _conjectures(self, table: Table) -> tuple[list[int], np.ndarray]:
        """Dialect rules that fit every answer (the interpreter's reading), best first, and
        their labels on the pool."""
        beam = self.generator.propose(table.scenes, table.labels, self.beams, self.class_of)
        rules = [int(r) for r in beam.rules]
        if not rules:
            return [], np.zeros((0, self.pool.size), dtype=bool)
        order, mismatches, _ = rank(self._readings(rules, table.scene_ids), table.labels)
        best = mismatches[order[0]]
        keep = [rules[int(i)] for i in order if mismatches[i] == best][: self.committee]
        return keep, self._readings(keep, self.pool) > 0

    def _disputed(self, votes: np.ndarray, table: Table) -> str | None:
        """The pool scene the committee splits most evenly on; None when it agrees everywhere."""
        if votes.shape[0] < 2:
            return None
        share = votes.mean(0)
        split = np.minimum(share, 1 - share)
        asked = set(table.texts)
        for i in np.argsort(-split, kind="stable"):
            if split[i] <= 0:
                return None
            scene = self._scene(int(i))
            if scene not in asked:
                return scene
        return None

    def move(self, table: Table, *, may_ask: bool = True) -> Move:
        if len(table) < self.opening and may_ask:
            return Ask(self._scene(len(table)))
        chosen, votes = self._conjectures(table)
        if not chosen:
            return GiveUp("I give up: I cannot think of any rule.")
        scene = self._disputed(votes, table) if may_ask else None
        if scene is not None:
            return Ask(scene, leading=tuple(self._canonical[r] for r in chosen[:3]))
        raw = self.generator.texts[chosen[0]]
        simplest = self._canonical[chosen[0]]
        return Guess(simplest, 1.0 / max(1, votes.shape[0]), conjecture=raw if raw != simplest else None)


class Readings:
    """The interpreter's logits of (dialect rule, scene) pairs, each pair computed once.

    ``readings(rules, scenes)`` (dialect rule ids; scenes as universe indices) is
    ``float32[len(rules), len(scenes)]``, what ``interpreter.logits`` gives for those rules'
    texts, computing only the pairs not read before: in two batches, the rules never seen
    (on every scene asked for) and the rules seen (on the scenes some of them lack)."""

    def __init__(self, interpreter: LearnedInterpreter, texts: tuple[str, ...]) -> None:
        self.interpreter, self.texts = interpreter, texts
        self.column: dict[int, int] = {}  # scene index -> its column in every row
        self.rows: dict[int, np.ndarray] = {}  # rule id -> logits by column (NaN: not read yet)
        self.width = 0

    def __call__(self, rules: list[int], scenes: np.ndarray) -> np.ndarray:
        scenes = np.asarray(scenes, dtype=np.int64)
        for s in scenes.tolist():
            if s not in self.column:
                self.column[s] = len(self.column)
        self.width = max(self.width, len(self.column))
        cols = np.array([self.column[s] for s in scenes.tolist()], dtype=np.int64)
        for r in rules:
            row = self.rows.get(r)
            if row is None or row.size < self.width:
                grown = np.full(max(64, 2 * self.width), np.nan, dtype=np.float32)
                if row is not None:
                    grown[:row.size] = row
                self.rows[r] = grown
        if not rules:
            return np.zeros((0, scenes.size), dtype=np.float32)
        block = np.stack([self.rows[r][cols] for r in rules])
        missing = np.isnan(block)
        unseen = missing.all(1) if scenes.size else np.zeros(len(rules), dtype=bool)
        for which in (np.flatnonzero(unseen), np.flatnonzero(missing.any(1) & ~unseen)):
            if not which.size:
                continue
            need = np.flatnonzero(missing[which].any(0))
            tokens = self.interpreter.tokens([self.texts[rules[i]] for i in which])
            got = self.interpreter.logits(tokens, scenes[need])
            for k, i in enumerate(which.tolist()):
                self.rows[rules[i]][cols[need]] = got[k]
            block[np.ix_(which, need)] = got
        return block


def _canonical_texts(class_of: np.ndarray, texts: tuple[str, ...]) -> list[str]:
    """For each dialect rule, the simplest rule of its class: fewest words, then alphabetical
    (:func:`rulelang.enumerate.rule_sort_key`; dialect rules have no parentheses, so their
    words are their size)."""
    best: dict[int, tuple[int, str]] = {}
    for r, text in enumerate(texts):
        c = int(class_of[r])
        key = (len(text.split()), text)
        if c not in best or key < best[c]:
            best[c] = key
    return [best[int(c)][1] for c in class_of]
