"""Private Numba kernels of the compiled checker.

They take plain arrays only. A batch of scenes is handled "bit-sliced": every quantity is a
*row* of bits, one bit per scene, stored in ``uint64`` words whose bytes are laid out exactly
as ``numpy.packbits`` lays out a boolean row (scene 0 is the high bit of byte 0). A rule is
data (see :mod:`rulelang.checker`): these few kernels run any rule, so a new rule never
triggers a new compilation.

Padding bits past the last scene are kept at zero by every kernel: negation is
``x ^ valid`` rather than ``~x``.
"""

from __future__ import annotations

import numpy as np

from ._numba import kernel, parallel_kernel, prange

# Relation codes (the order of universe.KNOWN_RELATIONS, shifted by one; 0 = no relation).
REL_NONE, REL_TOUCHING, REL_SURROUNDED, REL_RIGHT_OF, REL_LEFT_OF = 0, 1, 2, 3, 4

# Opcodes of the 3-address boolean code. Operand a/b >= 0: an atom row;
# < 0: temporary -(x + 1). Destination OUT: the rule's output row.
OP_COPY, OP_NOT, OP_AND, OP_OR = 0, 1, 2, 3
OUT = -1 << 20


@kernel
def glyph_rows(scenes, n_glyphs, n_words):
    """Row ``cell * n_glyphs + g``: which scenes hold glyph ``g`` in ``cell``."""
    n, length = scenes.shape
    rows = np.zeros((length * n_glyphs, n_words), dtype=np.uint64)
    for s in range(n):
        w = s >> 6
        bit = np.uint64(1) << np.uint64(((s >> 3) & 7) * 8 + 7 - (s & 7))
        for cell in range(length):
            rows[cell * n_glyphs + scenes[s, cell], w] |= bit
    return rows


@kernel
def valid_row(n, n_words):
    """The row with a bit for each of the ``n`` scenes (padding bits clear)."""
    row = np.zeros(n_words, dtype=np.uint64)
    for s in range(n):
        row[s >> 6] |= np.uint64(1) << np.uint64(((s >> 3) & 7) * 8 + 7 - (s & 7))
    return row


@kernel
def object_rows(grows, objects, length, n_glyphs):
    """Row ``k * length + cell``: which scenes hold a piece of object ``k`` in ``cell``."""
    n_words = grows.shape[1]
    rows = np.zeros((objects.shape[0] * length, n_words), dtype=np.uint64)
    for k in range(objects.shape[0]):
        mask = objects[k]
        for cell in range(length):
            r = k * length + cell
            for g in range(n_glyphs):
                if (mask >> np.uint64(g)) & np.uint64(1):
                    for w in range(n_words):
                        rows[r, w] |= grows[cell * n_glyphs + g, w]
    return rows


@kernel
def _threshold_source(orows, src, length, n_thr, out, base):
    """Rows ``base + t - 1`` (t = 1..n_thr): scenes where the source counts >= t cells."""
    x, rel, y = src[0], src[1], src[2]
    n_words = orows.shape[1]
    ge = np.zeros(n_thr + 1, dtype=np.uint64)
    for w in range(n_words):
        for t in range(n_thr + 1):
            ge[t] = 0
        ge[0] = ~np.uint64(0)
        seen = np.uint64(0)  # relation right_of: a Y somewhere left of this cell
        for i in range(length):
            c = orows[x * length + i, w]
            if rel == REL_TOUCHING:
                near = np.uint64(0)
                if i > 0:
                    near |= orows[y * length + i - 1, w]
                if i < length - 1:
                    near |= orows[y * length + i + 1, w]
                c &= near
            elif rel == REL_SURROUNDED:
                if i > 0 and i < length - 1:
                    c &= orows[y * length + i - 1, w] & orows[y * length + i + 1, w]
                else:
                    c = np.uint64(0)
            elif rel == REL_RIGHT_OF:
                c &= seen
                seen |= orows[y * length + i, w]
            elif rel == REL_LEFT_OF:
                later = np.uint64(0)
                for j in range(i + 1, length):
                    later |= orows[y * length + j, w]
                c &= later
            # Bit-sliced counting: ge[t] |= ge[t-1] & c, top down so each cell counts once.
            for t in range(n_thr, 0, -1):
                ge[t] |= ge[t - 1] & c
        for t in range(1, n_thr + 1):
            out[base + t - 1, w] = ge[t]


