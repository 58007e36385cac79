"""The neural solvers, for the benchmark harness (``rulelang bench --solver NAME``).

* ``crn`` — Critical Rationalist Network: the generator proposes ``B`` conjectures (option
  ``beams``, default 300), the interpreter labels the table under each, the conjecture with
  the fewest mismatches wins (ties: the interpreter's likelihood of the table's labels).
  ``strict=1`` abstains when no conjecture fits every observation; ``revise=K`` (default
  20; 0: the paper's CRN) also falsifies the rules one word away from the K best conjectures when none fits
  (:func:`rulelang.interp.model.critical_rationalist`). Labels of new scenes come from the
  interpreter reading the chosen rule.
* ``isearch`` — interpreter-driven search: every dialect rule ranked by the interpreter's
  agreement with the table (the exact search's job, with a learned checker).
* ``emp-r`` — EMP-R: the generator alone; its beam, best first (the top beam is its answer).
* ``emp-l`` — EMP-L: labels straight from the table, no rule.

Options common to all: ``interpreter=PATH``, ``generator=PATH``, ``empiricist=PATH`` (the
models; by default those trained in ``--regime`` under ``models/``, else the shipped
ones), ``models=DIR``, ``all_scenes=1`` (label every scene with the learned model, for
the all-scene measures; slow: about 2 s per task), ``threads=N``.

None of these ever calls the exact checker: only the harness does, to score them. The
semantic classes of the dialect are used to de-duplicate equivalent conjectures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rulelang.errors import RulelangError
from rulelang.solver import Answer, SolverContext, Task

from .model import (BEAMS, REVISE, ConjectureGenerator, LabelEmpiricist, LearnedInterpreter, critical_rationalist, falsify,
                    model_path, set_threads)
from .vocab import dialect_classes, dialect_texts


def _int(options: dict[str, str], key: str, default: int, low: int = 0) -> int:
    try:
        value = int(options.get(key, default))
    except ValueError:
        raise RulelangError(f"option {key} must be an integer, got {options[key]!r}", code="E505") from None
    if value < low:
        raise RulelangError(f"option {key} must be at least {low}", code="E505")
    return value


class _Neural:
    name = ""
    options = {"threads": "torch threads (0: torch's default)",
               "all_scenes": "1: label every scene with the network, for the all-scene measures (0)",
               "models": "the folder of models trained by regime (models/)"}

    def __init__(self, context: SolverContext) -> None:
        self.context = context
        self.options = context.options  # read only (and so a test can see what is read)
        set_threads(_int(self.options, "threads", 0))
        self.all_scenes = bool(_int(self.options, "all_scenes", 0))
        self.universe = context.universe

    def _load(self, cls: Any) -> Any:
        path = model_path(cls.kind, self.options.get(cls.kind), self.context.regime, self.options.get("models"))
        model = cls.load(path, self.universe)
        if self.context.regime and model.regime != self.context.regime:
            raise RulelangError(f"this {cls.kind} was trained in regime {model.regime}, not "
                                f"{self.context.regime}", code="E703", path=str(path))
        return model

    def _classes(self) -> np.ndarray:
        if self.context.dialect is not None:
            return self.context.dialect.classes.class_of
        return dialect_classes(self.universe)


class _Falsifier(_Neural):
    """Ranks conjectures by how well the interpreter's labels fit the table."""

    options = {**_Neural.options, "interpreter": "the interpreter checkpoint",
               "strict": "1: abstain when no conjecture fits every observation (0)"}

    def __init__(self, context: SolverContext) -> None:
        super().__init__(context)
        self.interpreter = self._load(LearnedInterpreter)
        self.texts = dialect_texts(self.universe)
        self.strict = bool(_int(self.options, "strict", 0))

    def rank(self, rules: np.ndarray, task: Task) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Order ``rules`` (dialect indices) by (mismatches, -log-likelihood of the table)."""
        tokens = self._tokens[rules] if hasattr(self, "_tokens") else self.interpreter.tokens(
            [self.texts[int(r)] for r in rules])
        order, mismatches, nll = falsify(self.interpreter, tokens, task.scenes, task.labels)
        return rules[order], mismatches[order], nll[order]

    def answer(self, ranked: np.ndarray, mismatches: np.ndarray, task: Task, info: dict[str, Any]) -> Answer:
        if not ranked.size:
            return Answer.abstention("no conjecture")
        info = {**info, "mismatches": int(mismatches[0])}
        if self.strict and mismatches[0] > 0:
            return Answer(abstain=True, info={**info, "reason": "no conjecture fits every observation"})
        best = self.texts[int(ranked[0])]
        labels = self.interpreter.labels([best], task.query)[0]
        all_labels = self.interpreter.label_all(best) if self.all_scenes and task.label_all else None
        return Answer(rules=tuple(self.texts[int(r)] for r in ranked), labels=labels,
                      all_labels=all_labels, info=info)


class CRNSolver(_Falsifier):
    """Critical Rationalist Network: conjecture (generator), then falsify (interpreter)."""

    name = "crn"
    options = {**_Falsifier.options, "generator": "the generator checkpoint",
               "beams": f"conjectures the generator proposes ({BEAMS})",
               "revise": f"when all are refuted, revise the best this many ({REVISE}; 0: the paper's CRN)"}

    def __init__(self, context: SolverContext) -> None:
        super().__init__(context)
        self.generator = self._load(ConjectureGenerator)
        self.beams = _int(self.options, "beams", BEAMS, low=1)
        self.revise = _int(self.options, "revise", REVISE)
        self.class_of = self._classes()

    def solve(self, task: Task) -> Answer:
        ranked, mismatches, proposed = critical_rationalist(self.interpreter, self.generator, task.scenes,
                                                            task.labels, self.beams, self.class_of, self.revise)
        return self.answer(ranked, mismatches, task, {"conjectures": proposed, "ranked": int(ranked.size)})


class InterpreterSearchSolver(_Falsifier):
    """Every dialect rule, ranked by the learned interpreter's agreement with the table."""

    name = "isearch"
    options = {**_Falsifier.options, "candidates": "how many ranked rules to answer with (1,000)"}

    def __init__(self, context: SolverContext) -> None:
        super().__init__(context)
        self.keep = _int(self.options, "candidates", 1000, low=1)
        self._tokens = self.interpreter.tokens(list(self.texts))
        self.rules = np.arange(len(self.texts), dtype=np.int64)

    def solve(self, task: Task) -> Answer:
        ranked, mismatches, _ = self.rank(self.rules, task)
        return self.answer(ranked[:self.keep], mismatches[:self.keep], task,
                           {"fitting": int(np.count_nonzero(mismatches == 0))})


