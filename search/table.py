"""Tables: the labelled observations of one phenomenon, checked before any search runs.

Errors (besides the scene-file codes E201-E204 from :mod:`rulelang.scenefile`):
    E601 a scene without a label in a table
    E602 an empty table (no labelled scene at all)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable

import numpy as np

from rulelang.errors import RulelangError
from rulelang.scenefile import parse_scene_file
from rulelang.universe import ODEEN, Universe


@dataclass(frozen=True, eq=False)
class Table:
    """Labelled scenes of one phenomenon, each scene at most once.

    Attributes:
        scenes: ``uint8[n, length]`` glyph indices (read-only).
        labels: ``bool[n]`` (read-only); true = the scene satisfies the phenomenon's rule.
        universe: the world the scenes belong to.
        duplicates: how many repeated observations (the same scene, the same label) were
            merged into these ``n`` when the table was read.
    """

    scenes: np.ndarray
    labels: np.ndarray
    universe: Universe = ODEEN
    duplicates: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        scenes = np.array(self.scenes, dtype=np.uint8).reshape(-1, self.universe.length)
        labels = np.array(self.labels, dtype=bool).reshape(-1)
        if scenes.shape[0] != labels.shape[0]:
            raise ValueError(f"{scenes.shape[0]} scenes but {labels.shape[0]} labels")
        scenes.setflags(write=False)
        labels.setflags(write=False)
        object.__setattr__(self, "scenes", scenes)
        object.__setattr__(self, "labels", labels)

    def __len__(self) -> int:
        return self.labels.shape[0]

    @cached_property
    def scene_ids(self) -> np.ndarray:
        """``int64[n]``: each scene's index in the universe's scene order."""
        ids = np.atleast_1d(self.universe.scene_index(self.scenes)).astype(np.int64)
        ids.setflags(write=False)
        return ids

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """The scenes as strings."""
        return tuple(self.universe.format_scene(s) for s in self.scenes)

    @property
    def n_true(self) -> int:
        return int(self.labels.sum())

    def svg(self, *, rule=None, columns: int | None = None, cell: int = 40) -> str:
        """The table as an SVG picture: each scene with its Zendo stone (:func:`rulelang.render.table_svg`)."""
        from rulelang.render import table_svg

        return table_svg(self.texts, self.labels.tolist(), self.universe, rule=rule, columns=columns, cell=cell)

    def _repr_svg_(self) -> str:  # a notebook shows the table as a picture
        return self.svg()

    def pairs(self) -> list[tuple[str, bool]]:
        """``(scene, label)`` for each row, in order."""
        return list(zip(self.texts, map(bool, self.labels)))

    def with_scene(self, scene: str, label: bool) -> "Table":
        """A new table with one more observation (the same scene again must agree).

        Raises:
            RulelangError: E201/E202 for a bad scene, E204 when it contradicts the table.
        """
        return Table.from_pairs(self.pairs() + [(scene, label)], self.universe)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, bool]], universe: Universe = ODEEN,
                   *, allow_empty: bool = True) -> "Table":
        """A table from ``(scene, label)`` pairs; a repeated scene must repeat its label.

        Raises:
            RulelangError: E201/E202 for a bad scene, E204 for contradicting labels, E602
                when ``allow_empty`` is false and there are no pairs.
        """
        seen: dict[str, bool] = {}
        n_pairs = 0
        for i, (scene, label) in enumerate(pairs, start=1):
            n_pairs = i
            try:
                universe.parse_scene(scene)
            except RulelangError as err:
                raise err.located(path=f"<scene {i}>", line=1, source_line=scene) from None
            if scene in seen and seen[scene] != bool(label):
                raise RulelangError(f"scene {scene} is labelled both true and false", code="E204",
                                    hint="a phenomenon labels a scene one way")
            seen.setdefault(scene, bool(label))
        if not seen and not allow_empty:
            raise RulelangError("the table holds no labelled scene", code="E602")
        texts = list(seen)
        scenes = universe.parse_scenes(texts) if texts else np.empty((0, universe.length), np.uint8)
        return cls(scenes, np.array([seen[t] for t in texts], dtype=bool), universe,
                   duplicates=n_pairs - len(texts))


def read_table(text: str, path: str = "<input>", universe: Universe = ODEEN
               ) -> tuple[Table | None, list[RulelangError]]:
    """Parse a scene file that must be a table.

    Returns the table and no errors, or ``None`` and every problem found (each located at
    its line): bad scenes and labels, contradictions (E204), unlabelled scenes (E601), or
    no scene at all (E602).
    """
    sf = parse_scene_file(text, path, universe=universe)
    errors = list(sf.errors)
    for e in sf.entries:
        if e.label is None:
            errors.append(RulelangError(
                f"scene {e.scene} has no label", code="E601", path=path, line=e.line,
                column=e.column, end_column=e.column + len(e.scene), source_line=sf.lines[e.line - 1],
                hint="a table labels every scene: write 'true' or 'false' after it"))
    if not errors and not sf.entries:
        errors.append(RulelangError("the table holds no labelled scene", code="E602", path=path,
                                    hint="write one scene per line followed by true or false, "
                                         f"e.g. '{universe.example_scene} true'"))
    if errors:
        errors.sort(key=lambda e: (e.diagnostic.line or 0, e.diagnostic.column or 0))
        return None, errors
    # Duplicates that agree are harmless (parse_scene_file refused those that disagree):
    # keep each scene once, where it first appears.
    first: dict[str, int] = {}
    for k, e in enumerate(sf.entries):
        first.setdefault(e.scene, k)
    keep = np.fromiter(first.values(), dtype=np.int64, count=len(first))
    labels = np.array([bool(sf.entries[k].label) for k in keep.tolist()], dtype=bool)
    return Table(sf.scenes()[keep], labels, universe, duplicates=len(sf.entries) - keep.size), []
