"""How few questions *any* questioner can average: a bound from its two lopsided paths.

A questioner that asks until one phenomenon is left is a full binary tree with a leaf per
phenomenon; its mean is the leaves' mean depth, and its total the sum, over the questions
of the tree, of the candidates each is asked of. Every such tree has an **all-"false"
path** (from the root, always the "false" side: it ends at the phenomenon true nowhere)
and an **all-"true" path**. After ``k`` questions, the all-"false" path still holds every
phenomenon false on the ``k`` scenes asked, so at least

    ``least(k)`` = the fewest phenomena false on every one of some ``k`` scenes

however the scenes were chosen (the same on the all-"true" path with "true"). Those floors
are the whole difficulty: on Odeen no scene sheds more than 6,155 phenomena and the
phenomena true on few scenes, or false on few, leave the paths slowly.

**The floors** (:func:`path_floors`) are certified by weights, as the worst-case bound of
:mod:`rulelang.search.cover` is: give each phenomenon a weight ``w_p`` in ``[0, 1]`` and call
``load(s)`` the weight a scene sheds. Of ``k`` scenes, the phenomena shed by none weigh at
least ``sum(w) - (the k largest loads)``, and each weighs at most 1, so at least that many
are left. The weights come from the Lagrangian relaxation of the coverage problem
(subgradient ascent), searched over the orbits of the world's symmetries
(:mod:`rulelang.search.symmetry`: the best weights can be taken the same along an orbit,
and the search is 24 times smaller on Odeen); every floor is then recomputed **from the class rows
alone**, in integers (:func:`check_floors`). Greedy coverage (each question shedding the
most it can) gives the matching upper side: the fewest are between the two.

**The bound** (:func:`fewest_total_questions_paths`): given floors on both paths, the
cheapest tree obeying them is found by a dynamic program over the paths' sizes: a path
node of ``r`` candidates costs ``r``, the ``r - r'`` it sheds hang beside the path in a
subtree that costs at least the balanced tree of them, and the root's two sides hold the
two paths. Without floors this is the balanced tree (:func:`rulelang.search.sweep.
fewest_total_questions`); with a deep leaf only, the bound of that function.

On Odeen: no questioner averages fewer than 14.18 questions per phenomenon (ours: 14.73)
(BENCHMARKS.md §3 has the figure and the command).
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import meanbound_kernels as K
from .index import DialectIndex
from .symmetry import symmetries

#: The integer scale of the certificates' weights (a weight ``u`` in [0, 1] is ``floor(u * SCALE)``).
SCALE = 1 << 20
#: Subgradient steps per number of questions, the first step's length, and its decay per step.
ITERATIONS = 1500
STEP = 3.0
DECAY = 0.998
#: The ascent refreshes its working set of scene orbits every this many steps, and keeps the
#: orbits of the largest loads.
REFRESH = 10
WORKING = 1024
#: Past this many questions no floor is sought (a safety stop: Odeen's end near 40).
MAX_STEPS = 200

CACHE_KIND = "path-floors"


@dataclass(frozen=True, eq=False)
class PathFloors:
    """Certified floors on one lopsided path.

    Attributes:
        answer: the path's every answer (``False``: the all-"false" path).
        floors: ``int64[K + 1]``: after ``k`` questions the path holds at least
            ``floors[k]`` candidates, whatever was asked (``floors[0]``: every class; no
            floor above 1 is known past ``K``).
        weights: ``int64[K + 1, C]``: row ``k`` is the certificate of ``floors[k]`` (weights
            in ``[0, scale]``; row 0 unused).
        greedy: what greedy coverage leaves after ``k`` questions (the fewest are between
            ``floors`` and ``greedy``), until it leaves one (at least ``K + 1`` entries).
        scale: the weights' unit.
        seconds: how long finding the weights took (0 when loaded).
    """

    answer: bool
    floors: np.ndarray
    weights: np.ndarray
    greedy: np.ndarray
    scale: int = SCALE
    seconds: float = 0.0

    @property
    def steps(self) -> int:
        return int(self.floors.shape[0]) - 1


@dataclass(frozen=True)
class MeanBound:
    """The fewest questions any questioner asks, summed over the phenomena.

    Attributes:
        n: the phenomena.
        total: the least total (``mean = total / n``).
        false_floors, true_floors: the floors it was computed from (entry ``k``: after ``k``
            questions), the deep leaf folded into the "false" ones.
        deep: the proved least depth of the phenomenon true nowhere that was used (0: none).
        root_false: the "false" side of the root in the cheapest tree obeying the floors.
    """

    n: int
    total: int
    false_floors: np.ndarray
    true_floors: np.ndarray
    deep: int
    root_false: int

    @property
    def mean(self) -> float:
        return self.total / max(1, self.n)


def _balanced(n: int) -> np.ndarray:
    """``int64[n + 1]``: the least total depth of a full binary tree of ``m`` leaves."""
    m = np.arange(n + 1, dtype=np.int64)
    k = np.frexp(np.maximum(m, 1).astype(np.float64))[1].astype(np.int64) - 1  # floor(log2 m), exact
    out = m * (k + 2) - np.left_shift(np.int64(1), k + 1)
    out[:2] = 0
    return out


def _monotone(floors) -> np.ndarray:
    """Floors never rise with more questions (fewer scenes shed no more): each floor is at
    least every later one, and at least 1."""
    f = np.maximum(np.asarray(floors, dtype=np.int64), 1)
    return np.maximum.accumulate(f[::-1])[::-1]


def fewest_total_questions_paths(n: int, false_floors, true_floors) -> tuple[int, int]:
    """The least total depth of a full binary tree of ``n`` leaves whose all-"false" path
    holds at least ``false_floors[k]`` leaves below it after ``k`` questions, and whose
    all-"true" path ``true_floors[k]`` (entry 0 ignored; floors past the end are 1); and the
    size of the root's "false" side in such a cheapest tree. (Module docstring.)

    Raises ``ValueError`` when no tree obeys the floors.
    """
    if n <= 1:  # nothing to ask; no path goes past its root
        if max([1, *false_floors[1:], *true_floors[1:]]) > 1:
            raise ValueError("a single leaf keeps no floor above 1")
        return 0, 0
    ff = _monotone(false_floors if len(false_floors) > 1 else [n, 1])
    tf = _monotone(true_floors if len(true_floors) > 1 else [n, 1])
    ff[0] = tf[0] = n
    lo_f, lo_t = int(ff[1]), int(tf[1])
    if lo_f + lo_t > n:
        raise ValueError(f"no root splits {n} into at least {lo_f} and {lo_t}")
    balanced = _balanced(n)
    cost_f = K.path_costs(ff, n - lo_t, balanced)
    cost_t = K.path_costs(tf, n - lo_f, balanced)
    sides = np.arange(lo_f, n - lo_t + 1)
    totals = cost_f[sides] + cost_t[n - sides]
    at = int(np.argmin(totals))
    if totals[at] >= K.INFINITE:
        raise ValueError(f"no tree of {n} leaves keeps these floors on its paths")
    return n + int(totals[at]), int(sides[at])


def _shed_matrix(index: DialectIndex, answer: bool):
    """The coverage problem up to symmetry: ``float32[scene orbits, class orbits]``, how many
    classes of each class orbit one scene of each scene orbit sheds; then the classes in each
    class orbit, the distinct scenes in each scene orbit, and each class's orbit."""
    sym = symmetries(index)
    distinct = index.distinct_scenes
    first = np.unique(sym.scene_orbit, return_index=True)[1]
    sizes = np.bincount(sym.class_orbit, minlength=sym.n_class_orbits).astype(np.float64)
    true_on = np.unpackbits(index.index[distinct[first]].view(np.uint8), axis=1,
                            bitorder="little")[:, :index.n_classes]
    order = np.argsort(sym.class_orbit, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes[:-1])]).astype(np.int64)
    counts = np.add.reduceat(true_on[:, order].astype(np.int32), starts, axis=1).astype(np.float32)
    shed = sizes.astype(np.float32)[None, :] - counts if answer else counts
    return shed, sizes, np.bincount(sym.scene_orbit).astype(np.int64), sym.class_orbit


