"""The kernels of streamed exact jobs: a range of scenes at a time, never the whole matrix.

A job covers scenes ``start .. stop - 1`` of a universe (``start`` a multiple of 64) and
walks them in tiles of :data:`TILE` scenes. Each tile's scenes are generated from their
indices (mixed-radix counting, first cell most significant), labelled by the compiled
checker's own kernels (:mod:`rulelang.label_kernels`) a band of rules at a time, and the
band's rows are reduced at once, so memory stays bounded by the tile, whatever the
universe's size. The reductions:

* :func:`digest_range` — per rule, its true count and a 128-bit row fingerprint;
* :func:`pair_diff_range` — per pair of consecutive rules, on how many scenes they differ;
* :func:`first_diff_range` — for two rules, how many scenes they differ on, and the
  simplest such scene (fewest pieces, then lowest index).

**The fingerprint** of a row is the sum, modulo 2**64, of ``mix(w ^ salt(k))`` over its
64-scene words ``w`` (``k`` = the word's index in the whole universe), in two lanes with
independent salts. A sum does not depend on how the words are grouped, so partial
fingerprints of any blocks (whose boundaries fall on multiples of 64 scenes) add up to the
same 128 bits: results are bit-identical for any number of blocks and workers. ``mix``
(MurmurHash3's 64-bit finaliser) is a bijection, so two rows differing in one word always
differ; equal fingerprints are still verified exactly (:func:`pair_diff_range`).
"""

from __future__ import annotations

import numpy as np

from .bits import popcount, scene_bit
from .jit import kernel
from .label_kernels import FIRST, prepare, rule_rows, scene_rows, threshold_rows

#: Scenes per tile: 64 words per row, so that a tile's rows stay in the core's cache.
TILE = 4096
#: Rules labelled together before their rows are reduced.
BAND = 256

SALT_A = np.uint64(0x9E3779B97F4A7C15)
SALT_B = np.uint64(0xD1B54A32D192ED03)


@kernel
def mix(x):
    """MurmurHash3's 64-bit finaliser: a bijection of ``uint64`` that spreads every bit."""
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


@kernel
def scenes_of_range(start, stop, n_glyphs, length):
    """``uint8[stop - start, length]``: the scenes with indices ``start .. stop - 1``."""
    n = stop - start
    out = np.empty((max(n, 0), length), dtype=np.uint8)
    if n <= 0:
        return out
    digits = np.empty(length, dtype=np.int64)
    x = start
    for cell in range(length - 1, -1, -1):
        digits[cell] = x % n_glyphs
        x //= n_glyphs
    for i in range(n):
        for cell in range(length):
            out[i, cell] = digits[cell]
        cell = length - 1  # the next index: count up in base n_glyphs
        while cell >= 0:
            digits[cell] += 1
            if digits[cell] < n_glyphs:
                break
            digits[cell] = 0
            cell -= 1
    return out


@kernel
def scenes_of_ids(ids, n_glyphs, length):
    """``uint8[len(ids), length]``: the scenes with the given indices."""
    out = np.empty((ids.shape[0], length), dtype=np.uint8)
    for i in range(ids.shape[0]):
        x = ids[i]
        for cell in range(length - 1, -1, -1):
            out[i, cell] = x % n_glyphs
            x //= n_glyphs
    return out


@kernel
def _tile(objects, sources, atoms, length, n_glyphs, n_thr, n_temps, start, stop):
    """A tile's scenes, its row array (threshold rows filled in) and its atom pairs."""
    scenes = scenes_of_range(start, stop, n_glyphs, length)
    grows, valid = scene_rows(scenes, n_glyphs)
    n_sources = sources.shape[0]
    orows, nrows, rows, pairs = prepare(grows, valid, objects, n_sources, atoms, length, n_glyphs,
                                        n_thr, n_temps)
    threshold_rows(orows, nrows, sources, length, n_thr, 0, n_sources, rows)
    return scenes, rows, pairs


