"""The phenomenon true nowhere, and the covering problem it poses to every questioner.

When the hidden phenomenon labels every scene false, every answer is "false", and a
question rules out exactly the candidates true on the scene asked. To name it, a
questioner must therefore ask a **cover**: a set of scenes on which every other
phenomenon is true at least once. The shortest cover bounds the worst case of *any*
questioner from below, and a short cover is what a good questioner asks on that path.

* :func:`cover_plan` — a shortest cover of the candidates left on the all-"false" path once
  the policy has brought them down to ``START``: an integer program (HiGHS branch and
  bound within a fixed node budget, so that the result does not depend on the machine)
  finds a shortest one and proves it shortest, and weighted greedy with local search
  (seeded) stands in if the budget runs out on a longer one (:func:`shortest_cover`;
  Odeen: 33 scenes, proved optimal, where local search alone finds 36). Kept per process
  and in the disk cache (:mod:`rulelang.search.cache`).
  The questioning policy ``criterion="cover"`` (:mod:`rulelang.search.active`) asks its
  scenes from there on. (Planning from the first question shortens that path more, about
  50 questions for Odeen, but the plan's scenes split the early version spaces worse than
  even splits, and every other game pays: the mean rises by about 0.15 questions.)
* :func:`lower_bound` — a certificate that no cover is shorter than ``bound``, checked
  exactly by :func:`check_bound`; :func:`exact_lower_bound` — branch and bound on the same
  hard core, which can prove more (Odeen: 45 where the certificate gives 44), at the price
  of minutes and of trusting the solver.

**The bound.** Give each phenomenon ``c`` a weight ``w_c >= 0`` and call ``load(s)`` the
weight true on scene ``s``. A cover ``H`` of ``k`` scenes with pairwise different labels
(a repeated scene asks nothing new) rules out all the weight: ``sum(load(s), s in H) >=
sum(w)``. With ``excess(s) = max(0, load(s) - W)`` for a scale ``W``, ``load(s) <= W +
excess(s)``, so ``k * W + (the k largest excesses) >= sum(w)``: the least such ``k`` is a
lower bound. Weights with no excess are a fractional packing (a family of phenomena with
pairwise disjoint true scenes is the special case of 0/1 weights); the weights used here
come from the Lagrangian relaxation of the covering problem (subgradient ascent), whose
best value is the linear-programming bound. The check needs only integer sums over the
class rows.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from rulelang.bits import members

from . import cover_kernels as K
from . import split_kernels as SK
from .book import OpeningBook, opening_book
from .index import DialectIndex
from .tree import count_splits

#: The plan takes over on the all-"false" path once at most this many candidates are left.
START = 300
#: Local-search rounds and seed of the plan (fixed: same index, same plan).
ITERATIONS = 300
#: Subgradient rounds of the weights that guide the plan's greedy steps.
GUIDE_ITERATIONS = 300
SEED = 0
#: The lower bound: weights on the minimal classes of at most this many true scenes,
#: subgradient rounds, and the step's target (a little above the bound hoped for).
BOUND_SMALL = 8000
BOUND_ITERATIONS = 3000
BOUND_TARGET = 46.0
#: The integer scale of the certificate's weights (``W``).
SCALE = 1 << 20

CACHE_KIND = "cover-plan"


@dataclass(frozen=True, eq=False)
class CoverPlan:
    """Scenes that rule out every phenomenon but the one true nowhere.

    Attributes:
        hidden: the class true on no scene.
        scenes: ``int64[k]``, scene ids (distinct representatives), simplest first:
            every class of ``elements`` but ``hidden`` is true on one of them.
        elements: the candidates where the plan takes over (:func:`spine_state`).
        start: how many they are; the plan applies to at most that many candidates.
        least: no cover of ``elements`` is shorter (proved by :func:`shortest_cover`; the
            plan is a shortest cover when ``least == len(plan)``).
        seconds: how long building took (0 when loaded).
    """

    hidden: int
    scenes: np.ndarray
    elements: np.ndarray
    start: int
    least: int = 0
    seconds: float = 0.0

    def __len__(self) -> int:
        return int(self.scenes.shape[0])

    def applies(self, n: int, candidates) -> bool:
        """Whether the plan chooses the question for ``n`` candidates (``candidates``
        supports ``in``): at most ``start`` of them, the phenomenon true nowhere among them."""
        return n <= self.start and self.hidden in candidates

    def positions(self, scenes: np.ndarray) -> np.ndarray:
        """Where the plan's scenes stand in ``scenes`` (ascending positions)."""
        return np.flatnonzero(np.isin(scenes, self.scenes))


