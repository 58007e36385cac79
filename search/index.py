"""The dialect's phenomena, indexed by scene: the data every search question runs on.

The phenomena are the semantic classes of the Odeen dialect (11,618 of them, numbered in
canonical-rule order: fewest words, then alphabetical). :class:`DialectIndex` holds, for
each scene, one bit per class (the class's label there). A table's version space is then
an AND of a few such rows, and "how many candidates would answer true" a popcount.

Building it means building the dialect's semantics matrix and transposing its class rows
(a few seconds); :func:`dialect_index` builds it once per process.

Where the scene index would not fit (one bit per class and scene: 170 MB for Odeen, 410 GB
for ``odeen-10``), :class:`ClassIndex` keeps only the classes (found once by the streamed
enumeration, :mod:`rulelang.stream`, and kept in the disk cache like the index) and their
canonical rules compiled into one program. A table's version space is then the classes
whose rules, run on the table's scenes, give the table's labels; the next question is
chosen among a seeded random pool of scenes (:func:`rulelang.search.active.ask`),
labelled the same way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from rulelang import bits, progress
from rulelang.ast import Rule, size
from rulelang.checker import Program, compile_rules, run
from rulelang.universe import ODEEN, Universe


@dataclass(frozen=True, eq=False)
class DialectIndex:
    """The semantic classes of the dialect of ``universe``, with a scene-major bit index.

    Attributes:
        universe: the world the rules talk about.
        rules: the canonical rule of each class (class ids index every per-class array).
        texts: the canonical rule texts.
        canonical: ``int64[C]``, each canonical rule's position in the dialect's grammar order.
        words: ``int64[C]``, words of each canonical rule (the simplicity prior's length).
        members: ``int64[C]``, how many dialect rules each class holds.
        true_counts: ``int64[C]``, how many scenes each class labels true.
        index: ``uint64[S, ceil(C / 64)]``, bit ``c`` of row ``s`` = class ``c``'s label on
            scene ``s`` (read-only).
        valid: ``uint64[ceil(C / 64)]``, the bit set of every class.
        scene_order: ``int64[S]``, scenes sorted simplest first (fewest pieces, then index);
            ties between equally useful scenes go to the simplest.
        build_seconds: how long building took.
    """

    universe: Universe
    rules: tuple[Rule, ...]
    texts: tuple[str, ...]
    canonical: np.ndarray
    words: np.ndarray
    members: np.ndarray
    true_counts: np.ndarray
    index: np.ndarray
    valid: np.ndarray
    scene_order: np.ndarray
    build_seconds: float = field(default=0.0, compare=False)

    @property
    def n_classes(self) -> int:
        return len(self.rules)

    @property
    def n_scenes(self) -> int:
        return self.index.shape[0]

    @property
    def n_words(self) -> int:
        """Words (``uint64``) per bit set over the classes."""
        return self.index.shape[1]

    @cached_property
    def class_rows(self) -> np.ndarray:
        """``uint64[C, ceil(S / 64)]``: each class's labels on every scene.

        The same layout as :class:`rulelang.checker.LabelRows` (``numpy.packbits`` rows).
        """
        rows = bits.rule_major(self.index, self.n_classes)
        rows.setflags(write=False)
        return rows

    @cached_property
    def distinct_scenes(self) -> np.ndarray:
        """``int64[D]``: one scene per distinct index row, the simplest, in scene order.

        Scenes whose rows are equal are labelled alike by every phenomenon, so no question
        can tell them apart; asking questions over these representatives gives the same
        answers as over every scene, faster (93,717 of Odeen's 117,649 scenes).
        """
        order = self.scene_order
        hashes = bits.row_hashes(self.index)[order]
        _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
        rep = order[first][inverse]  # the representative of each scene (by hash)
        same = (self.index[order] == self.index[rep]).all(axis=1)  # rule out hash collisions
        is_first = np.zeros(order.shape[0], dtype=bool)
        is_first[first] = True
        out = order[is_first | ~same]
        out.setflags(write=False)
        return out

    @cached_property
    def prior_weights(self) -> np.ndarray:
        """``int64[C]``: ``2 ** (max words - words)``, the simplicity prior as exact integers."""
        return (np.int64(1) << (self.words.max() - self.words)).astype(np.int64)

    @cached_property
    def word_weights(self) -> np.ndarray:
        """``int64[n_words]``: the common prior weight of each index word's classes, 0 if mixed."""
        w = np.empty(self.n_words * 64, dtype=np.int64)
        w[: self.n_classes] = self.prior_weights
        w[self.n_classes:] = self.prior_weights[-1]  # padding bits are never set
        blocks = w.reshape(self.n_words, 64)
        return np.where((blocks == blocks[:, :1]).all(axis=1), blocks[:, 0], 0).astype(np.int64)

    def bits_of(self, ids: np.ndarray) -> np.ndarray:
        """The bit set (``uint64[n_words]``) of the given class ids."""
        ids = np.asarray(ids, dtype=np.int64)
        flags = np.zeros(self.n_words * 64, dtype=bool)
        flags[ids] = True
        return np.packbits(flags, bitorder="little").view(np.uint64).copy()

    def ids_of(self, bitset: np.ndarray) -> np.ndarray:
        """The class ids (ascending) of a bit set."""
        return bits.members(np.ascontiguousarray(bitset, dtype=np.uint64), self.n_classes)

    def labels_of(self, class_id: int, scenes: np.ndarray) -> np.ndarray:
        """``bool[n]``: class ``class_id``'s labels on the given scene indices."""
        word, bit = divmod(int(class_id), 64)
        return ((self.index[np.asarray(scenes, dtype=np.int64), word] >> np.uint64(bit)) & np.uint64(1)).astype(bool)

    def labels_of_many(self, ids: np.ndarray, scene: int) -> np.ndarray:
        """``bool[len(ids)]``: the labels of classes ``ids`` on one scene."""
        ids = np.asarray(ids, dtype=np.int64)
        row = self.index[int(scene)]
        return ((row[ids >> 6] >> (ids & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)


def build_index(universe: Universe = ODEEN) -> DialectIndex:
    """Build the index from scratch: the dialect's matrix, its classes, the transpose."""
    from rulelang.enumerate import Dialect

    start = time.perf_counter()
    dialect = Dialect(universe)
    title = f"building the {universe.name} dialect index (once: later runs load it)"
    with progress.task(title, 4) as bar:
        bar.update(0, f"{title}: labelling every scene under every rule")
        words = dialect.matrix.words
        bar.update(1, f"{title}: grouping the rules into phenomena")
        classes = dialect.classes
        canon = classes.canonical
        rows = words[canon]
        bar.update(1, f"{title}: transposing the matrix")
        index = bits.scene_major(words, canon.astype(np.int64), universe.n_scenes)
        bar.update(1, f"{title}: assembling")
        result = assemble(universe, dialect.rules, canon, classes.sizes, dialect.true_counts[canon], index,
                          start)
        bar.update(1)
    result.__dict__["class_rows"] = rows  # already at hand: spare the transpose back
    rows.setflags(write=False)
    return result


def assemble(universe: Universe, all_rules: list[Rule], canon: np.ndarray, members: np.ndarray,
             true_counts: np.ndarray, index: np.ndarray, start: float) -> DialectIndex:
    """A :class:`DialectIndex` from its stored arrays (built now, or loaded from the cache)."""
    from rulelang.printer import format_rule

    rules = tuple(all_rules[i] for i in canon)
    flags = np.zeros(index.shape[1] * 64, dtype=bool)
    flags[: len(rules)] = True
    pieces = universe.piece_counts(universe.all_scenes())
    arrays = dict(
        words=np.array([size(r) for r in rules], dtype=np.int64),
        members=np.asarray(members, dtype=np.int64),
        true_counts=np.asarray(true_counts, dtype=np.int64),
        index=index,
        valid=np.packbits(flags, bitorder="little").view(np.uint64).copy(),
        scene_order=np.argsort(pieces, kind="stable").astype(np.int64),
    )
    for a in arrays.values():
        a.setflags(write=False)
    return DialectIndex(universe=universe, rules=rules, texts=tuple(format_rule(r) for r in rules),
                        canonical=np.asarray(canon, dtype=np.int64), **arrays,
                        build_seconds=time.perf_counter() - start)


#: The kind of the index's copies in the disk cache (:mod:`rulelang.search.cache`).
CACHE_KIND = "dialect-index"
#: The arrays a copy holds; the others follow from them and the universe.
STORED = ("canonical", "members", "true_counts", "index")


def semantics_sources() -> tuple:
    """The modules whose code decides the index (their source is the cache's fingerprint)."""
    import sys

    from rulelang import ast, checker, enumerate, label_kernels, printer, universe

    return (ast, universe, printer, checker, label_kernels, bits, enumerate, sys.modules[__name__])


def save_to_cache(ix: DialectIndex):
    """Keep a copy of ``ix`` on disk (the path, or ``None`` when the cache is off or unwritable)."""
    from . import cache

    return cache.save(CACHE_KIND, ix.universe, semantics_sources(), {k: getattr(ix, k) for k in STORED})


def load_from_cache(universe: Universe) -> DialectIndex | None:
    """The copy of ``universe``'s index on disk, or ``None`` when absent or not trustworthy."""
    from rulelang.enumerate import dialect_rules

    from . import cache

    start = time.perf_counter()
    arrays = cache.load(CACHE_KIND, universe, semantics_sources())
    if arrays is None:
        return None
    index = arrays["index"]
    n_classes = arrays["canonical"].shape[0]
    if (index.dtype != np.uint64 or index.shape != (universe.n_scenes, (n_classes + 63) // 64)
            or arrays["members"].shape != (n_classes,) or arrays["true_counts"].shape != (n_classes,)):
        return None
    index.setflags(write=False)
    return assemble(universe, dialect_rules(universe), arrays["canonical"], arrays["members"],
                    arrays["true_counts"], index, start)


#: The kind of the classes' copies in the disk cache, where there is no scene index.
CLASSES_CACHE_KIND = "dialect-classes"


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


def class_sources() -> tuple:
    """The modules whose code decides the classes of a streamed dialect (the cache's fingerprint)."""
    import sys

    from rulelang import ast, checker, enumerate, label_kernels, printer, stream, stream_kernels, universe

    return (ast, universe, printer, checker, label_kernels, stream, stream_kernels, enumerate,
            sys.modules[__name__])


def class_index(universe: Universe, *, disk_cache: bool = True, executor=None) -> ClassIndex:
    """The classes of ``universe``'s dialect: from the disk cache, else streamed (and kept)."""
    from rulelang.enumerate import dialect_rules

    from . import cache

    start = time.perf_counter()
    arrays = cache.load(CLASSES_CACHE_KIND, universe, class_sources()) if disk_cache else None
    if arrays is not None and arrays["members"].shape == arrays["canonical"].shape == arrays["true_counts"].shape:
        return assemble_classes(universe, dialect_rules(universe), arrays["canonical"], arrays["members"],
                                arrays["true_counts"], start)
    ix = build_class_index(universe, executor)
    if disk_cache:
        cache.save(CLASSES_CACHE_KIND, universe, class_sources(),
                   {"canonical": ix.canonical, "members": ix.members, "true_counts": ix.true_counts})
    return ix


def fits(universe: Universe) -> bool:
    """Whether the scene index of ``universe`` can be built (its dialect's matrix fits in
    memory); where not, :func:`dialect_index` gives a
    :class:`ClassIndex`, which checks candidates on a table's scenes."""
    from rulelang.enumerate import dialect_rules
    from rulelang.stream import matrix_fits

    return matrix_fits(universe, len(dialect_rules(universe)))


_CACHE: dict[Universe, DialectIndex] = {}
_LOCK = threading.Lock()


def dialect_index(universe: Universe = ODEEN, *, disk_cache: bool = True) -> DialectIndex:
    """The index of ``universe``'s dialect, kept for the process once built.

    With ``disk_cache``, a copy is also kept on disk (see :mod:`rulelang.search.cache`), so that the
    next process loads it in a fraction of a second instead of building it. A universe whose
    index would not fit gets its classes only (:func:`fits`).
    """
    with _LOCK:
        if universe not in _CACHE and not fits(universe):
            _CACHE[universe] = class_index(universe, disk_cache=disk_cache)
        if universe not in _CACHE:
            found = load_from_cache(universe) if disk_cache else None
            if found is None:
                found = build_index(universe)
                if disk_cache:
                    save_to_cache(found)
            _CACHE[universe] = found
        return _CACHE[universe]
