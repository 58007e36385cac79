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