@dataclass(frozen=True, eq=False)
class LowerBound:
    """A certificate that every questioner asks at least ``bound`` questions of ``hidden``.

    ``weights[c]`` (integers, ``scale`` = the ``W`` of the module docstring) weigh class
    ``c``; :func:`check_bound` recomputes ``bound`` from them.
    """

    hidden: int
    weights: np.ndarray
    scale: int
    bound: int
    relaxation: float  # the Lagrangian value the weights reached (float; the bound is exact)


def _hidden(index: DialectIndex) -> int | None:
    false = np.flatnonzero(index.true_counts == 0)
    return int(false[0]) if false.shape[0] else None


def _minimal_small(index: DialectIndex, hidden: int, limit: int) -> np.ndarray:
    """Classes with at most ``limit`` true scenes whose true set holds no other's."""
    tc = index.true_counts
    small = np.flatnonzero((tc > 0) & (tc <= limit))
    small = small[np.argsort(tc[small], kind="stable")]
    every = np.arange(index.n_scenes)
    implied = np.zeros(index.n_classes, dtype=bool)
    for c in small:
        if implied[c]:
            continue
        rows = index.index[np.flatnonzero(index.labels_of(c, every))]
        supersets = members(np.bitwise_and.reduce(rows, axis=0), index.n_classes)
        implied[supersets] = True
        implied[c] = False
    return small[~implied[small]]


def _covers(index: DialectIndex, scenes: np.ndarray, elements: np.ndarray, hidden: int) -> bool:
    """Whether every class of ``elements`` but ``hidden`` is true on one of ``scenes``."""
    hit = np.bitwise_or.reduce(index.index[scenes], axis=0) if scenes.shape[0] else np.zeros_like(index.valid)
    left = members(np.ascontiguousarray(index.bits_of(elements) & ~hit), index.n_classes)
    return bool((left == hidden).all())


def _instance(index: DialectIndex, elems: np.ndarray):
    """The distinct scenes' columns over ``elems``, duplicates and empty ones dropped."""
    scenes = index.distinct_scenes
    cols = K.project(index.index, scenes, elems)
    nonempty = cols.any(axis=1)
    cols, scenes = cols[nonempty], scenes[nonempty]
    _, first = np.unique(cols, axis=0, return_index=True)
    first.sort()  # the simplest scene of each column, in scene order
    return np.ascontiguousarray(cols[first]), scenes[first]


