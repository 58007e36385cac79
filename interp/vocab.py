"""Words and rules as token ids, and the dialect as a token trie for constrained decoding.

The neural models read and write rules as sequences of word ids. The vocabulary is the
dialect's words (taken from the enumerated dialect, which the grammar generates) plus three
specials. A rule that uses a word outside the vocabulary is refused with a diagnostic
(E701), never silently mapped to something else.

:class:`RuleTrie` holds every rule of the dialect as a path of word ids. A decoder that
only follows its edges can emit nothing but grammatical dialect rules, and each leaf names
its rule, so decoded rules map straight to their dialect index (and semantic class).

Every word also has a *role*: the proposition it belongs to and the part it plays there
(:data:`PARTS`: the quantity, the counted object, the relation, the other object, or the
connective that joins the proposition to the ones before). Roles come from the rule's parse
(the grammar), never from the words themselves; the modular interpreter reads each part of
each proposition apart (:class:`rulelang.interp.nets.ModularInterpreter`).

Codes: E701 a rule the model cannot read (a word outside its vocabulary, too long, or not of
the dialect's shape: a chain of propositions joined by connectives).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from rulelang.ast import And, Or, Prop, Rule
from rulelang.errors import RulelangError
from rulelang.universe import ODEEN, Universe

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")
#: The part a word plays in its proposition. A role id is ``1 + prop * len(PARTS) + part``
#: (0: padding and ``<eos>``).
PARTS = ("quantity", "subject", "relation", "other", "connective")


@dataclass(frozen=True)
class Vocab:
    """Word <-> id. Ids 0-2 are ``<pad>``, ``<bos>``, ``<eos>``; words follow in sorted order.

    Attributes:
        words: every token, specials first (the checkpoint stores this list).
        max_len: the longest rule (in words) the model reads, plus one for ``<eos>``.
    """

    words: tuple[str, ...]
    max_len: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {w: i for i, w in enumerate(self.words)})

    @classmethod
    def for_dialect(cls, universe: Universe = ODEEN) -> "Vocab":
        texts = dialect_texts(universe)
        words = sorted({w for t in texts for w in t.split()})
        return cls(SPECIALS + tuple(words), max(len(t.split()) for t in texts) + 1)

    def __len__(self) -> int:
        return len(self.words)

    def encode(self, rule: str, *, path: str | None = None, line: int | None = None) -> list[int]:
        """The word ids of ``rule`` (no specials). Raises E701 on a word the model does not know."""
        ids: list[int] = []
        col = 0
        for word in rule.split():
            col = rule.index(word, col)
            i = self._ids.get(word)  # type: ignore[attr-defined]
            if i is None or i < len(SPECIALS):
                raise RulelangError(
                    f"the model does not know the word {word!r}", code="E701", path=path, line=line,
                    column=col + 1, end_column=col + 1 + len(word), source_line=rule,
                    expected=self.words[len(SPECIALS):],
                    hint="a learned interpreter reads only the words it was trained on (the Odeen "
                         "dialect); use the exact checker for the full language")
            ids.append(i)
            col += len(word)
        if not ids:
            raise RulelangError("an empty rule", code="E701", path=path, line=line, source_line=rule)
        if len(ids) >= self.max_len:
            raise RulelangError(f"a rule of {len(ids)} words; the model reads at most {self.max_len - 1}",
                                code="E701", path=path, line=line, column=1, source_line=rule)
        return ids

    def batch(self, rules: Sequence[str]) -> np.ndarray:
        """``int64[n, max_len]``: each rule's ids, then ``<eos>``, then padding."""
        out = np.zeros((len(rules), self.max_len), dtype=np.int64)
        for r, rule in enumerate(rules):
            ids = self.encode(rule)
            out[r, :len(ids)] = ids
            out[r, len(ids)] = EOS
        return out

    def rules(self, rules: Sequence[str], universe: Universe = ODEEN) -> np.ndarray:
        """``int64[n, 2, max_len]``: each rule's word ids (as :meth:`batch`) and their roles.

        What an interpreter reads. Raises E701 on a rule the model cannot read."""
        ids = self.batch(rules)
        return np.stack([ids, np.stack([_roles(r, universe, self.max_len) for r in rules])
                         if len(rules) else np.zeros_like(ids)], axis=1)

    def decode(self, ids: Sequence[int]) -> str:
        words = []
        for i in ids:
            i = int(i)
            if i == EOS:
                break
            if i >= len(SPECIALS):
                words.append(self.words[i])
        return " ".join(words)


@lru_cache(maxsize=4)
def dialect_texts(universe: Universe = ODEEN) -> tuple[str, ...]:
    """The canonical text of every dialect rule, in dialect order."""
    from rulelang.enumerate import dialect_rules
    from rulelang.printer import format_rule

    return tuple(format_rule(r) for r in dialect_rules(universe))


def rule_parts(rule: Rule) -> list[tuple[str, int, int]]:
    """The words of ``rule``'s canonical text, each with its proposition and part
    (an index into :data:`PARTS`). Raises ``ValueError`` for a rule that is not a left-nested
    chain of propositions joined by ``and``/``or`` (``not``, parentheses)."""
    out: list[tuple[str, int, int]] = []

    def obj(words: list[str], prop: int, part: int) -> None:
        out.extend((w, prop, part) for w in words)

    def chain(r: Rule) -> int:
        """Append ``r``'s words; the number of propositions it holds."""
        if isinstance(r, Prop):
            q = r.quantity
            obj(["zero"] if q.kind == "zero" else [q.kind, str(q.n)], 0, 0)
            obj(r.subject.words(), 0, 1)
            if r.relation is not None and r.other is not None:
                obj([r.relation], 0, 2)
                obj(r.other.words(), 0, 3)
            return 1
        if isinstance(r, (And, Or)) and isinstance(r.right, Prop):
            n = chain(r.left)
            start = len(out)
            out.append(("and" if isinstance(r, And) else "or", n, 4))
            chain(r.right)
            out[start + 1:] = [(w, n, part) for w, _, part in out[start + 1:]]
            return n + 1
        raise ValueError("not a chain of propositions")

    chain(rule)
    return out


