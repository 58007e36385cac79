"""Explain a table by the dialect's phenomena: its version space, ranked by simplicity.

The **version space** of a table is the set of dialect phenomena (semantic classes) that
label every scene of the table as it is labelled. With the scene index it is an AND of one
bit row per scene (:mod:`rulelang.search.index`).

**Prior.** A phenomenon is described by its canonical rule; its prior weight is
``2 ** -words`` (description length in words: each word halves the belief). Classes are
numbered by canonical rule (fewest words first, then alphabetical), so the version space in
class order is already ranked.

**Noise.** With ``tolerance = K`` the candidates are the classes that contradict at most
``K`` of the table's labels (Hamming distance on the table's scenes). Each label is taken
as flipped with probability ``noise`` independently, so a class contradicting ``m`` of ``n``
labels has likelihood ``noise**m * (1 - noise)**(n - m)``; candidates are ranked by
posterior (prior x likelihood, normalised over the candidates).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from rulelang.bits import members

from . import space_kernels as K
from .index import DialectIndex, dialect_index
from .table import Table

PRIOR = "2^-words"

#: Default probability that a label of a noisy table is wrong.
DEFAULT_NOISE = 0.01


@dataclass(frozen=True, eq=False)
class VersionSpace:
    """A set of dialect phenomena, as a bit set over the index's classes."""

    bits: np.ndarray
    index: DialectIndex

    @classmethod
    def everything(cls, index: DialectIndex | None = None) -> "VersionSpace":
        """Every phenomenon of the dialect (the version space of an empty table)."""
        index = index or dialect_index()
        return cls(index.valid.copy(), index)

    @classmethod
    def of_ids(cls, ids, index: DialectIndex | None = None) -> "VersionSpace":
        index = index or dialect_index()
        return cls(index.bits_of(np.asarray(ids, dtype=np.int64)), index)

    @cached_property
    def ids(self) -> np.ndarray:
        """The class ids in the space, ascending (= simplest first)."""
        return self.index.ids_of(self.bits)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def __contains__(self, class_id: int) -> bool:
        word, bit = divmod(int(class_id), 64)
        return bool((int(self.bits[word]) >> bit) & 1)

    def observe(self, scene_id: int, label: bool) -> "VersionSpace":
        """The phenomena of this space that give ``scene_id`` the label ``label``."""
        row = self.index.index[int(scene_id)]
        bits = self.bits & (row if label else ~row) & self.index.valid
        return VersionSpace(bits, self.index)


@dataclass(frozen=True)
class Candidate:
    """One phenomenon that explains a table.

    Attributes:
        class_id: the semantic class (index into the dialect's classes).
        rule: the canonical (simplest) rule of the class.
        members: how many dialect rules the class holds (all equivalent to ``rule``).
        words: the description length of ``rule``.
        posterior: its share of belief among the candidates.
        mismatches: how many of the table's labels it contradicts.
    """

    class_id: int
    rule: str
    members: int
    words: int
    posterior: float
    mismatches: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"class": self.class_id, "rule": self.rule, "members": self.members,
                "words": self.words, "posterior": self.posterior, "mismatches": self.mismatches}


