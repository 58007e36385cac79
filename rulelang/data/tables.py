"""Observations of a phenomenon: labelled scene samples and the three kinds of table.

Scenes are indices into the universe's scene order (``uint32``); labels come from the
semantics matrix. For a validation or test rule the data set holds:

* ``random`` — ``k`` distinct scenes drawn uniformly;
* ``balanced`` — half true, half false, where the rule allows (a rule true on only 5
  scenes gets those 5 and ``k - 5`` false ones), in random order;
* ``informative`` — greedy, as the paper's table minimiser: each next scene is one that
  leaves the fewest dialect classes consistent with the hidden rule's labels so far.

How the informative table is made fast. The first scene is chosen exactly, over all
117,649 scenes, from a per-scene count of the classes true there (shared by every rule).
While more than ``exact_below`` classes remain consistent, each later scene is chosen
exactly among a *candidate pool* drawn afresh at each step: ``pool_runs`` random runs of
``run_words`` consecutive 64-scene words (16 x 256 = 4,096 scenes by default; runs of whole
cache lines keep the class rows' memory reads sequential). Once at most ``exact_below``
classes remain, every scene is a candidate; if the pool splits none of the remaining
classes, every scene is too. Ties are broken uniformly at random; once the hidden class is
the only one left, the remaining scenes are uniform random unchosen scenes. So a table
identifies its phenomenon whenever ``k`` greedy steps can.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..bits import valid_row
from ..enumerate import Dialect
from .sampling import raw_words, sample_from, uniform_samples
from .table_kernels import column_counts, informative_tables

TABLE_KINDS = ("random", "balanced", "informative")


@dataclass(frozen=True)
class InformativeOptions:
    """Knobs of the greedy table (see the module docstring)."""

    pool_runs: int = 16
    run_words: int = 4
    exact_below: int = 64


def labels_of(dialect: Dialect, rules: np.ndarray, scenes: np.ndarray) -> np.ndarray:
    """``bool[n, k]``: the label of rule ``rules[i]`` on scene ``scenes[i, j]``."""
    if dialect.streamed:  # no matrix: the checker on the scenes themselves
        from .pool import labels_direct

        return labels_direct(dialect, rules, scenes)
    packed = dialect.matrix.words.view(np.uint8)
    s = scenes.astype(np.int64)
    byte = packed[np.asarray(rules, dtype=np.int64)[:, None], s >> 3]
    return ((byte >> (7 - (s & 7)).astype(np.uint8)) & 1).astype(bool)


def balanced_tables(dialect: Dialect, rules: np.ndarray, seed: int, part: int, k: int) -> np.ndarray:
    """``uint32[n, k]``: half true, half false where possible, shuffled."""
    if len(rules) == 0:
        return np.zeros((0, k), dtype=np.uint32)
    n = dialect.universe.n_scenes
    packed = dialect.matrix.packed
    raw = raw_words(seed, "balanced", part, len(rules) * 3 * k).reshape(-1, 3 * k)
    out = np.empty((len(rules), k), dtype=np.uint32)
    for i, r in enumerate(np.asarray(rules, dtype=np.int64)):
        bits = np.unpackbits(packed[r], count=n).astype(bool)
        true, false = np.flatnonzero(bits), np.flatnonzero(~bits)
        n_true = min(k // 2, true.size)
        n_false = min(k - n_true, false.size)
        n_true = min(k - n_false, true.size)
        picked = np.empty(k, dtype=np.int64)
        sample_from(raw[i, :n_true], true, n_true, picked[:n_true])
        sample_from(raw[i, k: k + n_false], false, n_false, picked[n_true:])
        order = np.empty(k, dtype=np.int64)
        sample_from(raw[i, 2 * k:], np.arange(k, dtype=np.int64), k, order)
        out[i] = picked[order]
    return out


def informative(dialect: Dialect, rules: np.ndarray, seed: int, part: int, k: int,
                options: InformativeOptions = InformativeOptions(),
                root_counts: np.ndarray | None = None) -> np.ndarray:
    """``uint32[n, k]``: greedy informative tables (see the module docstring).

    Args:
        root_counts: :func:`class_counts` of ``dialect`` when already computed.
    """
    rules = np.asarray(rules, dtype=np.int64)
    if rules.size == 0:
        return np.zeros((0, k), dtype=np.uint32)
    words = dialect.matrix.words
    cls = dialect.classes
    t0 = class_counts(dialect) if root_counts is None else root_counts
    n_scenes = dialect.universe.n_scenes
    valid = valid_row(n_scenes, words.shape[1])
    stride = options.pool_runs + 2
    raw = raw_words(seed, "informative", part, rules.size * k * stride).reshape(rules.size, k * stride)
    return informative_tables(words, cls.canonical.astype(np.int64), rules,
                              cls.class_of[rules].astype(np.int64), t0, valid, raw, k,
                              options.pool_runs, options.run_words, options.exact_below)


def class_counts(dialect: Dialect) -> np.ndarray:
    """``int32[n_scenes]``: how many dialect classes are true on each scene."""
    return column_counts(dialect.matrix.words, dialect.classes.canonical.astype(np.int64),
                         dialect.universe.n_scenes)


def make_tables(dialect: Dialect, rules: np.ndarray, seed: int, part: int, k: int,
                options: InformativeOptions = InformativeOptions(),
                root_counts: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The three kinds of table for ``rules`` (``part`` keeps splits' streams apart).

    Where the dialect streams, balanced and informative tables come from a pool of scenes
    (:mod:`rulelang.data.pool`).
    """
    n = dialect.universe.n_scenes
    if dialect.streamed:
        from .pool import Pool

        pool = Pool(dialect, seed)
        return {
            "random": uniform_samples(seed, "random", part, len(rules), k, n),
            "balanced": pool.ids[balanced_tables(pool, rules, seed, part, k)].astype(np.uint32),
            "informative": pool.ids[informative(pool, rules, seed, part, k, options)].astype(np.uint32),
        }
    return {
        "random": uniform_samples(seed, "random", part, len(rules), k, n),
        "balanced": balanced_tables(dialect, rules, seed, part, k),
        "informative": informative(dialect, rules, seed, part, k, options, root_counts),
    }
