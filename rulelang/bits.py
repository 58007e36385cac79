"""Bit matrices: the one bit layout every fast path of rulelang shares, and its primitives.

Two layouts of a matrix of booleans ``M[r, s]`` (a rule or class ``r``, a scene ``s``):

* **rule-major** rows (the checker's :class:`~rulelang.checker.LabelRows`): one row of
  ``uint64`` words per rule, whose bytes are exactly ``numpy.packbits`` of the row (scene 0
  is the high bit of byte 0). Read as little-endian words, **scene ``s`` is bit
  ``(s & 63) ^ 7`` of word ``s >> 6``** (:func:`scene_bit`; the map is its own inverse, so
  bit ``p`` of a word holds the scene at offset ``p ^ 7``). Padding bits past the last
  scene are zero.
* **scene-major** rows (the search's index, the measures' class index): one row per scene,
  **row ``r`` is bit ``r & 63`` of word ``r >> 6``** (least significant first), so "which
  rules are true on scene ``s``" is one word per 64 rules. Padding bits are zero.

:func:`scene_major` turns rule-major rows into scene-major ones by 64 x 64 bit-block
transposes (:func:`transpose64`), :func:`rule_major` back. The kernels take plain arrays
(Numba, :mod:`rulelang.jit`); the layout is documented here and nowhere else.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic

from .jit import kernel, parallel_kernel, prange

ONE = np.uint64(1)

if numba.config.DISABLE_JIT:  # the kernels run as plain Python (a test backend)

    def popcount(x):
        """How many bits of a ``uint64`` are set."""
        return bin(int(x)).count("1")

    def trailing_zeros(x):
        """The index of the lowest set bit of a nonzero ``uint64``."""
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


@kernel
def scene_bit(s):
    """The bit of word ``s >> 6`` that holds scene ``s`` in a rule-major row (``(s & 63) ^ 7``).

    Its own inverse on ``0..63``: bit ``p`` of a word holds the scene at offset ``scene_bit(p)``.
    """
    return (s & 63) ^ 7


@kernel
def get_scene(row, s):
    """Scene ``s``'s bit of a rule-major row (0 or 1, as ``uint64``)."""
    return (row[s >> 6] >> np.uint64(scene_bit(s))) & ONE


@kernel
def set_scene(row, s):
    """Set scene ``s``'s bit of a rule-major row."""
    row[s >> 6] |= ONE << np.uint64(scene_bit(s))


@kernel
def valid_row(n, n_words):
    """The rule-major row with a bit for each of the ``n`` scenes (padding bits clear)."""
    row = np.zeros(n_words, dtype=np.uint64)
    for s in range(n):
        set_scene(row, s)
    return row


@kernel
def transpose64(a):
    """In place: afterwards bit ``i`` of ``a[j]`` is what bit ``j`` of ``a[i]`` was.

    Recursive block transpose (Hacker's Delight 7-3): at step ``j`` the upper-right and
    lower-left ``j x j`` blocks of every ``2j x 2j`` block swap.
    """
    j = 32
    m = np.uint64(0x00000000FFFFFFFF)
    while j != 0:
        sj = np.uint64(j)
        k = 0
        while k < 64:
            t = ((a[k] >> sj) ^ a[k + j]) & m
            a[k + j] ^= t
            a[k] ^= t << sj
            k = (k + j + 1) & ~j
        j >>= 1
        m ^= m << np.uint64(j)


@parallel_kernel
def scene_major(words, rows, n_scenes):
    """``uint64[n_scenes, ceil(len(rows) / 64)]``: bit ``c`` of scene ``s`` is rule-major row
    ``words[rows[c]]`` at ``s``.

    Each task takes 8 words of scenes (one cache line of each of 64 rows), then does 8
    block transposes.
    """
    n_rows = rows.shape[0]
    n_words = words.shape[1]
    cw = (n_rows + 63) // 64
    out = np.zeros((n_scenes, cw), dtype=np.uint64)
    tile = 8
    for blk in prange((n_words + tile - 1) // tile):
        w0 = blk * tile
        w1 = min(w0 + tile, n_words)
        a = np.empty((tile, 64), dtype=np.uint64)
        for q in range(cw):
            for i in range(64):
                c = q * 64 + i
                for w in range(w0, w1):
                    a[w - w0, i] = words[rows[c], w] if c < n_rows else np.uint64(0)
            for w in range(w0, w1):
                transpose64(a[w - w0])
                for p in range(64):
                    s = w * 64 + scene_bit(p)
                    if s < n_scenes:
                        out[s, q] = a[w - w0, p]
    return out


@parallel_kernel
def rule_major(index, n_rows):
    """The inverse of :func:`scene_major`: ``uint64[n_rows, ceil(n_scenes / 64)]`` rule-major
    rows of a scene-major matrix ``uint64[n_scenes, ceil(n_rows / 64)]``."""
    n_scenes, n_cwords = index.shape
    n_words = (n_scenes + 63) // 64
    out = np.zeros((n_rows, n_words), dtype=np.uint64)
    chunk = 8  # words of scenes per task: one cache line of every output row
    for g in prange((n_words + chunk - 1) // chunk):
        x = np.empty(64, dtype=np.uint64)
        for sw in range(g * chunk, min((g + 1) * chunk, n_words)):
            for w in range(n_cwords):
                for k in range(64):
                    s = sw * 64 + scene_bit(k)  # lands at bit k: the position of scene s
                    x[k] = index[s, w] if s < n_scenes else np.uint64(0)
                transpose64(x)
                for i in range(64):
                    c = w * 64 + i
                    if c < n_rows:
                        out[c, sw] = x[i]
    return out


@kernel
def row_hashes(rows):
    """A 64-bit hash of each row (to group equal rows; equality is then verified)."""
    out = np.empty(rows.shape[0], dtype=np.uint64)
    for r in range(rows.shape[0]):
        h = np.uint64(0xCBF29CE484222325)
        for w in range(rows.shape[1]):
            h = (h ^ rows[r, w]) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(29)
        out[r] = h
    return out


@kernel
def row_popcounts(rows):
    """How many bits are set in each row."""
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r in range(rows.shape[0]):
        total = 0
        for w in range(rows.shape[1]):
            total += np.int64(popcount(rows[r, w]))
        out[r] = total
    return out


@kernel
def members(bits, n):
    """The positions ``< n`` of the set bits of a scene-major bit set, ascending."""
    total = 0
    for w in range(bits.shape[0]):
        total += np.int64(popcount(bits[w]))
    out = np.empty(total, dtype=np.int64)
    k = 0
    for w in range(bits.shape[0]):
        x = bits[w]
        while x:
            c = w * 64 + np.int64(trailing_zeros(x))
            if c < n:
                out[k] = c
                k += 1
            x &= x - ONE
    return out[:k]


@kernel
def gather_bits(rows, row_of, scenes):
    """``bool[n, m]``: scene ``scenes[t, j]``'s bit of rule-major row ``rows[row_of[t]]``."""
    n, m = scenes.shape
    out = np.empty((n, m), dtype=np.bool_)
    for t in range(n):
        r = row_of[t]
        for j in range(m):
            out[t, j] = get_scene(rows[r], scenes[t, j])
    return out


@kernel
def scatter_word(x, w, out):
    """``out[scene] = x[k]`` for the 64 scenes of word ``w`` of a rule-major row (bit ``k``
    holds scene ``64 w + scene_bit(k)``)."""
    for k in range(64):
        s = w * 64 + scene_bit(k)
        if s < out.shape[0]:
            out[s] = x[k]
