"""Split the dialect's rules into training, validation and test sets of novel phenomena.

The protocol (the paper's, DESIGN §5):

* validation and test rules come from distinct semantic classes, one rule per class, so no
  two of them are equivalent; their classes hold a rule that is not constant and (by
  default) does not contain ``at_the_left_of``, and that rule is the one chosen;
* training rules are drawn from every rule whose class is neither a validation nor a test
  class, so that validation and test phenomena are *novel*; the small training set is a
  uniform random subset of the large one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ast import props
from ..enumerate import Dialect
from ..errors import RulelangError
from .sampling import bounded, permutation, raw_words

LEFT_OF = "at_the_left_of"


@dataclass(frozen=True)
class SplitOptions:
    """Sizes of the splits, and whether ``at_the_left_of`` rules may be evaluated on."""

    n_train: int = 1438
    n_train_small: int = 500
    n_validation: int = 500
    n_test: int = 1000
    keep_left_of: bool = False

    def check(self) -> None:
        for name in ("n_train", "n_train_small", "n_validation", "n_test"):
            if getattr(self, name) < 0:
                raise RulelangError(f"{name.replace('_', ' ')} must not be negative", code="E505")
        if self.n_train_small > self.n_train:
            raise RulelangError(
                f"the small training set ({self.n_train_small}) must be a subset of the "
                f"large one ({self.n_train})", code="E505")


@dataclass(frozen=True)
class Splits:
    """Dialect rule indices (``int64``, ascending) of each split."""

    train: np.ndarray
    train_small: np.ndarray
    validation: np.ndarray
    test: np.ndarray

    def as_dict(self) -> dict[str, np.ndarray]:
        return {"train": self.train, "train-small": self.train_small,
                "validation": self.validation, "test": self.test}


def evaluable(dialect: Dialect, keep_left_of: bool = False) -> np.ndarray:
    """``bool[n_rules]``: rules allowed in validation and test (not constant, no left-of)."""
    ok = dialect.constant() == 0
    if not keep_left_of:
        ok &= np.array([all(p.relation != LEFT_OF for p in props(r)) for r in dialect.rules])
    return ok


def make_splits(dialect: Dialect, seed: int, options: SplitOptions = SplitOptions()) -> Splits:
    """Draw the splits for ``seed`` (stream ``splits``).

    Raises:
        RulelangError: E505 when the sizes asked for cannot be met.
    """
    options.check()
    cls = dialect.classes
    ok = evaluable(dialect, options.keep_left_of)
    eligible = np.unique(cls.class_of[ok])
    n_eval = options.n_test + options.n_validation
    if n_eval > eligible.size:
        raise RulelangError(
            f"validation + test need {n_eval} distinct phenomena, but only {eligible.size} "
            "classes hold a rule that may be evaluated on", code="E505")
    chosen = eligible[permutation(seed, "splits", 0, eligible.size)[:n_eval]]
    # One eligible member per chosen class, uniformly (members in dialect order).
    members = np.flatnonzero(ok)
    by_class = {c: [] for c in chosen.tolist()}
    for r in members[np.isin(cls.class_of[members], chosen)].tolist():
        by_class[int(cls.class_of[r])].append(r)
    raw = raw_words(seed, "splits", 1, n_eval)
    picked = np.array([by_class[c][bounded(raw[i], len(by_class[c]))]
                       for i, c in enumerate(chosen.tolist())], dtype=np.int64)
    test, validation = picked[: options.n_test], picked[options.n_test:]

    pool = np.flatnonzero(~np.isin(cls.class_of, chosen))
    if options.n_train > pool.size:
        raise RulelangError(
            f"the training set needs {options.n_train} rules, but only {pool.size} rules "
            "are outside the validation and test phenomena", code="E505")
    order = pool[permutation(seed, "splits", 2, pool.size)[: options.n_train]]
    return Splits(
        train=np.sort(order),
        train_small=np.sort(order[: options.n_train_small]),
        validation=np.sort(validation),
        test=np.sort(test),
    )
