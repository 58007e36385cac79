"""The bound on the mean of any questioner, against exhaustive search on small problems, and
the world symmetries it searches with, against the labels themselves."""

from __future__ import annotations

import dataclasses
import itertools
from functools import lru_cache

import numpy as np
import pytest

from rulelang.search import VersionSpace, identify_all
from rulelang.search import meanbound as MB
from rulelang.search.meanbound import (cached_path_floors, check_floors, fewest_total_questions_paths,
                                       mean_lower_bound)
from rulelang.search.sweep import fewest_total_questions
from rulelang.search.symmetry import find_symmetries
from search_fixtures import *  # noqa: F401,F403 - session fixtures


def optimal_total(labels: np.ndarray) -> int:
    """The least total depth of any questioning that tells the rows of ``labels`` (distinct
    phenomena over scenes) apart: exhaustive recursion over every question of every subset."""
    n, s = labels.shape

    @lru_cache(maxsize=None)
    def best(subset: frozenset) -> int:
        if len(subset) <= 1:
            return 0
        ids = sorted(subset)
        out = None
        for j in range(s):
            yes = frozenset(c for c in ids if labels[c, j])
            if 0 < len(yes) < len(ids):
                v = best(yes) + best(subset - yes)
                out = v if out is None else min(out, v)
        return len(ids) + out

    return best(frozenset(range(n)))


def least_left(labels: np.ndarray, answer: bool, k: int) -> int:
    """The fewest phenomena giving ``answer`` on each of some ``k`` scenes (brute force)."""
    s = labels.shape[1]
    if k >= s:
        return int((labels == answer).all(axis=1).sum())
    return min(int((labels[:, list(c)] == answer).all(axis=1).sum()) for c in itertools.combinations(range(s), k))


def random_problem(rng, n: int, s: int) -> np.ndarray:
    """``n`` distinct phenomena over ``s`` scenes, one of them true nowhere, one everywhere."""
    rows = {(0,) * s, (1,) * s}
    while len(rows) < n:
        rows.add(tuple(int(x) for x in rng.random(s) < rng.uniform(0.1, 0.9)))
    return np.array(sorted(rows), dtype=bool)


def test_the_balanced_costs_are_the_balanced_trees():
    assert MB._balanced(300).tolist() == [fewest_total_questions(m) for m in range(301)]
    assert MB._balanced(11_618)[-1] == fewest_total_questions(11_618)


def test_paths_without_floors_give_the_balanced_tree_and_a_deep_leaf_the_deep_bound():
    for n in range(1, 60):
        assert fewest_total_questions_paths(n, [n], [n])[0] == fewest_total_questions(n)
        for deep in range(2, 14):  # after deep - 1 questions the deep leaf is not yet alone
            floors = [n] + [2] * (deep - 1)
            if deep <= n - 1:
                assert fewest_total_questions_paths(n, floors, [n])[0] == fewest_total_questions(n, deep), (n, deep)
            else:
                with pytest.raises(ValueError):
                    fewest_total_questions_paths(n, floors, [n])
    assert fewest_total_questions_paths(11_618, [11_618] + [2] * 44, [11_618])[0] == fewest_total_questions(11_618, 45)


def test_a_caterpillar_is_what_the_floors_of_disjoint_phenomena_force():
    # m phenomena each true on one scene of its own, and one true nowhere: every question
    # sheds at most one from the all-"false" path, so the best tree is a caterpillar
    m = 7
    labels = np.vstack([np.eye(m, dtype=bool), np.zeros((1, m), dtype=bool)])
    n = labels.shape[0]
    false_floors = [n] + [least_left(labels, False, k) for k in range(1, m + 1)]
    true_floors = [n] + [max(1, least_left(labels, True, k)) for k in range(1, m + 1)]
    assert fewest_total_questions_paths(n, false_floors, true_floors)[0] == optimal_total(labels)


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_never_exceeds_the_best_questioning(seed):
    rng = np.random.default_rng(seed)
    labels = random_problem(rng, int(rng.integers(5, 11)), int(rng.integers(4, 8)))
    n, s = labels.shape
    false_floors = [n] + [max(1, least_left(labels, False, k)) for k in range(1, s + 1)]
    true_floors = [n] + [max(1, least_left(labels, True, k)) for k in range(1, s + 1)]
    bound, _ = fewest_total_questions_paths(n, false_floors, true_floors)
    best = optimal_total(labels)
    assert fewest_total_questions(n) <= bound <= best, (bound, best)


@pytest.fixture(scope="module")
def floors(small):
    """Both paths' floors on three-cell scenes (found once; the bound reuses them)."""
    ix, _ = small
    return {answer: cached_path_floors(ix, answer, disk_cache=False) for answer in (False, True)}


