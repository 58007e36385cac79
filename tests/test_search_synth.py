"""The full-language synthesiser: verified, minimal, and bounded by size and time."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rulelang.ast import And, Not, Obj, Or, Prop, Quantity, in_dialect, size
from rulelang.checker import label
from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.universe import ODEEN
from rulelang.search import Table, synthesize

BRUTE_SIZE = 6


def _all_rules_up_to(n: int) -> dict[int, list]:
    """Every rule of the full language of at most ``n`` words, no pruning at all."""
    objs = [Obj(color=c) for c in ODEEN.colors] + [Obj(shape="block"), Obj(shape="pyramid")]
    objs += [Obj(shape="pyramid", orientation=o) for o in ODEEN.orientations]
    objs += [Obj(color=c, shape="block") for c in ODEEN.colors]
    objs += [Obj(color=c, shape="pyramid", orientation=o) for c in ODEEN.colors for o in (None,) + ODEEN.orientations]
    qs = [Quantity("zero")] + [Quantity(k, i) for k in ("at_least", "exactly", "at_most") for i in range(7)]
    props = [Prop(q, o) for q in qs for o in objs]
    props += [Prop(q, x, r, y) for q in qs for x in objs for r in ODEEN.relations for y in objs]
    by_size: dict[int, list] = {s: [p for p in props if size(p) == s] for s in range(1, n + 1)}
    for s in range(1, n + 1):
        by_size[s] += [Not(x) for x in by_size.get(s - 1, [])]
        for i in range(1, s - 1):
            pairs = list(itertools.product(by_size[i], by_size[s - 1 - i]))
            by_size[s] += [And(a, b) for a, b in pairs] + [Or(a, b) for a, b in pairs]
    return by_size


@pytest.fixture(scope="module")
def small_rules():
    return _all_rules_up_to(BRUTE_SIZE)


@pytest.mark.parametrize("seed", range(8))
def test_the_synthesiser_finds_a_smallest_rule_as_brute_force_does(small_rules, seed):
    rng = np.random.default_rng(seed)
    scenes = ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, 6, replace=False)]
    table = Table(scenes, rng.random(6) < 0.5)
    smallest = None
    for s in range(1, BRUTE_SIZE + 1):
        if small_rules[s] and (label(small_rules[s], scenes) == table.labels).all(axis=1).any():
            smallest = s
            break
    res = synthesize(table, max_size=BRUTE_SIZE, timeout=60)
    if smallest is None:
        assert res.best is None and res.stopped == "max-size"
    else:
        assert res.stopped == "found" and res.best.words == smallest
        assert all(sol.words == smallest for sol in res.solutions)


def test_solutions_are_verified_by_the_exact_checker_and_by_the_reference(small_rules):
    rule = parse("not at_least 1 red touching blue and at_least 3 pyramid")
    rng = np.random.default_rng(3)
    texts = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, 24, replace=False)]]
    table = Table.from_pairs([(t, evaluate(rule, t, ODEEN)) for t in texts])
    res = synthesize(table, max_size=12, timeout=60)
    assert res.best is not None and res.best.verified
    for sol in res.solutions:
        assert all(evaluate(sol.ast, t, ODEEN) == lab for t, lab in table.pairs())
        assert sol.words <= size(rule) and sol.in_dialect == in_dialect(sol.ast)


def test_distinct_solutions_mean_different_things_somewhere():
    table = Table.from_pairs([("A.....", True), ("......", False)])
    res = synthesize(table, max_size=6, timeout=30)
    counts = [s.true_count for s in res.solutions]
    assert len(res.solutions) > 1
    rows = label([s.ast for s in res.solutions], ODEEN.all_scenes())
    assert len({r.tobytes() for r in rows}) == len(res.solutions) and len(counts) == len(rows)


def test_the_search_stops_at_the_timeout_and_says_how_far_it_got():
    rng = np.random.default_rng(5)
    table = Table(ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, 40, replace=False)], rng.random(40) < 0.5)
    res = synthesize(table, max_size=40, timeout=0.0)
    assert res.stopped == "timeout" and res.complete_size < 40
    assert "stopped: timeout" in res.summary_block()


def test_the_summary_block_names_the_solution_sizes_and_phases():
    table = Table.from_pairs([("A.....", True), ("b.....", False)])
    text = synthesize(table, max_size=6, timeout=30).summary_block(ODEEN.n_scenes)
    assert text.startswith("********** SOLUTION **********")
    assert "********** SUMMARY **********" in text and "generate+prune" in text
