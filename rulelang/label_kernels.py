"""The kernels that compute label rows: the compiled checker's engine room.

They take plain arrays only (:mod:`rulelang.checker` is their public wrapper). A batch of
scenes is handled "bit-sliced": every quantity is a *row* of bits, one bit per scene, in
the rule-major layout of :mod:`rulelang.bits`. A rule is data (see
:mod:`rulelang.checker`): these few kernels run any rule, so a new rule never triggers a
new compilation.

Padding bits past the last scene are kept at zero by every kernel: negation is
``x ^ valid`` rather than ``~x``.
"""

from __future__ import annotations

import numpy as np

from .bits import set_scene
from .jit import kernel, parallel_kernel, prange

# Relation codes (the order of universe.KNOWN_RELATIONS, shifted by one; 0 = no relation).
REL_NONE, REL_TOUCHING, REL_SURROUNDED, REL_RIGHT_OF, REL_LEFT_OF = 0, 1, 2, 3, 4

# Opcodes of the 3-address boolean code. Operand a/b >= 0: atom a; < 0: temporary -(a + 1).
# Destination OUT: the rule's output row.
OP_COPY, OP_NOT, OP_AND, OP_OR = 0, 1, 2, 3
OUT = -1 << 20


@kernel
def scene_rows(scenes, n_glyphs):
    """The glyph rows of a batch of scenes (row ``cell * n_glyphs + g``: which scenes hold
    glyph ``g`` in ``cell``) and its valid row (a bit for each scene, padding bits clear)."""
    n, length = scenes.shape
    n_words = max(1, (n + 63) // 64)
    rows = np.zeros((length * n_glyphs, n_words), dtype=np.uint64)
    valid = np.zeros(n_words, dtype=np.uint64)
    for s in range(n):
        set_scene(valid, s)
        for cell in range(length):
            set_scene(rows[cell * n_glyphs + scenes[s, cell]], s)
    return rows, valid


# The kernels below are flat on purpose: Numba re-optimises a callee's code inside every
# caller, so nested kernels multiply the first-run compilation time. Plain loops only, too:
# slice assignment (``row[:] = x``) costs seconds of compilation.
#
# Rows of one scene batch live in one array ``R``:
#   R[ZERO]  no scene;  R[ALL]  every scene (the valid row);
#   R[FIRST + s * n_thr + t - 1]  scenes where count source ``s`` counts >= t cells;
#   then ``n_temps`` rows of temporaries per thread.
# An atom "count in [lo, hi]" is the pair ``(p, q)`` meaning ``R[p] & ~R[q]`` (see
# ``prepare``), and so is a temporary ``(row, ZERO)``: the rule kernel combines pairs on the
# fly, so atoms are never written out.

ZERO, ALL, FIRST = 0, 1, 2


@kernel
def prepare(grows, valid, objects, n_sources, atoms, length, n_glyphs, n_thr, n_temp_rows):
    """Object rows, relation rows, the row array ``R`` (constant rows filled in) and the atom
    pairs of a program.

    Object row ``k * length + i``: scenes holding a piece of object ``k`` in cell ``i``.
    Relation row 0: every scene (for counts without a relation); row
    ``1 + ((rel - 1) * n_objects + y) * length + i``: scenes whose cell ``i`` stands in
    relation ``rel`` to some other cell holding a ``y``.
    """
    n_objects, n_words = objects.shape[0], grows.shape[1]
    orows = np.zeros((n_objects * length, n_words), dtype=np.uint64)
    for k in range(n_objects):
        for i in range(length):
            row = orows[k * length + i]
            for g in range(n_glyphs):
                if (objects[k] >> np.uint64(g)) & np.uint64(1):
                    glyph = grows[i * n_glyphs + g]
                    for w in range(n_words):
                        row[w] |= glyph[w]
    nrows = np.zeros((1 + 4 * n_objects * length, n_words), dtype=np.uint64)
    for w in range(n_words):
        nrows[0, w] = valid[w]
    for y in range(n_objects):
        yb = y * length
        for rel in range(1, 5):
            base = 1 + ((rel - 1) * n_objects + y) * length
            for i in range(length):
                row = nrows[base + i]
                for j in range(length):
                    if rel == REL_TOUCHING:
                        near = j == i - 1 or j == i + 1
                    elif rel == REL_RIGHT_OF:
                        near = j < i
                    elif rel == REL_LEFT_OF:
                        near = j > i
                    else:
                        near = False
                    if near:
                        other = orows[yb + j]
                        for w in range(n_words):
                            row[w] |= other[w]
                if rel == REL_SURROUNDED and 0 < i < length - 1:
                    left, right = orows[yb + i - 1], orows[yb + i + 1]
                    for w in range(n_words):
                        row[w] = left[w] & right[w]
    rows = np.empty((FIRST + n_sources * n_thr + n_temp_rows, n_words), dtype=np.uint64)
    for w in range(n_words):
        rows[ZERO, w] = 0
        rows[ALL, w] = valid[w]
    pairs = np.empty((atoms.shape[0], 2), dtype=np.int64)
    for a in range(atoms.shape[0]):
        base, lo, hi = FIRST + atoms[a, 0] * n_thr, atoms[a, 1], atoms[a, 2]
        if lo > n_thr or lo > hi:  # more cells than the scene has: never
            pairs[a, 0] = ZERO
        elif lo == 0:
            pairs[a, 0] = ALL
        else:
            pairs[a, 0] = base + lo - 1
        pairs[a, 1] = ZERO if hi >= length else base + hi
    return orows, nrows, rows, pairs


@kernel
def threshold_rows(orows, nrows, sources, length, n_thr, first, stop, rows):
    """Fill the threshold rows of count sources ``first..stop - 1`` (object x, relation,
    object y): "count >= t", t = 1..n_thr, by bit-sliced counting over the cells."""
    n_words = rows.shape[1]
    n_objects = orows.shape[0] // length
    cell = np.empty(n_words, dtype=np.uint64)
    for s in range(first, stop):
        x, rel, y = sources[s, 0], sources[s, 1], sources[s, 2]
        base = FIRST + s * n_thr
        for t in range(n_thr):
            ge = rows[base + t]
            for w in range(n_words):
                ge[w] = 0
        for i in range(length):
            xr = orows[x * length + i]
            nr = nrows[0 if rel == REL_NONE else 1 + ((rel - 1) * n_objects + y) * length + i]
            for w in range(n_words):
                cell[w] = xr[w] & nr[w]
            # ">= t" |= ">= t-1" & this cell, top down so that each cell counts once; after
            # cell i no count exceeds i + 1. Row ">= 0" is implicit (every scene).
            for t in range(min(i, n_thr - 1), -1, -1):
                ge = rows[base + t]
                below = rows[base + t - 1] if t > 0 else rows[ALL]
                for w in range(n_words):
                    ge[w] |= below[w] & cell[w]


@parallel_kernel
def threshold_rows_parallel(orows, nrows, sources, length, n_thr, n_chunks, rows):
    """:func:`threshold_rows` on ``n_chunks`` threads, each a band of sources."""
    n = sources.shape[0]
    for c in prange(n_chunks):
        threshold_rows(orows, nrows, sources, length, n_thr, c * n // n_chunks,
                       (c + 1) * n // n_chunks, rows)


@kernel
def rule_rows(rows, pairs, code, starts, first, stop, temps, out):
    """Run the code of rules ``first..stop - 1``; rule ``r`` writes its labels into
    ``out[r]``. Temporary ``j`` is row ``temps + j`` of ``rows``."""
    valid = rows[ALL]
    for r in range(first, stop):
        for k in range(starts[r], starts[r + 1]):
            op, d, a, b = code[k, 0], code[k, 1], code[k, 2], code[k, 3]
            target = out[r] if d == OUT else rows[temps - d - 1]
            pa, qa = (pairs[a, 0], pairs[a, 1]) if a >= 0 else (temps - a - 1, ZERO)
            pb, qb = (pairs[b, 0], pairs[b, 1]) if b >= 0 else (temps - b - 1, ZERO)
            xp, xq, yp, yq = rows[pa], rows[qa], rows[pb], rows[qb]
            # Each operand is "p and not q": one fused pass, no intermediate atom rows.
            if op == OP_COPY:
                for w in range(target.shape[0]):
                    target[w] = xp[w] & ~xq[w]
            elif op == OP_NOT:
                for w in range(target.shape[0]):
                    target[w] = (xp[w] & ~xq[w]) ^ valid[w]
            elif op == OP_AND:
                for w in range(target.shape[0]):
                    target[w] = xp[w] & ~xq[w] & yp[w] & ~yq[w]
            else:
                for w in range(target.shape[0]):
                    target[w] = (xp[w] & ~xq[w]) | (yp[w] & ~yq[w])


@parallel_kernel
def rule_rows_parallel(rows, pairs, code, starts, n_chunks, temps, n_temps, out):
    """:func:`rule_rows` on ``n_chunks`` threads, each a band of rules with its own
    temporaries (rules are independent; a band of output rows is contiguous memory, first
    touched by the core that fills it)."""
    n = starts.shape[0] - 1
    for c in prange(n_chunks):
        rule_rows(rows, pairs, code, starts, c * n // n_chunks, (c + 1) * n // n_chunks,
                  temps + c * n_temps, out)
