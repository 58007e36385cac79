"""The kernels that compute rule signatures on a table for the full-language synthesiser
(:mod:`rulelang.search.synth` is their wrapper).

A signature is a rule's labels on the table's scenes, packed in ``uint64`` words (padding
bits zero). Kept signatures live in growable arrays with their provenance (operator and
operands) and an open-addressing hash table over them, so that "seen before?" is one probe.
"""

from __future__ import annotations

import numpy as np

from rulelang.jit import kernel

OP_LEAF, OP_NOT, OP_AND, OP_OR = 0, 1, 2, 3


@kernel
def _hash_row(x):
    h = np.uint64(0x243F6A8885A308D3)
    for w in range(x.shape[0]):
        h = (h ^ x[w]) * np.uint64(0x9E3779B97F4A7C15)
        h ^= h >> np.uint64(31)
    return h


@kernel
def rehash(sigs, n, n_slots):
    """A fresh open-addressing table (``int32[n_slots]``, -1 = empty) of ``sigs[:n]``."""
    slots = np.full(n_slots, -1, dtype=np.int32)
    mask = n_slots - 1
    for j in range(n):
        i = np.int64(_hash_row(sigs[j]) & np.uint64(mask))
        while slots[i] >= 0:
            i = (i + 1) & mask
        slots[i] = j
    return slots


@kernel
def extend(sigs, ops, left, right, n, slots, leaves, op, a0, a1, b0, b1, triangular, valid,
           goal, sols, n_sols):
    """Combine rules ``a`` in ``[a0, a1)`` with ``b`` in ``[b0, b1)`` under ``op``; keep new
    signatures (observational equivalence: a signature seen before, at this size or a
    smaller one, is pruned) and record every combination whose signature is ``goal``.

    ``op`` is OP_LEAF (``a`` indexes ``leaves``; one ``b``), OP_NOT (one ``b``), OP_AND or
    OP_OR. With ``triangular`` only ``b > a`` is tried (``and``/``or`` commute). The caller
    leaves room for every combination in ``sigs``/``ops``/``left``/``right`` and keeps
    ``slots`` at most half full. Returns the new ``(n, n_sols)``.
    """
    nw = sigs.shape[1]
    mask = slots.shape[0] - 1
    tmp = np.empty(nw, dtype=np.uint64)
    for a in range(a0, a1):
        if op == OP_NOT and ops[a] == OP_NOT:
            continue  # not not x is x, seen already
        start = max(b0, a + 1) if triangular else b0
        for b in range(start, b1):
            for w in range(nw):
                if op == OP_LEAF:
                    tmp[w] = leaves[a, w]
                elif op == OP_NOT:
                    tmp[w] = ~sigs[a, w] & valid[w]
                elif op == OP_AND:
                    tmp[w] = sigs[a, w] & sigs[b, w]
                else:
                    tmp[w] = sigs[a, w] | sigs[b, w]
            hit = True
            for w in range(nw):
                if tmp[w] != goal[w]:
                    hit = False
                    break
            if hit and n_sols < sols.shape[0]:
                sols[n_sols, 0] = op
                sols[n_sols, 1] = a
                sols[n_sols, 2] = b
                n_sols += 1
            i = np.int64(_hash_row(tmp) & np.uint64(mask))
            while True:
                j = slots[i]
                if j < 0:
                    slots[i] = n
                    sigs[n] = tmp
                    ops[n] = op
                    left[n] = a
                    right[n] = b
                    n += 1
                    break
                same = True
                for w in range(nw):
                    if sigs[j, w] != tmp[w]:
                        same = False
                        break
                if same:
                    break
                i = (i + 1) & mask
    return n, n_sols