class EmpRSolver(_Neural):
    """EMP-R: the generator's beam, best first; no falsification."""

    name = "emp-r"
    options = {**_Neural.options, "generator": "the generator checkpoint",
               "beams": f"the generator's beam ({BEAMS})"}

    def __init__(self, context: SolverContext) -> None:
        super().__init__(context)
        self.generator = self._load(ConjectureGenerator)
        self.beams = _int(self.options, "beams", BEAMS, low=1)
        self.class_of = self._classes()
        self.texts = dialect_texts(self.universe)

    def solve(self, task: Task) -> Answer:
        beam = self.generator.propose(task.scenes, task.labels, self.beams, self.class_of)
        if not beam.rules.size:
            return Answer.abstention("no conjecture")
        return Answer(rules=tuple(self.texts[int(r)] for r in beam.rules),
                      info={"log_prob": round(float(beam.scores[0]), 4)})


class EmpLSolver(_Neural):
    """EMP-L: labels from the table, with no rule in between."""

    name = "emp-l"
    options = {**_Neural.options, "empiricist": "the empiricist checkpoint"}

    def __init__(self, context: SolverContext) -> None:
        super().__init__(context)
        self.empiricist = self._load(LabelEmpiricist)

    def solve(self, task: Task) -> Answer:
        labels = self.empiricist.logits(task.scenes, task.labels, task.query) > 0
        all_labels = None
        if self.all_scenes and task.label_all:
            all_labels = self.empiricist.logits(task.scenes, task.labels, self.universe.all_scenes()) > 0
        return Answer(labels=labels, all_labels=all_labels)
