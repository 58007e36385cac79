"""Samplers, table kinds and the greedy informative table, against obvious twins."""

from __future__ import annotations

import numpy as np
import pytest

from rulelang.data import SplitOptions, make_splits
from rulelang.data.sampling import bounded, raw_words, sample_rows
from rulelang.data.tables import (InformativeOptions, balanced_tables, class_counts, informative,
                                  labels_of, uniform_samples)

N_SCENES = 117_649


@pytest.fixture(scope="module")
def rules(dialect):
    return make_splits(dialect, 3, SplitOptions(n_train=10, n_train_small=5, n_validation=10,
                                                n_test=40)).test


@pytest.fixture(scope="module")
def root(dialect):
    return class_counts(dialect)


def consistent_classes(dialect, scenes, labels):
    """Naive: the classes agreeing with ``labels`` on ``scenes`` (one table)."""
    canon = dialect.classes.canonical
    rows = labels_of(dialect, canon, np.repeat(scenes[None, :], canon.size, axis=0))
    return np.flatnonzero((rows == labels[None, :]).all(axis=1))


def test_bounded_is_the_exact_high_word_of_a_product():
    raw = raw_words(1, "train", 0, 2000)
    for x, n in zip(raw.tolist(), [1, 2, 3, 7, 117_649, 2**32 - 1] * 400):
        assert bounded(np.uint64(x), n) == (x * n) >> 64


def test_sampled_rows_hold_distinct_scenes_in_range():
    rows = uniform_samples(5, "eval", 0, 50, 300, N_SCENES)
    assert rows.dtype == np.uint32 and rows.shape == (50, 300)
    assert rows.max() < N_SCENES
    assert all(np.unique(r).size == r.size for r in rows)


def test_sampled_rows_are_uniform_in_every_position():
    raw = raw_words(9, "train", 0, 20_000 * 3).reshape(20_000, 3)
    rows = sample_rows(raw, 10)
    for pos in range(3):  # each of 10 values ~2,000 times; 6 sigma is ~255
        counts = np.bincount(rows[:, pos], minlength=10)
        assert np.abs(counts - 2000).max() < 255


def test_a_row_does_not_depend_on_the_rows_drawn_with_it():
    raw = raw_words(2, "random", 1, 200 * 40).reshape(200, 40)
    together = sample_rows(raw, N_SCENES)
    alone = np.stack([sample_rows(raw[i:i + 1], N_SCENES)[0] for i in (0, 77, 199)])
    assert np.array_equal(together[[0, 77, 199]], alone)


def test_the_sparse_shuffle_draws_what_the_list_of_every_index_draws():
    """Above DENSE_MAX (odeen-10's 282 M scenes) rows are drawn without the list of every
    index; the same raw words must give the same scenes as the dense partial shuffle."""
    from rulelang.data.sampling import partial_shuffle, sparse_partial_shuffle

    for n, k in [(1, 1), (3, 2), (5, 5), (100, 100), (1000, 37), (70_000, 5_000)]:
        raw = raw_words(1, "train", n, k)
        perm, js, dense = np.arange(n, dtype=np.int64), np.empty(k, np.int64), np.empty(k, np.int64)
        partial_shuffle(raw, n, k, perm, js, dense)
        cap = 1 << max(6, int(np.ceil(np.log2(4 * k))))
        keys, vals, sparse = np.full(cap, -1, np.int64), np.empty(cap, np.int64), np.empty(k, np.int64)
        sparse_partial_shuffle(raw, n, k, keys, vals, sparse)
        assert np.array_equal(dense, sparse), (n, k)
        assert (keys == -1).all()  # cleared for the next row


def test_rows_of_a_universe_too_big_for_the_list_are_distinct_and_in_range():
    from rulelang.data.sampling import DENSE_MAX

    n = 282_475_249  # odeen-10
    assert n > DENSE_MAX
    rows = sample_rows(raw_words(4, "train", 0, 30 * 2_000).reshape(30, 2_000), n)
    assert rows.max() < n and all(np.unique(r).size == r.size for r in rows)
    top = sample_rows(raw_words(4, "train", 0, 30 * 2_000).reshape(30, 2_000)[:, :10], n)
    assert np.array_equal(top, rows[:, :10])  # a prefix of a row is the row drawn shorter
    assert rows.astype(np.int64).mean() == pytest.approx(n / 2, rel=0.02)


def test_class_counts_are_the_column_sums_of_the_class_rows(dialect, root):
    scenes = np.random.default_rng(0).choice(N_SCENES, 300, replace=False)
    canon = dialect.classes.canonical
    naive = labels_of(dialect, canon, np.repeat(scenes[None, :], canon.size, axis=0)).sum(axis=0)
    assert np.array_equal(root[scenes], naive)


