"""The opening book: rollout against a slow obvious twin, and the shipped Odeen book."""

from __future__ import annotations

import dataclasses

import numpy as np

from rulelang.search import VersionSpace, identify_all, next_scene
from rulelang.search.book import (OpeningBook, build_book, load_book, opening_book, save_book,
                                  shipped_path, state_key)
from rulelang.universe import ODEEN
from search_fixtures import *  # noqa: F401,F403 - session fixtures


def most_even_first(counts: np.ndarray, n: int) -> list[int]:
    """Positions of the splitting scenes, most even first, simplest first on ties."""
    return sorted((j for j in range(len(counts)) if 0 < counts[j] < n), key=lambda j: (abs(2 * counts[j] - n), j))


def even_split_total(labels: np.ndarray, order: np.ndarray, ids: list[int]) -> int:
    """Questions, summed over ``ids``, that most even splits ask: plain recursion."""
    if len(ids) <= 1:
        return 0
    counts = labels[np.ix_(ids, order)].sum(axis=0)
    answer = labels[ids, order[most_even_first(counts, len(ids))[0]]]
    yes = [c for c, a in zip(ids, answer) if a]
    no = [c for c, a in zip(ids, answer) if not a]
    return len(ids) + even_split_total(labels, order, yes) + even_split_total(labels, order, no)


def twin_book(labels: np.ndarray, order: np.ndarray, above: int, candidates: int) -> dict[tuple, int]:
    """The book by the definition: every state its own questions reach from all classes,
    of more than ``above``, asks the split (of the ``candidates`` most even, one per
    partition) after which even splits ask the fewest questions."""
    book: dict[tuple, int] = {}

    def plan(ids: list[int]) -> None:
        n = len(ids)
        if n <= above:
            return
        counts = labels[np.ix_(ids, order)].sum(axis=0)
        scored, seen = [], set()
        for j in most_even_first(counts, n):
            answer = labels[ids, order[j]]
            part = frozenset(c for c, a in zip(ids, answer) if a == answer[0])
            if part in seen:
                continue
            seen.add(part)
            yes = [c for c, a in zip(ids, answer) if a]
            no = [c for c, a in zip(ids, answer) if not a]
            scored.append((even_split_total(labels, order, yes) + even_split_total(labels, order, no), j, yes, no))
            if len(scored) == candidates:
                break
        cost, j, yes, no = min(scored, key=lambda s: s[0])  # min keeps the first of equals
        book[tuple(ids)] = int(order[j])
        plan(yes)
        plan(no)

    plan(list(range(labels.shape[0])))
    return book


def test_the_book_is_rollout_as_defined_by_a_plain_recursion(small):
    ix, labels = small
    book = build_book(ix, above=1500, candidates=3)
    twin = twin_book(labels, ix.distinct_scenes, 1500, 3)
    assert len(book) == len(twin) >= 3
    for ids, scene in twin.items():
        assert book.scene_for(np.array(ids)) == scene
    assert (book.gains >= 0).all() and book.gains.sum() > 0  # rollout found better questions


def test_rollout_never_asks_more_than_even_splits_and_the_policy_follows_its_book(small):
    ix, _ = small
    book = opening_book(ix, disk_cache=False)
    assert len(book) and book.above < ix.n_classes
    cover, gain = identify_all(VersionSpace.everything(ix)), identify_all(VersionSpace.everything(ix), criterion="gain")
    assert cover.played.sum() < gain.played.sum()
    vs = VersionSpace.everything(ix)
    assert next_scene(vs).scene_id == book.scene_for(vs.ids)
    excluded = next_scene(vs, exclude=np.array([book.scene_for(vs.ids)]))
    assert excluded.scene_id != book.scene_for(vs.ids)  # an excluded book scene is not asked
    assert next_scene(vs, criterion="gain").scene_id != book.scene_for(vs.ids) or book.gains[0] == 0


def test_a_book_is_used_only_for_the_index_it_was_built_for(small, tmp_path):
    ix, _ = small
    book = build_book(ix, above=3000, candidates=2)
    path = tmp_path / "book.npz"
    save_book(book, path)
    again = load_book(path, ix)
    assert again is not None and again.fingerprint == book.fingerprint
    assert np.array_equal(again.scenes, book.scenes) and np.array_equal(again.keys, book.keys)
    other = dataclasses.replace(ODEEN, name="odeen2", length=2)
    from rulelang.search.index import dialect_index

    assert load_book(path, dialect_index(other, disk_cache=False)) is None
    path.write_bytes(path.read_bytes()[:100])  # truncated: not a book
    assert load_book(path, ix) is None
    assert load_book(tmp_path / "absent.npz", ix) is None


def test_the_same_index_gives_the_same_book(small):
    ix, _ = small
    a, b = build_book(ix, above=2000, candidates=4), build_book(ix, above=2000, candidates=4)
    assert np.array_equal(a.keys, b.keys) and np.array_equal(a.scenes, b.scenes)


def test_the_shipped_odeen_book_fits_the_index_and_plans_every_state_its_games_reach(index):
    book = load_book(shipped_path(index), index)
    assert book is not None, "the shipped book is stale: rebuild it (bench/bench_search_active.py --rebuild-book)"
    reached = 0
    stack = [np.arange(index.n_classes)]
    while stack:
        ids = stack.pop()
        if ids.shape[0] <= book.above:
            continue
        scene = book.scene_for(ids)
        assert scene is not None, f"a state of {ids.shape[0]} candidates the book reaches has no question"
        answer = index.labels_of_many(ids, scene)
        assert 0 < answer.sum() < ids.shape[0]
        stack += [ids[answer], ids[~answer]]
        reached += 1
    assert reached == len(book)
    assert state_key(np.arange(index.n_classes)) == bytes(book.keys[0])
    assert isinstance(opening_book(index), OpeningBook) and opening_book(index).fingerprint == book.fingerprint
