"""The kernels that count how a scene splits a set of classes: the active learner's
questions (:mod:`rulelang.search.active`, :mod:`rulelang.search.sweep`).

"How many candidates would answer true on scene ``s``" comes from the cheapest source for
the set's size: the scene-major index (large sets: a popcount per word), bit-sliced
counters over the rule-major class rows (middle), or the candidates' labels packed into
one word per scene (64 candidates or fewer: one popcount). Layouts: :mod:`rulelang.bits`.
"""

from __future__ import annotations

import numpy as np

from rulelang.bits import ONE, popcount, scatter_word, transpose64
from rulelang.jit import kernel, parallel_kernel, prange


@parallel_kernel
def split_masses(index, bits, words, word_weight, class_weight, scenes):
    """Like :func:`split_counts`, weighting class ``c`` by ``class_weight[c]`` (integers).

    ``word_weight[w] > 0`` when every class of word ``w`` has that weight (one popcount
    serves); ``0`` when the word straddles weights and its bits are visited one by one.
    """
    out = np.empty(scenes.shape[0], dtype=np.int64)
    for i in prange(scenes.shape[0]):
        row = index[scenes[i]]
        t = 0
        for j in range(words.shape[0]):
            w = words[j]
            x = row[w] & bits[w]
            if word_weight[w] > 0:
                t += word_weight[w] * popcount(x)
            else:
                for b in range(64):
                    if (x >> np.uint64(b)) & ONE:
                        t += class_weight[w * 64 + b]
        out[i] = t
    return out


def split_counts(index, bits, words, scenes):
    """For each candidate scene: how many classes of ``bits`` label it true (every class
    weighs 1). ``words`` lists the nonzero words of ``bits`` (the others cannot contribute)."""
    ones = np.ones(index.shape[1], dtype=np.int64)
    return split_masses(index, bits, words, ones, ones[:0], scenes)


@kernel
def member_counts(rows, ids, n_scenes):
    """For every scene: how many of the classes ``ids`` label it true (from class rows).

    Vertical bit-sliced counters: for each word of scenes, plane ``p`` holds bit ``p`` of
    64 counters, and each class row is added with a (branch-free) ripple carry, row by row
    so that rows stream from memory; one 64 x 64 transpose per word then turns the planes
    into 64 counts.
    """
    n = ids.shape[0]
    n_words = rows.shape[1]
    n_planes = 1
    while (1 << n_planes) <= n:
        n_planes += 1
    planes = np.zeros((n_words, 64), dtype=np.uint64)
    for j in range(n):
        row = rows[ids[j]]
        for w in range(n_words):
            carry = row[w]
            for p in range(n_planes):
                t = planes[w, p] & carry
                planes[w, p] ^= carry
                carry = t
    out = np.zeros(n_scenes, dtype=np.int64)
    for w in range(n_words):
        x = planes[w]
        transpose64(x)  # x[k] now holds the count of the scene at bit k
        scatter_word(x, w, out)
    return out


@kernel
def pack_members(rows, ids, n_scenes):
    """``uint64[n_scenes]``: bit ``j`` of word ``s`` is class ``ids[j]``'s label on scene ``s``.

    For at most 64 classes: a small version space's columns, packed so that a split count
    is one popcount. One 64 x 64 transpose per word of scenes.
    """
    out = np.zeros(n_scenes, dtype=np.uint64)
    x = np.zeros(64, dtype=np.uint64)
    for w in range(rows.shape[1]):
        x[:] = 0
        for j in range(ids.shape[0]):
            x[j] = rows[ids[j], w]
        transpose64(x)
        scatter_word(x, w, out)
    return out


@kernel
def packed_counts(packed, mask):
    """``popcount(packed[i] & mask)`` for each ``i``."""
    out = np.empty(packed.shape[0], dtype=np.int64)
    for i in range(packed.shape[0]):
        out[i] = popcount(packed[i] & mask)
    return out


@kernel
def best_split(counts, n):
    """The first position whose count is nearest to ``n / 2`` (``|2k - n|`` smallest)."""
    best = 0
    best_v = 2 * n + 1
    for i in range(counts.shape[0]):
        v = abs(2 * counts[i] - n)
        if v < best_v:
            best_v = v
            best = i
            if v <= (n & 1):  # a perfect split: nothing later can beat it
                break
    return best


@kernel
def splitters(counts, n, scenes, packed):
    """The scenes (and their packed rows) that split a set of ``n``: ``0 < count < n``."""
    keep = 0
    for i in range(counts.shape[0]):
        if 0 < counts[i] < n:
            keep += 1
    out_s = np.empty(keep, dtype=scenes.dtype)
    out_p = np.empty(keep if packed.shape[0] else 0, dtype=np.uint64)
    k = 0
    for i in range(counts.shape[0]):
        if 0 < counts[i] < n:
            out_s[k] = scenes[i]
            if packed.shape[0]:
                out_p[k] = packed[i]
            k += 1
    return out_s, out_p
