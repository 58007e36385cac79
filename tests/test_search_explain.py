"""The version space over the dialect: explain(), its ranking, noise, tables and the index."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN
from rulelang.search import Table, explain, read_table
from rulelang.bits import rule_major
from rulelang.search import space_kernels as K
from search_fixtures import *  # noqa: F401,F403 - session fixtures

RNG_SEEDS = range(6)


def test_the_index_has_one_bit_per_class_and_scene_as_the_semantics_matrix_says(index, brute):
    rng = np.random.default_rng(0)
    scenes = rng.choice(index.n_scenes, 200, replace=False)
    expected = brute.labels(scenes)
    got = np.unpackbits(index.index[scenes].view(np.uint8), axis=1, bitorder="little")[:, : index.n_classes]
    assert (got.T.astype(bool) == expected).all()


def test_class_rows_transposed_back_equal_the_canonical_rules_rows(index, dialect):
    assert np.array_equal(rule_major(index.index, index.n_classes),
                          dialect.matrix.words[dialect.classes.canonical])


def test_distinct_scenes_hold_one_representative_per_distinct_row(index):
    reps = index.distinct_scenes
    rows = index.index[reps]
    assert np.unique(rows, axis=0).shape[0] == reps.shape[0]
    rng = np.random.default_rng(1)
    for s in rng.choice(index.n_scenes, 50, replace=False):  # every scene has its row among them
        assert (rows == index.index[s]).all(axis=1).any()


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_the_version_space_equals_brute_force_over_classes(index, brute, seed):
    rng = np.random.default_rng(seed)
    hidden = int(rng.integers(index.n_classes))
    scenes = rng.choice(index.n_scenes, int(rng.integers(1, 12)), replace=False)
    table = table_of(index, hidden, scenes)
    expected = np.flatnonzero((brute.labels(scenes) == table.labels).all(axis=1))
    assert np.array_equal(explain(table, index=index).ids, expected)


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_explain_finds_the_hidden_class_of_an_informative_table(index, seed):
    rng = np.random.default_rng(100 + seed)
    hidden = int(rng.integers(index.n_classes))
    table = table_of(index, hidden, informative_scenes(index, hidden, 64, rng))
    exp = explain(table, index=index)
    assert hidden in exp.ids.tolist()
    for cand in exp.candidates(5):  # every answer agrees with the slow obvious evaluator
        rule = parse(cand.rule)
        assert all(evaluate(rule, s, ODEEN) == lab for s, lab in table.pairs())


def test_candidates_are_ranked_by_the_simplicity_prior_and_the_shares_sum_to_one(index):
    table = Table.from_pairs([("A.b...", True), ("......", False)])
    exp = explain(table, index=index)
    words = index.words[exp.ids]
    assert exp.status == "ambiguous" and exp.n_candidates > 1
    assert (np.diff(words) >= 0).all()
    assert np.isclose(exp.posterior.sum(), 1.0)
    ratio = exp.posterior[0] / exp.posterior[-1]
    assert np.isclose(ratio, 2.0 ** (words[-1] - words[0]))
    assert f"{exp.n_candidates:,} of the" in exp.summary()


def test_a_table_no_dialect_rule_explains_says_nothing_fits(index, dialect):
    from rulelang.checker import compile_rules, run

    rule = parse("exactly 4 red")  # beyond what the dialect can count
    row = run(compile_rules([rule]))
    assert not (dialect.matrix.words == row.words[0]).all(axis=1).any()
    table = Table(ODEEN.all_scenes(), row.bools()[0])  # every scene of the universe
    exp = explain(table, index=index)
    assert exp.status == "none" and exp.best is None and exp.confidence == 0.0
    assert exp.summary().startswith("nothing fits")


def test_an_empty_table_leaves_every_phenomenon(index):
    exp = explain(Table.from_pairs([]), index=index)
    assert exp.n_candidates == index.n_classes


@pytest.mark.parametrize("flips", [1, 2, 3])
def test_with_a_tolerance_the_hidden_class_survives_wrong_labels(index, flips):
    rng = np.random.default_rng(flips)
    hidden = int(rng.integers(index.n_classes))
    scenes = informative_scenes(index, hidden, 40, rng)
    labels = index.labels_of(hidden, scenes)
    wrong = rng.choice(labels.size, flips, replace=False)
    labels[wrong] = ~labels[wrong]
    table = Table(ODEEN.all_scenes()[scenes], labels)
    assert hidden not in explain(table, index=index).ids.tolist()
    exp = explain(table, tolerance=flips, index=index)
    pos = exp.ids.tolist().index(hidden)
    assert exp.mismatches[pos] == flips
    assert (exp.mismatches <= flips).all()


@pytest.mark.parametrize("seed", RNG_SEEDS)
def test_mismatch_counts_equal_brute_force_hamming_distances(index, brute, seed):
    rng = np.random.default_rng(200 + seed)
    scenes = rng.choice(index.n_scenes, int(rng.integers(1, 70)), replace=False)
    labels = rng.random(scenes.size) < 0.5
    expected = (brute.labels(scenes) != labels).sum(axis=1)
    assert np.array_equal(K.mismatch_counts(index.index, scenes, labels, index.n_classes), expected)


def test_noisy_candidates_are_ranked_by_posterior(index):
    table = Table.from_pairs([("A.b...", True), ("......", False), ("bb....", True)])
    exp = explain(table, tolerance=1, noise=0.1, index=index)
    assert (np.diff(exp.posterior) <= 1e-15).all()
    assert np.isclose(exp.posterior.sum(), 1.0)


def test_a_negative_tolerance_or_a_silly_noise_is_refused(index):
    table = Table.from_pairs([("A.....", True)])
    with pytest.raises(ValueError):
        explain(table, tolerance=-1, index=index)
    with pytest.raises(ValueError):
        explain(table, tolerance=1, noise=0.7, index=index)


# -- tables ------------------------------------------------------------------------------


def _codes(errors):
    return [e.diagnostic.code for e in errors]


def test_contradictory_labels_for_one_scene_are_reported_with_their_line():
    table, errors = read_table("A..... true\nbb.... false\nA..... false\n", "t.txt")
    assert table is None and _codes(errors) == ["E204"]
    assert errors[0].diagnostic.line == 3


def test_scenes_of_the_wrong_length_unlabelled_scenes_and_empty_tables_are_reported():
    assert _codes(read_table("A.... true\n")[1]) == ["E201"]
    assert _codes(read_table("A.....\n")[1]) == ["E601"]
    assert _codes(read_table("# only a comment\n\n")[1]) == ["E602"]


def test_a_repeated_scene_with_the_same_label_counts_once():
    table, errors = read_table("A..... true\nA..... true\n......  false\n")
    assert not errors and len(table) == 2


def test_building_a_contradictory_table_in_code_raises():
    with pytest.raises(RulelangError) as info:
        Table.from_pairs([("A.....", True), ("A.....", False)])
    assert info.value.diagnostic.code == "E204"
    with pytest.raises(RulelangError):
        Table.from_pairs([("A..", True)])


# -- the disk cache ----------------------------------------------------------------------


def test_the_disk_cache_round_trips_and_ignores_a_damaged_file(index, tmp_path, monkeypatch):
    from rulelang.search import cache
    from rulelang.search.index import load_from_cache, save_to_cache

    monkeypatch.setenv("RULELANG_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("RULELANG_NO_CACHE", raising=False)
    stale = tmp_path / "dialect-index-odeen-0123456789abcdef.npz"
    stale.write_bytes(b"left by an older version")
    path = save_to_cache(index)
    assert not stale.exists()
    loaded = load_from_cache(ODEEN)
    assert loaded is not None and np.array_equal(loaded.index, index.index)
    assert loaded.texts == index.texts and np.array_equal(loaded.members, index.members)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert load_from_cache(ODEEN) is None
    monkeypatch.setenv("RULELANG_NO_CACHE", "1")
    assert cache.cache_dir() is None and save_to_cache(index) is None


def test_a_cache_folder_that_cannot_be_written_is_reported_once(index, tmp_path, monkeypatch):
    from rulelang.search import cache
    from rulelang.search.index import save_to_cache

    blocked = tmp_path / "file-not-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("RULELANG_CACHE_DIR", str(blocked / "sub"))
    monkeypatch.delenv("RULELANG_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_warned", set())
    with pytest.warns(cache.CacheWarning, match="cannot write the cache in .*file-not-folder"):
        assert save_to_cache(index) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert save_to_cache(index) is None  # once per folder and process


# -- other universes, and the kernels as plain Python ------------------------------------

_SMALL_WORLD = r"""
import dataclasses, json, sys
from rulelang.universe import ODEEN
from rulelang.search import Table, VersionSpace, explain, identify_all, next_scene
from rulelang.search.index import dialect_index
U = dataclasses.replace(ODEEN, name="odeen2", length=2)
ix = dialect_index(U, disk_cache=False)
t = Table.from_pairs([("Ab", True), ("..", False)], U)
e, noisy = explain(t, index=ix), explain(t, tolerance=1, index=ix)
q = next_scene(e.version_space, prior="simplicity")
sweep = identify_all(VersionSpace.everything(ix))
json.dump({"ids": e.ids.tolist(), "noisy": noisy.ids.tolist(), "mismatches": noisy.mismatches.tolist(),
           "scene": q.scene, "queries": sweep.queries.tolist()}, sys.stdout)
"""


def _small_world(jit: bool) -> dict:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root), NUMBA_DISABLE_JIT="0" if jit else "1")
    out = subprocess.run([sys.executable, "-c", _SMALL_WORLD], cwd=root, env=env, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout)


def test_the_kernels_as_plain_python_give_the_same_answers_in_a_small_world():
    assert _small_world(jit=False) == _small_world(jit=True)


def test_explain_works_in_another_universe_as_brute_force_says():
    import dataclasses

    from rulelang.enumerate import Dialect
    from rulelang.search.index import dialect_index

    world = dataclasses.replace(ODEEN, name="odeen3", length=3)
    ix = dialect_index(world, disk_cache=False)
    d = Dialect(world)
    table = Table.from_pairs([("A.b", True), ("...", False), ("bb.", False)], world)
    rows = d.matrix.bools()[d.classes.canonical][:, table.scene_ids]
    expected = np.flatnonzero((rows == table.labels).all(axis=1))
    assert np.array_equal(explain(table, index=ix).ids, expected)
