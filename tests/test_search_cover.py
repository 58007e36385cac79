"""The cover policy and its certificate, against slow obvious twins on a small universe."""

from __future__ import annotations

import numpy as np
import pytest

from rulelang.search import VersionSpace, identify_all, next_scene
from rulelang.search.book import opening_book
from rulelang.search.cover import (LowerBound, build_plan, check_bound, cover_plan, exact_lower_bound,
                                   lower_bound, shortest_cover)
from search_fixtures import *  # noqa: F401,F403 - session fixtures


def twin_queries(labels: np.ndarray, order: np.ndarray, plan, book=None) -> np.ndarray:
    """Questions per class of the cover policy (or greedy even splits when ``plan`` and
    ``book`` are ``None``), by plain recursion over the label matrix: the slow obvious twin
    of the sweep. The book's own questions are checked against their twin in test_search_book."""
    out = np.full(labels.shape[0], -1)
    plan_scenes = set() if plan is None else set(plan.scenes.tolist())

    def most_even(counts, n, allowed):
        return min(allowed, key=lambda j: (abs(2 * counts[j] - n), j))  # j: position in scene order

    def grow(ids, depth):
        if len(ids) == 1:
            out[ids[0]] = depth
            return
        n = len(ids)
        counts = labels[np.ix_(ids, order)].sum(axis=0)
        best = most_even(counts, n, range(len(order)))
        planned = None if book is None else book.scene_for(np.array(ids))
        if planned is not None:
            best = list(order).index(planned)
        elif plan is not None and n <= plan.start and plan.hidden in ids:
            mine = [j for j in range(len(order)) if order[j] in plan_scenes and 0 < counts[j] < n]
            if mine:
                best = most_even(counts, n, mine)
        answer = labels[ids, order[best]]
        grow([c for c, a in zip(ids, answer) if a], depth + 1)
        grow([c for c, a in zip(ids, answer) if not a], depth + 1)

    grow(list(range(labels.shape[0])), 0)
    return out


@pytest.mark.parametrize("criterion", ["cover", "gain"])
def test_the_sweep_is_the_tree_of_a_plain_recursion_of_the_policy(small, criterion):
    ix, labels = small
    plan = cover_plan(ix, disk_cache=False) if criterion == "cover" else None
    book = opening_book(ix, disk_cache=False) if criterion == "cover" else None
    sweep = identify_all(VersionSpace.everything(ix), criterion=criterion)
    assert np.array_equal(sweep.queries, twin_queries(labels, ix.distinct_scenes, plan, book))


def test_one_question_at_a_time_asks_what_the_sweep_asks(small):
    ix, _ = small
    sweep = identify_all(VersionSpace.everything(ix))
    plan = cover_plan(ix, disk_cache=False)
    for hidden in [plan.hidden, int(np.argmax(sweep.queries)), 1, ix.n_classes // 2]:
        vs, asked = VersionSpace.everything(ix), 0
        while len(vs) > 1:
            q = next_scene(vs)
            vs = vs.observe(q.scene_id, bool(ix.labels_of(hidden, [q.scene_id])[0]))
            asked += 1
        assert vs.ids.tolist() == [hidden] and sweep.queries[hidden] == asked


def test_the_plan_rules_out_every_class_of_its_state_but_the_one_true_nowhere(small):
    ix, labels = small
    plan = build_plan(ix)
    assert not labels[plan.hidden].any()
    others = plan.elements[plan.elements != plan.hidden]
    assert labels[np.ix_(others, plan.scenes)].any(axis=1).all()
    assert plan.start >= plan.elements.shape[0] and plan.hidden in plan.elements
    again = build_plan(ix)
    assert np.array_equal(plan.scenes, again.scenes)  # same seed, same plan


@pytest.mark.parametrize("seed", range(6))
def test_the_exact_cover_is_as_short_as_brute_force_finds(seed):
    import itertools

    rng = np.random.default_rng(seed)
    m, n = 11, 14
    flags = rng.random((n, m)) < 0.25
    flags[np.arange(m) % n, np.arange(m)] = True  # every element coverable
    cols = np.packbits(flags, axis=1, bitorder="little")
    cols = np.pad(cols, ((0, 0), (0, 8 - cols.shape[1]))).view(np.uint64)
    least = next(k for k in range(1, n + 1) for pick in itertools.combinations(range(n), k)
                 if flags[list(pick)].any(axis=0).all())
    everything = np.arange(n)
    exact = shortest_cover(cols, m, everything)
    assert flags[exact.columns].any(axis=0).all()
    assert exact.columns.shape[0] == least and exact.bound == least and exact.optimal
    assert shortest_cover(cols, m, everything).columns.tolist() == exact.columns.tolist()  # deterministic


def test_the_odeen3_plan_is_a_proven_shortest_cover(small):
    plan = cover_plan(small[0], disk_cache=False)
    assert plan.least == len(plan) > 0  # branch and bound closed the gap: no shorter cover exists


def test_branch_and_bound_proves_a_bound_no_questioner_beats(small):
    ix, labels = small
    exact = exact_lower_bound(ix, max_nodes=200)
    hidden = lower_bound(ix).hidden
    assert 2 <= exact.bound <= exact.columns.shape[0]
    for criterion in ("cover", "gain"):
        assert identify_all(VersionSpace.everything(ix), criterion=criterion).queries[hidden] >= exact.bound


def test_the_bound_is_what_its_weights_prove_and_no_questioner_beats_it(small):
    ix, labels = small
    lb = lower_bound(ix)
    assert check_bound(ix, lb) == lb.bound >= 2
    # Recompute from the label matrix: each distinct scene's weight, then the least k.
    load = lb.weights @ labels[:, ix.distinct_scenes].astype(np.int64)
    excess = sorted(np.maximum(load - lb.scale, 0), reverse=True)
    k = 1
    while k * lb.scale + sum(excess[:k]) < lb.weights.sum():
        k += 1
    assert k == lb.bound
    for criterion in ("cover", "gain"):  # two real questioners: the phenomenon true nowhere
        assert identify_all(VersionSpace.everything(ix), criterion=criterion).queries[lb.hidden] >= lb.bound


def test_a_certificate_on_a_class_true_somewhere_is_refused(small):
    ix, _ = small
    lb = lower_bound(ix)
    other = int(np.flatnonzero(ix.true_counts > 0)[0])
    with pytest.raises(ValueError):
        check_bound(ix, LowerBound(other, lb.weights, lb.scale, lb.bound, lb.relaxation))


def test_the_odeen_plan_takes_over_on_the_all_false_path_and_shortens_it(index):
    plan = cover_plan(index, disk_cache=False)
    vs = VersionSpace.everything(index)
    steps = 0
    while len(vs) > 1:
        q = next_scene(vs)
        if plan.applies(len(vs), vs):
            assert q.scene_id in set(plan.scenes.tolist())
        vs = vs.observe(q.scene_id, False)
        steps += 1
    assert vs.ids.tolist() == [plan.hidden]
    assert steps == identify_all().queries[plan.hidden] < identify_all(criterion="gain").queries[plan.hidden]
