"""Splits of the dialect: sizes, the small set inside the large one, novel phenomena."""

from __future__ import annotations

import numpy as np
import pytest

from rulelang.ast import props
from rulelang.data import SplitOptions, evaluable, make_splits
from rulelang.errors import RulelangError

SMALL = SplitOptions(n_train=300, n_train_small=100, n_validation=80, n_test=200)


def has_left_of(rule) -> bool:
    return any(p.relation == "at_the_left_of" for p in props(rule))


@pytest.fixture(scope="module")
def splits(dialect):
    return make_splits(dialect, 7, SMALL)


def test_splits_have_the_sizes_asked_for(splits):
    sizes = {k: v.size for k, v in splits.as_dict().items()}
    assert sizes == {"train": 300, "train-small": 100, "validation": 80, "test": 200}


def test_the_default_splits_follow_the_papers_sizes(dialect):
    s = make_splits(dialect, 0)
    assert (s.train.size, s.train_small.size, s.validation.size, s.test.size) == (1438, 500, 500, 1000)


def test_the_small_training_set_is_a_subset_of_the_large_one(splits):
    assert np.isin(splits.train_small, splits.train).all()
    assert np.unique(splits.train).size == splits.train.size


def test_no_validation_or_test_rule_is_equivalent_to_a_training_rule(dialect, splits):
    cls = dialect.classes.class_of
    train = set(cls[splits.train].tolist())
    assert not train & set(cls[splits.test].tolist())
    assert not train & set(cls[splits.validation].tolist())


def test_no_two_test_or_validation_rules_are_equivalent(dialect, splits):
    cls = dialect.classes.class_of
    evaluated = np.concatenate([cls[splits.test], cls[splits.validation]])
    assert np.unique(evaluated).size == evaluated.size


def test_constant_rules_are_never_evaluated_on(dialect, splits):
    const = dialect.constant()
    assert (const[splits.test] == 0).all() and (const[splits.validation] == 0).all()


def test_left_of_rules_are_left_out_of_evaluation_by_default(dialect, splits):
    evaluated = np.concatenate([splits.test, splits.validation])
    assert not any(has_left_of(dialect.rules[r]) for r in evaluated)


def test_keeping_left_of_lets_such_rules_into_evaluation(dialect):
    s = make_splits(dialect, 7, SplitOptions(n_train=300, n_train_small=100, n_validation=80,
                                             n_test=1000, keep_left_of=True))
    # About a fifth of the relational rules use at_the_left_of; 1,000 draws include some.
    assert any(has_left_of(dialect.rules[r]) for r in s.test)
    assert evaluable(dialect, keep_left_of=True).sum() > evaluable(dialect).sum()


def test_the_same_seed_gives_the_same_splits_and_another_seed_others(dialect, splits):
    again = make_splits(dialect, 7, SMALL)
    other = make_splits(dialect, 8, SMALL)
    for name, rules in splits.as_dict().items():
        assert np.array_equal(rules, again.as_dict()[name])
    assert not np.array_equal(splits.test, other.test)


@pytest.mark.parametrize("options, words", [
    (SplitOptions(n_test=20_000), "distinct phenomena"),
    (SplitOptions(n_train=30_000, n_validation=10, n_test=10), "training set needs"),
    (SplitOptions(n_train=10, n_train_small=20), "subset"),
    (SplitOptions(n_test=-1), "negative"),
])
def test_sizes_that_cannot_be_met_are_a_clear_error(dialect, options, words):
    with pytest.raises(RulelangError, match=words) as err:
        make_splits(dialect, 0, options)
    assert err.value.code == "E505"
