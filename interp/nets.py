"""The networks: the interpreter, the conjecture generator and the label empiricist.

All three are small pre-norm attention networks sized for a 2-core CPU.

**Interpreter** ``(rule, scene) -> P(true)`` (:class:`AttentionInterpreter`, the default;
:class:`SlotInterpreter` is a cheaper-per-scene alternative). The expensive part of reading a rule does not
depend on the scene, so it is done once per rule: a Transformer encodes the rule's words,
then every possible *cell* (each glyph at each position: 7 x 6 = 42 of them in Odeen)
cross-attends to the rule's words. A scene is then just six rows gathered from that
per-rule table; self-attention blocks over its six cells (with learned relative-position
biases) and a pooled read-out give the label. Labelling S scenes under R rules costs R rule
encodings plus R x S cheap cell blocks, which is what makes training, CRN falsification
(B = 300 conjectures x a table) and interpreter-driven search over the whole dialect
affordable on a CPU.

**Generator** ``table -> rule``: each labelled scene of the table is encoded (an MLP over
its cells, then the label), a set Transformer mixes the table's entries, and a GRU decoder with attention
over them writes the rule word by word.

**Empiricist** ``(table, scene) -> P(true)`` (EMP-L): the generator's table encoder, the
query scene encoded the same way, and cross-attention from the query to the table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class NetConfig:
    """Sizes of a network (stored in every checkpoint)."""

    n_vocab: int
    max_len: int
    n_glyphs: int
    length: int
    d: int = 64
    heads: int = 4
    ff: int = 2  # feed-forward width, in multiples of d
    rule_layers: int = 2
    cell_layers: int = 2
    scene_layers: int = 2
    table_layers: int = 2
    slots: int = 4  # interpreter: parts of a rule
    channels: int = 16  # interpreter: features per glyph
    hidden: int = 64  # interpreter: cell network width
    counters: int = 8  # interpreter: counted cell properties
    props: int = 2  # modular interpreter: the most propositions in a rule (from the dialect)
    table_cells: int = 0  # table encoder: self-attention blocks over a scene's cells (0: an MLP)
    dropout: int = 0  # modular interpreter: dropout on word embeddings, in percent
    arch: str = "attention"  # interpreter: "attention", "slots" or "modular"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "NetConfig":
        return cls(**{k: (v if k == "arch" else int(v)) for k, v in d.items() if k in cls.__dataclass_fields__})


class Block(nn.Module):
    """Pre-norm attention (self- or cross-) then a feed-forward layer, both residual.

    With ``span`` set (self-attention over a row of cells), every head adds a learned bias
    per relative offset ``j - i`` to its attention logits (relative positions, as in T5):
    "my neighbour", "anything to my left" are then single attention patterns.
    """

    def __init__(self, d: int, heads: int, ff: int, cross: bool = False, span: int = 0) -> None:
        super().__init__()
        if d % heads:
            raise ValueError(f"the hidden size d ({d}) must be a multiple of the attention heads ({heads})")
        self.cross = cross
        self.heads = heads
        self.norm_q = nn.LayerNorm(d)
        self.norm_kv = nn.LayerNorm(d) if cross else None
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.o = nn.Linear(d, d)
        self.span = span
        self.rel = nn.Parameter(torch.zeros(heads, 2 * span - 1)) if span else None
        self.norm_ff = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff * d), nn.GELU(), nn.Linear(ff * d, d))

    def forward(self, x: Tensor, kv: Tensor | None = None, pad: Tensor | None = None) -> Tensor:
        q = self.norm_q(x)
        src = self.norm_kv(kv) if self.norm_kv is not None else q
        n, lq, d = q.shape
        lk = src.shape[1]
        h = self.heads
        qh = self.q(q).view(n, lq, h, d // h).transpose(1, 2)
        k, v = self.kv(src).view(n, lk, 2, h, d // h).permute(2, 0, 3, 1, 4)
        bias = None
        if self.rel is not None:
            idx = torch.arange(lk, device=x.device)[None, :] - torch.arange(lq, device=x.device)[:, None]
            bias = self.rel[:, idx + self.span - 1].unsqueeze(0)
        if pad is not None:
            mask = torch.zeros(n, 1, 1, lk, device=x.device).masked_fill(pad[:, None, None, :], float("-inf"))
            bias = mask if bias is None else bias + mask
        att = nn.functional.scaled_dot_product_attention(qh, k, v, attn_mask=bias)
        x = x + self.o(att.transpose(1, 2).reshape(n, lq, d))
        return x + self.ff(self.norm_ff(x))


class RuleEncoder(nn.Module):
    """Word ids ``[R, L]`` -> word states ``[R, L, d]``, a padding mask and a summary ``[R, d]``."""

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.word = nn.Embedding(c.n_vocab, c.d, padding_idx=0)
        self.pos = nn.Embedding(c.max_len, c.d)
        self.blocks = nn.ModuleList(Block(c.d, c.heads, c.ff) for _ in range(c.rule_layers))
        self.norm = nn.LayerNorm(c.d)

    def forward(self, tokens: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        pad = tokens == 0
        x = self.word(tokens) + self.pos.weight[: tokens.shape[1]]
        for b in self.blocks:
            x = b(x, pad=pad)
        x = self.norm(x)
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        summary = (x * keep).sum(1) / keep.sum(1).clamp(min=1.0)
        return x, pad, summary


class AttentionInterpreter(nn.Module):
    """``(rule words, scenes) -> logit`` (``arch="attention"``, the default).

    Per rule: a Transformer reads the words, then each possible cell (every glyph at every
    position) cross-attends to them, giving a per-rule table of cell states. Per scene: the
    six cells' rows are gathered from that table and go through self-attention blocks with
    learned relative-position biases; mean, max and the rule's summary feed the read-out.
    """

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.config = c
        self.rule = RuleEncoder(c)
        self.glyph = nn.Embedding(c.n_glyphs, c.d)
        self.cell_pos = nn.Embedding(c.length, c.d)
        self.cross = nn.ModuleList(Block(c.d, c.heads, c.ff, cross=True) for _ in range(c.cell_layers))
        self.cond = nn.Linear(c.d, c.d)
        self.scene = nn.ModuleList(Block(c.d, c.heads, c.ff, span=c.length) for _ in range(c.scene_layers))
        self.norm = nn.LayerNorm(c.d)
        self.head = nn.Sequential(nn.Linear(3 * c.d, 2 * c.d), nn.GELU(), nn.Linear(2 * c.d, 1))

    def read_rules(self, tokens: Tensor) -> tuple[Tensor, Tensor]:
        """Per rule: the table of every possible cell ``[R, G * length, d]`` and a summary ``[R, d]``
        (``tokens``: word ids ``[R, L]``, or words and roles ``[R, 2, L]``; roles unused)."""
        tokens = tokens[:, 0] if tokens.dim() == 3 else tokens
        words, pad, summary = self.rule(tokens)
        c = self.config
        cells = (self.glyph.weight[:, None, :] + self.cell_pos.weight[None, :, :]).reshape(-1, c.d)
        x = cells.unsqueeze(0).expand(tokens.shape[0], -1, -1) + self.cond(summary).unsqueeze(1)
        for b in self.cross:
            x = b(x, words, pad)
        return x, summary

    def label(self, table: Tensor, summary: Tensor, rule_of: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[P]`` of scenes ``[P, length]`` (glyph ids) under rules ``rule_of`` ``[P]``
        (rows of ``table``/``summary`` from :meth:`read_rules`)."""
        length = self.config.length
        cell = scenes.long() * length + torch.arange(length, device=scenes.device)
        x = table[rule_of.unsqueeze(1), cell]  # [P, length, d]
        for b in self.scene:
            x = b(x)
        x = self.norm(x)
        pooled = torch.cat([x.mean(1), x.amax(1), summary[rule_of]], dim=-1)
        return self.head(pooled).squeeze(-1)

    def forward(self, tokens: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[R, S]`` of scenes ``[R, S, length]`` under rules ``[R, L]``."""
        r, s, _ = scenes.shape
        table, summary = self.read_rules(tokens)
        rule_of = torch.arange(r, device=scenes.device).repeat_interleave(s)
        return self.label(table, summary, rule_of, scenes.reshape(r * s, -1)).view(r, s)


class SlotInterpreter(nn.Module):
    """``(rule words, scenes) -> logit`` (``arch="slots"``).

    Reading the rule (once per rule): a Transformer over its words; ``slots`` learned
    queries attend to the words (a rule's parts: what is counted, what it must stand next
    to, how many, ...) and together give the rule's code ``s``. From ``s`` the network
    derives, per rule: a feature vector for each glyph (``channels`` numbers in (0, 1): what
    a cell holding that piece means for this rule), a modulation of the cell network, and
    the weights of the read-out.

    Labelling a scene (per pair, cheap): each cell takes its glyph's features; it sees its
    neighbours' and the maxima of everything to its left and to its right (generic 1-D
    aggregations, no relation is built in: which of them a word means is learned); a small
    rule-modulated network turns that into ``counters`` numbers in (0, 1) per cell; their
    sums over the scene are soft counts, each encoded by its nearness to 0..length; the
    rule's read-out weights on those give the logit. Every part a word plays is learned
    from (rule, scene, label) examples alone.
    """

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.config = c
        self.rule = RuleEncoder(c)
        self.slot_queries = nn.Parameter(torch.randn(c.slots, c.d) * 0.02)
        self.slots = Block(c.d, c.heads, c.ff, cross=True)
        code = c.slots * c.d
        self.code_norm = nn.LayerNorm(code)
        self.glyph = nn.Embedding(c.n_glyphs, 2 * c.d)
        self.glyph_rule = nn.Linear(code, 2 * c.d)
        self.glyph_out = nn.Sequential(nn.GELU(), nn.Linear(2 * c.d, c.channels))
        self.cell_in = nn.Linear(5 * c.channels, c.hidden)
        self.cell_film = nn.Linear(code, 2 * c.hidden)
        self.cell_out = nn.Linear(c.hidden, c.counters)
        self.readout = nn.Sequential(nn.Linear(code, 2 * c.d), nn.GELU(),
                                     nn.Linear(2 * c.d, c.counters * (c.length + 1) + 1))

    def read_rules(self, tokens: Tensor) -> tuple[Tensor, Tensor]:
        """Per rule: glyph features ``[R, G, channels]`` and the rule's code ``[R, slots * d]``."""
        tokens = tokens[:, 0] if tokens.dim() == 3 else tokens
        words, pad, _ = self.rule(tokens)
        q = self.slot_queries.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        code = self.code_norm(self.slots(q, words, pad).flatten(1))
        h = self.glyph.weight.unsqueeze(0) + self.glyph_rule(code).unsqueeze(1)  # [R, G, 2d]
        return torch.sigmoid(self.glyph_out(h)), code

    def label(self, table: Tensor, code: Tensor, rule_of: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[P]`` of scenes ``[P, length]`` (glyph ids) under rules ``rule_of`` ``[P]``
        (rows of ``table``/``code`` from :meth:`read_rules`)."""
        c = self.config
        x = table[rule_of.unsqueeze(1), scenes.long()]  # [P, length, channels]
        zero = torch.zeros_like(x[:, :1])
        left = torch.cat([zero, x[:, :-1]], 1)
        right = torch.cat([x[:, 1:], zero], 1)
        before = torch.cat([zero, torch.cummax(x, 1).values[:, :-1]], 1)
        after = torch.cat([torch.cummax(x.flip(1), 1).values[:, :-1].flip(1), zero], 1)
        film = self.cell_film(code)[rule_of].unsqueeze(1)  # [P, 1, 2 * hidden]
        gain, shift = film.chunk(2, -1)
        h = self.cell_in(torch.cat([x, left, right, before, after], -1)) * (1 + gain) + shift
        z = torch.sigmoid(self.cell_out(nn.functional.gelu(h)))  # [P, length, counters]
        counts = z.sum(1)  # [P, counters]
        levels = torch.arange(c.length + 1, device=x.device, dtype=x.dtype)
        near = torch.relu(1 - (counts.unsqueeze(-1) - levels).abs()).flatten(1)  # [P, counters * (L+1)]
        w = self.readout(code)[rule_of]
        return (near * w[:, :-1]).sum(-1) + w[:, -1]

    def forward(self, tokens: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[R, S]`` of scenes ``[R, S, length]`` under rules ``[R, L]``."""
        r, s, _ = scenes.shape
        table, code = self.read_rules(tokens)
        rule_of = torch.arange(r, device=scenes.device).repeat_interleave(s)
        return self.label(table, code, rule_of, scenes.reshape(r * s, -1)).view(r, s)


class ModularInterpreter(nn.Module):
    """``(rule words and roles, scenes) -> logit`` (``arch="modular"``): the rule's parse
    decides which module reads which words, so what a word means is learned once and reused
    in every rule that holds it.

    Reading a rule (once per rule): each part of each proposition (see
    :data:`rulelang.interp.vocab.PARTS`) is the sum of its words' embeddings. From the
    object phrases (the counted object and the other one), a *selector* network gives every
    glyph ``channels`` numbers in (0, 1) (which pieces the phrase names); the relation word
    modulates a *relation* network; the quantity words give the weights of a *count*
    read-out; the connective word the weights of a *combiner*.

    Labelling a scene (per pair, cheap): per proposition, each cell takes its glyph's
    selections; it sees the other object's selections at its neighbours and the maxima of
    everything to its left and to its right (generic 1-D aggregations: which of them a
    relation word means is learned); the relation network turns that into ``counters``
    numbers in (0, 1) per cell, summed over the scene into soft counts, each encoded by its
    nearness to 0..length; the count read-out gives the proposition's logit. The combiner
    folds the propositions left to right: ``w . (p, q, p q, 1)`` of their probabilities,
    ``w`` from the connective. Nothing but the parse's slots is built in: every word's part
    in the meaning is learned from (rule, scene, label) examples alone.
    """

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        from .vocab import PARTS

        self.config = c
        self.n_parts = len(PARTS)
        d, h = c.d, c.hidden
        self.word = nn.Embedding(c.n_vocab, d, padding_idx=0)
        self.empty = nn.Parameter(torch.randn(self.n_parts, d) * 0.02)  # a part with no word
        self.drop = nn.Dropout(c.dropout / 100)
        self.glyph = nn.Embedding(c.n_glyphs, d)
        self.select = nn.Sequential(nn.Linear(2 * d, 2 * d), nn.GELU(), nn.Linear(2 * d, c.channels))
        self.rel_film = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 2 * h))
        self.rel_in = nn.Linear(5 * c.channels, h)
        self.rel_out = nn.Linear(h, c.counters)
        self.count = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, c.counters * (c.length + 1) + 1))
        self.combine = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 4))

    def _parts(self, rules: Tensor) -> tuple[Tensor, Tensor]:
        """Per rule, proposition and part: the sum of its word embeddings (or the part's
        "empty" vector) ``[R, props, parts, d]``, and whether each proposition is there."""
        c = self.config
        words, roles = rules[:, 0], rules[:, 1]
        slots = c.props * self.n_parts
        onehot = nn.functional.one_hot(roles, slots + 1)[..., 1:].to(self.word.weight.dtype)  # [R, L, slots]
        emb = self.drop(self.word(words))
        summed = torch.einsum("rls,rld->rsd", onehot, emb).view(-1, c.props, self.n_parts, c.d)
        has = onehot.sum(1).view(-1, c.props, self.n_parts, 1) > 0
        parts = torch.where(has, summed, self.empty.view(1, 1, self.n_parts, c.d))
        return parts, has[:, :, 0, 0]

    def read_rules(self, rules: Tensor) -> tuple[Tensor, Tensor]:
        """Per rule: glyph selections ``[R, G, props * 2 * channels]`` and the rule's code
        (relation modulation, count read-out, combiner weights, propositions present)."""
        c = self.config
        parts, present = self._parts(rules)
        r = parts.shape[0]
        objs = parts[:, :, [1, 3]]  # the counted object, the other one: [R, M, 2, d]
        g = self.glyph.weight.view(1, 1, 1, c.n_glyphs, c.d).expand(r, c.props, 2, -1, -1)
        sel = torch.sigmoid(self.select(torch.cat([objs.unsqueeze(3).expand_as(g), g], -1)))  # [R, M, 2, G, C]
        table = sel.permute(0, 3, 1, 2, 4).reshape(r, c.n_glyphs, -1)
        code = torch.cat([self.rel_film(parts[:, :, 2]).flatten(1), self.count(parts[:, :, 0]).flatten(1),
                          self.combine(parts[:, :, 4]).flatten(1), present.to(sel.dtype)], -1)
        return table, code

    def label(self, table: Tensor, code: Tensor, rule_of: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[P]`` of scenes ``[P, length]`` (glyph ids) under rules ``rule_of`` ``[P]``
        (rows of ``table``/``code`` from :meth:`read_rules`)."""
        c = self.config
        m, ch, h, k = c.props, c.channels, c.hidden, c.counters
        p = scenes.shape[0]
        sel = table[rule_of.unsqueeze(1), scenes.long()].view(p, c.length, m, 2, ch)
        x, y = sel[:, :, :, 0], sel[:, :, :, 1]  # [P, length, M, C]
        zero = torch.zeros_like(y[:, :1])
        left = torch.cat([zero, y[:, :-1]], 1)
        right = torch.cat([y[:, 1:], zero], 1)
        before, after = _running_max(y)
        code = code[rule_of]
        sizes = [m * 2 * h, m * (k * (c.length + 1) + 1), m * 4, m]
        film, count, comb, present = code.split(sizes, -1)
        gain, shift = film.view(p, 1, m, 2 * h).chunk(2, -1)
        hid = self.rel_in(torch.cat([x, left, right, before, after], -1)) * (1 + gain) + shift
        z = torch.sigmoid(self.rel_out(nn.functional.gelu(hid)))  # [P, length, M, counters]
        counts = z.sum(1)  # [P, M, counters]
        levels = torch.arange(c.length + 1, device=z.device, dtype=z.dtype)
        near = torch.relu(1 - (counts.unsqueeze(-1) - levels).abs()).flatten(2)  # [P, M, counters * (L+1)]
        w = count.view(p, m, -1)
        props = (near * w[..., :-1]).sum(-1) + w[..., -1]  # [P, M]
        comb = comb.view(p, m, 4)
        acc = props[:, 0]
        for i in range(1, m):
            a, b = torch.sigmoid(acc), torch.sigmoid(props[:, i])
            joined = (torch.stack([a, b, a * b, torch.ones_like(a)], -1) * comb[:, i]).sum(-1)
            acc = torch.where(present[:, i] > 0, joined, acc)
        return acc

    def forward(self, rules: Tensor, scenes: Tensor) -> Tensor:
        """Logits ``[R, S]`` of scenes ``[R, S, length]`` under rules ``[R, 2, L]`` (words, roles)."""
        r, s, _ = scenes.shape
        table, code = self.read_rules(rules)
        rule_of = torch.arange(r, device=scenes.device).repeat_interleave(s)
        return self.label(table, code, rule_of, scenes.reshape(r * s, -1)).view(r, s)


def _running_max(y: Tensor) -> tuple[Tensor, Tensor]:
    """The maxima of ``y`` ``[P, length, ...]`` over the cells strictly before and strictly
    after each cell (0 where there are none). A loop over the few cells: ``torch.cummax``
    was measured to take half of the modular interpreter's time."""
    zero = torch.zeros_like(y[:, 0])
    before, after = [zero], [zero]
    for i in range(y.shape[1] - 1):
        before.append(torch.maximum(before[-1], y[:, i]))
        after.append(torch.maximum(after[-1], y[:, -1 - i]))
    return torch.stack(before, 1), torch.stack(after[::-1], 1)


class TableEncoder(nn.Module):
    """Scenes ``[T, k, length]`` with labels ``[T, k]`` -> entries ``[T, k, d]``.

    A scene is encoded by an MLP over its cells' one-hot glyphs (cheap: a table holds many
    scenes, and position matters in a scene); the label (or "unlabelled",
    for a query scene) is added; a set Transformer (no positions: a table is a set) mixes
    the entries of each table.
    """

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.config = c
        if c.table_cells:
            # Cells as tokens (glyph + position) through self-attention with relative-position
            # biases: "a red pyramid next to a blue block" is one pattern wherever it stands.
            self.cell_glyph = nn.Embedding(c.n_glyphs, c.d)
            self.cell_pos = nn.Embedding(c.length, c.d)
            self.cell_blocks = nn.ModuleList(Block(c.d, c.heads, c.ff, span=c.length) for _ in range(c.table_cells))
            self.cells = nn.Sequential(nn.LayerNorm(2 * c.d), nn.Linear(2 * c.d, c.d))
        else:
            self.cells = nn.Sequential(nn.Linear(c.length * c.n_glyphs, 4 * c.d), nn.GELU(),
                                       nn.Linear(4 * c.d, 2 * c.d), nn.GELU(), nn.Linear(2 * c.d, c.d))
        self.label = nn.Embedding(3, c.d)  # false, true, unlabelled
        self.blocks = nn.ModuleList(Block(c.d, c.heads, c.ff) for _ in range(c.table_layers))
        self.norm = nn.LayerNorm(c.d)

    def scenes(self, scenes: Tensor) -> Tensor:
        """``[..., length]`` glyph ids -> ``[..., d]``."""
        c = self.config
        if c.table_cells:
            shape = scenes.shape[:-1]
            x = self.cell_glyph(scenes.long().reshape(-1, c.length)) + self.cell_pos.weight
            for b in self.cell_blocks:
                x = b(x)
            return self.cells(torch.cat([x.mean(1), x.amax(1)], -1)).view(*shape, c.d)
        onehot = nn.functional.one_hot(scenes.long(), c.n_glyphs).to(self.label.weight.dtype)
        return self.cells(onehot.flatten(-2))

    def forward(self, scenes: Tensor, labels: Tensor) -> Tensor:
        x = self.scenes(scenes) + self.label(labels.long())
        for b in self.blocks:
            x = b(x)
        return self.norm(x)


class Generator(nn.Module):
    """``table -> rule``: a table encoder and a GRU decoder with attention over the entries."""

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.config = c
        self.table = TableEncoder(c)
        self.word = nn.Embedding(c.n_vocab, c.d)
        self.init = nn.Linear(c.d, c.d)
        self.gru = nn.GRUCell(2 * c.d, c.d)
        self.query = nn.Linear(c.d, c.d)
        self.out = nn.Sequential(nn.Linear(2 * c.d, 2 * c.d), nn.GELU(), nn.Linear(2 * c.d, c.n_vocab))

    def encode(self, scenes: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """The table's entries ``[T, k, d]`` and the decoder's first state ``[T, d]``."""
        memory = self.table(scenes, labels)
        return memory, torch.tanh(self.init(memory.mean(1)))

    def step(self, memory: Tensor, h: Tensor, ctx: Tensor, word: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """One decoding step: the previous word ``[N]`` -> logits ``[N, V]``, new state and context."""
        h = self.gru(torch.cat([self.word(word), ctx], -1), h)
        att = torch.softmax(torch.einsum("nd,nkd->nk", self.query(h), memory) / memory.shape[-1] ** 0.5, -1)
        ctx = torch.einsum("nk,nkd->nd", att, memory)
        return self.out(torch.cat([h, ctx], -1)), h, ctx

    def forward(self, scenes: Tensor, labels: Tensor, words: Tensor) -> Tensor:
        """Teacher-forced logits ``[T, L, V]`` for target words ``[T, L]`` (ids, then ``<eos>``)."""
        memory, h = self.encode(scenes, labels)
        ctx = memory.mean(1)
        prev = torch.full_like(words[:, 0], 1)  # <bos>
        out = []
        for t in range(words.shape[1]):
            logits, h, ctx = self.step(memory, h, ctx, prev)
            out.append(logits)
            prev = words[:, t]
        return torch.stack(out, 1)


class Empiricist(nn.Module):
    """EMP-L: ``(table, scenes) -> logits``, with no rule in between."""

    def __init__(self, c: NetConfig) -> None:
        super().__init__()
        self.config = c
        self.table = TableEncoder(c)
        self.query = nn.ModuleList(Block(c.d, c.heads, c.ff, cross=True) for _ in range(c.cell_layers))
        self.head = nn.Sequential(nn.LayerNorm(c.d), nn.Linear(c.d, c.d), nn.GELU(), nn.Linear(c.d, 1))

    def forward(self, scenes: Tensor, labels: Tensor, queries: Tensor) -> Tensor:
        """Logits ``[T, Q]`` of query scenes ``[T, Q, length]`` given tables ``[T, k, length]``."""
        memory = self.table(scenes, labels)
        x = self.table.scenes(queries) + self.table.label.weight[2]
        for b in self.query:
            x = b(x, memory)
        return self.head(x).squeeze(-1)


INTERPRETERS = {"attention": AttentionInterpreter, "slots": SlotInterpreter, "modular": ModularInterpreter}
NETS = {"generator": Generator, "empiricist": Empiricist}


def build(kind: str, config: NetConfig) -> nn.Module:
    if kind == "interpreter":
        if config.arch not in INTERPRETERS:
            raise ValueError(f"no interpreter architecture {config.arch!r}")
        return INTERPRETERS[config.arch](config)
    return NETS[kind](config)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


#: The default interpreter architecture.
Interpreter = AttentionInterpreter
