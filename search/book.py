"""The opening book: the questions of the largest states, planned by rollout.

Nearly all the questions a questioner asks beyond ``log2(n)`` are lost on two paths, where
every answer is "false" (the phenomena true on few scenes are left) or every answer is
"true" (those false on few): there no scene splits the candidates evenly, and the even
split of the moment is not the best first step of what follows. On Odeen the 61 states of
64 or more candidates that no scene splits within 45/55 cost 1.24 of the 1.36 questions per
phenomenon that even splits ask beyond ``log2(11,618)``; below them even splits are close to
optimal (on every subtree of 12 candidates or fewer, exhaustive search saves 0.001
questions per phenomenon; an off-line check).

So the largest states get their question by **rollout** (Bertsekas' name for one step of
policy iteration): at a state of more than :data:`ABOVE` candidates, each of the
:data:`CANDIDATES` most even splits (one scene for each way of splitting the state) is
scored by the exact number of questions the tree below it would ask if even splits decided
from there on (:func:`rulelang.search.tree.grow`), and the cheapest wins (the most even
first on ties). (Odeen: scoring 16 instead of 8 takes 1.7 times as long to build and
lowers the mean by 0.004 only.) The book is built top-down from the
empty table, so every state it holds is one its own questions reach; each is keyed by a
digest of its candidate set. Rollout never does worse than the policy it rolls out: the
most even split is always one of the scores, and the tree below each book state is at
most as costly as the one even splits would grow there.

The book of the built-in world ships with the package (``books/<universe>.npz``, checked
against a fingerprint of the dialect index: the universe, the rules' texts and every
scene's labels); another universe's is built on first use and kept in the disk cache
(:mod:`rulelang.search.cache`). A book is a pure function of the index and the two
parameters (no randomness): same index, same book.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rulelang import progress
from rulelang.bits import row_hashes

from . import split_kernels as K
from .index import DialectIndex
from .tree import count_splits, grow

#: States of more than this many candidates get their question from the book.
ABOVE = 300
#: How many of the most even splits rollout scores at each book state.
CANDIDATES = 8
#: Bump when the way a book is built changes (the fingerprint then refuses old books).
VERSION = 1

CACHE_KIND = "opening-book"
SHIPPED = Path(__file__).parent / "books"


def state_key(ids: np.ndarray) -> bytes:
    """A 16-byte digest of a candidate set (class ids, ascending)."""
    return hashlib.blake2b(np.ascontiguousarray(ids, dtype=np.int64).data, digest_size=16).digest()


def fingerprint(index: DialectIndex, above: int = ABOVE, candidates: int = CANDIDATES) -> str:
    """What a book depends on: the universe, the rules, every scene's labels, the parameters."""
    u = index.universe
    h = hashlib.sha256(f"book v{VERSION} above={above} candidates={candidates}".encode())
    h.update(repr((u.name, u.length, u.glyphs, sorted(u.pieces.items()), u.colors, u.shapes,
                   u.orientations, u.relations)).encode())
    h.update("\n".join(index.texts).encode())
    h.update(np.ascontiguousarray(row_hashes(index.index)).data)
    h.update(np.ascontiguousarray(index.distinct_scenes).data)
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class OpeningBook:
    """The planned question of each large state the book's own games reach.

    Attributes:
        keys: ``uint8[m, 16]``, the states' digests (:func:`state_key`), in the order built.
        sizes: ``int64[m]``, each state's number of candidates.
        scenes: ``int64[m]``, the scene to ask there (a distinct-scene representative).
        gains: ``int64[m]``, questions (summed over the state's candidates) the book's
            question saves against the most even split, as rollout measured them.
        above: only states of more than this many candidates are in the book.
        candidates: how many splits rollout scored at each state.
        fingerprint: :func:`fingerprint` of the index it was built for.
        seconds: how long building took (0 when loaded).
    """

    keys: np.ndarray
    sizes: np.ndarray
    scenes: np.ndarray
    gains: np.ndarray
    above: int
    candidates: int
    fingerprint: str
    seconds: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "_at", {bytes(k): i for i, k in enumerate(self.keys)})

    def __len__(self) -> int:
        return int(self.scenes.shape[0])

    def scene_for(self, ids: np.ndarray) -> int | None:
        """The book's scene for the candidate set ``ids`` (ascending), or ``None``."""
        n = ids.shape[0]
        if n <= self.above:
            return None
        i = self._at.get(state_key(ids))  # type: ignore[attr-defined]
        return None if i is None or self.sizes[i] != n else int(self.scenes[i])

    def arrays(self) -> dict[str, np.ndarray]:
        return {"keys": self.keys, "sizes": self.sizes, "scenes": self.scenes, "gains": self.gains,
                "head": np.array([self.above, self.candidates]),
                "fingerprint": np.frombuffer(self.fingerprint.encode(), dtype=np.uint8)}

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> "OpeningBook":
        return cls(a["keys"], a["sizes"], a["scenes"], a["gains"], int(a["head"][0]),
                   int(a["head"][1]), a["fingerprint"].tobytes().decode())

    def built_for(self, index: DialectIndex) -> bool:
        """Whether this is the book of ``index`` (same fingerprint)."""
        return self.fingerprint == fingerprint(index, self.above, self.candidates)


