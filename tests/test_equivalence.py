"""Equivalence over every scene, and the simplest scene on which two rules differ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from rulelang import strategies as rs
from rulelang.ast import And, Not, Or
from rulelang.equivalence import equivalent
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN

EQUIVALENT = [
    ("zero red", "not at_least 1 red"),
    ("zero red", "exactly 0 red"),
    ("zero red", "at_most 0 red"),
    ("at_least 1 red touching blue", "at_least 1 blue touching red"),
    ("at_least 1 red at_the_right_of blue", "at_least 1 blue at_the_left_of red"),
    ("zero pyramid", "zero pyramid pointing_up and zero pyramid pointing_down"),
    ("not (zero red or zero blue)", "not zero red and not zero blue"),
    ("at_least 0 red", "at_most 6 blue"),  # both true everywhere
    ("zero red and zero blue", "zero block and zero pyramid"),  # only the empty scene
    ("at_least 1 red touching red", "at_least 2 red touching red"),  # touching goes both ways
]

DIFFERENT = [
    ("zero red", "zero blue"),
    ("at_least 1 red", "at_least 2 red"),
    ("at_least 1 red touching blue", "at_least 1 red"),
    ("exactly 2 red touching blue", "zero red touching blue"),
    ("at_least 1 red surrounded_by blue", "at_least 1 red touching blue"),
    ("at_most 5 red", "at_most 4 red"),
    ("at_least 1 red surrounded_by red", "at_least 3 red touching red"),  # differ at 4 pieces
]


@pytest.mark.parametrize("a, b", EQUIVALENT)
def test_equivalent_rules_are_found_equivalent(warm_kernels, a, b):
    verdict = equivalent(parse(a), parse(b))
    assert verdict.equivalent
    assert (verdict.counterexample, verdict.labels, verdict.n_disagree) == (None, None, 0)


def scenes_by_simplicity(max_pieces: int) -> list[str]:
    """Every scene with at most ``max_pieces`` pieces: fewest pieces first, then scene order."""
    scenes = ODEEN.all_scenes()
    pieces = ODEEN.piece_counts(scenes)
    idx = np.flatnonzero(pieces <= max_pieces)
    idx = idx[np.argsort(pieces[idx], kind="stable")]
    return [ODEEN.format_scene(s) for s in scenes[idx]]


@pytest.mark.parametrize("a, b", DIFFERENT)
def test_the_counterexample_is_the_first_scene_with_fewest_pieces_where_rules_differ(warm_kernels, a, b):
    ra, rb = parse(a), parse(b)
    verdict = equivalent(ra, rb)
    assert not verdict.equivalent
    ce = verdict.counterexample
    assert verdict.labels == (evaluate(ra, ce), evaluate(rb, ce)) and verdict.labels[0] != verdict.labels[1]
    # Brute force with the reference evaluator: no simpler scene (nor an earlier one as
    # simple) separates the rules.
    k = sum(c != "." for c in ce)
    candidates = scenes_by_simplicity(k)
    first = next(s for s in candidates if evaluate(ra, s) != evaluate(rb, s))
    assert first == ce


@pytest.mark.slow
def test_the_number_of_disagreements_counts_every_scene(warm_kernels):
    ra, rb = parse("at_least 1 red touching blue"), parse("at_least 1 blue")
    verdict = equivalent(ra, rb)
    everything = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()]
    assert verdict.n_disagree == sum(evaluate(ra, s) != evaluate(rb, s) for s in everything)


@given(rs.rules(max_depth=2), rs.rules(max_depth=2))
def test_generated_rules_differ_first_on_the_scene_equivalence_names(warm_kernels, ra, rb):
    verdict = equivalent(ra, rb)
    if verdict.equivalent:
        for s in scenes_by_simplicity(1):  # a cheap spot check of the claim
            assert evaluate(ra, s) == evaluate(rb, s)
        return
    ce = verdict.counterexample
    assert evaluate(ra, ce) != evaluate(rb, ce)
    k = sum(c != "." for c in ce)
    if k <= 2:  # brute force is cheap up to 577 scenes
        first = next(s for s in scenes_by_simplicity(k) if evaluate(ra, s) != evaluate(rb, s))
        assert first == ce


@given(rs.rules(max_depth=2), rs.rules(max_depth=2))
def test_de_morgan_and_double_negation_hold(warm_kernels, ra, rb):
    assert equivalent(Not(Or(ra, rb)), And(Not(ra), Not(rb))).equivalent
    assert equivalent(ra, Not(Not(ra))).equivalent


@given(rs.rules(max_depth=2))
def test_a_rule_and_its_negation_differ_on_the_empty_scene_first(warm_kernels, rule):
    verdict = equivalent(rule, Not(rule))
    assert verdict.counterexample == "......"
    assert verdict.n_disagree == ODEEN.n_scenes