def _top(loads: np.ndarray, mult: np.ndarray, k: int):
    """The ``k`` scenes of the largest loads, taken orbit by orbit (orbit ``i`` holds
    ``mult[i]`` scenes of load ``loads[i]``): the orbits used and how many scenes of each."""
    order = np.argsort(-loads, kind="stable")
    held = np.cumsum(mult[order])
    j = min(int(np.searchsorted(held, k)), order.shape[0] - 1)
    used = order[: j + 1]
    take = mult[used].astype(np.float64)
    take[-1] -= max(0, held[j] - k)
    return used, take


def _ascend(shed, sizes, mult, k, w):
    """Weights (over class orbits) for ``k`` questions: projected subgradient ascent of
    ``sum(w) - (the k largest loads)``, from ``w``; the best found and its value."""
    best, best_w = -np.inf, w.copy()
    step = STEP
    work = np.arange(shed.shape[0])
    for it in range(ITERATIONS):
        if it % REFRESH == 0:  # every scene orbit's load: the value, and a new working set
            loads = shed @ w.astype(np.float32)
            used, take = _top(loads, mult, k)
            value = float(sizes @ w - take @ loads[used])
            if value > best:
                best, best_w = value, w.copy()
            work = np.argsort(-loads, kind="stable")[:WORKING]
            sub = shed[work]
        else:
            used, take = _top(sub @ w.astype(np.float32), mult[work], k)
            used = work[used]
        grad = sizes - take.astype(np.float32) @ shed[used]
        grad[(w <= 0) & (grad < 0)] = 0
        grad[(w >= 1) & (grad > 0)] = 0
        norm = float(np.sqrt(grad @ grad))
        if norm == 0.0:
            break
        w = np.clip(w + step * grad / norm, 0.0, 1.0)
        step *= DECAY
    loads = shed @ w.astype(np.float32)
    used, take = _top(loads, mult, k)
    value = float(sizes @ w - take @ loads[used])
    return (value, w) if value > best else (best, best_w)


