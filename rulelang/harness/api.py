"""The registry of solvers (the interface itself is :mod:`rulelang.solver`).

A **solver** explains phenomena. For each task it gets a :class:`Task` — a table of
labelled scenes, and the scenes the harness wants labels for — and returns an
:class:`Answer`: a ranked list of rules (best first), and/or labels, or an abstention.
The harness scores every solver the same way (:mod:`rulelang.measures`).

Solvers are found by name in the ``rulelang.solvers`` entry-point group, where rulelang's
own solvers are declared exactly as a third-party package would declare its own
(``pyproject.toml``): the built-in ``explain``, ``random-rule`` and ``constant``, and the
neural ``crn``, ``isearch``, ``emp-r`` and ``emp-l`` of :mod:`rulelang.interp`. An entry
point is loaded only when its solver is asked for, so naming a solver imports only that
solver (the search for ``explain``, torch for the neural ones). :func:`register` adds a
solver in-process, and a name may also be given directly as ``"module:attribute"``. The
attribute is a factory (usually the class): ``factory(context) -> solver``.

A factory may declare the options it reads (``options``: key -> a line of help); the
harness then refuses any other key (:func:`check_options`).

Codes: E504 unknown solver, or one that cannot be loaded; E505 an option the solver does
not have; a solver whose optional extra is not installed (the neural solvers without
torch) raises :class:`~rulelang.errors.ExtraMissing`.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any, Callable, Mapping

from ..errors import ExtraMissing, RulelangError
from ..solver import Answer, Solver, SolverContext, Task

__all__ = ["Answer", "Solver", "SolverContext", "Task", "available", "check_options", "load_solver",
           "register", "solver_factory"]


#: Solvers added in this process by :func:`register` (entry points are looked up apart).
_registry: dict[str, str | Callable[[SolverContext], Solver]] = {}


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


def _resolve(spec: Any, name: str) -> Callable[[SolverContext], Solver]:
    """Load a solver factory from an entry point or a ``"module:attribute"`` string."""
    try:
        if not isinstance(spec, str):
            return spec.load()  # an entry point
        module, _, attr = spec.partition(":")
        obj: Any = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    except ExtraMissing:
        raise
    except (ImportError, AttributeError) as err:
        where = spec if isinstance(spec, str) else spec.value
        raise RulelangError(f"solver {name!r} cannot be loaded from {where!r}: {err}", code="E504") from None


def solver_factory(name: str) -> Callable[[SolverContext], Solver]:
    """The factory of the solver called ``name`` (importing it, nothing more).

    Raises:
        RulelangError: E504 for an unknown name or one that cannot be imported;
            :class:`~rulelang.errors.ExtraMissing` (E506) when its optional extra is missing.
    """
    factory: Any = _registry.get(name)
    if factory is None:
        eps = _entry_points()
        if name in eps:
            factory = eps[name]
        elif ":" in name:
            factory = name
        else:
            close = difflib.get_close_matches(name, available(), n=1)
            raise RulelangError(f"unknown solver {name!r}", code="E504", expected=tuple(available()),
                                hint=f"did you mean {close[0]!r}?" if close else
                                "or give one as 'module:attribute'")
    if isinstance(factory, str) or not callable(factory):  # a string or an entry point
        factory = _resolve(factory, name)
    return factory


def check_options(name: str, options: Mapping[str, str]) -> None:
    """Refuse the keys of ``options`` that the solver called ``name`` does not read.

    Only a factory that declares ``options`` (a mapping of its keys to their help) is
    checked; one that does not is given every key, as before options were declared.

    Raises:
        RulelangError: E505 naming the first unknown key, the solver's keys and the
            nearest of them; E504 as :func:`solver_factory`.
    """
    known = getattr(solver_factory(name), "options", None)
    if not isinstance(known, Mapping):
        return
    unknown = sorted(set(options) - set(known))
    if not unknown:
        return
    key = unknown[0]
    if not known:
        raise RulelangError(f"solver {name!r} takes no options, not {key!r}", code="E505")
    close = difflib.get_close_matches(key, list(known), n=1)
    raise RulelangError(f"solver {name!r} has no option {key!r}", code="E505",
                        expected=tuple(sorted(known)),
                        hint=f"did you mean {close[0]!r}?" if close else None)


def load_solver(name: str, context: SolverContext | None = None) -> Solver:
    """Build the solver called ``name`` (a registered name or ``"module:attribute"``).

    Raises:
        RulelangError: E504 for an unknown name, or a solver that cannot be imported;
            E505 for an option it does not have (:func:`check_options`).
    """
    context = context or SolverContext()
    check_options(name, context.options)
    solver = solver_factory(name)(context)
    if not callable(getattr(solver, "solve", None)):
        raise RulelangError(f"solver {name!r} has no solve(task) method", code="E504")
    return solver