def test_floors_are_certified_below_the_true_fewest_and_above_one(small, floors):
    ix, labels = small
    distinct = labels[:, ix.distinct_scenes]
    for answer in (False, True):
        pf = floors[answer]
        assert pf.floors[0] == ix.n_classes and (pf.floors[1:] >= 1).all()
        assert np.array_equal(check_floors(ix, pf), pf.floors)
        assert pf.greedy.shape[0] >= pf.floors.shape[0] and pf.greedy[-1] == 1
        assert (pf.floors <= pf.greedy[: pf.floors.shape[0]]).all()
        # the fewest left, by brute force over one and two scenes, lies between
        kept = (distinct == answer).astype(np.float64)  # [class, scene]: the class stays on the path
        left = kept.T @ kept  # [scene, scene]: the classes both scenes keep
        one = int(left.diagonal().min())
        two = int((left + np.diag(np.full(left.shape[0], np.inf))).min())
        assert pf.floors[1] <= one <= pf.greedy[1]
        assert pf.floors[2] <= two <= pf.greedy[2]
        assert pf.floors[1] == one  # one scene: the weights of every class at 1 are exact


def test_a_certificate_is_refused_or_rechecked_when_tampered_with(small, floors):
    ix, _ = small
    pf = floors[False]
    bad = pf.weights.copy()
    bad[1, 0] = pf.scale + 1
    with pytest.raises(ValueError):
        check_floors(ix, dataclasses.replace(pf, weights=bad))
    heavier = pf.weights.copy()
    heavier[1:] = pf.scale  # every class at full weight: one scene sheds the most, nothing more
    assert check_floors(ix, dataclasses.replace(pf, weights=heavier))[1] == pf.floors[1]


def test_the_bound_lies_between_the_balanced_tree_and_both_policies(small, floors):
    ix, _ = small
    bound = mean_lower_bound(ix, disk_cache=False)
    assert bound.total >= fewest_total_questions(ix.n_classes)
    for criterion in ("cover", "gain"):
        sweep = identify_all(VersionSpace.everything(ix), criterion=criterion)
        assert bound.total <= int(sweep.played.sum())
    deeper = mean_lower_bound(ix, deep=int(bound.false_floors.shape[0]) + 3, disk_cache=False)
    assert deeper.total >= bound.total


def test_odeens_symmetries_are_the_mirror_the_colours_and_the_orientations(index):
    sym = find_symmetries(index)
    assert sym.order == 8
    assert any(name == "mirror" for name in sym.names)
    rng = np.random.default_rng(0)
    on = index.distinct_scenes
    for cmap, smap in zip(sym.class_maps, sym.scene_maps):
        assert np.array_equal(np.sort(cmap), np.arange(index.n_classes))  # a permutation
        for c in rng.choice(index.n_classes, 20, replace=False):
            assert np.array_equal(index.labels_of(int(cmap[c]), on[smap]), index.labels_of(int(c), on))
    assert (sym.n_class_orbits, sym.n_scene_orbits) == (3737, 12047)


def test_a_world_without_left_of_has_no_mirror(small):
    ix, _ = small
    from rulelang.search.index import dialect_index

    lopsided = dataclasses.replace(ix.universe, name="odeen3-right", relations=("touching", "at_the_right_of"))
    sym = find_symmetries(dialect_index(lopsided, disk_cache=False))
    assert not any("mirror" in name for name in sym.names)
    assert any("blue<->red" == name for name in sym.names)


def test_three_colours_give_every_permutation_of_them_and_no_mirror():
    from pathlib import Path

    from rulelang.search.index import dialect_index
    from rulelang.worldfile import load_universe

    tricolor = load_universe(str(Path(__file__).resolve().parents[1] / "examples" / "tricolor.toml"))
    sym = find_symmetries(dialect_index(dataclasses.replace(tricolor, name="tricolor3", length=3), disk_cache=False))
    # 3! colour permutations x the two orientations; no at_the_left_of, so no mirror (at two cells
    # there would be one: "X at_the_right_of Y" is then "Y at_the_left_of X" counted the other way)
    assert sym.order == 12
    assert not any("mirror" in name for name in sym.names)
    assert any("->" in name and "<->" not in name for name in sym.names)  # a cycle of three colours


def test_with_only_swaps_tried_the_orbits_are_those_of_the_group_they_generate(small, monkeypatch):
    import rulelang.search.symmetry as S

    ix, _ = small
    every = find_symmetries(ix)
    monkeypatch.setattr(S, "MAX_RENAMINGS", 1)
    swaps = find_symmetries(ix)
    assert swaps.order < every.order  # fewer maps tried...
    assert np.array_equal(swaps.class_orbit, every.class_orbit)  # ...the same orbits (swaps generate them)
    assert np.array_equal(swaps.scene_orbit, every.scene_orbit)


def test_floors_kept_on_disk_are_read_back_and_rechecked(small, floors, tmp_path, monkeypatch):
    ix, _ = small
    monkeypatch.setenv("RULELANG_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(MB, "_HELD", {})
    built = cached_path_floors(ix, False)  # built again (the per-process copy is gone) and saved
    assert list(tmp_path.glob("path-floors-false-*.npz"))
    monkeypatch.setattr(MB, "_HELD", {})
    monkeypatch.setattr(MB, "path_floors", lambda *a, **k: pytest.fail("the copy on disk was not used"))
    again = cached_path_floors(ix, False)
    assert again.seconds == 0 and np.array_equal(again.floors, built.floors)
    assert np.array_equal(again.weights, built.weights) and np.array_equal(again.floors, floors[False].floors)
