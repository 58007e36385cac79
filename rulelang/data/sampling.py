"""Reproducible random draws: a stream per purpose, and samplers that use only raw bits.

A data set must be byte-identical for one seed on any machine and any NumPy version.
NumPy promises stable streams for ``SeedSequence`` and its bit generators (NEP 19), but
not for ``Generator`` methods such as ``choice``; so the samplers here consume raw 64-bit
words from ``PCG64`` and map them to integers themselves, one word per draw.

Each purpose (the splits, the training samples, each table kind, ...) has its own stream,
named by a small integer in :data:`STREAMS`, so that changing one part of a data set (say,
the test-set size) leaves the draws of the others unchanged.
"""

from __future__ import annotations

import numpy as np

from ..jit import kernel, parallel_kernel, prange

#: Stream ids: ``SeedSequence(seed, spawn_key=(stream, part))``.
STREAMS = {
    "splits": 0,
    "train": 1,
    "random": 2,
    "balanced": 3,
    "informative": 4,
    "eval": 5,
    "pool": 6,  # the scene pool of a universe too large for the matrix (rulelang.data.pool)
}


def raw_words(seed: int, stream: str, part: int, n: int) -> np.ndarray:
    """``n`` raw ``uint64`` words of the stream ``(seed, stream, part)``."""
    seq = np.random.SeedSequence(seed, spawn_key=(STREAMS[stream], part))
    return np.random.PCG64(seq).random_raw(n).astype(np.uint64, copy=False)


@kernel
def bounded(x, n):
    """``floor(x * n / 2**64)``: a raw word mapped to ``0 .. n - 1`` (``n < 2**32``).

    The multiply-high is done in 32-bit halves, exactly; the bias is below ``n / 2**64``.
    """
    n = np.uint64(n)
    lo = x & np.uint64(0xFFFFFFFF)
    hi = x >> np.uint64(32)
    return np.int64((hi * n + ((lo * n) >> np.uint64(32))) >> np.uint64(32))


@kernel
def partial_shuffle(raw, n_pop, k, perm, js, out):
    """The first ``k`` items of a uniform random permutation of ``perm`` (left unchanged)."""
    for i in range(k):
        j = i + bounded(raw[i], n_pop - i)
        js[i] = j
        vi, vj = perm[i], perm[j]
        perm[i], perm[j] = vj, vi
        out[i] = vj
    for i in range(k - 1, -1, -1):  # undo the swaps, so perm can serve the next row
        j = js[i]
        perm[i], perm[j] = perm[j], perm[i]


#: Above this population a row's permutation is kept sparse (:func:`sparse_partial_shuffle`):
#: the dense one is a list of every index, 2.3 GB for odeen-10's 282 M scenes.
DENSE_MAX = 1 << 22


@kernel
def _slot(keys, x):
    """The slot of ``x`` in the open-addressing table ``keys`` (``-1``: empty), or the empty
    slot where it would go."""
    mask = keys.shape[0] - 1
    s = np.int64((np.uint64(x) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(40)) & mask
    while keys[s] != -1 and keys[s] != x:
        s = (s + 1) & mask
    return s


@kernel
def sparse_partial_shuffle(raw, n_pop, k, keys, vals, out):
    """:func:`partial_shuffle` of ``0 .. n_pop - 1`` without the list: the same items, from a
    hash table of the positions the swaps moved (item ``p`` is ``vals[slot]`` where ``keys``
    holds ``p``, else ``p`` itself). ``keys`` (size a power of two, at least ``4 k``) is all
    ``-1`` on entry and on return."""
    for i in range(k):
        j = i + bounded(raw[i], n_pop - i)
        si = _slot(keys, i)
        vi = vals[si] if keys[si] == i else i
        sj = _slot(keys, j)
        vj = vals[sj] if keys[sj] == j else j
        keys[si] = i
        vals[si] = vj
        sj = _slot(keys, j)  # (i's insertion may have taken j's empty slot)
        keys[sj] = j
        vals[sj] = vi
        out[i] = vj
    keys[:] = -1


@parallel_kernel
def sample_rows(raw, n_pop):
    """Row ``r``: ``k`` distinct integers of ``0 .. n_pop - 1`` in uniform random order.

    ``raw`` is ``uint64[rows, k]``; row ``r`` uses only ``raw[r]``, so the result does not
    depend on how the rows are spread over threads. A prefix of a row is itself a uniform
    sample without replacement.
    """
    rows, k = raw.shape
    out = np.empty((rows, k), dtype=np.uint32)
    n_chunks = min(rows, 64)
    cap = 64
    while cap < 4 * k:
        cap *= 2
    for c in prange(n_chunks):
        js = np.empty(k, dtype=np.int64)
        tmp = np.empty(k, dtype=np.int64)
        if n_pop <= DENSE_MAX:
            perm = np.arange(n_pop).astype(np.int64)
            for r in range(c * rows // n_chunks, (c + 1) * rows // n_chunks):
                partial_shuffle(raw[r], n_pop, k, perm, js, tmp)
                for i in range(k):
                    out[r, i] = tmp[i]
        else:  # the same items, without a list of every index
            keys = np.full(cap, -1, dtype=np.int64)
            vals = np.empty(cap, dtype=np.int64)
            for r in range(c * rows // n_chunks, (c + 1) * rows // n_chunks):
                sparse_partial_shuffle(raw[r], n_pop, k, keys, vals, tmp)
                for i in range(k):
                    out[r, i] = tmp[i]
    return out


def uniform_samples(seed: int, stream: str, part: int, n_rows: int, k: int, n_scenes: int) -> np.ndarray:
    """``uint32[n_rows, k]``: per row, ``k`` distinct uniform scenes in random order."""
    if n_rows == 0 or k == 0:
        return np.zeros((n_rows, k), dtype=np.uint32)
    raw = raw_words(seed, stream, part, n_rows * k).reshape(n_rows, k)
    return sample_rows(raw, n_scenes)


@kernel
def sample_from(raw, pool, k, out):
    """``k`` distinct items of ``pool`` (``int64``) in uniform random order, into ``out``."""
    perm = pool.copy()
    js = np.empty(k, dtype=np.int64)
    partial_shuffle(raw, pool.shape[0], k, perm, js, out)


def permutation(seed: int, stream: str, part: int, n: int) -> np.ndarray:
    """A uniform random permutation of ``0 .. n - 1`` (``int64``)."""
    if n == 0:
        return np.empty(0, dtype=np.int64)
    raw = raw_words(seed, stream, part, n).reshape(1, n)
    return sample_rows(raw, n)[0].astype(np.int64)
