"""Streamed exact jobs: the same answers as the in-memory matrix, for any blocks and executors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rulelang import stream
from rulelang.checker import semantics_matrix
from rulelang.distributed import InProcess
from rulelang.enumerate import Dialect, classes_of_groups, dialect_rules
from rulelang.equivalence import equivalent, simplest_scene
from rulelang.parser import parse
from rulelang.universe import ODEEN

SMALL = dataclasses.replace(ODEEN, name="odeen-4", length=4)  # 2,401 scenes: a partial last word


def fingerprints_of_rows(words: np.ndarray) -> np.ndarray:
    """The streamed fingerprint, computed the slow way from whole rows (the definition)."""
    n_words = words.shape[1]
    out = np.zeros((words.shape[0], 2), dtype=np.uint64)
    for k in range(n_words):
        key = np.uint64(k)
        with np.errstate(over="ignore"):
            sa = stream.SK.mix(key * stream.SK.SALT_A + stream.SK.SALT_B)
            sb = stream.SK.mix(key * stream.SK.SALT_B + stream.SK.SALT_A) | np.uint64(1)
            m = np.array([stream.SK.mix(x ^ sa) for x in words[:, k]], dtype=np.uint64)
            out[:, 0] += m
            out[:, 1] += m * sb
    return out


def test_streamed_scenes_are_the_universe_s_scenes_in_order():
    got = stream.SK.scenes_of_range(0, ODEEN.n_scenes, ODEEN.n_glyphs, ODEEN.length)
    assert np.array_equal(got, ODEEN.all_scenes())
    assert np.array_equal(stream.scene_of(ODEEN, 12345), ODEEN.all_scenes()[12345])


def test_true_counts_and_fingerprints_match_the_matrix_rows_for_any_blocks():
    rules = dialect_rules(SMALL)
    rows = semantics_matrix(rules, SMALL)
    want = fingerprints_of_rows(rows.words)
    for block in (64, 64 * 5, 4096, None):
        for ex in (InProcess(1), InProcess(2)):
            d = stream.digests(rules, SMALL, ex, block=block)
            assert np.array_equal(d.counts, rows.true_counts())
            assert np.array_equal(d.fingerprints, want)


def test_rule_blocks_change_nothing():
    rules = dialect_rules(SMALL)
    a = stream.digests(rules, SMALL)
    b = stream.digests(rules, SMALL, rule_block=1000, block=640)
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.fingerprints, b.fingerprints)


@pytest.mark.slow
def test_streamed_classes_of_the_odeen_dialect_are_the_in_memory_ones(dialect):
    rules = dialect.rules
    res = stream.classes(rules, ODEEN, block=4096 * 3)
    cls = classes_of_groups(res.groups, rules)
    assert cls.n_classes == 11_618 and len(rules) == 24_794
    assert np.array_equal(cls.class_of, dialect.classes.class_of)
    assert np.array_equal(cls.canonical, dialect.classes.canonical)
    assert np.array_equal(res.true_counts, dialect.true_counts)
    assert res.collisions == 0


def test_verification_splits_a_group_whose_rules_differ():
    rules = [parse(t, universe=SMALL) for t in ("zero red", "at_most 0 red", "zero blue", "exactly 0 blue",
                                                 "at_least 1 red")]
    # A deliberate "collision": every rule in one group; the exact check must take it apart.
    groups, pairs, collisions = stream.verify([[0, 1, 2, 3, 4]], rules, SMALL)
    assert sorted(groups) == [[0, 1], [2, 3], [4]]
    assert collisions == 3 + 1 and pairs == 4 + 2  # 2, 3, 4 differ from 0; then 4 from 2


def test_a_dialect_too_large_for_memory_streams_and_agrees_with_the_matrix(monkeypatch):
    full = Dialect(SMALL)
    assert not full.streamed
    monkeypatch.setattr(stream, "MATRIX_BUDGET", 0)
    small = Dialect(SMALL)
    assert small.streamed
    assert np.array_equal(small.true_counts, full.true_counts)
    assert np.array_equal(small.classes.class_of, full.classes.class_of)
    assert np.array_equal(small.classes.canonical, full.classes.canonical)
    with pytest.raises(Exception, match="does not fit in memory"):
        small.matrix


@pytest.mark.parametrize("a, b", [("at_least 1 red", "zero red"), ("exactly 2 blue touching red", "zero block"),
                                  ("zero red or at_least 1 red", "not zero blue or zero blue"),
                                  ("at_least 3 pyramid", "at_least 3 pyramid and zero pyramid")])
def test_a_streamed_equivalence_agrees_with_the_in_memory_one(monkeypatch, a, b):
    ra, rb = parse(a, universe=SMALL), parse(b, universe=SMALL)
    want = equivalent(ra, rb, SMALL)
    monkeypatch.setattr(stream, "STREAM_SCENES", 0)
    got = equivalent(ra, rb, SMALL)
    assert got == want


def test_the_simplest_scene_of_a_rule_is_the_one_with_fewest_pieces(monkeypatch):
    monkeypatch.setattr(stream, "STREAM_SCENES", 0)
    u8 = dataclasses.replace(ODEEN, name="odeen-8", length=8)
    assert simplest_scene(parse("at_least 2 red touching blue", universe=u8), True, u8) == ".....AaA"
    assert simplest_scene(parse("zero red", universe=u8), False, u8) == ".......A"
    assert simplest_scene(parse("at_least 1 red and zero red", universe=u8), True, u8) is None
