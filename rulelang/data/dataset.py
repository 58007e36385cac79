"""Reading a data set: splits, training regimes, tables and evaluation samples.

Every file is checked against the manifest when it is first read (size, SHA-256, dtype,
shape); :meth:`DataSet.verify` reads and checks them all at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..enumerate import dialect_rules
from ..errors import RulelangError
from ..printer import format_rule
from ..universe import ODEEN, Universe
from .store import read_array, read_manifest, read_rules

SPLITS = ("train", "train-small", "validation", "test")


@dataclass(frozen=True)
class Samples:
    """Labelled scenes of some rules: row ``i`` belongs to rule ``rules[i]``.

    Attributes:
        rules: ``int64[n]`` dialect rule indices.
        texts: the rules' canonical texts.
        scenes: ``uint32[n, k]`` scene indices (the universe's scene order).
        labels: ``bool[n, k]``.
    """

    rules: np.ndarray
    texts: tuple[str, ...]
    scenes: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.rules.size)


@dataclass(frozen=True)
class Regime:
    """A training regime: the ``k`` first samples of each rule of a training split."""

    name: str
    split: str
    k: int


class DataSet:
    """A data set directory made by :func:`rulelang.data.make_dataset`."""

    def __init__(self, path: str | os.PathLike, universe: Universe = ODEEN) -> None:
        self.path = Path(path)
        self.universe = universe
        self.manifest: dict[str, Any] = read_manifest(self.path)
        where = str(self.path / "manifest.json")
        if self.manifest.get("universe") != universe.name:
            raise RulelangError(f"a data set of universe {self.manifest.get('universe')!r}, "
                                f"not {universe.name!r}", code="E502", path=where)
        digest = self.manifest.get("universe_digest")  # absent from data sets made before it was kept
        if self.manifest.get("n_scenes") != universe.n_scenes or digest not in (None, universe.digest):
            raise RulelangError(f"a data set of another world named {universe.name!r}: its cells, glyphs or "
                                "dialect differ from this one's", code="E502", path=where,
                                hint="give the --universe file it was made with, or make it again")
        self._arrays: dict[str, np.ndarray] = {}

    @cached_property
    def _index(self) -> dict[str, int]:
        return {format_rule(r): i for i, r in enumerate(dialect_rules(self.universe))}

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])

    @property
    def splits(self) -> dict[str, Any]:
        return self.manifest["splits"]

    @property
    def regimes(self) -> list[Regime]:
        return [Regime(r["name"], r["split"], int(r["k"])) for r in self.manifest["regimes"]]

    @property
    def table_kinds(self) -> tuple[str, ...]:
        return tuple(self.manifest["table_kinds"])

    def _split(self, split: str) -> dict[str, Any]:
        if split not in self.splits:
            raise RulelangError(f"no split {split!r} in this data set", code="E503",
                                path=str(self.path), expected=tuple(self.splits))
        return self.splits[split]

    def _array(self, name: str) -> np.ndarray:
        if name not in self._arrays:
            self._arrays[name] = read_array(self.path, name, self.manifest)
        return self._arrays[name]

    def rules(self, split: str) -> np.ndarray:
        """``int64`` dialect indices of the rules of ``split``."""
        key = f"rules:{split}"
        if key not in self._arrays:
            self._arrays[key] = read_rules(self.path, self._split(split)["rules"], self.manifest,
                                           self._index)
            if self._arrays[key].size != self._split(split)["size"]:
                raise RulelangError(f"holds {self._arrays[key].size} rules, the manifest says "
                                    f"{self._split(split)['size']}", code="E501",
                                    path=str(self.path / self._split(split)["rules"]))
        return self._arrays[key]

    def texts(self, split: str) -> tuple[str, ...]:
        return tuple(self._texts[i] for i in self.rules(split))

    @cached_property
    def _texts(self) -> dict[int, str]:
        return {i: t for t, i in self._index.items()}

    def _samples(self, split: str, rows: np.ndarray, files: dict[str, str], k: int | None = None) -> Samples:
        scenes = self._array(files["scenes"])
        packed = self._array(files["labels"])
        k = scenes.shape[1] if k is None else k
        labels = np.unpackbits(packed[rows], axis=1, count=scenes.shape[1])[:, :k].astype(bool)
        rules = self.rules(split)[rows]
        return Samples(rules, tuple(self._texts[i] for i in rules), scenes[rows, :k], labels)

    def regime(self, name: str) -> Regime:
        for r in self.regimes:
            if r.name == name:
                return r
        raise RulelangError(f"no training regime {name!r}", code="E503", path=str(self.path),
                            expected=tuple(r.name for r in self.regimes))

    def training(self, regime: str | Regime) -> Samples:
        """The samples a learner in ``regime`` may see — and nothing else."""
        reg = self.regime(regime) if isinstance(regime, str) else regime
        train = self.rules("train")
        rules = self.rules(reg.split)
        rows = np.searchsorted(train, rules)
        if not np.array_equal(train[np.minimum(rows, train.size - 1)], rules):
            raise RulelangError(f"split {reg.split!r} is not a subset of the training set", code="E501",
                                path=str(self.path / self._split(reg.split)["rules"]))
        files = self._split("train")["samples"]
        s = self._samples("train", rows, files, reg.k)
        return Samples(rules, tuple(self._texts[i] for i in rules), s.scenes, s.labels)

    def tables(self, split: str, kind: str) -> Samples:
        """The tables of kind ``kind`` (``random``, ``balanced``, ``informative``) of ``split``."""
        tables = self._split(split).get("tables")
        if not tables:
            raise RulelangError(f"split {split!r} has no tables", code="E503", path=str(self.path),
                                expected=tuple(s for s in self.splits if self.splits[s].get("tables")))
        if kind not in tables:
            raise RulelangError(f"no table kind {kind!r}", code="E503", path=str(self.path),
                                expected=tuple(tables))
        return self._samples(split, np.arange(self._split(split)["size"]), tables[kind])

    def evaluation(self, split: str) -> Samples:
        """The evaluation sample (1,176 scenes per rule by default) of ``split``."""
        files = self._split(split).get("eval")
        if not files:
            raise RulelangError(f"split {split!r} has no evaluation samples", code="E503",
                                path=str(self.path))
        return self._samples(split, np.arange(self._split(split)["size"]), files)

    def verify(self) -> None:
        """Read and check every file the manifest lists (raises on the first bad one)."""
        for split in self.splits:
            self.rules(split)
        for name in self.manifest["files"]:
            if name.endswith(".npy"):
                self._array(name)
