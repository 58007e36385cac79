"""The kernels that compute tables for the data sets: how many classes are true on each
scene, and the greedy *informative* table (:mod:`rulelang.data.tables` is their wrapper).

Label rows are rule-major (:mod:`rulelang.bits`). The informative table keeps the classes
still consistent with the hidden rule on the scenes chosen so far, and counts, per
candidate scene, how many of them the hidden rule's label there would eliminate — with
bit-sliced ("vertical") counters, 64 scenes per machine word.
"""

from __future__ import annotations

import numpy as np

from ..bits import get_scene, popcount, scene_bit, set_scene
from ..jit import kernel, parallel_kernel, prange
from .sampling import bounded, partial_shuffle

#: Planes of a bit-sliced counter: enough for counts up to 2**15 - 1 classes.
MAX_PLANES = 15


@kernel
def _n_planes(m):
    b = 1
    while (1 << b) <= m:
        b += 1
    return b


@kernel
def _add(planes, j, x, n_planes):
    """Add the bits of ``x`` to the bit-sliced counters of word slot ``j``."""
    c = x
    for b in range(n_planes):
        if c == 0:
            break
        t = planes[b, j] & c
        planes[b, j] ^= c
        c = t


@parallel_kernel
def column_counts(words, rows, n_scenes):
    """``int32[n_scenes]``: for each scene, how many of ``words[rows]`` are true on it."""
    n_words = words.shape[1]
    n_planes = _n_planes(rows.shape[0])
    out = np.zeros(n_words * 64, dtype=np.int32)
    block = 64  # words per task: 8 cache lines of each row, read in order
    n_blocks = (n_words + block - 1) // block
    for blk in prange(n_blocks):
        w0 = blk * block
        w1 = min(w0 + block, n_words)
        planes = np.zeros((n_planes, block), dtype=np.uint64)
        for r in rows:
            for w in range(w0, w1):
                _add(planes, w - w0, words[r, w], n_planes)
        for w in range(w0, w1):
            for p in range(64):
                cnt = 0
                for b in range(n_planes):
                    cnt |= np.int32((planes[b, w - w0] >> np.uint64(p)) & np.uint64(1)) << b
                out[w * 64 + scene_bit(p)] = cnt
    return out[:n_scenes]


@kernel
def _pick(cand, widx, n_cand_words, x):
    """The scene of the ``bounded(x, count)``-th set bit of ``cand`` (word ``j`` is ``widx[j]``)."""
    total = 0
    for j in range(n_cand_words):
        total += np.int64(popcount(cand[j]))
    r = bounded(x, total)
    for j in range(n_cand_words):
        c = np.int64(popcount(cand[j]))
        if r < c:
            y = cand[j]
            for _ in range(r):
                y &= y - np.uint64(1)
            low = y & (~y + np.uint64(1))
            return widx[j] * 64 + scene_bit(np.int64(popcount(low - np.uint64(1))))
        r -= c
    return -1


@kernel
def _argmax(planes, n_planes, cand, n_cand_words):
    """Keep in ``cand`` only the scenes whose count is largest; return that count."""
    best = 0
    for b in range(n_planes - 1, -1, -1):
        hit = np.uint64(0)
        for j in range(n_cand_words):
            hit |= cand[j] & planes[b, j]
        if hit:
            best |= 1 << b
            for j in range(n_cand_words):
                cand[j] &= planes[b, j]
    return best


@kernel
def _scan(words, canon, h_row, live, m, widx, n_sel, chosen, valid, planes, cand):
    """Count, per scene of the selected words, the live classes that disagree with ``h``.

    Leaves the maximisers (unchosen scenes only) in ``cand``; returns the maximum.
    """
    n_planes = _n_planes(m)
    for b in range(n_planes):
        for j in range(n_sel):
            planes[b, j] = 0
    for i in range(m):
        row = canon[live[i]]
        for j in range(n_sel):
            w = widx[j]
            _add(planes, j, words[row, w] ^ h_row[w], n_planes)
    for j in range(n_sel):
        w = widx[j]
        cand[j] = valid[w] & ~chosen[w]
    return _argmax(planes, n_planes, cand, n_sel)


