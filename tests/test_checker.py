"""The compiled checker: the reference evaluator's exact twin, on any batch of scenes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulelang import strategies as rs
from rulelang.checker import compile_rules, label, run
from rulelang.enumerate import dialect_rules
from rulelang.parser import parse
from rulelang.universe import ODEEN, Universe

# Labels worked out by hand from DESIGN §2.1, one rule per row: (rule, {scene: label}).
KNOWN = [
    ("at_least 1 red touching blue", {"Ab....": True, "bA....": True, "A.b...": False, "......": False}),
    ("exactly 1 red surrounded_by blue", {"bAb...": True, "Ab....": False, "bAbVb.": False, "bAB...": False}),
    ("at_least 2 red surrounded_by blue", {"bAbVb.": True, "bAb...": False}),
    ("at_least 1 pyramid pointing_up at_the_right_of block", {"B.A...": True, "A.B...": False, "aB....": False}),
    ("at_least 1 pyramid pointing_up at_the_left_of block", {"A.B...": True, "B.A...": False}),
    ("exactly 2 blue", {"a.v...": True, "a.v.b.": False, "......": False}),
    ("at_most 1 block", {"B.b...": False, "B.....": True, "......": True}),
    ("zero red pyramid", {"B.b...": True, "V.....": False}),
    # A cell never stands in a relation to itself.
    ("at_least 1 red touching red", {"AA....": True, "A.....": False, "A.A...": False}),
    ("exactly 1 red touching red", {"AA....": False, "AA.A..": False, "A.....": False}),
    ("exactly 2 red touching red", {"AA....": True, "AAA...": False}),
    ("exactly 1 red surrounded_by red", {"AAA...": True, "AAAA..": False, "A.....": False}),
    ("at_least 1 red at_the_right_of red", {"A....V": True, "A.....": False}),
    ("not zero red and (exactly 6 pyramid or zero blue)",
     {"AAAAAA": True, "A.....": True, "Ab....": False, "......": False}),
    ("exactly 6 red or exactly 6 blue", {"AAAAAA": True, "bbbbbb": True, "AAAAAa": False}),
    ("at_least 0 red and at_most 6 blue", {"......": True, "bbbbbb": True}),
]

# A world of 8 cells and three pieces: longer scenes and counts up to 8.
EIGHT = Universe(
    name="eight", length=8, empty=".",
    pieces={"A": ("red", "pyramid", "pointing_up"), "B": ("red", "block"), "b": ("blue", "block")},
    colors=("red", "blue"), shapes=("block", "pyramid"), orientations=("pointing_up",),
)
ONE = dataclasses.replace(EIGHT, name="one", length=1)
LONG = dataclasses.replace(EIGHT, name="long", length=63)


def sample_scenes(n: int, seed: int = 0, universe: Universe = ODEEN) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, universe.n_glyphs, size=(n, universe.length), dtype=np.uint8)


@pytest.mark.parametrize("text, labels", KNOWN, ids=[k[0] for k in KNOWN])
def test_every_backend_labels_the_worked_examples_as_the_design_says(backend, text, labels):
    scenes = ODEEN.parse_scenes(list(labels))
    got = backend([parse(text)], scenes)
    assert got.tolist() == [list(labels.values())]


@given(st.lists(rs.rules(), min_size=1, max_size=4), rs.scene_arrays(max_size=70))
def test_the_compiled_checker_equals_the_reference_on_generated_rules_and_scenes(
        compiled_backend, reference, rules, scenes):
    assert np.array_equal(compiled_backend(rules, scenes), reference(rules, scenes))


@pytest.mark.parametrize("universe, max_scenes", [(ONE, 20), (EIGHT, 70), (LONG, 3)],
                         ids=["one", "eight", "long"])
@given(data=st.data())
def test_the_compiled_checker_equals_the_reference_in_worlds_of_other_lengths(
        compiled_backend, reference, universe, max_scenes, data):
    rules = data.draw(st.lists(rs.rules(universe, max_depth=2), min_size=1, max_size=3))
    scenes = data.draw(rs.scene_arrays(universe, max_size=max_scenes))
    assert np.array_equal(compiled_backend(rules, scenes, universe), reference(rules, scenes, universe))


@pytest.fixture(scope="module")
def dialect_sample():
    """Every dialect rule compiled once and run on 200 fixed random scenes."""
    rules = dialect_rules()
    scene_idx = np.sort(np.random.default_rng(2022).choice(ODEEN.n_scenes, 200, replace=False))
    scenes = ODEEN.all_scenes()[scene_idx]
    return rules, scene_idx, scenes, label(rules, scenes)


@pytest.mark.slow
def test_every_dialect_rule_agrees_with_the_reference_on_twenty_sample_scenes(dialect_sample):
    rules, _, scenes, labels = dialect_sample
    from rulelang.reference import evaluate

    texts = [ODEEN.format_scene(s) for s in scenes]
    # A different window of 20 scenes per rule: every scene is used by many rules.
    windows = [((r * 7 + 10 * np.arange(20)) % len(texts)).tolist() for r in range(len(texts))]
    wrong = []
    for r, rule in enumerate(rules):
        window = windows[r % len(texts)]
        expected = [evaluate(rule, texts[s]) for s in window]
        if labels[r, window].tolist() != expected:
            wrong.append(r)
    assert not wrong, [str(rules[r]) for r in wrong[:5]]


def test_every_dialect_rule_gives_the_same_labels_without_jit(dialect_sample, nojit_worker):
    rules, _, scenes, labels = dialect_sample
    assert np.array_equal(nojit_worker(rules, scenes), labels)


def test_the_nojit_backend_really_runs_without_jit(nojit_worker, warm_kernels):
    from rulelang import label_kernels as K

    assert nojit_worker.hello["kernels"] > 0
    assert nojit_worker.hello["jit_kernels"] == []
    # ...whereas in this process the same kernels are Numba dispatchers.
    assert any(hasattr(v, "py_func") for v in vars(K).values())


def test_the_semantics_matrix_holds_the_labels_of_every_scene(dialect, dialect_sample):
    _, scene_idx, _, labels = dialect_sample
    packed = dialect.matrix.packed
    bits = (packed[:, scene_idx >> 3] >> (7 - (scene_idx & 7)).astype(np.uint8)) & 1
    assert np.array_equal(bits.astype(bool), labels)


# -- batches ------------------------------------------------------------------------------

EDGE_RULES = [
    "zero red",
    "not zero red",  # NOT must leave the padding bits clear
    "at_least 0 red",  # true everywhere: every valid bit set, no other
    "not at_least 0 blue or at_most 6 pyramid",
    "exactly 2 block touching red and not zero blue",
]


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 129])
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_label_rows_are_packbits_rows_with_zero_padding_for_any_batch_size(warm_kernels, reference, n, parallel):
    rules = [parse(t) for t in EDGE_RULES]
    scenes = sample_scenes(n, seed=n)
    rows = run(compile_rules(rules), scenes, parallel=parallel)
    expected = reference(rules, scenes)
    n_words = max(1, -(-n // 64))
    assert rows.words.shape == (len(rules), n_words) and rows.n_scenes == n
    whole = np.zeros((len(rules), n_words * 8), dtype=np.uint8)
    whole[:, : -(-n // 8)] = np.packbits(expected, axis=1)
    assert np.array_equal(rows.words.view(np.uint8), whole)  # padding bits included
    assert np.array_equal(rows.bools(), expected)
    assert rows.true_counts().tolist() == expected.sum(axis=1).tolist()


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65])
def test_every_backend_labels_batches_across_word_boundaries(backend, reference, n):
    rules = [parse(t) for t in EDGE_RULES]
    scenes = sample_scenes(n, seed=100 + n)
    got = backend(rules, scenes)
    assert got.shape == (len(rules), n)
    assert np.array_equal(got, reference(rules, scenes))


def test_label_of_one_rule_is_a_row_and_of_a_list_a_matrix(warm_kernels):
    scenes = ODEEN.parse_scenes(["A.....", "......"])
    assert label(parse("at_least 1 red"), scenes).tolist() == [True, False]
    assert label([parse("at_least 1 red")], scenes).tolist() == [[True, False]]
    assert label([], scenes).shape == (0, 2)


def test_a_rule_compiles_to_data_not_to_new_machine_code(warm_kernels):
    from rulelang import label_kernels as K

    dispatchers = [v for v in vars(K).values() if hasattr(v, "signatures")]
    before = {d: len(d.signatures) for d in dispatchers}
    fresh = parse("exactly 5 blue pyramid pointing_down surrounded_by red block or not zero red")
    label(fresh, sample_scenes(10))
    assert {d: len(d.signatures) for d in dispatchers} == before


@pytest.mark.parametrize(
    "scenes",
    [
        np.zeros((2, 5), dtype=np.uint8),  # too short
        np.zeros(6, dtype=np.uint8),  # not a batch
        np.zeros((2, 6, 1), dtype=np.uint8),
        [[0, 0, 0, 0, 0, 7]],  # glyph 7 of 7
        [[-1, 0, 0, 0, 0, 0]],
        np.array([[256, 0, 0, 0, 0, 0]]),  # would wrap around to glyph 0
        np.array([[0.5, 0, 0, 0, 0, 0]]),
    ],
    ids=["short", "1-d", "3-d", "glyph-7", "negative", "wraps", "float"],
)
def test_label_refuses_bad_scene_arrays_with_a_value_error(warm_kernels, scenes):
    with pytest.raises(ValueError):
        label(parse("zero red"), scenes)
