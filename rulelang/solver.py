"""The solver interface: what a solver is given (:class:`Task`) and returns (:class:`Answer`).

A **solver** explains phenomena. For each task it gets a :class:`Task` — a table of
labelled scenes, and the scenes the harness wants labels for — and returns an
:class:`Answer`: a ranked list of rules (best first), and/or labels, or an abstention.
The harness (:mod:`rulelang.harness`) finds solvers by name and scores them all the same
way (:mod:`rulelang.measures`). This interface lives in the core so that every engine
(the search, the neural learners, a user's package) can implement it without importing
the harness above them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .universe import ODEEN, Universe


@dataclass(frozen=True)
class Task:
    """One phenomenon to explain.

    Attributes:
        index: the task's position in its split.
        scene_ids: ``int64[k]`` the table's scenes (indices in the universe's scene order).
        scenes: ``uint8[k, length]`` the same scenes as glyph indices.
        labels: ``bool[k]`` the table's labels (true: the scene satisfies the hidden rule).
        query: ``int64[m]`` scenes the harness asks the solver to label (the evaluation
            sample); a solver that answers with a rule need not label them.
        label_all: the harness would also like labels for every scene
            (:attr:`Answer.all_labels`), for the all-scene measures.
        seed: a seed for this task, for solvers that draw at random.
    """

    index: int
    scene_ids: np.ndarray
    scenes: np.ndarray
    labels: np.ndarray
    query: np.ndarray
    label_all: bool = True
    seed: int = 0
    universe: Universe = ODEEN

    def scene_texts(self) -> list[str]:
        return [self.universe.format_scene(c) for c in self.scenes]

    def table_text(self) -> str:
        """The table as a scene file (``scene label`` per line)."""
        return "".join(f"{s} {'true' if v else 'false'}\n" for s, v in zip(self.scene_texts(), self.labels))

    def query_scenes(self) -> np.ndarray:
        """``uint8[m, length]`` glyph indices of the query scenes."""
        from .stream import scenes_of

        return scenes_of(self.universe, self.query)


@dataclass(frozen=True)
class Answer:
    """A solver's answer to one task.

    Attributes:
        rules: conjectures, best first: rule texts (full language) or ASTs.
        labels: ``bool[m]`` labels for ``task.query``; when absent, the first rule's labels.
        all_labels: ``bool[n_scenes]`` labels of every scene; when absent, the first rule's.
        abstain: the solver declines to answer (scored as wrong on every measure).
        info: anything the solver wants recorded with the task (JSON-serialisable).
    """

    rules: tuple[Any, ...] = ()
    labels: np.ndarray | None = None
    all_labels: np.ndarray | None = None
    abstain: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def abstention(cls, reason: str = "") -> "Answer":
        return cls(abstain=True, info={"reason": reason} if reason else {})


@dataclass(frozen=True)
class SolverContext:
    """What a solver factory may use: the data set (a learner in ``regime`` may read only
    ``dataset.training(regime)``), a seed, and solver options (``--option key=value``).

    A factory that declares ``options`` (a mapping of every key it reads to a line of help,
    as the built-in solvers do) has any other key refused by the harness (E505), so that a
    misspelt option is an error rather than silently ignored; a factory without it is given
    every key.
    """

    dataset: Any = None
    regime: str | None = None
    seed: int = 0
    universe: Universe = ODEEN
    options: dict[str, str] = field(default_factory=dict)
    dialect: Any = None  # a shared rulelang.enumerate.Dialect, when the harness has one


@runtime_checkable
class Solver(Protocol):
    """Anything with a ``name`` and ``solve(task) -> Answer``."""

    name: str

    def solve(self, task: Task) -> Answer: ...
