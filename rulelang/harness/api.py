"""The solver interface and the registry of solvers.

A **solver** explains phenomena. For each task it gets a :class:`Task` — a table of
labelled scenes, and the scenes the harness wants labels for — and returns an
:class:`Answer`: a ranked list of rules (best first), and/or labels, or an abstention.
The harness scores every solver the same way (:mod:`rulelang.measures`).

Solvers are found by name in a registry of *lazy import strings* (``"module:attribute"``),
so that naming a solver imports only that solver (``search/`` for ``explain``; later
``interp/`` for the neural learners, with no change here). A name may also be given
directly as ``"module:attribute"``, and installed packages may add solvers through the
``rulelang.solvers`` entry-point group. The attribute is a factory (usually the class):
``factory(context) -> solver``.

Codes: E504 unknown solver, or one that cannot be loaded.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np

from ..errors import RulelangError
from ..universe import ODEEN, Universe


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
        return self.universe.all_scenes()[self.query]


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
    ``dataset.training(regime)``), a seed, and solver options (``--option key=value``)."""

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


#: Built-in solvers: name -> lazy import string.
BUILTIN: dict[str, str] = {
    "explain": "rulelang.harness.solvers:ExplainSolver",
    "random-rule": "rulelang.harness.solvers:RandomRuleSolver",
    "constant": "rulelang.harness.solvers:ConstantSolver",
}

_registry: dict[str, str | Callable[[SolverContext], Solver]] = dict(BUILTIN)


def register(name: str, factory: str | Callable[[SolverContext], Solver]) -> None:
    """Add a solver: ``factory`` is ``"module:attribute"`` or a callable ``context -> solver``."""
    _registry[name] = factory


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    try:
        return {ep.name: ep for ep in entry_points(group="rulelang.solvers")}
    except Exception:  # broken metadata of some other package must not break the harness
        return {}


def available() -> list[str]:
    """Names of every registered solver."""
    return sorted(set(_registry) | set(_entry_points()))


def _resolve(spec: str, name: str) -> Callable[[SolverContext], Solver]:
    module, _, attr = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise RulelangError(f"solver {name!r} cannot be loaded from {spec!r}: {err}", code="E504") from None
    return obj


def load_solver(name: str, context: SolverContext | None = None) -> Solver:
    """Build the solver called ``name`` (a registered name or ``"module:attribute"``).

    Raises:
        RulelangError: E504 for an unknown name, or a solver that cannot be imported.
    """
    context = context or SolverContext()
    factory = _registry.get(name)
    if factory is None:
        eps = _entry_points()
        if name in eps:
            factory = eps[name].load()
        elif ":" in name:
            factory = name
        else:
            close = difflib.get_close_matches(name, available(), n=1)
            raise RulelangError(f"unknown solver {name!r}", code="E504", expected=tuple(available()),
                                hint=f"did you mean {close[0]!r}?" if close else
                                "or give one as 'module:attribute'")
    if isinstance(factory, str):
        factory = _resolve(factory, name)
    solver = factory(context)
    if not callable(getattr(solver, "solve", None)):
        raise RulelangError(f"solver {name!r} has no solve(task) method", code="E504")
    return solver
