"""One benchmark harness for every learner: the solver interface, a registry of solvers,
runs scored with every measure, and paper-style reports.

>>> from rulelang.data import DataSet
>>> from rulelang.harness import run_benchmark, markdown
>>> result = run_benchmark(DataSet("data/odeen-v1"), "explain", "informative")  # doctest: +SKIP
>>> print(markdown([result]))  # doctest: +SKIP
"""

from .api import Answer, Solver, SolverContext, Task, available, load_solver, register
from .report import markdown
from .run import FORMAT, VERSION, run_benchmark, score

__all__ = [
    "Answer",
    "FORMAT",
    "Solver",
    "SolverContext",
    "Task",
    "VERSION",
    "available",
    "load_solver",
    "markdown",
    "register",
    "run_benchmark",
    "score",
]