def test_labels_of_agree_with_the_checker(dialect, rules):
    from rulelang.checker import label

    scenes = uniform_samples(1, "random", 0, 3, 50, N_SCENES)
    got = labels_of(dialect, rules[:3], scenes)
    for i in range(3):
        assert np.array_equal(got[i], label(dialect.rules[rules[i]], dialect.universe.all_scenes()[scenes[i]]))


def test_balanced_tables_are_half_true_when_the_rule_allows(dialect):
    tc = dialect.true_counts
    rare = np.flatnonzero((tc > 0) & (tc < 16))[:3]  # fewer true scenes than half a table
    common = np.flatnonzero((tc < N_SCENES) & (tc > N_SCENES - 16))[:3]  # fewer false scenes
    usual = np.flatnonzero((tc > 1000) & (tc < N_SCENES - 1000))[:3]
    picked = np.concatenate([rare, common, usual])
    tables = balanced_tables(dialect, picked, 0, 0, 32)
    n_true = labels_of(dialect, picked, tables).sum(axis=1)
    want = [tc[r] for r in rare] + [32 - (N_SCENES - tc[r]) for r in common] + [16] * len(usual)
    assert n_true.tolist() == want
    assert all(np.unique(t).size == 32 for t in tables)


def test_the_first_informative_scene_is_an_exact_greedy_choice(dialect, rules, root):
    tables = informative(dialect, rules, 0, 0, 32, root_counts=root)
    n_classes = dialect.classes.n_classes
    for r, table in zip(rules[:10], tables[:10]):
        h = labels_of(dialect, np.array([r]), np.arange(N_SCENES)[None, :])[0]
        eliminated = np.where(h, n_classes - root, root)  # classes whose label differs from h's
        assert eliminated[table[0]] == eliminated.max()


def test_informative_steps_shrink_the_version_space_until_one_class_is_left(dialect, rules, root):
    tables = informative(dialect, rules[:8], 0, 0, 32, root_counts=root)
    for r, table in zip(rules[:8], tables):
        labels = labels_of(dialect, np.array([r]), table[None, :])[0]
        sizes = [consistent_classes(dialect, table[:i], labels[:i]).size for i in range(1, 33)]
        done = sizes.index(1) if 1 in sizes else len(sizes)
        assert all(a > b for a, b in zip(sizes[:done], sizes[1:done + 1]))
        assert np.unique(table).size == 32


def test_exact_informative_steps_eliminate_as_many_classes_as_any_scene(dialect, rules, root):
    # With the exact phase from the start, every step is a true greedy maximum.
    opts = InformativeOptions(exact_below=100_000)
    tables = informative(dialect, rules[:3], 1, 0, 8, opts, root_counts=root)
    canon = dialect.classes.canonical
    for r, table in zip(rules[:3], tables):
        h = labels_of(dialect, np.array([r]), np.arange(N_SCENES)[None, :])[0]
        for i in range(1, 8):
            live = consistent_classes(dialect, table[:i], h[table[:i]])
            if live.size <= 1:
                break
            if live.size > 2000:  # the naive count below is slow; later steps still check
                continue
            eliminated = np.zeros(N_SCENES, dtype=np.int64)
            for chunk in np.array_split(canon[live], max(1, live.size // 256)):
                rows = np.unpackbits(dialect.matrix.packed[chunk], axis=1, count=N_SCENES).astype(bool)
                eliminated += (rows != h[None, :]).sum(axis=0)
            assert eliminated[table[i]] == eliminated.max()


def test_informative_tables_leave_fewer_classes_than_random_ones(dialect, rules, root):
    inf = informative(dialect, rules, 0, 0, 32, root_counts=root)
    rnd = uniform_samples(0, "random", 0, rules.size, 32, N_SCENES)
    from rulelang.measures import Judge

    judge = Judge(dialect)
    n_inf = judge.consistent(inf, labels_of(dialect, rules, inf))
    n_rnd = judge.consistent(rnd, labels_of(dialect, rules, rnd))
    assert n_inf.mean() <= n_rnd.mean()
    assert (n_inf >= 1).all()  # the hidden class is always consistent


def test_the_same_seed_gives_the_same_informative_tables(dialect, rules, root):
    a = informative(dialect, rules[:5], 4, 1, 32, root_counts=root)
    b = informative(dialect, rules[:5], 4, 1, 32, root_counts=root)
    c = informative(dialect, rules[:5], 5, 1, 32, root_counts=root)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
