"""Identify every phenomenon of the dialect by asking scenes: the whole decision tree.

An active learner that starts from an empty table and asks :func:`rulelang.search.active.next_scene`
(uniform prior) until one phenomenon remains asks, for a hidden phenomenon, a sequence of
scenes that depends only on the answers so far. All 11,618 such games together form one
binary decision tree whose nodes are version-space states; building the tree once plays
every game (the memo by state is the tree itself).

Each node asks the scene whose split of its candidates is nearest to half, simplest first
on ties (with ``criterion="cover"``, on the all-"false" path the plan's most even scene once
the plan applies, :func:`~rulelang.search.active.plan_split`), exactly as
:func:`~rulelang.search.active.next_scene` does for the same state. A node only
looks at the scenes that split its parent: a scene that does not split a set splits none
of its subsets. Split counts come from the cheapest source for the node's size: the scene
index (large nodes), bit-sliced counters over the class rows (middle), or, from 64
candidates down, the candidates' labels packed into one word per scene (one popcount).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import split_kernels as K
from .active import CRITERIA, INDEX_ABOVE, plan_split
from .cover import cover_plan
from .index import DialectIndex
from .versionspace import VersionSpace

_NO_PACKED = np.empty(0, dtype=np.uint64)


@dataclass(frozen=True)
class Sweep:
    """Queries needed to identify each phenomenon from an empty table.

    Attributes:
        queries: ``int64[C]``, scenes asked before class ``c`` is the only candidate left.
        nodes: questions in the decision tree (its internal nodes).
        seconds: wall time of the sweep.
        root_scene: the first scene every game asks.
    """

    queries: np.ndarray
    nodes: int
    seconds: float
    root_scene: str

    @property
    def played(self) -> np.ndarray:
        """The query counts of the classes the sweep started with."""
        return self.queries[self.queries >= 0]

    @property
    def mean(self) -> float:
        return float(self.played.mean())

    @property
    def worst(self) -> int:
        return int(self.played.max())

    @property
    def information_bound(self) -> int:
        """``ceil(log2 n)``: no yes/no questioning can do better in the worst case."""
        return int(np.ceil(np.log2(max(1, self.played.shape[0]))))

    def histogram(self) -> dict[int, int]:
        values, counts = np.unique(self.played, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}


def _bit_positions(x: int) -> np.ndarray:
    return np.array([j for j in range(64) if (x >> j) & 1], dtype=np.int64)


def _holds(ids: np.ndarray, packed: np.ndarray, mask: int, class_id: int) -> bool:
    """Whether a node (its sorted ``ids``, or in a packed node the bits of ``mask``) holds a class."""
    at = int(np.searchsorted(ids, class_id))
    if at == ids.shape[0] or ids[at] != class_id:
        return False
    return not packed.shape[0] or bool((mask >> at) & 1)


def identify_all(start_from: VersionSpace | None = None, *, criterion: str = "cover") -> Sweep:
    """Build the decision tree over every phenomenon (uniform prior, every scene).

    Args:
        start_from: the version space to start from (default: every phenomenon, the empty
            table); ``queries`` then has ``-1`` for classes outside it.
        criterion: ``"cover"`` (default) or ``"gain"`` (= ``"minimax"`` under the uniform
            prior), as in :func:`~rulelang.search.active.next_scene`.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}")
    vs = start_from or VersionSpace.everything()
    ix = vs.index
    plan = cover_plan(ix) if criterion == "cover" else None
    start = time.perf_counter()
    rows = ix.class_rows
    queries = np.full(ix.n_classes, -1, dtype=np.int64)
    # Nodes: (candidate ids, candidate scenes, depth, packed rows, mask). In a packed node
    # the candidates are the set bits of ``mask``, bit j standing for ``ids[j]``.
    stack: list[tuple] = [(vs.ids, ix.distinct_scenes, 0, _NO_PACKED, 0)]
    nodes = 0
    root_scene = -1
    while stack:
        ids, scenes, depth, packed, mask = stack.pop()
        n = ids.shape[0] if not packed.shape[0] else bin(mask).count("1")
        if n == 1:
            queries[ids[0] if not packed.shape[0] else ids[_bit_positions(mask)[0]]] = depth
            continue
        if not packed.shape[0] and n <= 64:
            packed = K.pack_members(rows, ids, ix.n_scenes)[scenes]
            mask = (1 << n) - 1
        if packed.shape[0]:
            counts = K.packed_counts(packed, np.uint64(mask))
        elif n > INDEX_ABOVE:
            bits = ix.bits_of(ids)
            counts = K.split_counts(ix.index, bits, np.flatnonzero(bits).astype(np.int64), scenes)
        else:
            counts = K.member_counts(rows, ids, ix.n_scenes)[scenes]
        best = K.best_split(counts, n)
        if plan is not None and n <= plan.start and _holds(ids, packed, mask, plan.hidden):
            best = plan_split(counts, n, best, plan.positions(scenes))
        scene = int(scenes[best])
        root_scene = scene if root_scene < 0 else root_scene
        nodes += 1
        child_scenes, child_packed = K.splitters(counts, n, scenes, packed)
        if packed.shape[0]:
            yes = int(packed[best]) & mask
            for sub in (yes, mask & ~yes):
                stack.append((ids, child_scenes, depth + 1, child_packed, sub))
        else:
            answer = ix.labels_of_many(ids, scene)
            for side in (answer, ~answer):
                stack.append((ids[side], child_scenes, depth + 1, _NO_PACKED, 0))
    scene_text = ix.universe.format_scene(ix.universe.all_scenes()[root_scene])
    return Sweep(queries, nodes, time.perf_counter() - start, scene_text)


def disjoint_witnesses(index: DialectIndex, max_true: int = 3000) -> np.ndarray:
    """Classes with nonempty, pairwise disjoint true-scene sets (a lower-bound certificate).

    When the hidden phenomenon is true nowhere, every answer is "false" and a question
    rules out only classes true on the scene asked; a scene lies in at most one of these
    classes' true sets, so *any* questioner needs at least ``len(result)`` questions for it.
    Found greedily (fewest conflicts first) among classes true on at most ``max_true`` scenes.
    """
    small = np.flatnonzero((index.true_counts > 0) & (index.true_counts <= max_true))
    rows = index.class_rows
    n = small.shape[0]
    meets = np.zeros((n, n), dtype=bool)
    for i in range(n):
        meets[i] = (rows[small] & rows[small[i]]).any(axis=1)
    np.fill_diagonal(meets, False)
    alive = np.ones(n, dtype=bool)
    chosen = []
    while alive.any():
        degree = np.where(alive, (meets & alive).sum(axis=1), n + 1)
        i = int(np.argmin(degree))
        chosen.append(int(small[i]))
        alive &= ~meets[i]
        alive[i] = False
    return np.array(chosen, dtype=np.int64)
