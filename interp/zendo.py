"""Zendo with a neural student: the Critical Rationalist Network asks, conjectures and guesses.

The student never runs the exact checker on its own conjectures. After a few random
opening scenes it loops: the generator proposes conjectures for the answers so far, the
interpreter falsifies those that contradict an answer, and then

* if the surviving conjectures (the interpreter's reading) agree on every scene of a
  random pool, it guesses the best one;
* otherwise it asks the pool scene on which the survivors disagree the most (query by
  committee, with the interpreter as the committee's judge).

A wrong guess comes back with a counterexample, which joins the answers. The referee
(the ``Oracle`` of a secret rule, or the player) is shared with the search's student.
"""

from __future__ import annotations

import numpy as np

from rulelang.universe import ODEEN, Universe
from rulelang.search.table import Table
from rulelang.search.zendo import Console, GameResult, Oracle, StudentGame

from .model import ConjectureGenerator, LearnedInterpreter, falsify
from .train import dialect_classes


class NeuralStudent(StudentGame):
    """The CRN as Zendo student (see the module's docstring)."""

    def __init__(self, interpreter: LearnedInterpreter, generator: ConjectureGenerator, *,
                 universe: Universe = ODEEN, oracle: Oracle | None = None, beams: int = 100,
                 opening: int = 4, pool: int = 2048, committee: int = 16, seed: int = 0,
                 max_questions: int = 60, max_guesses: int = 30) -> None:
        self.interpreter, self.generator = interpreter, generator
        self.universe, self.oracle = universe, oracle
        self.beams, self.opening, self.committee = beams, opening, committee
        self.max_questions, self.max_guesses = max_questions, max_guesses
        self.rng = np.random.default_rng(seed)
        self.pool = self.rng.choice(universe.n_scenes, size=min(pool, universe.n_scenes), replace=False)
        self.class_of = dialect_classes(universe)
        self.table = Table.from_pairs([], universe)
        self.asked = self.guesses = 0
        self.confidence = 1.0

    def _conjectures(self) -> tuple[list[str], np.ndarray]:
        """Conjectures that fit every answer (the interpreter's reading), best first, and
        their labels on the pool."""
        beam = self.generator.propose(self.table.scenes, self.table.labels, self.beams, self.class_of)
        texts = [self.generator.texts[int(r)] for r in beam.rules]
        if not texts:
            return [], np.zeros((0, self.pool.size), dtype=bool)
        tokens = self.interpreter.tokens(texts)
        order, mismatches, _ = falsify(self.interpreter, tokens, self.table.scenes, self.table.labels)
        best = mismatches[order[0]]
        keep = [int(i) for i in order if mismatches[i] == best][: self.committee]
        chosen = [texts[i] for i in keep]
        return chosen, self.interpreter.labels(tokens[keep], self.pool)

    def _next_scene(self, votes: np.ndarray) -> str | None:
        """The pool scene the committee splits most evenly on; None when it agrees everywhere."""
        if votes.shape[0] < 2:
            return None
        share = votes.mean(0)
        split = np.minimum(share, 1 - share)
        asked = set(self.table.texts)
        for i in np.argsort(-split, kind="stable"):
            if split[i] <= 0:
                return None
            scene = self.universe.format_scene(self.universe.all_scenes()[self.pool[i]])
            if scene not in asked:
                return scene
        return None

    def play(self, con: Console, color: bool = False) -> GameResult:
        con.say("Think of a rule about scenes; I (a neural network: a conjecture generator and a "
                "learned interpreter) will ask about scenes until I can name it. Answer true or false.")
        last: str | None = None
        while True:
            if len(self.table) < self.opening:
                scene = self.universe.format_scene(self.universe.all_scenes()[self.pool[len(self.table)]])
                guess = None
            else:
                chosen, votes = self._conjectures()
                if not chosen:
                    con.say("I give up: I cannot think of any rule.")
                    return self._result("gave-up", last)
                scene = self._next_scene(votes) if self.asked < self.max_questions else None
                guess = chosen[0] if scene is None else None
            if guess is None:
                assert scene is not None
                answer = self._answer(scene, con, 0)
                if answer is None:
                    return self._result("eof", last)
                if isinstance(answer, str):
                    return self._result(answer, last)
                self.asked += 1
                self.table = self.table.with_scene(scene, answer)
                continue
            if self.guesses >= self.max_guesses:
                con.say(f"I give up after {self.guesses} wrong guesses.")
                return self._result("gave-up", last)
            last = guess
            verdict = self._verdict(guess, 1.0 / max(1, votes.shape[0]), con)
            if verdict is None:
                con.say(f"settled on: {guess} after {self.asked} scenes")
                return self._result("solved", guess)
            if isinstance(verdict, str):
                return self._result(verdict, last)
            self.table = self.table.with_scene(*verdict)

    def _question(self, scene: str, con: Console, n: int) -> str:
        return f"scene {self.asked + 1}: {con.draw(scene)}  true or false? "
