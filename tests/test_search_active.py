"""Active experiments: next_scene, and the sweep that identifies phenomena by questions."""

from __future__ import annotations

import numpy as np
import pytest

from rulelang.search import VersionSpace, identify_all, next_scene
from rulelang.search.active import entropy
from rulelang.search.sweep import disjoint_witnesses, fewest_total_questions
from search_fixtures import *  # noqa: F401,F403 - session fixtures


@pytest.fixture(scope="module")
def space(index):
    """A version space of 300 random phenomena."""
    rng = np.random.default_rng(0)
    return VersionSpace.of_ids(np.sort(rng.choice(index.n_classes, 300, replace=False)), index)


def test_the_next_scene_splits_the_version_space_as_brute_force_counts(space, brute):
    q = next_scene(space)
    truth = brute.labels([q.scene_id])[space.ids, 0]
    assert 0 < q.n_true < len(space)
    assert q.n_true == truth.sum() and q.n_false == (~truth).sum()
    assert np.isclose(q.gain, entropy(q.n_true / len(space)))


def test_no_other_scene_splits_the_space_more_evenly(space, brute, index):
    q = next_scene(space)
    rng = np.random.default_rng(1)
    sample = rng.choice(index.n_scenes, 500, replace=False)
    counts = brute.labels(sample)[space.ids].sum(axis=0)
    assert np.abs(2 * counts - len(space)).min() >= abs(2 * q.n_true - len(space))


def test_gain_and_minimax_agree_under_the_uniform_prior(space):
    assert next_scene(space, criterion="gain").scene == next_scene(space, criterion="minimax").scene


def test_the_simplicity_prior_weighs_candidates_by_two_to_the_minus_words(space, brute, index):
    q = next_scene(space, prior="simplicity")
    truth = brute.labels([q.scene_id])[space.ids, 0]
    weight = 2.0 ** -index.words[space.ids]
    assert np.isclose(q.gain, entropy(weight[truth].sum() / weight.sum()))


def test_a_single_candidate_needs_no_question_and_excluded_scenes_are_not_asked(space, index):
    assert next_scene(VersionSpace.of_ids([5], index)) is None
    first = next_scene(space)
    again = next_scene(space, exclude=np.array([first.scene_id]))
    assert again is not None and again.scene_id != first.scene_id


def test_observing_an_answer_keeps_exactly_the_classes_that_give_it(space, brute):
    q = next_scene(space)
    after = space.observe(q.scene_id, True)
    truth = brute.labels([q.scene_id])[space.ids, 0]
    assert np.array_equal(after.ids, space.ids[truth])


def test_unknown_criteria_are_refused(space):
    with pytest.raises(ValueError):
        next_scene(space, criterion="luck")


def test_the_sweep_asks_what_repeated_next_scene_asks(space, index):
    sweep = identify_all(space)
    assert (sweep.queries[space.ids] >= 0).all()
    assert (np.delete(sweep.queries, space.ids) == -1).all()
    for hidden in space.ids[::60]:
        vs, asked = space, 0
        while len(vs) > 1:
            q = next_scene(vs)
            vs = vs.observe(q.scene_id, bool(index.labels_of(hidden, [q.scene_id])[0]))
            asked += 1
        assert vs.ids.tolist() == [hidden]
        assert sweep.queries[hidden] == asked
    assert sweep.worst >= sweep.information_bound
    assert sweep.mean >= sweep.mean_bound


def test_fewest_total_questions_is_huffman_on_equal_weights():
    import heapq

    for n in range(1, 300):
        heap, total = [1] * n, 0  # Huffman: the total depth is the sum of the merged weights
        while len(heap) > 1:
            merged = heapq.heappop(heap) + heapq.heappop(heap)
            total += merged
            heapq.heappush(heap, merged)
        assert fewest_total_questions(n) == total, n
    assert fewest_total_questions(11_618) == 157_886


def test_fewest_total_questions_with_a_deep_leaf_is_the_exhaustive_minimum():
    n_max, deep_max = 40, 12
    plain = [fewest_total_questions(n) for n in range(n_max + 1)]
    # least[L][n]: the least total depth of a full binary tree of n leaves with a given leaf
    # at depth >= L, over every split of the root (the deep leaf on the side of n - a leaves)
    least = [plain]
    for deep in range(1, deep_max + 1):
        prev = least[-1]
        least.append([None, None] + [
            n + min((plain[a] + prev[n - a] for a in range(1, n) if prev[n - a] is not None), default=None)
            if n - 1 >= deep else None for n in range(2, n_max + 1)])
    for deep in range(deep_max + 1):
        for n in range(2, n_max + 1):
            if n - 1 >= deep:
                assert fewest_total_questions(n, deep) == least[deep][n], (n, deep)
            else:
                with pytest.raises(ValueError):
                    fewest_total_questions(n, deep)
    assert fewest_total_questions(1) == 0
    with pytest.raises(ValueError):
        fewest_total_questions(1, 1)
    # Odeen with the phenomenon true nowhere at 45 or deeper (the same recursion, run with numpy)
    assert fewest_total_questions(11_618, 45) == 158_382


def test_disjoint_witnesses_really_have_pairwise_disjoint_nonempty_true_sets(index):
    w = disjoint_witnesses(index, max_true=200)
    rows = index.class_rows[w]
    assert len(w) >= 2 and (index.true_counts[w] > 0).all()
    for i in range(len(w)):
        assert not (rows[i + 1:] & rows[i]).any()
