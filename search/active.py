"""Active experiments: which scene to ask about next, to tell the candidates apart.

For a version space of ``n`` phenomena and a scene ``s``, let ``k`` of them label ``s``
true. Asking ``s`` leaves ``k`` or ``n - k`` candidates.

* ``criterion="gain"``: the greatest expected information gain, the binary entropy of
  ``p`` = the prior mass of the candidates answering true. With ``prior="uniform"`` (every
  candidate equally likely) ``p = k / n``; with ``prior="simplicity"`` each candidate weighs
  ``2 ** -words`` (see :mod:`rulelang.search.versionspace`).
* ``criterion="minimax"``: the fewest candidates left in the worst case, ``max(k, n - k)``.
* ``criterion="cover"`` (the default): as ``"gain"``, except where even splits are known
  to ask too much. In the largest states its games reach (more than 300 candidates) the
  question is the opening book's (:mod:`rulelang.search.book`): the split that, of the
  most even few, leaves the cheapest tree below it, planned by rollout (uniform prior
  only). On the path where every answer is "false", the phenomenon true nowhere is named
  only once every other candidate has been seen true: a covering problem
  (:mod:`rulelang.search.cover`), on which even splits ask far more scenes than a planned
  cover. Once that path is down to the plan's candidates (a few hundred), the question is
  the most even split among the plan's scenes. (Odeen: BENCHMARKS.md §3 has the figures;
  no questioner names the phenomenon true nowhere in fewer than 45 questions.)

Under the uniform prior ``"gain"`` and ``"minimax"`` pick the scene with ``k`` nearest to
``n / 2``, so they agree. Every scene of the universe is a candidate, no sampling (scenes that every
phenomenon labels alike stand in through one of them: 93,717 distinct of Odeen's 117,649);
among equally good scenes the simplest wins (fewest pieces, then scene order), so answers
are deterministic and easy to read.

:func:`ask` is the question on any universe: :func:`next_scene` where the scene index
exists, else the best of a seeded random pool of scenes, each labelled by running the
candidates' rules (:class:`~rulelang.search.index.ClassIndex`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import split_kernels as K
from .book import ABOVE, opening_book
from .cover import applicable_plan
from .index import ClassIndex
from .tree import INDEX_ABOVE
from .versionspace import VersionSpace

CRITERIA = ("cover", "gain", "minimax")
PRIORS = ("uniform", "simplicity")
#: Scenes a question is chosen among by :func:`ask`, on a universe without a scene index.
POOL = 4096


@dataclass(frozen=True)
class Query:
    """The scene to ask about, and how it splits the version space.

    Attributes:
        scene: the scene as a string; ``scene_id`` its index in the universe.
        n_true, n_false: candidates that label it true / false.
        gain: expected information gain in bits (under ``prior``).
        worst_case: candidates left after the less informative answer.
    """

    scene: str
    scene_id: int
    n_true: int
    n_false: int
    gain: float
    worst_case: int
    criterion: str
    prior: str

    def to_json(self) -> dict[str, Any]:
        return {"scene": self.scene, "scene_id": self.scene_id, "n_true": self.n_true,
                "n_false": self.n_false, "gain_bits": self.gain, "worst_case": self.worst_case,
                "criterion": self.criterion, "prior": self.prior}


def entropy(p: float) -> float:
    """Binary entropy in bits."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def next_scene(vs: VersionSpace, *, criterion: str = "cover", prior: str = "uniform",
               exclude: np.ndarray | None = None) -> Query | None:
    """The most useful scene to ask about, or ``None`` when fewer than two candidates remain.

    Args:
        vs: the candidates.
        criterion: ``"cover"``, ``"gain"`` or ``"minimax"`` (module docstring).
        prior: ``"uniform"`` or ``"simplicity"`` (the belief ``"gain"`` is measured under;
            ``"cover"`` uses it off its plan).
        exclude: scene ids not to propose (e.g. scenes already in a noisy table).
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion must be one of {CRITERIA}")
    if prior not in PRIORS:
        raise ValueError(f"prior must be one of {PRIORS}")
    n = len(vs)
    if n < 2:
        return None
    ix = vs.index
    scenes = ix.distinct_scenes  # equal index rows answer alike: one (the simplest) suffices
    if exclude is not None and len(exclude):
        scenes = scenes[~np.isin(scenes, np.asarray(exclude, dtype=np.int64))]
    counts = count_true(vs, scenes)
    planned = book_position(vs, scenes, counts) if criterion == "cover" and prior == "uniform" else None
    plan = applicable_plan(ix, n, vs) if criterion == "cover" and planned is None else None
    if planned is not None:
        best = planned
        p = float(counts[best]) / n
    elif plan is not None:
        best = plan_split(counts, n, int(K.best_split(counts, n)), plan.positions(scenes))
        p = float(counts[best]) / n
    elif criterion != "minimax" and prior == "simplicity":
        words = np.flatnonzero(vs.bits).astype(np.int64)
        mass = K.split_masses(ix.index, vs.bits, words, ix.word_weights, ix.prior_weights, scenes)
        total = int(ix.prior_weights[vs.ids].sum())
        best = int(np.argmin(np.abs(2 * mass - total)))
        p = float(mass[best]) / total
    else:  # uniform gain and minimax both minimise |2k - n|
        best = int(K.best_split(counts, n))
        p = float(counts[best]) / n
    k = int(counts[best])
    if k in (0, n):  # no scene splits the candidates (only possible with ``exclude``)
        return None
    sid = int(scenes[best])
    return Query(ix.universe.format_scene(ix.universe.all_scenes()[sid]), sid, k, n - k,
                 entropy(p), max(k, n - k), criterion, prior)


def plan_split(counts: np.ndarray, n: int, best: int, plan_positions: np.ndarray) -> int:
    """The question of ``criterion="cover"`` where its plan applies.

    Args:
        counts: candidates true on each candidate scene (``n`` candidates in all).
        best: the position of the most even split of all.
        plan_positions: the positions of the plan's scenes among the candidate scenes,
            in scene order (ties go to the simplest).
    Returns:
        the position of the plan's most even split, or ``best`` when no plan scene splits
        the candidates.
    """
    if plan_positions.shape[0]:
        among = counts[plan_positions]
        j = int(K.best_split(among, n))
        if 0 < among[j] < n:
            return int(plan_positions[j])
    return best


def book_position(vs: VersionSpace, scenes: np.ndarray, counts: np.ndarray) -> int | None:
    """The position in ``scenes`` of the opening book's question for ``vs``, if it has one
    (and it splits the candidates: it may have been excluded)."""
    if len(vs) <= ABOVE:
        return None
    scene = opening_book(vs.index).scene_for(vs.ids)
    if scene is None:
        return None
    at = np.flatnonzero(scenes == scene)
    return int(at[0]) if at.shape[0] and 0 < counts[at[0]] < len(vs) else None


def count_true(vs: VersionSpace, scenes: np.ndarray) -> np.ndarray:
    """``int64[len(scenes)]``: how many candidates of ``vs`` label each scene true.

    The class rows are used only once built (an index loaded from disk builds them on
    demand, which is worth it for many questions, not for one).
    """
    ix = vs.index
    if len(vs) > INDEX_ABOVE or "class_rows" not in ix.__dict__:
        return K.split_counts(ix.index, vs.bits, np.flatnonzero(vs.bits).astype(np.int64), scenes)
    return K.member_counts(ix.class_rows, vs.ids, ix.n_scenes)[scenes]


def ask(vs, *, criterion: str = "cover", prior: str = "uniform", exclude: np.ndarray | None = None,
        seed: int = 0, pool: int = POOL) -> Query | None:
    """The next scene to ask: :func:`next_scene` where the scene index exists, else (a
    :class:`~rulelang.search.index.ClassIndex`) the best of a seeded random pool of
    scenes (plus the simplest ones), by information gain or minimax (``cover`` plans over
    every scene, so it falls back to gain)."""
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