@kernel
def _informative_one(words, canon, hidden, hclass, t0, valid, raw, k, pool_runs, run_words,
                     exact_below, out, live, planes, cand, widx, all_w, runs, js, picked):
    n_words = words.shape[1]
    n_classes = canon.shape[0]
    h_row = words[hidden]
    chosen = np.zeros(n_words, dtype=np.uint64)
    stride = pool_runs + 2
    m = 0
    for c in range(n_classes):
        if c != hclass:
            live[m] = c
            m += 1
    # Step 0, exactly over every scene: t0 counts the classes true on each scene.
    best, ties = -1, 0
    n_scenes = t0.shape[0]
    for s in range(n_scenes):
        d = n_classes - t0[s] if get_scene(h_row, s) else t0[s]
        if d > best:
            best, ties = d, 1
        elif d == best:
            ties += 1
    r = bounded(raw[0], ties)
    for s in range(n_scenes):
        d = n_classes - t0[s] if get_scene(h_row, s) else t0[s]
        if d == best:
            if r == 0:
                out[0] = s
                break
            r -= 1
    for step in range(k):
        if step > 0:
            base = step * stride
            s = -1
            if m > 0:
                n_runs = n_words // run_words
                # a pool of runs of words (cache lines) drawn at random; a world of fewer
                # runs than the pool (under 4,096 scenes by default) scans every scene
                if m > exact_below and n_runs >= pool_runs:
                    partial_shuffle(raw[base: base + pool_runs], n_runs, pool_runs, runs, js, picked)
                    n_sel = 0
                    for q in range(pool_runs):
                        for w in range(picked[q] * run_words, picked[q] * run_words + run_words):
                            widx[n_sel] = w
                            n_sel += 1
                    best = _scan(words, canon, h_row, live, m, widx, n_sel, chosen, valid, planes, cand)
                    if best > 0:
                        s = _pick(cand, widx, n_sel, raw[base + pool_runs])
                if s < 0:  # few classes left, or the pool splits none of them: every scene
                    best = _scan(words, canon, h_row, live, m, all_w, n_words, chosen, valid, planes, cand)
                    if best > 0:
                        s = _pick(cand, all_w, n_words, raw[base + pool_runs + 1])
            if s < 0:  # identified: the rest are uniform unchosen scenes
                for j in range(n_words):
                    cand[j] = valid[j] & ~chosen[j]
                s = _pick(cand, all_w, n_words, raw[base + pool_runs + 1])
            out[step] = s
        s = out[step]
        set_scene(chosen, s)
        hs = get_scene(h_row, s)
        kept = 0
        for i in range(m):
            if get_scene(words[canon[live[i]]], s) == hs:
                live[kept] = live[i]
                kept += 1
        m = kept


@parallel_kernel
def informative_tables(words, canon, hidden, hclass, t0, valid, raw, k, pool_runs, run_words,
                       exact_below):
    """Greedy tables of ``k`` scenes, one per hidden rule (see :mod:`rulelang.data.tables`).

    Args:
        words: the semantics matrix (``uint64[n_rules, n_words]``).
        canon: ``int64[n_classes]`` row of each class's canonical rule.
        hidden, hclass: ``int64[n]`` hidden rule rows and their classes.
        t0: ``int32[n_scenes]`` classes true on each scene.
        valid: the row of all scenes (padding bits clear).
        raw: ``uint64[n, k * (pool_runs + 2)]`` random words, one row per table.
    """
    n = hidden.shape[0]
    n_words = words.shape[1]
    out = np.zeros((n, k), dtype=np.int64)
    n_chunks = min(n, 64)
    for c in prange(n_chunks):
        live = np.empty(canon.shape[0], dtype=np.int64)
        planes = np.zeros((MAX_PLANES, n_words), dtype=np.uint64)
        cand = np.empty(n_words, dtype=np.uint64)
        widx = np.empty(pool_runs * run_words, dtype=np.int64)
        all_w = np.arange(n_words).astype(np.int64)
        runs = np.arange(n_words // run_words).astype(np.int64)
        js = np.empty(pool_runs, dtype=np.int64)
        picked = np.empty(pool_runs, dtype=np.int64)
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            _informative_one(words, canon, hidden[i], hclass[i], t0, valid, raw[i], k, pool_runs,
                             run_words, exact_below, out[i], live, planes, cand, widx, all_w, runs,
                             js, picked)
    return out.astype(np.uint32)
