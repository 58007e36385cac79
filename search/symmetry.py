"""The symmetries of a world's dialect: maps of scenes that map every phenomenon onto one.

Odeen looks the same in a mirror (``at_the_left_of`` and ``at_the_right_of`` trade places),
with its colours swapped and with its pyramids turned over: eight maps of scenes, each of
which carries the true scenes of every phenomenon onto those of a phenomenon. A problem
stated over the whole dialect (which scenes rule out the most phenomena, say) then has a
best answer that looks the same under all of them, and can be searched for over the
**orbits** (scenes and phenomena up to symmetry) instead: 12,047 scene orbits and 3,737
phenomenon orbits for Odeen, against 93,717 distinct scenes and 11,618 phenomena.

The candidates are the maps a world's words suggest: read the row backwards or not, and
permute the values of each attribute (colours among themselves, shapes, orientations)
where that maps every piece onto a piece. Each is **verified** on the whole index: the
image of every phenomenon's row must be a phenomenon's row, and only verified maps are
kept. A world of other relations (``at_the_right_of`` without ``at_the_left_of``) simply
has fewer. Nothing proved from them depends on them: they only make a search smaller, and
whatever it finds is checked without them (:mod:`rulelang.search.meanbound`).
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass

import numpy as np

from rulelang import bits

from .index import DialectIndex


@dataclass(frozen=True, eq=False)
class Symmetries:
    """The verified symmetries of a dialect index, and the orbits they make.

    Attributes:
        names: a short description of each symmetry (the identity excluded).
        class_maps: ``int64[g, C]``: symmetry ``i`` maps class ``c`` onto ``class_maps[i, c]``.
        scene_maps: ``int64[g, D]``: it maps distinct scene ``j`` (a position in
            ``index.distinct_scenes``) onto ``scene_maps[i, j]``.
        class_orbit: ``int64[C]``, each class's orbit (``0 .. n_class_orbits - 1``).
        scene_orbit: ``int64[D]``, each distinct scene's orbit.
    """

    names: tuple[str, ...]
    class_maps: np.ndarray
    scene_maps: np.ndarray
    class_orbit: np.ndarray
    scene_orbit: np.ndarray

    @property
    def order(self) -> int:
        """How many symmetries, the identity included."""
        return len(self.names) + 1

    @property
    def n_class_orbits(self) -> int:
        return int(self.class_orbit.max()) + 1 if self.class_orbit.shape[0] else 0

    @property
    def n_scene_orbits(self) -> int:
        return int(self.scene_orbit.max()) + 1 if self.scene_orbit.shape[0] else 0


#: With more renamings of attribute values than this (a world of many colours), only the
#: swaps of two values of one attribute are tried: their orbits are those of a smaller
#: group, which is still right, only less of a saving.
MAX_RENAMINGS = 64


def _renamings(u) -> list[dict[str, str]]:
    """Maps of attribute words onto words of the same attribute (the identity first)."""
    attributes = (u.colors, u.shapes, u.orientations)
    if math.prod(math.factorial(len(values)) for values in attributes) <= MAX_RENAMINGS:
        return [{w: v for values, image in zip(attributes, images) for w, v in zip(values, image)}
                for images in itertools.product(*(itertools.permutations(a) for a in attributes))]
    return [{}] + [{a: b, b: a} for values in attributes for a, b in itertools.combinations(values, 2)]


def _name(rename: dict[str, str], backwards: bool) -> str:
    moved = [(a, b) for a, b in rename.items() if a != b]
    words = [f"{a}<->{b}" if rename.get(b) == a else f"{a}->{b}" for a, b in moved
             if rename.get(b) != a or a < b]
    return " ".join((["mirror"] if backwards else []) + words)


def candidate_maps(index: DialectIndex) -> list[tuple[str, np.ndarray]]:
    """The glyph maps the world's words suggest: ``(name, scene map over every scene)``, the
    identity left out. Not yet verified."""
    u = index.universe
    scenes = u.all_scenes()
    by_words = {tuple(words): glyph for glyph, words in u.pieces.items()}
    out = []
    for backwards in (False, True):
        for rename in _renamings(u):
            if not backwards and all(a == b for a, b in rename.items()):
                continue  # the identity
            glyphs = list(range(u.n_glyphs))
            for glyph, words in u.pieces.items():
                image = by_words.get(tuple(rename.get(w, w) for w in words))
                if image is None:
                    break  # a piece with no image: not a map of the pieces
                glyphs[u.glyphs.index(glyph)] = u.glyphs.index(image)
            else:
                codes = np.asarray(glyphs, dtype=np.uint8)[scenes]
                if backwards:
                    codes = codes[:, ::-1]
                scene_map = np.asarray(u.scene_index(np.ascontiguousarray(codes)), dtype=np.int64)
                out.append((_name(rename, backwards), scene_map))
    return out


def _representatives(index: DialectIndex) -> np.ndarray:
    """``int64[S]``: the position in ``distinct_scenes`` of each scene's representative."""
    hashes = bits.row_hashes(index.index)
    distinct = index.distinct_scenes
    order = np.argsort(hashes[distinct], kind="stable")
    at = order[np.searchsorted(hashes[distinct][order], hashes)]
    same = (index.index == index.index[distinct[at]]).all(axis=1)
    if not same.all():  # a hash collision between distinct rows: resolve those scenes by hand
        for s in np.flatnonzero(~same):
            at[s] = int(np.flatnonzero((index.index[distinct] == index.index[s]).all(axis=1))[0])
    return at


