"""Export a table as a learning task for the ILP system Popper.

Popper reads three Prolog files from a directory:

* ``exs.pl`` — the examples: ``pos(f(s0)).`` for a scene the hidden rule labels true,
  ``neg(f(s1)).`` for one it labels false (``f`` is the relation to learn);
* ``bk.pl`` — background knowledge: ground facts about the scenes. Scene ``s<i>`` is the
  ``i``-th scene of the table; ``p<i>_<c>`` is the piece in its cell ``c`` (empty cells
  hold none). ``piece(Scene, Piece)``; one unary predicate per attribute word
  (``red(P)``, ``pyramid(P)``, ``pointing_up(P)``, ...); and the relations of the
  universe between pieces of one scene: ``touching(P, Q)``, ``at_the_right_of(P, Q)``
  (P is right of Q), ``at_the_left_of(P, Q)``, and — for ``surrounded_by`` —
  ``left_neighbour(P, Q)`` / ``right_neighbour(P, Q)`` (Q in the cell just left/right of P);
* ``bias.pl`` — the language bias: ``head_pred``, ``body_pred``, ``type`` and
  ``direction`` declarations, and size limits.

Every body predicate is declared ``dynamic`` in ``bk.pl`` so that one no scene uses is
simply false, not an error. Counting quantities (``exactly 2``, ``at_most 1``, ``zero``) have
no direct counterpart: Popper learns them only with its own extensions.
"""

from __future__ import annotations

import re

from ..scenefile import SceneFile
from ..universe import ODEEN, Universe

HEAD = "f"
_ATOM = re.compile(r"^[a-z][a-zA-Z0-9_]*$")


def _atom(word: str) -> str:
    return word if _ATOM.match(word) else "'" + word.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _attributes(universe: Universe) -> dict[str, str]:
    """Each attribute word and its predicate: the word, unless the export needs that name
    (``piece``, the head ``f``, a relation): then the word with ``_`` appended until free."""
    taken = {"piece", HEAD, *map(_atom, _relations(universe))}
    names = {}
    for word in universe.colors + universe.shapes + universe.orientations:
        free = word
        while _atom(free) in taken:
            free += "_"
        taken.add(_atom(free))
        names[word] = _atom(free)
    return names


def _relations(universe: Universe) -> list[str]:
    rels = [r for r in universe.relations if r != "surrounded_by"]
    if "surrounded_by" in universe.relations:
        rels += ["left_neighbour", "right_neighbour"]
    return rels


def popper_files(table: SceneFile, universe: Universe = ODEEN) -> dict[str, str]:
    """``{"exs.pl": ..., "bk.pl": ..., "bias.pl": ...}`` for a table (every scene labelled)."""
    if not table.is_table:
        raise ValueError("a Popper task needs a table: every scene labelled")
    header = (f"% Odeen table {table.path} exported by rulelang for Popper: "
              f"{len(table.entries)} scenes\n")
    exs = [header]
    facts: dict[str, list[str]] = {"piece": []}
    attribute = _attributes(universe)
    for a in attribute.values():
        facts[a] = []
    for r in _relations(universe):
        facts[_atom(r)] = []
    for i, entry in enumerate(table.entries):
        scene = f"s{i}"
        exs.append(f"{'pos' if entry.label else 'neg'}({HEAD}({scene})).  % {entry.scene}\n")
        cells = {c: f"p{i}_{c}" for c, g in enumerate(entry.scene) if g != universe.empty}
        for c, p in cells.items():
            facts["piece"].append(f"piece({scene},{p}).")
            for word in universe.pieces[entry.scene[c]]:
                facts[attribute[word]].append(f"{attribute[word]}({p}).")
        for c, p in cells.items():
            for d, q in cells.items():
                if c == d:
                    continue
                if "touching" in facts and abs(c - d) == 1:
                    facts["touching"].append(f"touching({p},{q}).")
                if "at_the_right_of" in facts and c > d:
                    facts["at_the_right_of"].append(f"at_the_right_of({p},{q}).")
                if "at_the_left_of" in facts and c < d:
                    facts["at_the_left_of"].append(f"at_the_left_of({p},{q}).")
                if "left_neighbour" in facts and d == c - 1:
                    facts["left_neighbour"].append(f"left_neighbour({p},{q}).")
                if "right_neighbour" in facts and d == c + 1:
                    facts["right_neighbour"].append(f"right_neighbour({p},{q}).")
    arity = {name: (2 if name in ("piece",) or name in map(_atom, _relations(universe)) else 1)
             for name in facts}
    bk = [header, "% Scene s<i> is the i-th scene of the table; p<i>_<c> is the piece in its cell c.\n"]
    bk.append(":- dynamic " + ", ".join(f"{n}/{arity[n]}" for n in facts) + ".\n")
    for name, lines in facts.items():  # grouped by predicate: no discontiguous warnings
        bk.append(f"\n% {name}/{arity[name]}\n")
        bk.extend(line + "\n" for line in lines)

    bias = [header,
            "max_vars(6).\nmax_body(6).\n\n",
            f"head_pred({HEAD},1).\n"]
    bias += [f"body_pred({n},{arity[n]}).\n" for n in facts]
    bias.append(f"\ntype({HEAD},(scene,)).\n")
    for n in facts:
        types = "(scene,piece)" if n == "piece" else "(piece,piece)" if arity[n] == 2 else "(piece,)"
        bias.append(f"type({n},{types}).\n")
    bias.append(f"\ndirection({HEAD},(in,)).\n")
    for n in facts:
        bias.append(f"direction({n},{'(in,out)' if arity[n] == 2 else '(in,)'}).\n")
    return {"exs.pl": "".join(exs), "bk.pl": "".join(bk), "bias.pl": "".join(bias)}
