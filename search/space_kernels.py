"""The kernels that compute version spaces over the scene index (:mod:`rulelang.search.versionspace`).

The index is scene-major (:mod:`rulelang.bits`): one row of class bits per scene, so a
table's version space is an AND of a few rows, and each class's mismatches a bit-sliced
count. Padding bits past the last class are zero in every result.
"""

from __future__ import annotations

import numpy as np

from rulelang.bits import ONE
from rulelang.jit import kernel


@kernel
def consistent(index, scenes, labels, valid):
    """The classes that label every scene as given: an AND of index rows (or their complements)."""
    out = valid.copy()
    for i in range(scenes.shape[0]):
        row = index[scenes[i]]
        if labels[i]:
            for w in range(out.shape[0]):
                out[w] &= row[w]
        else:
            for w in range(out.shape[0]):
                out[w] &= ~row[w]
    return out


@kernel
def mismatch_counts(index, scenes, labels, n_classes):
    """``int32[n_classes]``: how many of the given labels each class contradicts.

    The per-class counters are bit-sliced: plane ``p`` holds bit ``p`` of 64 counters, and
    adding a row of mismatch bits is a ripple-carry over the planes.
    """
    n = scenes.shape[0]
    n_planes = 1
    while (1 << n_planes) <= n:
        n_planes += 1
    planes = np.zeros(n_planes, dtype=np.uint64)
    out = np.zeros(n_classes, dtype=np.int32)
    for w in range(index.shape[1]):
        planes[:] = 0
        for i in range(n):
            carry = index[scenes[i], w]
            if labels[i]:
                carry = ~carry
            for p in range(n_planes):
                t = planes[p] & carry
                planes[p] ^= carry
                carry = t
                if carry == 0:
                    break
        for b in range(64):
            c = w * 64 + b
            if c >= n_classes:
                break
            v = 0
            for p in range(n_planes):
                v |= int((planes[p] >> np.uint64(b)) & ONE) << p
            out[c] = v
    return out
