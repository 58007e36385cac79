"""The kernels that compute the implication order of classes and its Hasse diagram
(:mod:`rulelang.search.graph`), on rule-major class rows (:mod:`rulelang.bits`).
"""

from __future__ import annotations

import numpy as np

from rulelang.bits import ONE, trailing_zeros
from rulelang.jit import kernel, parallel_kernel, prange


@parallel_kernel
def candidate_supersets(sigs, counts):
    """Bit sets ``out[a]`` of every ``b`` with ``sig[a] ⊆ sig[b]`` and ``counts[a] < counts[b]``.

    ``sigs`` are the classes' rows on a sample of scenes: every true superset passes, and a
    few others do (:func:`hasse` checks them exactly).
    """
    n, m = sigs.shape
    out = np.zeros((n, (n + 63) // 64), dtype=np.uint64)
    for a in prange(n):
        for b in range(n):
            if counts[b] <= counts[a]:
                continue
            ok = True
            for w in range(m):
                if sigs[a, w] & ~sigs[b, w]:
                    ok = False
                    break
            if ok:
                out[a, b >> 6] |= ONE << np.uint64(b & 63)
    return out


@kernel
def _subset(x, y):
    """Whether bit row ``x`` is a subset of bit row ``y`` (early exit by blocks of 32 words)."""
    n = x.shape[0]
    w = 0
    while w < n:
        stop = min(w + 32, n)
        acc = np.uint64(0)
        for v in range(w, stop):
            acc |= x[v] & ~y[v]
        if acc:
            return False
        w = stop
    return True


@kernel
def hasse(rows, ids, counts, cand):
    """The inclusion order of classes ``ids`` and its transitive reduction, as bit sets.

    Returns ``(up, cover)``: ``up[a]`` = strict supersets of ``a``, ``cover[a]`` = the
    minimal ones (its covers), both over positions in ``ids``. Classes are visited from the
    largest down, so the supersets of a class are finished before it; a candidate already
    above a verified superset needs no check (transitivity), and a candidate that needs one
    and passes it is a cover: only covers and false candidates are ever compared in full.
    """
    n = ids.shape[0]
    nw = cand.shape[1]
    up = np.zeros((n, nw), dtype=np.uint64)
    cover = np.zeros((n, nw), dtype=np.uint64)
    known = np.zeros(nw, dtype=np.uint64)
    buf = np.empty(n, dtype=np.int64)
    for a in np.argsort(-counts, kind="mergesort"):
        k = 0
        for w in range(nw):
            x = cand[a, w]
            while x:
                buf[k] = w * 64 + np.int64(trailing_zeros(x))
                k += 1
                x &= x - ONE
        found = buf[:k]
        found = found[np.argsort(counts[found], kind="mergesort")]
        known[:] = 0
        for b in found:
            bw, bit = b >> 6, ONE << np.uint64(b & 63)
            if known[bw] & bit:
                up[a, bw] |= bit
            elif _subset(rows[ids[a]], rows[ids[b]]):
                up[a, bw] |= bit
                cover[a, bw] |= bit
                known[bw] |= bit
                for v in range(nw):
                    known[v] |= up[b, v]
    return up, cover
