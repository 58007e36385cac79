"""Identify every phenomenon of the dialect by asking scenes: the whole decision tree.

An active learner that starts from an empty table and asks :func:`rulelang.search.active.next_scene`
(uniform prior) until one phenomenon remains asks, for a hidden phenomenon, a sequence of
scenes that depends only on the answers so far. All 11,618 such games together form one
binary decision tree (:mod:`rulelang.search.tree`); building it once plays every game.

Each node asks what :func:`~rulelang.search.active.next_scene` asks in the same state:
with ``criterion="cover"``, the opening book's question in the states it plans
(:mod:`rulelang.search.book`), on the all-"false" path the plan's most even scene once the
plan applies (:func:`~rulelang.search.active.plan_split`), elsewhere the most even split,
simplest first on ties.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from .active import CRITERIA, plan_split
from .book import opening_book
from .cover import cover_plan
from .index import DialectIndex
from .tree import Node, grow
from .versionspace import VersionSpace


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

    @property
    def mean_bound(self) -> float:
        """The fewest questions per phenomenon any yes/no questioning can average: see
        :func:`fewest_total_questions` (Odeen: 13.590, above log2(11,618) = 13.50)."""
        n = self.played.shape[0]
        return fewest_total_questions(n) / max(1, n)

    def histogram(self) -> dict[int, int]:
        values, counts = np.unique(self.played, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}


def fewest_total_questions(n: int, deep: int = 0) -> int:
    """The least total depth of a full binary tree with ``n`` leaves, one of them (any
    given one) at depth ``deep`` or more.

    Every questioning that asks until one phenomenon is left is such a tree: a leaf per
    phenomenon, a question per inner node, and two nonempty sides at each (a node with one
    candidate asks nothing). So this bounds the questions of *any* questioner, summed over
    the phenomena; ``deep`` carries a proved bound on one phenomenon's questions (on Odeen,
    the phenomenon true nowhere needs 45, :func:`rulelang.search.cover.exact_lower_bound`).

    Without ``deep`` the balanced tree is the cheapest: ``n (k + 2) - 2^(k+1)``,
    ``k = floor(log2 n)`` (``2^(k+1) - n`` leaves at depth ``k``, the rest at ``k + 1``; the
    information bound in whole questions). With it, the deep leaf's path has ``deep`` inner
    nodes and the other ``n - 1`` leaves hang beside it in subtrees of ``a_i >= 1`` leaves
    at depth ``i``, costing ``i a_i`` plus their own balanced cost; those costs are convex
    in ``a_i``, so handing out the leaves one by one to the cheapest place is optimal.
    """
    def balanced(m: int) -> int:
        if m <= 1:
            return 0
        k = m.bit_length() - 1
        return m * (k + 2) - (1 << (k + 1))

    if deep > max(n - 1, 0):
        raise ValueError(f"a tree of {n} leaves has no leaf at depth {deep}")
    if n <= 1:
        return 0
    k = n.bit_length() - 1
    if deep <= (k if n == 1 << k else k + 1):  # the balanced tree has a leaf that deep
        return balanced(n)
    sizes = [1] * (deep + 1)  # sizes[i]: leaves beside the path at depth i (1..deep)
    heap = [(i + balanced(2) - balanced(1), i) for i in range(1, deep + 1)]
    heapq.heapify(heap)
    for _ in range(n - 1 - deep):
        _, i = heapq.heappop(heap)
        sizes[i] += 1
        heapq.heappush(heap, (i + balanced(sizes[i] + 1) - balanced(sizes[i]), i))
    return deep + sum(i * sizes[i] + balanced(sizes[i]) for i in range(1, deep + 1))


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
    choose = None
    if criterion == "cover":
        book, plan = opening_book(ix), cover_plan(ix)

        def choose(node: Node) -> int:
            if not node.packed.shape[0]:
                scene = book.scene_for(node.ids)
                if scene is not None:
                    at = np.flatnonzero(node.scenes == scene)
                    if at.shape[0] and 0 < node.counts[at[0]] < node.n:
                        return int(at[0])
            if plan is not None and node.n <= plan.start and node.holds(plan.hidden):
                return plan_split(node.counts, node.n, node.best, plan.positions(node.scenes))
            return node.best

    start = time.perf_counter()
    tree = grow(ix, vs.ids, choose)
    scene_text = ix.universe.format_scene(ix.universe.all_scenes()[tree.root_scene]) if tree.root_scene >= 0 else ""
    return Sweep(tree.queries, tree.nodes, time.perf_counter() - start, scene_text)


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