@dataclass(frozen=True, eq=False)
class Explanation:
    """The dialect's answer to a table: every fitting phenomenon, best first.

    ``ids``, ``mismatches`` and ``posterior`` are parallel arrays in rank order;
    :meth:`candidates` turns the top of them into :class:`Candidate` records.
    """

    table: Table
    index: DialectIndex
    ids: np.ndarray
    mismatches: np.ndarray
    posterior: np.ndarray
    tolerance: int = 0
    noise: float = DEFAULT_NOISE

    @property
    def n_candidates(self) -> int:
        return int(self.ids.shape[0])

    @property
    def status(self) -> str:
        """``"identified"`` (one phenomenon), ``"ambiguous"`` (several) or ``"none"``."""
        n = self.n_candidates
        return "none" if n == 0 else "identified" if n == 1 else "ambiguous"

    @property
    def best(self) -> Candidate | None:
        return self.candidate(0) if self.n_candidates else None

    @property
    def confidence(self) -> float:
        """The posterior share of the best candidate (0 when nothing fits)."""
        return float(self.posterior[0]) if self.n_candidates else 0.0

    def candidate(self, rank: int) -> Candidate:
        c = int(self.ids[rank])
        ix = self.index
        return Candidate(c, ix.texts[c], int(ix.members[c]), int(ix.words[c]),
                         float(self.posterior[rank]), int(self.mismatches[rank]))

    def candidates(self, limit: int | None = None) -> tuple[Candidate, ...]:
        """The candidates in rank order (the first ``limit`` of them)."""
        n = self.n_candidates if limit is None else min(limit, self.n_candidates)
        return tuple(self.candidate(i) for i in range(n))

    @cached_property
    def version_space(self) -> VersionSpace:
        return VersionSpace(self.index.bits_of(self.ids), self.index)

    def summary(self) -> str:
        """One plain sentence: identified, ambiguous (how many remain), or nothing fits."""
        n, total = self.n_candidates, self.index.n_classes
        noisy = f" contradicting at most {self.tolerance} label{'s' * (self.tolerance != 1)}" \
            if self.tolerance else ""
        if n == 0:
            return f"nothing fits: none of the {total:,} phenomena of the dialect{noisy or ' explains the table'}"
        if n == 1:
            return f"identified: 1 of the {total:,} phenomena of the dialect fits{noisy}"
        return f"ambiguous: {n:,} of the {total:,} phenomena of the dialect fit{noisy}"

    def to_json(self, limit: int | None = 10) -> dict[str, Any]:
        return {
            "table": {"scenes": len(self.table), "true": self.table.n_true},
            "status": self.status,
            "summary": self.summary(),
            "candidates_total": self.n_candidates,
            "prior": PRIOR,
            "tolerance": self.tolerance,
            "noise": self.noise if self.tolerance else None,
            "confidence": self.confidence,
            "candidates": [c.to_json() for c in self.candidates(limit)],
        }


def explain(table: Table, *, tolerance: int = 0, noise: float = DEFAULT_NOISE,
            index: DialectIndex | None = None) -> Explanation:
    """Every dialect phenomenon consistent with ``table`` (or within ``tolerance``), ranked.

    Args:
        table: the observations.
        tolerance: how many labels a candidate may contradict (the table may hold errors).
        noise: the assumed probability that a label is wrong (ranks noisy candidates).
        index: the dialect index (default: :func:`rulelang.search.index.dialect_index`).
    """
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    if not 0.0 < noise < 0.5:
        raise ValueError("noise must lie strictly between 0 and 0.5")
    ix = index or dialect_index(table.universe)
    scenes = table.scene_ids
    # Without a scene index (a universe too large for one) the candidates run on the table.
    direct = ix.mismatches(table.scenes, table.labels) if hasattr(ix, "mismatches") else None
    if tolerance == 0:
        ids = (np.flatnonzero(direct == 0) if direct is not None else
               members(K.consistent(ix.index, scenes, table.labels, ix.valid), ix.n_classes))
        mism = np.zeros(ids.shape[0], dtype=np.int32)
        weight = ix.prior_weights[ids].astype(np.float64)
    else:
        counts = direct if direct is not None else K.mismatch_counts(ix.index, scenes, table.labels, ix.n_classes)
        ids = np.flatnonzero(counts <= tolerance)
        mism = counts[ids]
        # log2 posterior up to a constant: -words + m * log2(noise / (1 - noise)).
        score = -ix.words[ids] + mism * np.log2(noise / (1.0 - noise))
        order = np.lexsort((ids, -score))
        ids, mism, score = ids[order], mism[order], score[order]
        weight = np.exp2(score - (score.max() if score.size else 0.0))
    total = weight.sum()
    posterior = weight / total if total > 0 else weight
    return Explanation(table, ix, ids, mism, posterior, tolerance, noise)