def subtree_cost(index: DialectIndex, ids: np.ndarray) -> int:
    """Questions, summed over ``ids``, that even splits ask to tell them apart."""
    return grow(index, ids).total() if ids.shape[0] > 1 else 0


def build_book(index: DialectIndex, *, above: int = ABOVE, candidates: int = CANDIDATES,
               on_state=None) -> OpeningBook:
    """Plan the questions of every state of more than ``above`` candidates (module docstring).

    ``on_state`` (optional) is called with ``(states planned, candidates of the state)``.
    """
    t0 = time.perf_counter()
    keys, sizes, scenes, gains = [], [], [], []
    stack = [np.arange(index.n_classes, dtype=np.int64)]
    while stack:
        ids = stack.pop()
        n = ids.shape[0]
        if n <= above:
            continue
        counts = count_splits(index, ids, index.distinct_scenes)
        splitting = np.flatnonzero((counts > 0) & (counts < n))
        if not splitting.shape[0]:
            continue  # classes no scene tells apart (impossible in a dialect index)
        costs, sides, order, seen = [], [], [], set()
        for pos in splitting[np.argsort(np.abs(2 * counts[splitting] - n), kind="stable")]:
            answer = index.labels_of_many(ids, int(index.distinct_scenes[pos]))
            split = np.packbits(answer if answer[0] else ~answer).tobytes()
            if split in seen:  # a scene already scored splits this state into the same two sets
                continue
            seen.add(split)
            costs.append(subtree_cost(index, ids[answer]) + subtree_cost(index, ids[~answer]))
            sides.append(answer)
            order.append(pos)
            if len(order) == candidates:
                break
        j = int(np.argmin(costs))  # the first minimum: the most even split wins ties
        keys.append(np.frombuffer(state_key(ids), dtype=np.uint8))
        sizes.append(n)
        scenes.append(int(index.distinct_scenes[order[j]]))
        gains.append(costs[0] - costs[j])
        if on_state is not None:
            on_state(len(keys), n)
        stack.append(ids[~sides[j]])
        stack.append(ids[sides[j]])
    return OpeningBook(np.array(keys, dtype=np.uint8).reshape(-1, 16), np.array(sizes, dtype=np.int64),
                       np.array(scenes, dtype=np.int64), np.array(gains, dtype=np.int64), above,
                       candidates, fingerprint(index, above, candidates), time.perf_counter() - t0)


def shipped_path(index: DialectIndex) -> Path:
    return SHIPPED / f"{index.universe.name}.npz"


def save_book(book: OpeningBook, path: Path) -> None:
    """Write ``book`` to ``path`` (atomically)."""
    import io

    from rulelang.io import write_atomic

    buf = io.BytesIO()
    np.savez_compressed(buf, **book.arrays())
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buf.getbuffer().tobytes())


def load_book(path: Path, index: DialectIndex) -> OpeningBook | None:
    """The book at ``path`` if it was built for ``index`` (same fingerprint), else ``None``."""
    try:
        with np.load(path, allow_pickle=False) as z:
            book = OpeningBook.from_arrays({k: z[k] for k in z.files})
    except Exception:  # absent, truncated, not a zip, missing member: not a book for us
        return None
    return book if book.built_for(index) else None


_BOOKS: dict[int, tuple[DialectIndex, OpeningBook]] = {}
_LOCK = threading.Lock()


def opening_book(index: DialectIndex, *, disk_cache: bool = True) -> OpeningBook:
    """The book of ``index``: shipped, else from the disk cache, else built (once per process)."""
    import sys

    from . import cache

    with _LOCK:
        held = _BOOKS.get(id(index))
        if held is not None and held[0] is index:
            return held[1]
        book = load_book(shipped_path(index), index)
        sources = (K, sys.modules[__name__])
        if book is None and disk_cache:
            stored = cache.load(CACHE_KIND, index.universe, sources)
            if stored is not None:
                book = OpeningBook.from_arrays(stored)
                book = book if book.built_for(index) else None
        if book is None:
            title = f"planning the {index.universe.name} opening questions (once: later runs load them)"
            with progress.task(title) as bar:
                book = build_book(index, on_state=lambda states, n: bar.update(1, f"{title}: {states} states"))
            if disk_cache:
                cache.save(CACHE_KIND, index.universe, sources, book.arrays())
        _BOOKS[id(index)] = (index, book)
        return book
