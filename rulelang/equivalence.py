"""Rule equivalence over every scene, and the simplest counterexample when rules differ."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .ast import And, Not, Rule
from .checker import compile_rules, run
from .universe import ODEEN, Universe


@dataclass(frozen=True)
class Equivalence:
    """The verdict on two rules.

    Attributes:
        equivalent: they label every scene of the universe alike.
        counterexample: when not, the simplest scene they disagree on (fewest pieces, then
            first in scene order), as a string; ``labels`` are the two rules' labels there.
        n_disagree: on how many scenes they disagree.
    """

    equivalent: bool
    counterexample: str | None = None
    labels: tuple[bool, bool] | None = None
    n_disagree: int = 0


@lru_cache(maxsize=4)
def _simplicity_order(universe: Universe) -> np.ndarray:
    """Scene indices sorted by (number of pieces, index): the order "simplest first"."""
    counts = universe.piece_counts(universe.all_scenes())
    return np.argsort(counts, kind="stable")


def equivalent(a: Rule, b: Rule, universe: Universe = ODEEN, executor=None) -> Equivalence:
    """Compare two rules on all scenes of ``universe``.

    A universe of more than :data:`rulelang.stream.STREAM_SCENES` scenes is streamed in
    blocks (on ``executor``, in-process by default): the verdict "equivalent" comes only
    after every scene, and the counterexample is the simplest of all, as here.
    """
    from .stream import STREAM_SCENES, first_difference, scene_of

    if universe.n_scenes > STREAM_SCENES:
        n, index = first_difference(a, b, universe, executor)
        if n == 0:
            return Equivalence(True)
        codes = scene_of(universe, index)
        la, lb = (bool(x[0]) for x in run(compile_rules([a, b], universe), codes[None]).bools())
        return Equivalence(False, universe.format_scene(codes), (la, lb), n)
    rows = run(compile_rules([a, b], universe))
    diff = rows.words[0] ^ rows.words[1]
    if not diff.any():
        return Equivalence(True)
    bits = np.unpackbits(diff.view(np.uint8), count=rows.n_scenes).astype(bool)
    order = _simplicity_order(universe)
    first = int(order[np.argmax(bits[order])])
    labels = rows.bools()[:, first]
    scene = universe.format_scene(universe.all_scenes()[first])
    return Equivalence(False, scene, (bool(labels[0]), bool(labels[1])), int(bits.sum()))


def simplest_scene(rule: Rule, value: bool, universe: Universe = ODEEN, executor=None) -> str | None:
    """The simplest scene (fewest pieces, then scene order) that ``rule`` labels ``value``,
    or ``None`` when there is none; streamed on universes too large to hold."""
    never = And(rule, Not(rule))  # false on every scene: the difference from it is the rule
    verdict = equivalent(rule if value else Not(rule), never, universe, executor)
    return verdict.counterexample


@dataclass(frozen=True)
class Examples:
    """What a rule says about every scene, in brief.

    Attributes:
        n_true: how many scenes of the universe satisfy the rule (of ``n_scenes``).
        satisfying: the simplest scene that satisfies it (fewest pieces, then first in scene
            order), or ``None`` when no scene does.
        falsifying: the simplest scene that falsifies it, or ``None`` when every scene
            satisfies it.
    """

    n_true: int
    n_scenes: int
    satisfying: str | None
    falsifying: str | None

    @property
    def constant(self) -> bool | None:
        """``True``/``False`` when the rule labels every scene alike, else ``None``."""
        if self.n_true == self.n_scenes:
            return True
        return False if self.n_true == 0 else None


def examples(rule: Rule, universe: Universe = ODEEN, executor=None) -> Examples:
    """The true count of ``rule`` over all scenes and its simplest satisfying/falsifying scenes
    (streamed on universes too large to hold, as :func:`equivalent`)."""
    from .stream import STREAM_SCENES, digests

    if universe.n_scenes > STREAM_SCENES:
        n_true = int(digests([rule], universe, executor).counts[0])
        return Examples(n_true, universe.n_scenes, simplest_scene(rule, True, universe, executor),
                        simplest_scene(rule, False, universe, executor))
    return examples_from_labels(run(compile_rules([rule], universe)).bools()[0], universe)


def examples_from_labels(labels: np.ndarray, universe: Universe = ODEEN) -> Examples:
    """:func:`examples` from a rule's labels of every scene (``bool[n_scenes]``), already at hand."""
    order = _simplicity_order(universe)
    ordered = labels[order]
    scenes = universe.all_scenes()
    n_true = int(np.count_nonzero(labels))

    def first(want: bool) -> str | None:
        hit = np.flatnonzero(ordered == want)
        return universe.format_scene(scenes[order[hit[0]]]) if hit.size else None

    return Examples(n_true, universe.n_scenes, first(True), first(False))
