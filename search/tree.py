"""The decision tree of a questioning policy: every game from one state, played at once.

An active learner that asks scenes until one phenomenon remains asks, for a hidden
phenomenon, a sequence of scenes that depends only on the answers so far. All the games
from one version space together form one binary decision tree whose nodes are
version-space states; :func:`grow` builds it once (the memo by state is the tree itself).

Each node asks the scene whose split of its candidates is nearest to half, simplest first
on ties, unless the policy's ``choose`` hook picks another. A node only looks at the
scenes that split its parent: a scene that does not split a set splits none of its
subsets. Split counts come from the cheapest source for the node's size: the scene index
(large nodes), bit-sliced counters over the class rows (middle), or, from 64 candidates
down, the candidates' labels packed into one word per scene (one popcount).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import split_kernels as K
from .index import DialectIndex

#: Above this many candidates, split counts come from the scene index; below, from the
#: class rows (cheaper for small sets: the cost follows the candidates, not the scenes).
INDEX_ABOVE = 4000

_NO_PACKED = np.empty(0, dtype=np.uint64)


@dataclass(frozen=True)
class Node:
    """What a policy's ``choose`` hook sees of a node of the tree.

    Attributes:
        ids: the candidates' class ids, ascending; in a packed node (``packed`` nonempty)
            the candidates are only those of the set bits of ``mask``.
        n: how many candidates.
        scenes: the scenes that may split them (scene order); ``counts`` their true counts.
        best: the position of the most even split (simplest first on ties).
    """

    ids: np.ndarray
    n: int
    scenes: np.ndarray
    counts: np.ndarray
    best: int
    packed: np.ndarray
    mask: int

    def holds(self, class_id: int) -> bool:
        """Whether ``class_id`` is a candidate of this node."""
        at = int(np.searchsorted(self.ids, class_id))
        if at == self.ids.shape[0] or self.ids[at] != class_id:
            return False
        return not self.packed.shape[0] or bool((self.mask >> at) & 1)


#: A policy's hook: the position (in ``node.scenes``) of the question to ask.
Choose = Callable[[Node], int]


@dataclass(frozen=True)
class Tree:
    """``queries[c]``: questions asked before class ``c`` is alone (``-1``: not a candidate);
    ``nodes``: questions in the tree; ``root_scene``: the first question (``-1`` if none)."""

    queries: np.ndarray
    nodes: int
    root_scene: int

    def total(self) -> int:
        """The sum of every candidate's questions (the mean times the candidates)."""
        return int(self.queries[self.queries >= 0].sum())


def _bit_positions(x: int) -> np.ndarray:
    return np.array([j for j in range(64) if (x >> j) & 1], dtype=np.int64)


def count_splits(ix: DialectIndex, ids: np.ndarray, scenes: np.ndarray) -> np.ndarray:
    """``int64[len(scenes)]``: how many of the classes ``ids`` label each scene true."""
    if ids.shape[0] > INDEX_ABOVE:
        bits = ix.bits_of(ids)
        return K.split_counts(ix.index, bits, np.flatnonzero(bits).astype(np.int64), scenes)
    return K.member_counts(ix.class_rows, ids, ix.n_scenes)[scenes]


def grow(ix: DialectIndex, ids: np.ndarray, choose: Optional[Choose] = None) -> Tree:
    """The tree of the policy from the candidates ``ids`` (ascending), over every scene.

    ``choose`` (optional) picks the question at a node; without it every node asks its
    most even split.
    """
    rows = ix.class_rows
    queries = np.full(ix.n_classes, -1, dtype=np.int64)
    # Nodes: (candidate ids, candidate scenes, depth, packed rows, mask). In a packed node
    # the candidates are the set bits of ``mask``, bit j standing for ``ids[j]``.
    stack: list[tuple] = [(np.asarray(ids, dtype=np.int64), ix.distinct_scenes, 0, _NO_PACKED, 0)]
    nodes = 0
    root_scene = -1
    while stack:
        ids, scenes, depth, packed, mask = stack.pop()
        n = ids.shape[0] if not packed.shape[0] else bin(mask).count("1")
        if n <= 1:
            if n == 1:
                queries[ids[0] if not packed.shape[0] else ids[_bit_positions(mask)[0]]] = depth
            continue
        if not packed.shape[0] and n <= 64:
            packed = K.pack_members(rows, ids, ix.n_scenes)[scenes]
            mask = (1 << n) - 1
        if packed.shape[0]:
            counts = K.packed_counts(packed, np.uint64(mask))
        else:
            counts = count_splits(ix, ids, scenes)
        best = int(K.best_split(counts, n))
        if choose is not None:
            best = choose(Node(ids, n, scenes, counts, best, packed, mask))
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
    return Tree(queries, nodes, root_scene)
