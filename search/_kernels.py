"""Private Numba kernels of the search engine: plain arrays in, plain arrays out.

Two bit layouts meet here:

* **class rows** (``rulelang.checker.LabelRows``): one row per class, scene ``s`` at word
  ``s >> 6``, bit ``(s & 63) ^ 7`` (``numpy.packbits`` bytes read as little-endian words);
* the **scene index**: one row per scene, class ``c`` at word ``c >> 6``, bit ``c & 63``.

The index makes a table's version space an AND of a few rows, and a split count a popcount.
Padding bits past the last class are zero in every index row and every result.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from rulelang._numba import kernel, parallel_kernel, prange

if numba.config.DISABLE_JIT:  # the kernels run as plain Python (a test backend)

    def popcount(x):
        return bin(int(x)).count("1")

    def trailing_zeros(x):
        x = int(x)
        return (x & -x).bit_length() - 1

else:

    @intrinsic
    def popcount(typingctx, x):
        """One ``popcnt`` instruction (LLVM ``ctpop``) on a ``uint64``."""
        sig = types.uint64(types.uint64)

        def codegen(context, builder, signature, args):
            return builder.ctpop(args[0])

        return sig, codegen

    @intrinsic
    def trailing_zeros(typingctx, x):
        """The index of the lowest set bit of a nonzero ``uint64`` (LLVM ``cttz``)."""
        sig = types.uint64(types.uint64)

        def codegen(context, builder, signature, args):
            return builder.cttz(args[0], context.get_constant(types.boolean, True))

        return sig, codegen


ONE = np.uint64(1)


@kernel
def _transpose64(x):
    """In place: afterwards bit ``i`` of ``x[k]`` is what bit ``k`` of ``x[i]`` was.

    Recursive block transpose (Hacker's Delight 7-3): at step ``j`` the upper-right and
    lower-left ``j x j`` blocks of every ``2j x 2j`` block swap.
    """
    j = 32
    m = np.uint64(0x00000000FFFFFFFF)
    while j != 0:
        sj = np.uint64(j)
        for k0 in range(0, 64, 2 * j):
            for k in range(k0, k0 + j):
                t = ((x[k] >> sj) ^ x[k + j]) & m
                x[k + j] ^= t
                x[k] ^= t << sj
        j >>= 1
        m ^= m << np.uint64(j)


@parallel_kernel
def scene_index(rows, n_scenes):
    """The scene index of class rows ``uint64[C, ceil(S / 64)]``: ``uint64[S, ceil(C / 64)]``.

    Each task takes 8 scene words (one cache line of every class row) and all classes.
    """
    n_classes, n_words = rows.shape
    n_cwords = (n_classes + 63) // 64
    out = np.zeros((n_scenes, n_cwords), dtype=np.uint64)
    group = 8
    for g in prange((n_words + group - 1) // group):
        x = np.empty(64, dtype=np.uint64)
        for cb in range(n_cwords):
            for w in range(g * group, min((g + 1) * group, n_words)):
                for i in range(64):
                    c = cb * 64 + i
                    x[i] = rows[c, w] if c < n_classes else np.uint64(0)
                _transpose64(x)
                for k in range(64):
                    s = w * 64 + (k ^ 7)  # bit k of a packbits word holds scene 64 w + (k ^ 7)
                    if s < n_scenes:
                        out[s, cb] = x[k]
    return out


@parallel_kernel
def class_rows(index, n_classes):
    """The inverse of :func:`scene_index`: class rows in the ``packbits`` layout."""
    n_scenes, n_cwords = index.shape
    n_words = (n_scenes + 63) // 64
    out = np.zeros((n_classes, n_words), dtype=np.uint64)
    chunk = 8  # scene words per task: one cache line of every class row
    for g in prange((n_words + chunk - 1) // chunk):
        x = np.empty(64, dtype=np.uint64)
        for sw in range(g * chunk, min((g + 1) * chunk, n_words)):
            for w in range(n_cwords):
                for k in range(64):
                    s = sw * 64 + (k ^ 7)  # lands at bit k: the packbits position of scene s
                    x[k] = index[s, w] if s < n_scenes else np.uint64(0)
                _transpose64(x)
                for i in range(64):
                    c = w * 64 + i
                    if c < n_classes:
                        out[c, sw] = x[i]
    return out


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


@kernel
def members(bits, n_classes):
    """The class ids whose bits are set, ascending."""
    total = 0
    for w in range(bits.shape[0]):
        total += popcount(bits[w])
    out = np.empty(total, dtype=np.int64)
    k = 0
    for w in range(bits.shape[0]):
        x = bits[w]
        while x:
            c = w * 64 + np.int64(trailing_zeros(x))
            if c < n_classes:
                out[k] = c
                k += 1
            x &= x - ONE
    return out[:k]


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
def _scatter_word(x, w, out):
    """``out[scene] = x[k]`` for the 64 scenes of word ``w`` of a class row: bit ``k`` of a
    ``packbits`` word holds scene ``64 w + (k ^ 7)``."""
    for k in range(64):
        s = w * 64 + (k ^ 7)
        if s < out.shape[0]:
            out[s] = x[k]


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
        _transpose64(x)  # x[k] now holds the count of the scene at bit k
        _scatter_word(x, w, out)
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
        _transpose64(x)
        _scatter_word(x, w, out)
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

