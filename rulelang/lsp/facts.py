"""What a hover tells about a rule: the facts that take every scene of the universe to know.

Its canonical form, how many scenes satisfy it, whether it is constant, the simplest scene
that satisfies it and the simplest that falsifies it (fewest pieces, then scene order:
:func:`rulelang.equivalence.examples_from_labels`), and its *semantic class*: the phenomenon
of the Odeen dialect it is equivalent to, if any, from the search's dialect index
(:func:`rulelang.search.index.dialect_index`). A rule of the full language may say what no
dialect rule says; the hover says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ast import Rule, in_dialect
from ..checker import compile_rules, run
from ..equivalence import Examples, examples_from_labels
from ..printer import format_rule
from ..universe import ODEEN, Universe

#: Every this many scenes one is compared first, to rule out most candidate classes cheaply.
_SAMPLE_STEP = 61


@dataclass(frozen=True)
class SemanticClass:
    """A class of the dialect's phenomena: its id, canonical rule and number of dialect rules."""

    id: int
    canonical: str
    members: int
    n_classes: int


@dataclass(frozen=True)
class RuleFacts:
    """Everything a hover shows about one rule (see the module docstring)."""

    canonical: str
    in_dialect: bool
    examples: Examples
    semantic_class: SemanticClass | None
    classes_known: bool  # False: the dialect index was not consulted


def class_of(labels: np.ndarray, index) -> int | None:
    """The id of the dialect class whose labels are ``labels`` (``bool[n_scenes]``), or ``None``.

    Candidates are the classes with the same true count; a sample of scenes rules out most
    of them, and the survivors are compared on every scene.
    """
    n_true = int(np.count_nonzero(labels))
    cands = np.flatnonzero(index.true_counts == n_true)
    if cands.size == 0:
        return None
    sample = np.arange(0, index.n_scenes, _SAMPLE_STEP)
    rows = index.index[sample][:, cands >> 6]  # uint64[len(sample), len(cands)]
    bits = ((rows >> (cands & 63).astype(np.uint64)) & np.uint64(1)).astype(bool)
    cands = cands[(bits == labels[sample][:, None]).all(axis=0)]
    everything = np.arange(index.n_scenes)
    for c in cands:
        if np.array_equal(index.labels_of(int(c), everything), labels):
            return int(c)
    return None


def rule_facts(rule: Rule, universe: Universe = ODEEN, index=None) -> RuleFacts:
    """The facts of ``rule``; ``index`` (a :class:`~rulelang.search.index.DialectIndex`) adds
    its semantic class.

    Raises:
        RulelangError: E205 when ``universe`` has too many scenes to label them all.
    """
    labels = run(compile_rules([rule], universe)).bools()[0]
    ex = examples_from_labels(labels, universe)
    cls = None
    if index is not None:
        c = class_of(labels, index)
        if c is not None:
            cls = SemanticClass(c, index.texts[c], int(index.members[c]), index.n_classes)
    return RuleFacts(format_rule(rule), in_dialect(rule), ex, cls, index is not None)


def hover_markdown(facts: RuleFacts, name: str | None = None) -> str:
    """The hover text (Markdown) of a rule's facts."""
    ex = facts.examples
    head = f"**{name}**: " if name else ""
    lines = [f"{head}`{facts.canonical}`" + ("" if facts.in_dialect else " (full language)"), ""]
    share = 100.0 * ex.n_true / ex.n_scenes if ex.n_scenes else 0.0
    lines.append(f"- true on **{ex.n_true:,}** of {ex.n_scenes:,} scenes ({share:.1f} %)")
    const = {True: "yes: true on every scene", False: "yes: true on no scene", None: "no"}[ex.constant]
    lines.append(f"- constant: {const}")
    sc = facts.semantic_class
    if sc is not None:
        same = "itself" if sc.canonical == facts.canonical else f"`{sc.canonical}`"
        lines.append(f"- semantic class: **#{sc.id:,}** of the dialect's {sc.n_classes:,} phenomena "
                     f"(canonical rule {same}; {sc.members:,} dialect rule{'s' if sc.members != 1 else ''})")
    elif facts.classes_known:
        lines.append("- semantic class: none of the dialect's phenomena (no dialect rule says this)")
    else:
        lines.append("- semantic class: not looked up (the dialect index is off)")
    sat = f"`{ex.satisfying}`" if ex.satisfying is not None else "none"
    fal = f"`{ex.falsifying}`" if ex.falsifying is not None else "none"
    lines.append(f"- simplest scene that satisfies it: {sat}; that falsifies it: {fal}")
    return "\n".join(lines)
