"""Shared set-up for the search tests: the dialect index, built once per session, and a
brute-force view of the dialect's classes that does not go through the index.

Import the fixtures into a test module with ``from search_fixtures import *``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rulelang.universe import ODEEN

__all__ = ["index", "brute", "Brute", "table_of", "informative_scenes", "small", "ODEEN3"]

#: Odeen with three cells: 7,074 phenomena over 343 scenes, small enough for slow twins.
ODEEN3 = dataclasses.replace(ODEEN, name="odeen3", length=3)


@pytest.fixture(scope="session")
def index():
    """The Odeen dialect index (kept in memory; the tests never touch the disk cache)."""
    from rulelang.search.index import dialect_index

    return dialect_index(disk_cache=False)


@pytest.fixture(scope="session")
def small():
    """The dialect index of three-cell scenes, and every class's labels (``bool[C, S]``)."""
    from rulelang.search.index import dialect_index

    ix = dialect_index(ODEEN3, disk_cache=False)
    labels = np.array([ix.labels_of(c, np.arange(ix.n_scenes)) for c in range(ix.n_classes)])
    return ix, labels


class Brute:
    """Class labels straight from the dialect's semantics matrix (rows of canonical rules)."""

    def __init__(self, dialect) -> None:
        self.words = dialect.matrix.words
        self.canonical = dialect.classes.canonical

    def labels(self, scene_ids) -> np.ndarray:
        """``bool[C, n]``: each class's label on each scene."""
        s = np.asarray(scene_ids, dtype=np.int64)
        w = self.words[np.ix_(self.canonical, s >> 6)]
        return ((w >> ((s & 63) ^ 7).astype(np.uint64)) & np.uint64(1)).astype(bool)


@pytest.fixture(scope="session")
def brute(dialect) -> Brute:
    return Brute(dialect)


def informative_scenes(index, class_id: int, n: int, rng) -> np.ndarray:
    """``n`` scene ids, half true and half false under the class (as far as it has them)."""
    row = index.labels_of(class_id, np.arange(index.n_scenes))
    true, false = np.flatnonzero(row), np.flatnonzero(~row)
    k = min(n // 2, true.size)
    picks = [rng.choice(true, k, replace=False)] if k else []
    picks.append(rng.choice(false, min(n - k, false.size), replace=False))
    return np.concatenate(picks)


def table_of(index, class_id: int, scene_ids):
    """The table of a class on the given scenes."""
    from rulelang.search.table import Table

    scene_ids = np.asarray(scene_ids, dtype=np.int64)
    return Table(ODEEN.all_scenes()[scene_ids], index.labels_of(class_id, scene_ids))