@kernel
def digest_range(objects, sources, atoms, code, starts, n_thr, n_temps, length, n_glyphs,
                 start, stop):
    """``(counts int64[R], fingerprints uint64[R, 2])`` of every rule on scenes
    ``start .. stop - 1`` (see the module docstring; partial results add up)."""
    n_rules = starts.shape[0] - 1
    counts = np.zeros(n_rules, dtype=np.int64)
    fp = np.zeros((n_rules, 2), dtype=np.uint64)
    temps = FIRST + sources.shape[0] * n_thr  # the temporaries follow the threshold rows
    for t0 in range(start, stop, TILE):
        t1 = min(t0 + TILE, stop)
        _, rows, pairs = _tile(objects, sources, atoms, length, n_glyphs, n_thr, n_temps, t0, t1)
        n_words = rows.shape[1]
        k0 = t0 // 64
        salt_a = np.empty(n_words, dtype=np.uint64)
        salt_b = np.empty(n_words, dtype=np.uint64)
        for w in range(n_words):
            k = np.uint64(k0 + w)
            salt_a[w] = mix(k * SALT_A + SALT_B)
            salt_b[w] = mix(k * SALT_B + SALT_A) | np.uint64(1)  # odd: multiplying is a bijection
        out = np.empty((BAND, n_words), dtype=np.uint64)
        for b0 in range(0, n_rules, BAND):
            b1 = min(b0 + BAND, n_rules)
            rule_rows(rows, pairs, code, starts[b0:b1 + 1], 0, b1 - b0, temps, out)
            for r in range(b1 - b0):
                row = out[r]
                c = np.int64(0)
                ha = np.uint64(0)
                hb = np.uint64(0)
                for w in range(n_words):
                    x = row[w]
                    c += np.int64(popcount(x))
                    m = mix(x ^ salt_a[w])
                    ha += m
                    hb += m * salt_b[w]
                counts[b0 + r] += c
                fp[b0 + r, 0] += ha
                fp[b0 + r, 1] += hb
    return counts, fp


@kernel
def pair_diff_range(objects, sources, atoms, code, starts, n_thr, n_temps, length, n_glyphs,
                    start, stop):
    """``int64[R // 2]``: on how many of scenes ``start .. stop - 1`` rules ``2p`` and
    ``2p + 1`` disagree."""
    n_rules = starts.shape[0] - 1
    diffs = np.zeros(n_rules // 2, dtype=np.int64)
    temps = FIRST + sources.shape[0] * n_thr
    for t0 in range(start, stop, TILE):
        t1 = min(t0 + TILE, stop)
        _, rows, pairs = _tile(objects, sources, atoms, length, n_glyphs, n_thr, n_temps, t0, t1)
        n_words = rows.shape[1]
        out = np.empty((BAND, n_words), dtype=np.uint64)
        for b0 in range(0, n_rules - 1, BAND):  # BAND is even: a pair never straddles two bands
            b1 = min(b0 + BAND, n_rules)
            rule_rows(rows, pairs, code, starts[b0:b1 + 1], 0, b1 - b0, temps, out)
            for r in range(0, b1 - b0 - 1, 2):
                c = np.int64(0)
                for w in range(n_words):
                    c += np.int64(popcount(out[r, w] ^ out[r + 1, w]))
                diffs[(b0 + r) // 2] += c
    return diffs


@kernel
def first_diff_range(objects, sources, atoms, code, starts, n_thr, n_temps, length, n_glyphs,
                     start, stop):
    """``(n_differ, pieces, scene)`` for rules 0 and 1 on scenes ``start .. stop - 1``: how
    many scenes they disagree on, and the simplest of them (fewest pieces, then lowest
    index; ``scene = -1`` when they agree everywhere here)."""
    temps = FIRST + sources.shape[0] * n_thr
    total = np.int64(0)
    best_pieces = np.int64(length + 1)
    best = np.int64(-1)
    for t0 in range(start, stop, TILE):
        t1 = min(t0 + TILE, stop)
        scenes, rows, pairs = _tile(objects, sources, atoms, length, n_glyphs, n_thr, n_temps, t0, t1)
        n_words = rows.shape[1]
        out = np.empty((2, n_words), dtype=np.uint64)
        rule_rows(rows, pairs, code, starts, 0, 2, temps, out)
        for w in range(n_words):
            x = out[0, w] ^ out[1, w]
            if x == 0:
                continue
            total += np.int64(popcount(x))
            for p in range(64):
                if (x >> np.uint64(p)) & np.uint64(1):
                    s = w * 64 + scene_bit(p)
                    pieces = np.int64(0)
                    for cell in range(length):
                        if scenes[s, cell] != 0:
                            pieces += 1
                    # Scenes of a word arrive out of order: compare the index too.
                    if pieces < best_pieces or (pieces == best_pieces and t0 + s < best):
                        best_pieces = pieces
                        best = t0 + s
    return total, best_pieces, best