@lru_cache(maxsize=4)
def max_props(universe: Universe = ODEEN) -> int:
    """The most propositions in a dialect rule (the modular interpreter's slots)."""
    from rulelang.enumerate import dialect_rules

    return max(1 + max(p for _, p, _ in rule_parts(r)) for r in dialect_rules(universe))


@lru_cache(maxsize=4)
def _dialect_roles(universe: Universe) -> dict[str, tuple[int, ...]]:
    from rulelang.enumerate import dialect_rules

    return {t: tuple(1 + p * len(PARTS) + part for _, p, part in rule_parts(r))
            for t, r in zip(dialect_texts(universe), dialect_rules(universe))}


def _roles(text: str, universe: Universe, max_len: int) -> np.ndarray:
    """``int64[max_len]``: the role of each word of ``text`` (already known to encode)."""
    roles = _dialect_roles(universe).get(" ".join(text.split()))
    if roles is None:
        from rulelang.parser import parse

        try:
            parts = rule_parts(parse(text, universe=universe))
        except (RulelangError, ValueError):
            parts = []
        most = max_props(universe)
        if [w for w, _, _ in parts] != text.split() or parts[-1][1] >= most:
            raise RulelangError(f"the model reads rules of the dialect's shape: up to {most} propositions "
                                "joined by 'and' or 'or', written canonically", code="E701", source_line=text)
        roles = tuple(1 + p * len(PARTS) + part for _, p, part in parts)
    out = np.zeros(max_len, dtype=np.int64)
    out[:len(roles)] = roles
    return out


def neighbours(tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rules one word apart: ``(starts, ids)`` in CSR form over the rows of ``tokens``
    (``int64[n, L]`` word ids, padded), rule ``i``'s neighbours being
    ``ids[starts[i]:starts[i + 1]]``: the rules of the same length that differ from it in
    exactly one word."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, row in enumerate(tokens.tolist()):
        for p in range(len(row)):
            if row[p]:
                groups.setdefault((p, *row[:p], *row[p + 1:]), []).append(i)
    pairs = sorted((a, b) for members in groups.values() if len(members) > 1
                   for a in members for b in members if a != b)
    src = np.array([a for a, _ in pairs], dtype=np.int64)
    ids = np.array([b for _, b in pairs], dtype=np.int64)
    return np.searchsorted(src, np.arange(tokens.shape[0] + 1)).astype(np.int64), ids


@lru_cache(maxsize=4)
def dialect_neighbours(vocab: Vocab, universe: Universe = ODEEN) -> tuple[np.ndarray, np.ndarray]:
    """:func:`neighbours` of the dialect's rules (indices in dialect order), once per process."""
    return neighbours(vocab.batch(list(dialect_texts(universe))))


def dialect_classes(universe: Universe = ODEEN) -> np.ndarray:
    """``int32[n_rules]``: the semantic class of each dialect rule (to merge equivalent
    conjectures, and to score). Built once per universe and process."""
    from rulelang.enumerate import Dialect

    if universe not in _CLASSES:
        _CLASSES[universe] = Dialect(universe).classes.class_of
    return _CLASSES[universe]


_CLASSES: dict[Universe, np.ndarray] = {}


class RuleTrie:
    """Every dialect rule as a path of word ids ending in ``<eos>``.

    Attributes:
        children: ``int32[n_nodes, n_vocab]``, the child node for each next word (-1: none).
        rule_at: ``int64[n_nodes]``, the dialect rule a node ends (-1: none); only the
            ``<eos>`` children of complete rules are such nodes.
        depth: the most words (``<eos>`` included) on any path.
    Node 0 is the root (nothing decoded yet).
    """

    def __init__(self, vocab: Vocab, texts: Sequence[str]) -> None:
        children: list[dict[int, int]] = [{}]
        rule_at = [-1]
        self.depth = 0
        for r, text in enumerate(texts):
            node = 0
            path = vocab.encode(text) + [EOS]
            self.depth = max(self.depth, len(path))
            for i in path:
                nxt = children[node].get(i)
                if nxt is None:
                    nxt = len(children)
                    children[node][i] = nxt
                    children.append({})
                    rule_at.append(-1)
                node = nxt
            rule_at[node] = r
        self.children = np.full((len(children), len(vocab)), -1, dtype=np.int32)
        for n, kids in enumerate(children):
            for i, c in kids.items():
                self.children[n, i] = c
        self.rule_at = np.asarray(rule_at, dtype=np.int64)
        self.allowed = self.children >= 0

    @classmethod
    def for_dialect(cls, vocab: Vocab, universe: Universe = ODEEN) -> "RuleTrie":
        return _trie(vocab, universe)

    @property
    def n_nodes(self) -> int:
        return int(self.children.shape[0])


@lru_cache(maxsize=4)
def _trie(vocab: Vocab, universe: Universe) -> RuleTrie:
    return RuleTrie(vocab, dialect_texts(universe))
