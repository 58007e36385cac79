"""Explain phenomena by search: version spaces, the simplest rule, active questions, Zendo.

The search engine of rulelang (DESIGN.md: "enumerative search"). It imports ``rulelang``
and never ``torch``. Importing this package builds nothing; the dialect index
(:func:`rulelang.search.index.dialect_index`) is built or loaded on first use.

* :func:`explain` — every dialect phenomenon consistent with a :class:`Table`, ranked by
  the simplicity prior ``2 ** -words`` (:mod:`rulelang.search.versionspace`);
* :func:`synthesize` — the smallest rules of the full language (:mod:`rulelang.search.synth`);
* :func:`next_scene` — the most informative scene to ask (:mod:`rulelang.search.active`), and
  :func:`identify_all`, every phenomenon identified by questions (:mod:`rulelang.search.sweep`,
  one decision tree: :mod:`rulelang.search.tree`); the opening book of the largest states,
  planned by rollout (:mod:`rulelang.search.book`); the covering plan and the lower bound on
  the worst case of any questioner (:mod:`rulelang.search.cover`), and on its mean
  (:mod:`rulelang.search.meanbound`, searched up to the world's symmetries:
  :mod:`rulelang.search.symmetry`);
* :func:`implication_graph` — the Hasse diagram of implication (:mod:`rulelang.search.graph`);
* :mod:`rulelang.search.zendo` — the game, machine as master or as student.
"""

from __future__ import annotations

from .active import Query, next_scene
from .graph import implication_graph
from .index import DialectIndex, dialect_index
from .sweep import Sweep, identify_all
from .synth import Solution, Synthesis, synthesize
from .table import Table, read_table
from .versionspace import PRIOR, Candidate, Explanation, VersionSpace, explain

__all__ = [
    "PRIOR", "Candidate", "DialectIndex", "Explanation", "Query", "Solution", "Sweep",
    "Synthesis", "Table", "VersionSpace", "dialect_index", "explain", "identify_all",
    "implication_graph", "next_scene", "read_table", "synthesize",
]
