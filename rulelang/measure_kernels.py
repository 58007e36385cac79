"""The kernels that compute the measures (:mod:`rulelang.measures` is their public wrapper):
how many classes a table leaves, and whether a learner's labels are nearest to the hidden
rule's (NRS) on a sample or on every scene.

They read both layouts of :mod:`rulelang.bits`: the rule-major semantics matrix, and its
scene-major class index (one row of class bits per scene), where a table's consistent
classes, or every class's distance to a learner's labels on a sample, cost a few
operations per 64 classes.
"""

from __future__ import annotations

import numpy as np

from .bits import popcount
from .jit import kernel, parallel_kernel, prange

ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@parallel_kernel
def consistent_counts(sm, n_classes, scenes, labels):
    """Per table ``t``: how many classes agree with ``labels[t]`` on every scene of ``scenes[t]``."""
    n, k = scenes.shape
    cw = sm.shape[1]
    out = np.zeros(n, dtype=np.int64)
    for t in prange(n):
        total = 0
        for q in range(cw):
            agree = ALL
            for j in range(k):
                x = sm[scenes[t, j], q]
                agree &= x if labels[t, j] else ~x
            if q == cw - 1 and n_classes % 64:
                agree &= (np.uint64(1) << np.uint64(n_classes % 64)) - np.uint64(1)
            total += np.int64(popcount(agree))
        out[t] = total
    return out


@kernel
def _csa(a, b, c):
    """Carry-save adder: ``(carry, sum)`` of three bit vectors."""
    u = a ^ b
    return (a & b) | (u & c), u ^ c


@kernel
def _term(sm, scenes, labels, t, j, q, m):
    """Word ``q`` of "class disagrees with the learner" on sample ``j`` (0 past the end)."""
    if j >= m:
        return np.uint64(0)
    x = sm[scenes[t, j], q]
    return ~x if labels[t, j] else x


@kernel
def _count16(sm, scenes, labels, t, j, q, m, ones, twos, fours, eights):
    """Harley-Seal step: add 16 samples' words into ones/twos/fours/eights; return the
    word of sixteens carried out."""
    twos_a, ones = _csa(ones, _term(sm, scenes, labels, t, j, q, m), _term(sm, scenes, labels, t, j + 1, q, m))
    twos_b, ones = _csa(ones, _term(sm, scenes, labels, t, j + 2, q, m), _term(sm, scenes, labels, t, j + 3, q, m))
    fours_a, twos = _csa(twos, twos_a, twos_b)
    twos_a, ones = _csa(ones, _term(sm, scenes, labels, t, j + 4, q, m), _term(sm, scenes, labels, t, j + 5, q, m))
    twos_b, ones = _csa(ones, _term(sm, scenes, labels, t, j + 6, q, m), _term(sm, scenes, labels, t, j + 7, q, m))
    fours_b, twos = _csa(twos, twos_a, twos_b)
    eights_a, fours = _csa(fours, fours_a, fours_b)
    twos_a, ones = _csa(ones, _term(sm, scenes, labels, t, j + 8, q, m), _term(sm, scenes, labels, t, j + 9, q, m))
    twos_b, ones = _csa(ones, _term(sm, scenes, labels, t, j + 10, q, m), _term(sm, scenes, labels, t, j + 11, q, m))
    fours_a, twos = _csa(twos, twos_a, twos_b)
    twos_a, ones = _csa(ones, _term(sm, scenes, labels, t, j + 12, q, m), _term(sm, scenes, labels, t, j + 13, q, m))
    twos_b, ones = _csa(ones, _term(sm, scenes, labels, t, j + 14, q, m), _term(sm, scenes, labels, t, j + 15, q, m))
    fours_b, twos = _csa(twos, twos_a, twos_b)
    eights_b, fours = _csa(fours, fours_a, fours_b)
    sixteens, eights = _csa(eights, eights_a, eights_b)
    return ones, twos, fours, eights, sixteens