def _csr(cols: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    flags = np.unpackbits(cols.view(np.uint8), axis=1, bitorder="little")[:, :m]
    ptr = np.zeros(cols.shape[0] + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(flags.sum(axis=1))
    return ptr, np.nonzero(flags)[1].astype(np.int64)


def spine_state(index: DialectIndex, hidden: int, start: int, book: OpeningBook | None = None) -> np.ndarray:
    """The candidates left when every answer is "false" and the policy's question is asked
    (the ``book``'s where it has one, else the most even split) until at most ``start``
    candidates are left (the state where the plan takes over)."""
    ids, scenes = np.arange(index.n_classes), index.distinct_scenes
    while ids.shape[0] > start:
        scene = None if book is None else book.scene_for(ids)
        if scene is None:
            scene = int(scenes[SK.best_split(count_splits(index, ids, scenes), ids.shape[0])])
        ids = ids[~index.labels_of_many(ids, scene)]
    return ids


def build_plan(index: DialectIndex, *, start: int = START, iterations: int = ITERATIONS,
               seed: int = SEED, book: OpeningBook | None = None) -> CoverPlan | None:
    """Solve the covering problem of the phenomenon true nowhere (``None`` if there is none)
    from the state :func:`spine_state` reaches (``start``: at most that many candidates;
    ``book``: the opening book the policy follows on the way there)."""
    t0 = time.perf_counter()
    hidden = _hidden(index)
    if hidden is None:
        return None
    state = spine_state(index, hidden, start, book)
    elems = state[state != hidden]
    cols, scenes = _instance(index, elems)
    ptr, flat = _csr(cols, elems.shape[0])
    guide = K.lagrangian_multipliers(ptr, flat, elems.shape[0], GUIDE_ITERATIONS, float(elems.shape[0]))
    picked = K.improve_cover(cols, guide + 1e-3, elems.shape[0], iterations, seed, 4, 0.2)
    exact = shortest_cover(cols, elems.shape[0], picked)
    plan = scenes[exact.columns]
    order = np.argsort(_rank(index)[plan], kind="stable")
    return CoverPlan(hidden, plan[order], state, int(state.shape[0]), exact.bound, time.perf_counter() - t0)


#: The branch-and-bound budget of :func:`shortest_cover` (nodes, not seconds: the same
#: result on every machine).
EXACT_NODES = 20_000


@dataclass(frozen=True)
class ExactCover:
    """What the integer program found: ``columns`` (a cover), and ``bound``, the proven
    least size of any cover (``optimal`` when they meet)."""

    columns: np.ndarray
    bound: int

    @property
    def optimal(self) -> bool:
        return self.bound >= self.columns.shape[0]


def _quiet_highs():
    """A HiGHS solver that prints nothing (its constructor writes a banner to fd 1)."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _covers_all(cols: np.ndarray, m: int, columns: np.ndarray) -> bool:
    hit = np.bitwise_or.reduce(cols[columns], axis=0) if columns.shape[0] else np.zeros(cols.shape[1], np.uint64)
    flags = np.unpackbits(hit.view(np.uint8), bitorder="little")[:m]
    return bool(flags.all())


def shortest_cover(cols: np.ndarray, m: int, start: np.ndarray, *, max_nodes: int = EXACT_NODES,
                   seed: int = SEED) -> ExactCover:
    """The shortest cover of ``m`` elements by the columns ``cols`` (``uint64[n, words]``,
    bit ``e`` of a column: it covers element ``e``) that branch and bound finds within
    ``max_nodes`` nodes, or the cover ``start`` if that is no longer.

    The program: minimise the number of columns taken, each element covered at least once
    (HiGHS, one thread, seeded: deterministic). ``start`` is not given to the solver as a
    first solution: HiGHS 1.16 then reports the objective of its presolved problem without
    the columns presolve fixed, and stops at once.
    """
    import highspy

    flags = np.unpackbits(cols.view(np.uint8), axis=1, bitorder="little")[:, :m]
    n = flags.shape[0]
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = np.ones(n), np.zeros(n), np.ones(n)
    lp.row_lower_, lp.row_upper_ = np.ones(m), np.full(m, highspy.kHighsInf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(flags.sum(axis=1))]).astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(flags)[1].astype(np.int32)
    lp.a_matrix_.value_ = np.ones(int(lp.a_matrix_.start_[-1]))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = _quiet_highs()
    for option, value in (("threads", 1), ("random_seed", seed), ("mip_max_nodes", max_nodes),
                          ("mip_rel_gap", 0.0)):
        h.setOptionValue(option, value)
    h.passModel(lp)
    h.run()
    info = h.getInfo()
    bound = int(np.ceil(info.mip_dual_bound - 1e-6)) if np.isfinite(info.mip_dual_bound) else 0
    found = np.flatnonzero(np.asarray(h.getSolution().col_value) > 0.5).astype(np.int64)
    if found.shape[0] >= start.shape[0] or not _covers_all(cols, m, found):
        found = np.sort(np.asarray(start, dtype=np.int64))
    return ExactCover(found, min(bound, found.shape[0]))


def _rank(index: DialectIndex) -> np.ndarray:
    rank = np.empty(index.n_scenes, dtype=np.int64)
    rank[index.scene_order] = np.arange(index.n_scenes)
    return rank


def applicable_plan(index: DialectIndex, n: int, candidates) -> CoverPlan | None:
    """The plan if it chooses the question for these ``n`` candidates (see
    :meth:`CoverPlan.applies`), else ``None``; the plan is built or loaded only then."""
    hidden = _hidden(index)
    if hidden is None or n > START or hidden not in candidates:
        return None
    plan = cover_plan(index)
    return plan if plan is not None and plan.applies(n, candidates) else None


_PLANS: dict[int, tuple[DialectIndex, CoverPlan | None]] = {}
_LOCK = threading.Lock()


def cover_plan(index: DialectIndex, *, disk_cache: bool = True) -> CoverPlan | None:
    """The plan of ``index`` (built once per process; with ``disk_cache``, kept on disk).

    The plan starts where the opening book (:func:`rulelang.search.book.opening_book`)
    leaves the all-"false" path, so a copy on disk is used only if made after the same book.
    """
    import sys

    from . import cache
    from .index import semantics_sources

    with _LOCK:
        held = _PLANS.get(id(index))
        if held is not None and held[0] is index:
            return held[1]
        sources = (*semantics_sources(), K, sys.modules[__name__])
        plan = None
        hidden = _hidden(index)
        book = opening_book(index, disk_cache=disk_cache) if hidden is not None else None
        after = np.frombuffer(book.fingerprint.encode(), dtype=np.uint8) if book is not None else None
        stored = cache.load(CACHE_KIND, index.universe, sources) if disk_cache else None
        if stored is not None and hidden is not None and stored["head"].shape == (3,) \
                and int(stored["head"][0]) == hidden \
                and np.array_equal(stored.get("book", np.empty(0, np.uint8)), after) \
                and _covers(index, stored["scenes"], stored["elements"], hidden):
            plan = CoverPlan(hidden, stored["scenes"], stored["elements"], int(stored["head"][1]),
                             int(stored["head"][2]))
        if plan is None:
            plan = build_plan(index, book=book)
            if plan is not None and disk_cache:
                cache.save(CACHE_KIND, index.universe, sources,
                           {"head": np.array([plan.hidden, plan.start, plan.least]), "scenes": plan.scenes,
                            "elements": plan.elements, "book": after})
        _PLANS[id(index)] = (index, plan)
        return plan


def lower_bound(index: DialectIndex, *, small: int = BOUND_SMALL, iterations: int = BOUND_ITERATIONS,
                target: float = BOUND_TARGET) -> LowerBound | None:
    """Weights proving that every questioner asks the phenomenon true nowhere at least
    ``bound`` questions (module docstring); ``None`` when no phenomenon is true nowhere.

    The weights sit on the inclusion-minimal classes of at most ``small`` true scenes
    (the hard core of the covering problem; any subfamily gives a valid bound).
    """
    hidden = _hidden(index)
    if hidden is None:
        return None
    elems = _minimal_small(index, hidden, small)
    cols, _ = _instance(index, elems)
    ptr, flat = _csr(cols, elems.shape[0])
    u = K.lagrangian_multipliers(ptr, flat, elems.shape[0], iterations, target)
    weights = np.zeros(index.n_classes, dtype=np.int64)
    weights[elems] = np.floor(u * SCALE).astype(np.int64)
    loads = _loads(index, weights)
    relaxation = float(weights.sum() - np.maximum(loads - SCALE, 0).sum()) / SCALE
    return LowerBound(hidden, weights, SCALE, _bound(weights, loads, SCALE), relaxation)


def exact_lower_bound(index: DialectIndex, *, small: int = BOUND_SMALL, max_nodes: int = 400) -> ExactCover | None:
    """Branch and bound on the covering problem of the weights' classes (the
    inclusion-minimal classes of at most ``small`` true scenes): ``bound`` is a proven
    least size of any cover of them, so every questioner asks the phenomenon true nowhere
    at least ``bound`` questions; ``columns`` is the shortest cover of them found.

    Slower than :func:`lower_bound` (Odeen: minutes for 400 nodes) and checked by the
    solver, not by a certificate anyone can re-add; ``None`` when no phenomenon is true
    nowhere.
    """
    hidden = _hidden(index)
    if hidden is None:
        return None
    elems = _minimal_small(index, hidden, small)
    cols, _ = _instance(index, elems)
    return shortest_cover(cols, elems.shape[0], np.arange(cols.shape[0]), max_nodes=max_nodes)


def _loads(index: DialectIndex, weights: np.ndarray) -> np.ndarray:
    """``int64[D]``: the weight true on each distinct scene (exact integer sums)."""
    load = np.zeros(index.n_scenes, dtype=np.int64)
    every = np.arange(index.n_scenes)
    for c in np.flatnonzero(weights):
        load[index.labels_of(int(c), every)] += weights[c]
    return load[index.distinct_scenes]


def _bound(weights: np.ndarray, loads: np.ndarray, scale: int) -> int:
    """The least ``k`` with ``k * scale + (the k largest excesses) >= sum(weights)``."""
    total = int(weights.sum())
    excess = np.sort(np.maximum(loads - scale, 0))[::-1]
    reach = np.arange(1, excess.shape[0] + 1) * scale + np.cumsum(excess)
    return int(np.searchsorted(reach, total)) + 1


def check_bound(index: DialectIndex, lb: LowerBound) -> int:
    """The bound ``lb``'s weights prove, recomputed from the class rows (integers only).

    Raises ``ValueError`` if ``lb.hidden`` is not true nowhere or a weight is negative.
    """
    if index.true_counts[lb.hidden] != 0 or (lb.weights < 0).any() or lb.weights[lb.hidden]:
        raise ValueError("not a certificate: the hidden class must be true nowhere, the weights >= 0")
    return _bound(lb.weights, _loads(index, lb.weights), lb.scale)
