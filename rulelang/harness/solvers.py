"""Built-in solvers: the exact search, and two baselines that set the floor.

* ``explain`` — the enumerative search of ``search/`` (imported when first used): its
  ranked candidates are the answer;
* ``random-rule`` — a uniformly random dialect rule, ignoring the table (seeded per task);
* ``constant`` — labels every scene with the table's majority label (``false`` on a tie),
  and offers no rule.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..errors import RulelangError
from .api import Answer, SolverContext, Task


class RandomRuleSolver:
    """A uniformly random rule of the dialect; the seed and the task index fix the draw."""

    name = "random-rule"

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

    def __init__(self, context: SolverContext) -> None:
        self.n_scenes = context.universe.n_scenes

    def solve(self, task: Task) -> Answer:
        label = bool(np.count_nonzero(task.labels) * 2 > task.labels.size)
        return Answer(labels=np.full(task.query.size, label),
                      all_labels=np.full(self.n_scenes, label) if task.label_all else None,
                      info={"label": label})


class ExplainSolver:
    """The exact enumerative search of ``search/``: ``explain(table)``'s ranked candidates.

    Options: ``candidates=N`` keeps the first N candidates (default 1,000; the rank measure
    looks no further).
    """

    name = "explain"

    def __init__(self, context: SolverContext) -> None:
        self._explain = _find_explain()
        try:
            self._table = importlib.import_module("search.table").Table
        except (ImportError, AttributeError):
            self._table = None  # an explain() that reads rulelang scene files instead
        try:
            self.limit = int(context.options.get("candidates", 1000))
        except ValueError:
            raise RulelangError("option candidates must be an integer", code="E505") from None
        self.universe = context.universe
        try:  # build (or load) the search's index now, so that setup is not billed to task 0
            importlib.import_module("search.index").dialect_index(self.universe)
        except (ImportError, AttributeError):
            pass

    def solve(self, task: Task) -> Answer:
        if self._table is not None:
            table = self._table(task.scenes, task.labels, self.universe)
        else:
            from ..scenefile import parse_scene_file

            table = parse_scene_file(task.table_text(), f"<task {task.index}>", universe=self.universe)
        result = self._explain(table)
        rules = ranked_rules(result, self.limit)
        info = _info(result)
        return Answer(rules=tuple(rules), info=info) if rules else Answer.abstention("no candidate")


def _find_explain() -> Any:
    """``search.explain``, else ``search.versionspace.explain``, else ``search.explain.explain``."""
    try:
        search = importlib.import_module("search")
    except ImportError as err:
        raise RulelangError(f"the search engine cannot be imported: {err}", code="E504") from None
    explain = getattr(search, "explain", None)
    if callable(explain):
        return explain
    for module in ("search.versionspace", "search.explain"):
        try:
            explain = getattr(importlib.import_module(module), "explain", None)
        except ImportError:
            continue
        if callable(explain):
            return explain
    raise RulelangError("search.explain is not available in this installation", code="E504")


def ranked_rules(result: Any, limit: int | None = None) -> list[Any]:
    """Rules, best first, from whatever ``explain`` returns: a list of rules or texts, an
    explanation with class ``ids`` and an ``index`` holding ``texts``, or a record whose
    ``candidates`` (a list, or a method taking a limit) hold rules or carry a ``rule``."""
    if result is None:
        return []
    ids, index = getattr(result, "ids", None), getattr(result, "index", None)
    if ids is not None and hasattr(index, "texts"):
        return [index.texts[int(c)] for c in list(ids)[:limit]]
    items = result
    for attr in ("candidates", "rules", "classes", "ranked"):
        if hasattr(result, attr):
            items = getattr(result, attr)
            items = items(limit) if callable(items) else items
            break
    out = []
    for item in list(items)[:limit]:
        if isinstance(item, str) or type(item).__module__.endswith("rulelang.ast"):
            out.append(item)
            continue
        for attr in ("rule", "text", "canonical"):
            value = getattr(item, attr, None)
            if value is not None:
                out.append(value)
                break
    return out


def _info(result: Any) -> dict[str, Any]:
    """A few JSON-safe scalars describing the search's answer."""
    info: dict[str, Any] = {}
    for attr in ("status", "n_candidates", "confidence"):
        value = getattr(result, attr, None)
        if isinstance(value, (bool, int, float, str)):
            info[attr] = round(value, 6) if isinstance(value, float) else value
    return info