@kernel
def threshold_rows(orows, sources, length, n_thr):
    """For every count source (object, relation, object): rows "count >= t", t = 1..n_thr."""
    out = np.empty((sources.shape[0] * n_thr, orows.shape[1]), dtype=np.uint64)
    for s in range(sources.shape[0]):
        _threshold_source(orows, sources[s], length, n_thr, out, s * n_thr)
    return out


@parallel_kernel
def threshold_rows_parallel(orows, sources, length, n_thr):
    """:func:`threshold_rows` on all cores."""
    out = np.empty((sources.shape[0] * n_thr, orows.shape[1]), dtype=np.uint64)
    for s in prange(sources.shape[0]):
        _threshold_source(orows, sources[s], length, n_thr, out, s * n_thr)
    return out


@kernel
def _atom(thr, atoms, a, n_thr, length, valid, out, r):
    src, lo, hi = atoms[a, 0], atoms[a, 1], atoms[a, 2]
    n_words = thr.shape[1]
    for w in range(n_words):
        v = valid[w] if lo == 0 else thr[src * n_thr + lo - 1, w]
        if hi < length:
            v &= ~thr[src * n_thr + hi, w]
        out[r, w] = v


@kernel
def atom_rows(thr, atoms, n_thr, length, valid):
    """Row ``a``: scenes whose count for atom ``a``'s source lies in ``[lo, hi]``."""
    out = np.empty((atoms.shape[0], thr.shape[1]), dtype=np.uint64)
    for a in range(atoms.shape[0]):
        _atom(thr, atoms, a, n_thr, length, valid, out, a)
    return out


@kernel
def _operand(ref, arows, temps):
    return arows[ref] if ref >= 0 else temps[-ref - 1]


@kernel
def _run_rule(arows, code, start, stop, valid, temps, dest):
    for k in range(start, stop):
        op, d, a, b = code[k, 0], code[k, 1], code[k, 2], code[k, 3]
        target = dest if d == OUT else temps[-d - 1]
        x = _operand(a, arows, temps)
        if op == OP_COPY:
            target[:] = x
        elif op == OP_NOT:
            for w in range(x.shape[0]):
                target[w] = x[w] ^ valid[w]
        else:
            y = _operand(b, arows, temps)
            if op == OP_AND:
                for w in range(x.shape[0]):
                    target[w] = x[w] & y[w]
            else:
                for w in range(x.shape[0]):
                    target[w] = x[w] | y[w]


@kernel
def run_rules(arows, code, starts, valid, n_temps, out):
    """Run every rule's code; rule ``r`` writes its labels into ``out[r]``."""
    temps = np.empty((max(n_temps, 1), arows.shape[1]), dtype=np.uint64)
    for r in range(starts.shape[0] - 1):
        _run_rule(arows, code, starts[r], starts[r + 1], valid, temps, out[r])


@parallel_kernel
def run_rules_parallel(arows, code, starts, valid, n_temps, out):
    """:func:`run_rules` on all cores (rules are independent)."""
    n_rules = starts.shape[0] - 1
    n_chunks = 64
    for c in prange(n_chunks):
        temps = np.empty((max(n_temps, 1), arows.shape[1]), dtype=np.uint64)
        for r in range(c * n_rules // n_chunks, (c + 1) * n_rules // n_chunks):
            _run_rule(arows, code, starts[r], starts[r + 1], valid, temps, out[r])


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
            x = rows[r, w]
            x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
            x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
            x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
            total += (x * np.uint64(0x0101010101010101)) >> np.uint64(56)
        out[r] = total
    return out
