"""Tables of a universe too large for the semantics matrix: chosen among a pool of scenes.

Where the dialect streams (:attr:`rulelang.enumerate.Dialect.streamed`), a data set's
balanced and informative tables are made exactly as for Odeen (:mod:`rulelang.data.tables`),
but over a seeded uniform pool of :data:`POOL` distinct scenes instead of every scene: the
pool's semantics matrix (every dialect rule on the pool's scenes) stands in for the whole
one, and the table's positions in the pool are mapped back to scene indices. Random tables,
training and evaluation samples are drawn from every scene as usual, and labelled by the
checker on their own scenes (:func:`labels_direct`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..checker import LabelRows, compile_rules, run
from ..enumerate import Classes, Dialect
from ..stream import scenes_of
from .sampling import uniform_samples

#: Scenes in the pool (a pool matrix of ``rules x POOL / 8`` bytes: 100 MB for the Odeen dialect).
POOL = 1 << 15


@dataclass(frozen=True)
class _PoolUniverse:
    """What the table makers read of a universe: the pool's size."""

    n_scenes: int


class Pool:
    """The dialect seen on a pool of scenes: quacks like a :class:`Dialect` for the table makers."""

    def __init__(self, dialect: Dialect, seed: int, size: int = POOL) -> None:
        self.dialect = dialect
        n = dialect.universe.n_scenes
        self.ids = np.sort(uniform_samples(seed, "pool", 0, 1, min(size, n), n)[0].astype(np.int64))
        self.universe = _PoolUniverse(int(self.ids.size))

    @property
    def classes(self) -> Classes:
        return self.dialect.classes

    @cached_property
    def matrix(self) -> LabelRows:
        program = compile_rules(self.dialect.rules, self.dialect.universe)
        return run(program, scenes_of(self.dialect.universe, self.ids), parallel=True)


def labels_direct(dialect: Dialect, rules: np.ndarray, scenes: np.ndarray) -> np.ndarray:
    """``bool[n, k]``: rule ``rules[i]`` on scenes ``scenes[i]``, by the checker on those scenes."""
    rules = np.asarray(rules, dtype=np.int64)
    out = np.empty(scenes.shape, dtype=bool)
    u = dialect.universe
    for i, r in enumerate(rules.tolist()):
        out[i] = run(compile_rules([dialect.rules[r]], u), scenes_of(u, scenes[i])).bools()[0]
    return out
