"""The kernels of the covering problem: which scenes rule out every phenomenon of a family
(:mod:`rulelang.search.cover`).

An instance is a bit matrix ``cols[j]``: the set of *elements* (phenomena, numbered
``0 .. m-1``) that column ``j`` (a scene) rules out, ``ceil(m / 64)`` words per column,
element ``e`` at bit ``e & 63`` of word ``e >> 6`` (the scene-major layout of
:mod:`rulelang.bits`). A *cover* is a set of columns whose union is every element.

* :func:`project` builds an instance from the scene index;
* :func:`improve_cover` searches for a small cover (weighted greedy, then iterated local
  search: drop a few columns, repair greedily, prune redundant ones; seeded, so the same
  seed gives the same cover);
* :func:`lagrangian_multipliers` computes weights for the lower bound (subgradient ascent
  on the Lagrangian relaxation; any weights give a valid bound, these a strong one).
"""

from __future__ import annotations

import numpy as np

from rulelang.bits import ONE, trailing_zeros
from rulelang.jit import kernel, parallel_kernel, prange


@parallel_kernel
def project(index, scenes, elems):
    """``uint64[len(scenes), ceil(len(elems) / 64)]``: bit ``e`` of row ``i`` is class
    ``elems[e]``'s label on scene ``scenes[i]`` (index: scene-major class bits)."""
    m = elems.shape[0]
    out = np.zeros((scenes.shape[0], (m + 63) // 64), dtype=np.uint64)
    for i in prange(scenes.shape[0]):
        row = index[scenes[i]]
        for e in range(m):
            c = elems[e]
            if (row[c >> 6] >> np.uint64(c & 63)) & ONE:
                out[i, e >> 6] |= ONE << np.uint64(e & 63)
    return out


@kernel
def _weight_of(col, unc, w):
    t = 0.0
    for k in range(col.shape[0]):
        x = col[k] & unc[k]
        while x:
            t += w[k * 64 + np.int64(trailing_zeros(x))]
            x &= x - ONE
    return t


@kernel
def _repair(cols, w, unc, sol, n, noise):
    """Add columns to ``sol[:n]`` until ``unc`` is empty: each time the column ruling out
    the most weight of ``unc`` (times ``1 + noise * U(0, 1)``); the new length."""
    while True:
        left = False
        for k in range(unc.shape[0]):
            if unc[k]:
                left = True
        if not left:
            return n
        best, bj = -1.0, -1
        for j in range(cols.shape[0]):
            v = _weight_of(cols[j], unc, w)
            if v > 0.0:
                if noise > 0.0:
                    v *= 1.0 + noise * np.random.random()
                if v > best:
                    best, bj = v, j
        sol[n] = bj
        n += 1
        for k in range(unc.shape[0]):
            unc[k] &= ~cols[bj, k]


@kernel
def _prune(cols, sol, n, m, key):
    """Drop redundant columns of ``sol[:n]`` (lowest ``key`` first), in place; the new length."""
    cnt = np.zeros(m, dtype=np.int64)
    for t in range(n):
        for k in range(cols.shape[1]):
            x = cols[sol[t], k]
            while x:
                cnt[k * 64 + np.int64(trailing_zeros(x))] += 1
                x &= x - ONE
    keys = np.empty(n)
    for t in range(n):
        keys[t] = key[sol[t]]
    keep = np.ones(n, dtype=np.bool_)
    for t in np.argsort(keys):
        redundant = True
        for k in range(cols.shape[1]):
            x = cols[sol[t], k]
            while x and redundant:
                if cnt[k * 64 + np.int64(trailing_zeros(x))] < 2:
                    redundant = False
                x &= x - ONE
        if redundant:
            keep[t] = False
            for k in range(cols.shape[1]):
                x = cols[sol[t], k]
                while x:
                    cnt[k * 64 + np.int64(trailing_zeros(x))] -= 1
                    x &= x - ONE
    k = 0
    for t in range(n):
        if keep[t]:
            sol[k] = sol[t]
            k += 1
    return k


@kernel
def _everything(m):
    unc = np.zeros((m + 63) // 64, dtype=np.uint64)
    for e in range(m):
        unc[e >> 6] |= ONE << np.uint64(e & 63)
    return unc


@kernel
def improve_cover(cols, w, m, iters, seed, drop, noise):
    """A small cover of the ``m`` elements (``cols`` must cover them all): the column ids.

    Starts from the ``w``-weighted greedy cover, then ``iters`` rounds of local search:
    drop ``drop`` random columns, repair with noisy weighted greedy, prune redundant
    columns (random order), keep the result when it is no larger. Deterministic for a seed.
    """
    np.random.seed(seed)
    cur = np.empty(m + drop, dtype=np.int64)
    n = _repair(cols, w, _everything(m), cur, 0, 0.0)
    n = _prune(cols, cur, n, m, np.zeros(cols.shape[0]))
    best = cur[:n].copy()
    trial = np.empty(m + drop, dtype=np.int64)
    for _ in range(iters):
        perm = np.random.permutation(n)
        k = 0
        unc = _everything(m)
        for t in range(min(drop, n), n):
            trial[k] = cur[perm[t]]
            for q in range(unc.shape[0]):
                unc[q] &= ~cols[trial[k], q]
            k += 1
        k = _repair(cols, w, unc, trial, k, noise)
        k = _prune(cols, trial, k, m, np.random.random(cols.shape[0]))
        if k <= n:
            cur[:k] = trial[:k]
            n = k
            if n < best.shape[0]:
                best = cur[:n].copy()
    return best


@kernel
def lagrangian_multipliers(ptr, elems, m, iters, target):
    """Weights ``u >= 0`` on the elements for the bound of :mod:`rulelang.search.cover`.

    ``elems[ptr[j]:ptr[j + 1]]`` are the elements of column ``j``. The Lagrangian value
    ``L(u) = sum(u) - sum_j max(0, load_j - 1)`` (``load_j`` = the weight column ``j``
    rules out) is a lower bound on every cover's size; subgradient ascent (Polyak steps
    towards ``target``, the step halved when the bound stalls) returns the best ``u`` seen.
    """
    n_cols = ptr.shape[0] - 1
    size = np.zeros(m)
    for j in range(n_cols):
        for t in range(ptr[j], ptr[j + 1]):
            size[elems[t]] += 1.0
    u = np.empty(m)
    for e in range(m):
        u[e] = 1.0 / size[e]
    best_u = u.copy()
    best = -1.0
    lam, stall = 2.0, 0
    g = np.empty(m)
    for _ in range(iters):
        value = 0.0
        for e in range(m):
            value += u[e]
            g[e] = 1.0
        for j in range(n_cols):
            load = 0.0
            for t in range(ptr[j], ptr[j + 1]):
                load += u[elems[t]]
            if load > 1.0:
                value -= load - 1.0
                for t in range(ptr[j], ptr[j + 1]):
                    g[elems[t]] -= 1.0
        if value > best + 1e-9:
            best, stall = value, 0
            best_u[:] = u
        else:
            stall += 1
            if stall > 30:
                lam *= 0.7
                stall = 0
                if lam < 1e-6:
                    break
        norm = 0.0
        for e in range(m):
            norm += g[e] * g[e]
        if norm == 0.0:
            break
        step = lam * (target - value) / norm
        for e in range(m):
            u[e] = max(0.0, u[e] + step * g[e])
    return best_u