@parallel_kernel
def nearest_on_samples(sm, n_classes, scenes, labels, hidden_class):
    """Per task: is the hidden class strictly nearest to the labels on the sample?

    Per word of 64 classes, the distances to ``labels[t]`` on ``scenes[t]`` are summed
    with carry-save adders (Harley-Seal: 16 samples into ones/twos/fours/eights, carries
    into bit-sliced counters of sixteens); the task succeeds when no other class is at a
    distance at most the hidden class's. Returns ``(ok bool[n], hidden distance int64[n])``.
    """
    n, m = scenes.shape
    cw = sm.shape[1]
    n_wide = 1
    while (1 << n_wide) <= m // 16:
        n_wide += 1
    n_planes = 4 + n_wide
    ok = np.zeros(n, dtype=np.bool_)
    dist = np.zeros(n, dtype=np.int64)
    for t in prange(n):
        planes = np.zeros(n_planes, dtype=np.uint64)
        hc = hidden_class[t]
        hq, hb = hc >> 6, np.uint64(hc & 63)
        dh = 0
        for j in range(m):
            dh += np.int64(((_term(sm, scenes, labels, t, j, hq, m) >> hb) & np.uint64(1)))
        dist[t] = dh
        good = True
        for q in range(cw):
            ones = twos = fours = eights = np.uint64(0)
            for b in range(4, n_planes):
                planes[b] = 0
            for j in range(0, m, 16):
                ones, twos, fours, eights, carry = _count16(sm, scenes, labels, t, j, q, m,
                                                            ones, twos, fours, eights)
                for b in range(4, n_planes):  # add the sixteens into the wide counter
                    if carry == 0:
                        break
                    u = planes[b] & carry
                    planes[b] ^= carry
                    carry = u
            planes[0], planes[1], planes[2], planes[3] = ones, twos, fours, eights
            le = np.uint64(0)  # classes whose distance is <= dh (bit-sliced comparison)
            eq = ALL
            for b in range(n_planes - 1, -1, -1):
                pb = planes[b]
                if (dh >> b) & 1:
                    le |= eq & ~pb
                    eq &= pb
                else:
                    eq &= ~pb
            le |= eq
            if q == hq:
                le &= ~(np.uint64(1) << hb)
            if q == cw - 1 and n_classes % 64:
                le &= (np.uint64(1) << np.uint64(n_classes % 64)) - np.uint64(1)
            if le:
                good = False
                break
        ok[t] = good
    return ok, dist


@parallel_kernel
def nearest_everywhere(words, canon, order, sorted_counts, learner, hidden_class):
    """Per task: is the hidden class strictly nearest to the learner's row on all scenes?

    Classes are visited outwards from the learner's true count (``order`` sorts classes by
    true count); a class whose true count differs from the learner's by more than the
    hidden class's distance cannot be as near, which ends the walk. Each visited class's
    distance is summed word by word and abandoned once it exceeds the hidden distance.
    Returns ``(ok bool[n], hidden distance int64[n])``.
    """
    n = learner.shape[0]
    n_words = words.shape[1]
    n_classes = order.shape[0]
    ok = np.zeros(n, dtype=np.bool_)
    dist = np.zeros(n, dtype=np.int64)
    for t in prange(n):
        row = learner[t]
        hc = hidden_class[t]
        h = canon[hc]
        dh = 0
        nl = 0
        for w in range(n_words):
            dh += np.int64(popcount(words[h, w] ^ row[w]))
            nl += np.int64(popcount(row[w]))
        dist[t] = dh
        good = True
        if dh > 0:
            hi = np.searchsorted(sorted_counts, nl)
            lo = hi - 1
            while True:
                gap_lo = nl - sorted_counts[lo] if lo >= 0 else dh + 1
                gap_hi = sorted_counts[hi] - nl if hi < n_classes else dh + 1
                if gap_lo > dh and gap_hi > dh:
                    break
                if gap_lo <= gap_hi:
                    c = order[lo]
                    lo -= 1
                else:
                    c = order[hi]
                    hi += 1
                if c == hc:
                    continue
                r = canon[c]
                acc = 0
                for w in range(n_words):
                    acc += np.int64(popcount(words[r, w] ^ row[w]))
                    if acc > dh:
                        break
                if acc <= dh:
                    good = False
                    break
        ok[t] = good
    return ok, dist
