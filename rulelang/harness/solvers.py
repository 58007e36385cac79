"""Built-in solvers: the exact search, and two baselines that set the floor.

* ``explain`` — the enumerative search (:mod:`rulelang.search`, imported when the solver is
  built): its ranked candidates are the answer;
* ``random-rule`` — a uniformly random dialect rule, ignoring the table (seeded per task);
* ``constant`` — labels every scene with the table's majority label (``false`` on a tie),
  and offers no rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import RulelangError
from ..solver import Answer, SolverContext, Task


class RandomRuleSolver:
    """A uniformly random rule of the dialect; the seed and the task index fix the draw."""

    name = "random-rule"
    options: dict[str, str] = {}

    def __init__(self, context: SolverContext) -> None:
        if context.dialect is not None:
            self._texts = context.dialect.texts
        else:
            from ..enumerate import dialect_rules
            from ..printer import format_rule

            self._texts = [format_rule(r) for r in dialect_rules(context.universe)]
        self.seed = context.seed

    def solve(self, task: Task) -> Answer:
        rng = np.random.default_rng([self.seed, task.index])
        return Answer(rules=(self._texts[int(rng.integers(len(self._texts)))],))


class ConstantSolver:
    """The table's majority label for every scene (``false`` on a tie); no rule."""

    name = "constant"
    options: dict[str, str] = {}

    def __init__(self, context: SolverContext) -> None:
        self.n_scenes = context.universe.n_scenes

    def solve(self, task: Task) -> Answer:
        label = bool(np.count_nonzero(task.labels) * 2 > task.labels.size)
        return Answer(labels=np.full(task.query.size, label),
                      all_labels=np.full(self.n_scenes, label) if task.label_all else None,
                      info={"label": label})


class ExplainSolver:
    """The exact enumerative search (:mod:`rulelang.search`): ``explain(table)``'s ranked candidates.

    Options: ``candidates=N`` keeps the first N candidates (default 1,000; the rank measure
    looks no further).
    """

    name = "explain"
    options = {"candidates": "how many ranked candidates to answer with (1,000)"}

    def __init__(self, context: SolverContext) -> None:
        from .. import search  # the top floor may import every engine

        self._search = search
        try:
            self.limit = int(context.options.get("candidates", 1000))
        except ValueError:
            raise RulelangError("option candidates must be an integer", code="E505") from None
        if self.limit < 1:
            raise RulelangError(f"option candidates must be at least 1, not {self.limit}", code="E505")
        self.universe = context.universe
        # Build (or load) the search's index now, so that set-up is not billed to task 0.
        self._search.dialect_index(self.universe)

    def solve(self, task: Task) -> Answer:
        table = self._search.Table(task.scenes, task.labels, self.universe)
        result = self._search.explain(table)
        rules = ranked_rules(result, self.limit)
        info = _info(result)
        return Answer(rules=tuple(rules), info=info) if rules else Answer.abstention("no candidate")


def ranked_rules(result: Any, limit: int | None = None) -> list[str]:
    """The canonical rules of an explanation's candidate classes, best first."""
    return [result.index.texts[int(c)] for c in result.ids[:limit]]


def _info(result: Any) -> dict[str, Any]:
    """A few JSON-safe scalars describing the search's answer."""
    info: dict[str, Any] = {}
    for attr in ("status", "n_candidates", "confidence"):
        value = getattr(result, attr, None)
        if isinstance(value, (bool, int, float, str)):
            info[attr] = round(value, 6) if isinstance(value, float) else value
    return info