def _certified(index: DialectIndex, answer: bool, weights: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """The floors the integer ``weights`` (``int64[m, C]``, for ``ks[j]`` questions) prove,
    from the class rows alone."""
    loads = K.weighted_loads(index.index, index.distinct_scenes, np.ascontiguousarray(weights.T))
    totals = weights.sum(axis=1)
    if answer:  # the all-"true" path sheds the classes false on a scene
        loads = totals[None, :] - loads
    out = np.empty(ks.shape[0], dtype=np.int64)
    for j, k in enumerate(ks):
        k = min(int(k), loads.shape[0])
        top = np.partition(loads[:, j], loads.shape[0] - k)[loads.shape[0] - k:].sum() if k else 0
        left = int(totals[j]) - int(top)
        out[j] = max(1, -(-left // SCALE))  # ceil: a count of phenomena; a path holds at least one
    return out


def check_floors(index: DialectIndex, pf: PathFloors) -> np.ndarray:
    """Every floor of ``pf`` recomputed from its weights and the class rows (integers only,
    no symmetry). Raises ``ValueError`` if a weight is outside ``[0, scale]``."""
    w = pf.weights[1:]
    if (w < 0).any() or (w > pf.scale).any() or pf.scale != SCALE:
        raise ValueError("not a certificate: weights must lie in [0, scale]")
    out = np.empty(pf.floors.shape[0], dtype=np.int64)
    out[0] = index.n_classes
    out[1:] = _certified(index, pf.answer, w, np.arange(1, pf.floors.shape[0]))
    return out


def path_floors(index: DialectIndex, answer: bool, *, max_steps: int = MAX_STEPS) -> PathFloors:
    """Certified floors on the path whose every answer is ``answer``, for every number of
    questions until the floor falls to 1 (module docstring)."""
    t0 = time.perf_counter()
    shed, sizes, mult, class_orbit = _shed_matrix(index, answer)
    w = np.ones(sizes.shape[0])
    rows = [np.zeros(index.n_classes, dtype=np.int64)]
    for k in range(1, min(max_steps, index.distinct_scenes.shape[0]) + 1):
        value, w = _ascend(shed, sizes, mult, k, w)
        rows.append(np.floor(w[class_orbit] * SCALE).astype(np.int64))
        if value < 2.0:  # a floor of 1 says nothing: every path holds one
            break
    weights = np.array(rows)
    floors = np.empty(weights.shape[0], dtype=np.int64)
    floors[0] = index.n_classes
    floors[1:] = _certified(index, answer, weights[1:], np.arange(1, weights.shape[0]))
    greedy = K.greedy_left(index.index, index.distinct_scenes, index.valid, max_steps, answer)
    greedy = greedy[: max(weights.shape[0], int(np.searchsorted(-greedy, -1)) + 1)]  # up to its first 1
    return PathFloors(answer, floors, weights, greedy, SCALE, time.perf_counter() - t0)


_HELD: dict[tuple[int, bool], tuple[DialectIndex, PathFloors]] = {}
_LOCK = threading.Lock()


def cached_path_floors(index: DialectIndex, answer: bool, *, disk_cache: bool = True) -> PathFloors:
    """:func:`path_floors`, once per process and (with ``disk_cache``) kept on disk; a copy
    read back is used only if its floors are what its weights prove."""
    from . import cache
    from . import symmetry
    from .index import semantics_sources

    kind = f"{CACHE_KIND}-{'true' if answer else 'false'}"
    with _LOCK:
        held = _HELD.get((id(index), answer))
        if held is not None and held[0] is index:
            return held[1]
        sources = (*semantics_sources(), K, symmetry, sys.modules[__name__])
        pf = None
        stored = cache.load(kind, index.universe, sources) if disk_cache else None
        if stored is not None and stored["weights"].ndim == 2 and stored["weights"].shape[1] == index.n_classes:
            pf = PathFloors(answer, stored["floors"], stored["weights"], stored["greedy"])
            try:
                if not np.array_equal(check_floors(index, pf), pf.floors):
                    pf = None
            except ValueError:  # not a certificate: build again, as for any bad copy
                pf = None
        if pf is None:
            pf = path_floors(index, answer)
            if disk_cache:
                cache.save(kind, index.universe, sources,
                           {"floors": pf.floors, "weights": pf.weights, "greedy": pf.greedy})
        _HELD[(id(index), answer)] = (index, pf)
        return pf


def mean_lower_bound(index: DialectIndex, *, deep: int = 0, disk_cache: bool = True) -> MeanBound:
    """The fewest questions per phenomenon any questioner averages on ``index``: the floors
    of both paths (certified), with the phenomenon true nowhere at depth ``deep`` or more
    (a proved worst-case bound, :mod:`rulelang.search.cover`; 0: not used)."""
    n = index.n_classes
    false_pf = cached_path_floors(index, False, disk_cache=disk_cache)
    true_pf = cached_path_floors(index, True, disk_cache=disk_cache)
    ff = np.ones(max(false_pf.floors.shape[0], deep), dtype=np.int64)
    ff[: false_pf.floors.shape[0]] = false_pf.floors
    if deep > 1:
        ff[1:deep] = np.maximum(ff[1:deep], 2)  # after deep - 1 questions it is not yet alone
    total, root = fewest_total_questions_paths(n, ff, true_pf.floors)
    return MeanBound(n, total, _monotone(ff), _monotone(true_pf.floors), deep, root)