def _orbits(maps: np.ndarray, n: int) -> np.ndarray:
    """Orbit numbers (``0 ..``, in order of first member) of ``n`` points under ``maps``:
    the smallest member of each orbit spread along the maps until nothing changes."""
    low = np.arange(n)
    while True:
        new = low.copy()
        for m in maps:
            np.minimum.at(new, m, low)  # a point's image knows the point's smallest
            new = np.minimum(new, new[m])  # and the point its image's
        if np.array_equal(new, low):
            break
        low = new
    _, orbit = np.unique(low, return_inverse=True)  # orbits numbered by their smallest member
    return orbit.ravel().astype(np.int64)


def find_symmetries(index: DialectIndex) -> Symmetries:
    """Verify every candidate map on the whole index (module docstring); a second or so each."""
    rows = index.class_rows
    hashes = bits.row_hashes(rows)
    order = np.argsort(hashes, kind="stable")
    rep = _representatives(index)
    names, class_maps, scene_maps = [], [], []
    for name, scene_map in candidate_maps(index):
        image = bits.rule_major(np.ascontiguousarray(index.index[scene_map]), index.n_classes)
        h = bits.row_hashes(image)
        at = np.searchsorted(hashes[order], h)
        if (at >= order.shape[0]).any():
            continue
        sigma = order[at]
        if not np.array_equal(rows[sigma], image):  # not a symmetry (or a hash collision: drop it)
            continue
        names.append(name)
        class_maps.append(sigma)
        scene_maps.append(rep[scene_map[index.distinct_scenes]])
    n_d = index.distinct_scenes.shape[0]
    cm = np.array(class_maps, dtype=np.int64).reshape(-1, index.n_classes)
    sm = np.array(scene_maps, dtype=np.int64).reshape(-1, n_d)
    return Symmetries(tuple(names), cm, sm, _orbits(cm, index.n_classes), _orbits(sm, n_d))


_FOUND: dict[int, tuple[DialectIndex, Symmetries]] = {}
_LOCK = threading.Lock()


def symmetries(index: DialectIndex) -> Symmetries:
    """The symmetries of ``index`` (found once per process)."""
    with _LOCK:
        held = _FOUND.get(id(index))
        if held is None or held[0] is not index:
            held = (index, find_symmetries(index))
            _FOUND[id(index)] = held
        return held[1]
