"""The dialect's phenomena where the scene index would not fit: candidates checked on a
table's own scenes.

The scene index (:mod:`rulelang.search.index`) holds one bit per class and scene: 170 MB
for Odeen, 410 GB for ``odeen-10``. Where it would not fit, :class:`ClassIndex` keeps only
the classes (found once by the streamed enumeration, :mod:`rulelang.stream`, and kept in
the disk cache like the index) and their canonical rules compiled into one program. A
table's version space is then the classes whose rules, run on the table's scenes, give the
table's labels; the next question is chosen among a seeded random pool of scenes
(:func:`ask`), labelled the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rulelang import bits
from rulelang.checker import Program, compile_rules, run
from rulelang.universe import Universe

from .active import CRITERIA, PRIORS, Query, entropy, next_scene
from .index import DialectIndex

#: The kind of the classes' copies in the disk cache (:mod:`rulelang.search.cache`).
CACHE_KIND = "dialect-classes"
#: Scenes a question is chosen among, on a universe without a scene index.
POOL = 4096


@dataclass(frozen=True, eq=False)
class ClassIndex(DialectIndex):
    """A :class:`DialectIndex` without its scene index (``index`` has no rows): every
    per-class array is there, and labels come from running the compiled canonical rules."""

    program: Program | None = field(default=None, compare=False)

    @property
    def n_scenes(self) -> int:
        return self.universe.n_scenes

    @property
    def n_words(self) -> int:
        return self.valid.shape[0]

    def labels(self, scenes: np.ndarray, ids: np.ndarray | None = None) -> np.ndarray:
        """``uint64[C, ceil(n / 64)]`` rule-major rows: each class's labels on ``scenes``
        (glyph indices ``uint8[n, length]``); only the rows of ``ids`` when given."""
        rows = run(self.program, scenes, parallel=scenes.shape[0] > 1024).words
        return rows if ids is None else rows[ids]

    def mismatches(self, scenes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``int64[C]``: how many of the labels each class contradicts."""
        if scenes.shape[0] == 0:
            return np.zeros(self.n_classes, dtype=np.int64)
        rows = self.labels(scenes)
        want = np.zeros(rows.shape[1] * 8, dtype=np.uint8)
        want[: (labels.size + 7) // 8] = np.packbits(np.asarray(labels, dtype=bool))
        return bits.row_popcounts(rows ^ want.view(np.uint64)[None, :])

    @cached_property
    def class_rows(self) -> np.ndarray:
        raise NotImplementedError("no rows over every scene: the universe is too large")

    @cached_property
    def distinct_scenes(self) -> np.ndarray:
        raise NotImplementedError("no scene index: the universe is too large")


def build_class_index(universe: Universe, executor=None) -> ClassIndex:
    """The classes of ``universe``'s dialect by streaming every scene (the one-off cost)."""
    from rulelang.enumerate import Dialect

    start = time.perf_counter()
    dialect = Dialect(universe, executor)
    cls = dialect.classes
    return assemble_classes(universe, dialect.rules, cls.canonical, cls.sizes,
                            dialect.true_counts[cls.canonical], start)


def assemble_classes(universe: Universe, all_rules, canon: np.ndarray, members: np.ndarray,
                     true_counts: np.ndarray, start: float) -> ClassIndex:
    """A :class:`ClassIndex` from its stored arrays."""
    from rulelang.ast import size
    from rulelang.printer import format_rule

    rules = tuple(all_rules[i] for i in canon)
    n_words = (len(rules) + 63) // 64
    flags = np.zeros(n_words * 64, dtype=bool)
    flags[: len(rules)] = True
    arrays = dict(words=np.array([size(r) for r in rules], dtype=np.int64),
                  members=np.asarray(members, dtype=np.int64),
                  true_counts=np.asarray(true_counts, dtype=np.int64),
                  index=np.zeros((0, n_words), dtype=np.uint64),
                  valid=np.packbits(flags, bitorder="little").view(np.uint64).copy(),
                  scene_order=np.zeros(0, dtype=np.int64))
    for a in arrays.values():
        a.setflags(write=False)
    return ClassIndex(universe=universe, rules=rules, texts=tuple(format_rule(r) for r in rules),
                      canonical=np.asarray(canon, dtype=np.int64), **arrays,
                      build_seconds=time.perf_counter() - start,
                      program=compile_rules(list(rules), universe))


def _sources() -> tuple:
    import sys

    from rulelang import ast, checker, enumerate, label_kernels, printer, stream, stream_kernels, universe

    return (ast, universe, printer, checker, label_kernels, stream, stream_kernels, enumerate,
            sys.modules[__name__])


def class_index(universe: Universe, *, disk_cache: bool = True, executor=None) -> ClassIndex:
    """The classes of ``universe``'s dialect: from the disk cache, else streamed (and kept)."""
    from rulelang.enumerate import dialect_rules

    from . import cache

    start = time.perf_counter()
    arrays = cache.load(CACHE_KIND, universe, _sources()) if disk_cache else None
    if arrays is not None and arrays["members"].shape == arrays["canonical"].shape == arrays["true_counts"].shape:
        return assemble_classes(universe, dialect_rules(universe), arrays["canonical"], arrays["members"],
                                arrays["true_counts"], start)
    ix = build_class_index(universe, executor)
    if disk_cache:
        cache.save(CACHE_KIND, universe, _sources(),
                   {"canonical": ix.canonical, "members": ix.members, "true_counts": ix.true_counts})
    return ix


def ask(vs, *, criterion: str = "cover", prior: str = "uniform", exclude: np.ndarray | None = None,
        seed: int = 0, pool: int = POOL) -> Query | None:
    """The next scene to ask: :func:`rulelang.search.active.next_scene` where the scene index
    exists, else the best of a seeded random pool of scenes (plus the simplest ones), by
    information gain or minimax (``cover`` plans over every scene, so it falls back to gain)."""
    ix = vs.index
    if not isinstance(ix, ClassIndex):
        return next_scene(vs, criterion=criterion, prior=prior, exclude=exclude)
    if criterion not in CRITERIA or prior not in PRIORS:
        raise ValueError(f"criterion must be one of {CRITERIA}, prior one of {PRIORS}")
    if criterion not in ("gain", "minimax"):  # a planned cover needs every scene: the gain here
        criterion = "gain"
    n = len(vs)
    if n < 2:
        return None
    u = ix.universe
    rng = np.random.default_rng([seed, n])
    ids = np.unique(np.concatenate([np.arange(min(pool // 8, u.n_scenes), dtype=np.int64),
                                    rng.integers(0, u.n_scenes, size=pool, dtype=np.int64)]))
    if exclude is not None and len(exclude):
        ids = ids[~np.isin(ids, np.asarray(exclude, dtype=np.int64))]
    if ids.size == 0:
        return None
    from rulelang.stream import scenes_of

    scenes = scenes_of(u, ids)
    rows = ix.labels(scenes, vs.ids)  # candidates x pool, packed
    labels = np.unpackbits(rows.view(np.uint8), axis=1, count=ids.size).astype(bool)
    weights = ix.prior_weights[vs.ids].astype(np.float64) if prior == "simplicity" else np.ones(n)
    counts = labels.sum(axis=0)
    if criterion == "gain":
        mass = weights @ labels / weights.sum()
        score = np.abs(2 * mass - 1)
        p_of = mass
    else:
        score = np.abs(2 * counts - n).astype(np.float64)
        p_of = counts / n
    pieces = (scenes != 0).sum(axis=1)
    best = int(np.lexsort((ids, pieces, score))[0])  # ties: the simplest scene
    k = int(counts[best])
    if k in (0, n):
        return None
    return Query(u.format_scene(scenes[best]), int(ids[best]), k, n - k, entropy(float(p_of[best])),
                 max(k, n - k), criterion, prior)
