"""The kernels of the bound on the mean of any questioner (:mod:`rulelang.search.meanbound`).

* :func:`weighted_loads` — the weight of the classes true on each scene, for several weight
  vectors at once, in exact integers: what a certificate is checked with;
* :func:`greedy_left` — candidates a lopsided path keeps when each question sheds the most
  it can (an upper bound on the fewest any questioner keeps);
* :func:`path_costs` — the least cost of a lopsided path and what hangs beside it, given a
  floor on its candidates at each step (a dynamic program over the path's sizes).

Layouts: :mod:`rulelang.bits` (scene-major class bits).
"""

from __future__ import annotations

import numpy as np

from rulelang.bits import ONE, popcount, trailing_zeros
from rulelang.jit import kernel, parallel_kernel, prange

#: Larger than any cost the path kernel adds up.
INFINITE = np.int64(1) << np.int64(60)


@parallel_kernel
def weighted_loads(index, scenes, weights_t):
    """``int64[len(scenes), m]``: for each scene and each of the ``m`` weight vectors
    (``weights_t[c, j]``: class ``c``'s weight in vector ``j``), the weight of the classes
    true on the scene."""
    m = weights_t.shape[1]
    out = np.zeros((scenes.shape[0], m), dtype=np.int64)
    for i in prange(scenes.shape[0]):
        row = index[scenes[i]]
        acc = np.zeros(m, dtype=np.int64)
        for w in range(row.shape[0]):
            x = row[w]
            while x:
                c = w * 64 + np.int64(trailing_zeros(x))
                for j in range(m):
                    acc[j] += weights_t[c, j]
                x &= x - ONE
        out[i] = acc
    return out


@kernel
def greedy_left(index, scenes, valid, steps, answer):
    """``int64[steps + 1]``: candidates left on the path whose every answer is ``answer``
    when each question is the scene (of ``scenes``) that sheds the most of them: on the
    all-"false" path a scene sheds the classes true on it, on the all-"true" path those
    false on it. Entry 0 is every class; once one is left, the rest repeat it."""
    n_words = valid.shape[0]
    left = valid.copy()
    out = np.zeros(steps + 1, dtype=np.int64)
    for w in range(n_words):
        out[0] += np.int64(popcount(left[w]))
    for k in range(1, steps + 1):
        best, at = -1, 0
        for i in range(scenes.shape[0]):
            row = index[scenes[i]]
            shed = 0
            for w in range(n_words):
                x = (~row[w] & valid[w]) if answer else row[w]
                shed += np.int64(popcount(x & left[w]))
            if shed > best:
                best, at = shed, i
        row = index[scenes[at]]
        for w in range(n_words):
            left[w] &= row[w] if answer else ~row[w]
        out[k] = out[k - 1] - best
        if out[k] <= 1:  # nothing left to shed (the path's own end)
            out[k + 1:] = out[k]
            break
    return out


@kernel
def path_costs(floors, top, balanced):
    """``int64[top + 1]``: entry ``r`` is the least cost of a lopsided path whose first node
    (one question in) holds ``r`` candidates, when after ``k`` questions it holds at least
    ``floors[k]`` (``floors[0]`` unused; no floor past the end).

    A node of ``r`` candidates costs ``r`` (each asks one more question there); the ``r - r'``
    it sheds to its next node ``r'`` hang beside the path in a subtree, which costs at least
    ``balanced[r - r']``; past the last floor the rest is at least a balanced tree. A path
    sheds at least one candidate per question and ends at one. ``INFINITE`` below the floor.
    """
    steps = floors.shape[0] - 1
    nxt = balanced[: top + 1].copy()  # past the last floor: a balanced tree
    for k in range(steps, 0, -1):
        cur = np.full(top + 1, INFINITE, dtype=np.int64)
        low = max(floors[k + 1], 1) if k < steps else 1
        for r in range(max(floors[k], 1), top + 1):
            if r == 1:
                cur[1] = 0
                continue
            best = INFINITE
            for r2 in range(low, r):
                v = balanced[r - r2] + nxt[r2]
                if v < best:
                    best = v
            if best < INFINITE:
                cur[r] = r + best
        nxt = cur
    return nxt
