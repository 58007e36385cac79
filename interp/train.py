"""Training the interpreter, the conjecture generator and the empiricist (EMP-L).

A learner in regime ``(R, k)`` sees only ``dataset.training(regime)``: R rules with k
labelled scenes each. The validation split (novel phenomena) picks the best weights.

Every batch is a pure function of ``(seed, step)``, so training is reproducible (same seed,
same model, on the same machine and thread count) and ``--resume`` continues exactly where
a checkpoint stopped: the weights, the optimizer's state and the step come from the
checkpoint, and the batches that follow are the ones an uninterrupted run would have drawn.
"""

from __future__ import annotations

import math

import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rulelang.errors import RulelangError
from rulelang.universe import Universe

from . import checkpoint
from .model import set_threads  # noqa: F401  (re-exported for rulelang train)
from .nets import NetConfig, build, n_params
from .scenes import SceneGlyphs
from .schedule import Schedule
from .vocab import PAD, Vocab, dialect_classes, max_props

KINDS = ("interpreter", "generator", "empiricist")
#: The generator is validated by recall among this many distinct conjectures.
VALIDATION_BEAM = 64


@dataclass(frozen=True)
class TrainConfig:
    """How to train (stored in the checkpoint; ``--resume`` reuses it).

    ``batch`` is rules per step for the interpreter, tables per step for the others;
    ``scenes`` is scenes per rule (interpreter) or query scenes per table (empiricist).
    """

    kind: str = "interpreter"
    regime: str = "1438x10000"
    seed: int = 0
    steps: int = 1000
    batch: int = 128
    scenes: int = 64
    table_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 100
    eval_every: int = 200
    # Early stopping (see rulelang.interp.schedule; 0: off, a cosine schedule over ``steps``).
    patience: int = 0
    min_delta: float = 0.0
    cooldown: float = 0.25
    eval_rules: int = 500
    eval_scenes: int = 256
    mine: int = 0  # interpreter: candidate scenes per rule; half of ``scenes`` are the hardest (0: off)
    synthetic: int = 0  # generator: scenes per dialect rule labelled by the interpreter (0: off)
    interpreter: str = ""  # generator with synthetic tables: the interpreter (default: the regime's)
    contrast: int = 0  # generator: contrast scenes per synthetic rule; a table holds 0 to this many
    net: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


#: The modular interpreter's sizes (BENCHMARKS.md §5: as accurate as the default slot sizes
#: in the hardest regime, three times as fast).
MODULAR = {"arch": "modular", "channels": 4, "hidden": 32, "counters": 4}

#: Defaults per kind (``rulelang train`` starts from these; options override them). Every
#: learner stops early on the validation split; ``steps`` is a cap that keeps each model
#: under an hour on the reference machine.
DEFAULTS: dict[str, TrainConfig] = {
    "interpreter": TrainConfig(kind="interpreter", steps=9000, batch=64, scenes=16, warmup=300, eval_every=300,
                               patience=4, min_delta=1e-4, net=dict(MODULAR)),
    "generator": TrainConfig(kind="generator", steps=18000, batch=64, lr=2e-3, eval_every=1000, synthetic=64,
                             patience=3, min_delta=0.004),
    "empiricist": TrainConfig(kind="empiricist", steps=3000, batch=64, scenes=32, eval_every=200,
                              patience=4, min_delta=0.002),
}


def net_config(kind: str, vocab: Vocab, universe: Universe, sizes: dict[str, int]) -> NetConfig:
    return NetConfig(n_vocab=len(vocab), max_len=vocab.max_len, n_glyphs=universe.n_glyphs,
                     length=universe.length, props=max_props(universe), **sizes)


def _gen(seed: int, step: int, salt: int = 0) -> tuple[torch.Generator, np.random.Generator]:
    """The random streams of one step: a pure function of (seed, step)."""
    ss = np.random.SeedSequence([seed, step, salt])
    g = torch.Generator().manual_seed(int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    return g, np.random.default_rng(ss)


class _Task:
    """Batches, loss and validation of one kind of learner."""

    def __init__(self, cfg: TrainConfig, samples: Any, validation: Any, vocab: Vocab, universe: Universe) -> None:
        self.cfg = cfg
        self.vocab = vocab
        self.universe = universe
        self.glyphs = SceneGlyphs(universe)
        self.tokens = torch.from_numpy(vocab.batch(samples.texts))
        self.scenes = torch.from_numpy(samples.scenes.astype(np.int64))
        self.labels = torch.from_numpy(samples.labels)
        self.val = validation

    def batch(self, step: int) -> dict[str, Tensor]:
        raise NotImplementedError

    def loss(self, model: nn.Module, b: dict[str, Tensor]) -> tuple[Tensor, float]:
        raise NotImplementedError

    def validate(self, model: nn.Module) -> dict[str, float]:
        raise NotImplementedError

    def _tables(self, rows: Tensor, g: torch.Generator, rng: np.random.Generator,
                scenes: Tensor | None = None, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """A table of ``table_size`` distinct samples per row (at most the regime's scenes per
        rule, whatever the pool): half the rows uniformly at random, half balanced (as many
        true as false scenes as a random pool of four times the table's size allows)."""
        scenes = self.scenes if scenes is None else scenes
        labels = self.labels if labels is None else labels
        k = scenes.shape[1]
        t = min(self.cfg.table_size, k, self.scenes.shape[1])
        pool = torch.rand(rows.numel(), k, generator=g).topk(min(k, 4 * t), dim=1).indices
        lab = labels[rows.unsqueeze(1), pool]
        keys = torch.rand(pool.shape, generator=g)
        half = rows.numel() // 2
        # Balanced rows: rank true and false samples apart, then take the lowest ranks.
        b = keys[half:]
        rank = torch.zeros_like(b)
        for value in (True, False):
            own = lab[half:] == value
            order = torch.where(own, b, torch.full_like(b, 2.0)).argsort(1).argsort(1).to(b.dtype)
            rank = torch.where(own, order, rank)
        keys[half:] = rank + 0.5 * b
        cols = pool.gather(1, keys.argsort(1)[:, :t])
        return scenes[rows.unsqueeze(1), cols], labels[rows.unsqueeze(1), cols]


class _Interpreter(_Task):
    """Rules with ``scenes`` of their labelled samples each, drawn at random.

    With ``mine = M`` (hard-example mining), ``M`` samples per rule are drawn instead; the
    model being trained labels them all, and the step trains on the half of ``scenes`` it
    gets most wrong plus the first of the others (random). Regime samples are uniform
    scenes, in which the cases that tell close rules apart (a count at its threshold, a
    relation held by exactly one object) are rare; mining finds them among the rule's own
    samples, so the learner still sees nothing outside its regime.
    """

    def __init__(self, cfg: TrainConfig, samples: Any, validation: Any, vocab: Vocab, universe: Universe) -> None:
        super().__init__(cfg, samples, validation, vocab, universe)
        self.tokens = torch.from_numpy(vocab.rules(samples.texts, universe))  # words and roles

    def batch(self, step: int) -> dict[str, Tensor]:
        g, _ = _gen(self.cfg.seed, step)
        n, k = self.scenes.shape
        rows = torch.randint(n, (self.cfg.batch,), generator=g)
        cols = torch.randint(k, (self.cfg.batch, max(self.cfg.scenes, self.cfg.mine)), generator=g)
        idx = self.scenes[rows.unsqueeze(1), cols]
        return {"tokens": self.tokens[rows], "scenes": self.glyphs[idx],
                "labels": self.labels[rows.unsqueeze(1), cols]}

    def _mined(self, model: nn.Module, b: dict[str, Tensor]) -> dict[str, Tensor]:
        """The hardest half of ``scenes`` among the drawn candidates, plus random ones."""
        hard = self.cfg.scenes // 2
        with torch.no_grad():
            logits = model(b["tokens"], b["scenes"])
            cost = F.binary_cross_entropy_with_logits(logits, b["labels"].float(), reduction="none")
        worst = cost.topk(hard, dim=1).indices
        taken = torch.zeros_like(cost, dtype=torch.bool).scatter_(1, worst, True)
        # The others in their drawn (random) order, first ones first.
        rank = torch.where(taken, cost.shape[1], torch.arange(cost.shape[1], device=cost.device).expand_as(cost))
        rest = rank.argsort(dim=1, stable=True)[:, :self.cfg.scenes - hard]
        cols = torch.cat([worst, rest], 1)
        return {"tokens": b["tokens"], "scenes": b["scenes"].gather(1, cols.unsqueeze(-1).expand(
            -1, -1, b["scenes"].shape[-1])), "labels": b["labels"].gather(1, cols)}

    def loss(self, model: nn.Module, b: dict[str, Tensor]) -> tuple[Tensor, float]:
        if b["scenes"].shape[1] > self.cfg.scenes:
            b = self._mined(model, b)
        logits = model(b["tokens"], b["scenes"])
        loss = F.binary_cross_entropy_with_logits(logits, b["labels"].float())
        return loss, float(((logits > 0) == b["labels"]).float().mean())

    @torch.inference_mode()
    def validate(self, model: nn.Module) -> dict[str, float]:
        tokens, scenes, labels = self.val
        acc = []
        for i in range(0, tokens.shape[0], 50):
            logits = model(tokens[i:i + 50], self.glyphs[scenes[i:i + 50]])
            acc.append(((logits > 0) == labels[i:i + 50]).float().mean(1))
        t_acc = float(torch.cat(acc).mean())
        return {"score": t_acc, "t_acc": t_acc}


class _Generator(_Task):
    synthetic: Any = None

    contrast: Any = None

    def add_synthetic(self, samples: Any, contrast: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Half of every batch will come from ``samples`` (see :mod:`rulelang.interp.synthetic`);
        with ``contrast`` (scenes and labels ``[n, H]``, row for row), each of their tables
        also holds between 0 and H of the row's contrast scenes in place of random ones."""
        self.synthetic = (torch.from_numpy(self.vocab.batch(samples.texts)),
                          torch.from_numpy(samples.scenes.astype(np.int64)), torch.from_numpy(samples.labels))
        if contrast is not None:
            self.contrast = (torch.from_numpy(contrast[0].astype(np.int64)), torch.from_numpy(contrast[1]))

    def _with_contrast(self, rows: Tensor, scenes: Tensor, labels: Tensor, g: torch.Generator) -> tuple[Tensor, Tensor]:
        """Tables whose first ``c`` entries (``c`` uniform in 0..H per table) are contrast scenes."""
        c_scenes, c_labels = self.contrast
        n, h = rows.numel(), c_scenes.shape[1]
        take = torch.randint(h + 1, (n, 1), generator=g)
        cols = torch.rand(n, h, generator=g).argsort(1)
        width = min(h, scenes.shape[1])
        use = torch.arange(width).unsqueeze(0) < take
        picked = cols[:, :width]
        scenes, labels = scenes.clone(), labels.clone()
        scenes[:, :width] = torch.where(use, c_scenes[rows.unsqueeze(1), picked], scenes[:, :width])
        labels[:, :width] = torch.where(use, c_labels[rows.unsqueeze(1), picked], labels[:, :width])
        return scenes, labels

    def batch(self, step: int) -> dict[str, Tensor]:
        g, rng = _gen(self.cfg.seed, step)
        n_real = self.cfg.batch if self.synthetic is None else self.cfg.batch - self.cfg.batch // 2
        rows = torch.randint(self.scenes.shape[0], (n_real,), generator=g)
        scenes, labels = self._tables(rows, g, rng)
        words = self.tokens[rows]
        if self.synthetic is not None:
            tokens, pool, pool_labels = self.synthetic
            rows = torch.randint(pool.shape[0], (self.cfg.batch - n_real,), generator=g)
            s2, l2 = self._tables(rows, g, rng, pool, pool_labels)
            if self.contrast is not None:
                s2, l2 = self._with_contrast(rows, s2, l2, g)
            scenes, labels, words = torch.cat([scenes, s2]), torch.cat([labels, l2]), torch.cat([words, tokens[rows]])
        return {"scenes": self.glyphs[scenes], "labels": labels, "words": words}

    def loss(self, model: nn.Module, b: dict[str, Tensor]) -> tuple[Tensor, float]:
        words = b["words"]
        logits = model(b["scenes"], b["labels"], words)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), words.reshape(-1), ignore_index=PAD)
        mask = words != PAD
        whole = ((logits.argmax(-1) == words) | ~mask).all(1)
        return loss, float(whole.float().mean())

    @torch.inference_mode()
    def validate(self, model: nn.Module) -> dict[str, float]:
        """Recall: the share of validation tables whose phenomenon is among the best
        ``VALIDATION_BEAM`` distinct conjectures (what a CRN needs); and top-1 accuracy."""
        from .decode import beam_search
        from .vocab import RuleTrie

        scenes, labels, classes, class_of = self.val
        trie = RuleTrie.for_dialect(self.vocab, self.universe)
        top1, recall = [], []
        for i in range(0, scenes.shape[0], 50):
            beams = beam_search(model, self.glyphs[scenes[i:i + 50]], labels[i:i + 50], trie,
                                VALIDATION_BEAM, class_of)
            for b, c in zip(beams, classes[i:i + 50]):
                found = class_of[b.rules] == c
                top1.append(bool(found[:1].any()))
                recall.append(bool(found.any()))
        return {"score": float(np.mean(recall)), "recall": float(np.mean(recall)), "top1": float(np.mean(top1))}


class _Empiricist(_Task):
    def batch(self, step: int) -> dict[str, Tensor]:
        g, rng = _gen(self.cfg.seed, step)
        rows = torch.randint(self.scenes.shape[0], (self.cfg.batch,), generator=g)
        scenes, labels = self._tables(rows, g, rng)
        cols = torch.randint(self.scenes.shape[1], (self.cfg.batch, self.cfg.scenes), generator=g)
        return {"scenes": self.glyphs[scenes], "labels": labels,
                "queries": self.glyphs[self.scenes[rows.unsqueeze(1), cols]],
                "answers": self.labels[rows.unsqueeze(1), cols]}

    def loss(self, model: nn.Module, b: dict[str, Tensor]) -> tuple[Tensor, float]:
        logits = model(b["scenes"], b["labels"], b["queries"])
        loss = F.binary_cross_entropy_with_logits(logits, b["answers"].float())
        return loss, float(((logits > 0) == b["answers"]).float().mean())

    @torch.inference_mode()
    def validate(self, model: nn.Module) -> dict[str, float]:
        scenes, labels, queries, answers = self.val
        acc = []
        for i in range(0, scenes.shape[0], 50):
            logits = model(self.glyphs[scenes[i:i + 50]], labels[i:i + 50], self.glyphs[queries[i:i + 50]])
            acc.append(((logits > 0) == answers[i:i + 50]).float().mean(1))
        t_acc = float(torch.cat(acc).mean())
        return {"score": t_acc, "t_acc": t_acc}


TASKS: dict[str, type[_Task]] = {"interpreter": _Interpreter, "generator": _Generator, "empiricist": _Empiricist}


def _validation(kind: str, dataset: Any, cfg: TrainConfig, vocab: Vocab) -> Any:
    """The validation data each kind is scored on (novel phenomena of the validation split)."""
    ev = dataset.evaluation("validation")
    n = min(cfg.eval_rules, len(ev))
    m = min(cfg.eval_scenes, ev.scenes.shape[1])
    if kind == "interpreter":
        return (torch.from_numpy(vocab.rules(ev.texts[:n], dataset.universe)),
                torch.from_numpy(ev.scenes[:n, :m].astype(np.int64)),
                torch.from_numpy(ev.labels[:n, :m]))
    tables = dataset.tables("validation", "informative")
    scenes = torch.from_numpy(tables.scenes[:n].astype(np.int64))
    labels = torch.from_numpy(tables.labels[:n])
    if kind == "generator":
        class_of = dialect_classes(dataset.universe)
        return scenes, labels, class_of[tables.rules[:n]], class_of
    return scenes, labels, torch.from_numpy(ev.scenes[:n, :m].astype(np.int64)), torch.from_numpy(ev.labels[:n, :m])


def finished(ckpt: dict[str, Any]) -> bool:
    """Whether the run that wrote ``ckpt`` is over (its cap reached, or stopped early)."""
    if "train" not in ckpt or "step" not in ckpt:
        return "state" not in ckpt  # a model without its training record: final by construction
    return Schedule(TrainConfig.from_dict(ckpt["train"]), ckpt.get("schedule")).done(int(ckpt["step"]))


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
        torch.empty(0, device=dev)
    except (RuntimeError, AssertionError) as err:
        raise RulelangError(f"device {name!r} is not available here: {str(err).splitlines()[0]}",
                            code="E505", expected=("auto", "cpu", "cuda")) from None
    return dev


Report = Callable[[int, dict[str, float]], None]


def train(dataset: Any, cfg: TrainConfig, out: str, *, resume: bool = False, slim: bool = False,
          device: str = "auto", report: Report | None = None,
          should_stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Train ``cfg.kind`` in ``cfg.regime`` of ``dataset``; checkpoints go to ``out``.

    A checkpoint is written after every validation (atomically) and at the end; with
    ``resume`` training goes on from the checkpoint at ``out`` with its own configuration
    (``cfg.steps`` larger than the checkpoint's extends it; 0 keeps the checkpoint's).
    ``slim`` writes the final file without its training state (smaller; cannot be resumed).
    ``should_stop`` is asked after every step (a Ctrl-C handler's flag): when it answers
    true, the finished step is checkpointed and training returns, ``interrupted`` set.
    Returns the final checkpoint's summary (step, best score, seconds, history, why it stopped).

    The steps: read the checkpoint to resume from (:func:`_resumed`); check the
    configuration against the regime's data and build the task's batches and validation
    data (:func:`_prepare`); build or restore the model and optimizer (:class:`_Run`); then
    step, validate and save until ``cfg.steps``.
    """
    vocab = Vocab.for_dialect(dataset.universe)
    ckpt = _resumed(out, cfg, vocab) if resume else None
    if ckpt is not None:
        cfg = replace(TrainConfig.from_dict(ckpt["train"]), steps=max(cfg.steps, ckpt["train"]["steps"]))
    start = time.perf_counter(), time.process_time()
    task = _prepare(dataset, cfg, vocab)
    run = _Run(task, dataset, pick_device(device), ckpt)
    run.clock["setup_seconds"] += time.perf_counter() - start[0]
    run.clock["setup_cpu_seconds"] += time.process_time() - start[1]
    finished_before = run.done()
    interrupted = False
    while not run.done():
        stats = run.train_step()
        saved = False
        if run.step % task.cfg.eval_every == 0 or run.done():
            stats.update(run.validate())
            checkpoint.save(out, run.snapshot(final=run.done(), slim=slim))
            saved = True
        if report:
            report(run.step, stats)
        if not run.done() and should_stop is not None and should_stop():
            if not saved:
                checkpoint.save(out, run.snapshot(final=False, slim=False))
            interrupted = True
            break
    if finished_before:  # nothing left to do: still write it
        checkpoint.save(out, run.snapshot(final=True, slim=slim))
    return {"step": run.step, "best_score": run.best, "best_step": run.best_step, "seconds": run.seconds,
            "params": n_params(run.model), "history": run.history, "out": str(out), **run.clock,
            "stopped": run.schedule.stopped(run.step), "interrupted": interrupted}


def _resumed(out: str, cfg: TrainConfig, vocab: Vocab) -> dict[str, Any]:
    """The checkpoint at ``out`` to go on from (it must carry its training state)."""
    ckpt = checkpoint.load(out, cfg.kind)
    if "state" not in ckpt:
        raise RulelangError("a slim model has no training state to resume from", code="E703", path=out)
    if list(ckpt["vocab"]) != list(vocab.words):
        raise RulelangError("the model's vocabulary differs from this dialect's", code="E703", path=out)
    return ckpt


def _prepare(dataset: Any, cfg: TrainConfig, vocab: Vocab) -> _Task:
    """Check ``cfg`` against the regime's data; the task with its batches and validation data."""
    universe = dataset.universe
    if cfg.kind not in TASKS:
        raise RulelangError(f"no learner {cfg.kind!r}", code="E505", expected=KINDS)
    if min(cfg.steps, cfg.batch, cfg.scenes, cfg.table_size, cfg.eval_every, cfg.eval_rules, cfg.eval_scenes) < 1:
        raise RulelangError("steps, batch, scenes, table size, eval_every and the validation sizes must be "
                            "positive", code="E505")
    if min(cfg.warmup, cfg.patience, cfg.mine, cfg.synthetic, cfg.contrast) < 0 or not cfg.cooldown >= 0:
        raise RulelangError("warmup, patience, mine, synthetic, contrast and cooldown must not be negative",
                            code="E505")
    if not 0 < cfg.lr < math.inf or not 0 <= cfg.weight_decay < math.inf or not 0 <= cfg.min_delta < math.inf:
        raise RulelangError(f"the learning rate must be a positive, finite number (not {cfg.lr}), the weight "
                            "decay and min_delta finite and not negative", code="E505")
    small = sorted(k for k in ("d", "heads", "ff", "slots", "channels", "hidden", "counters")
                   if isinstance(cfg.net.get(k), int) and cfg.net[k] < 1)
    if small:
        raise RulelangError(f"the network's sizes must be positive: {', '.join(small)}", code="E505")
    if cfg.contrast and not (cfg.kind == "generator" and cfg.synthetic):
        raise RulelangError("--contrast is for the generator's synthetic tables (--synthetic)", code="E505")
    if cfg.mine and cfg.kind != "interpreter":
        raise RulelangError(f"--mine is for the interpreter, not the {cfg.kind}", code="E505")
    if cfg.kind == "interpreter" and 0 < cfg.mine <= cfg.scenes:
        raise RulelangError(f"--mine {cfg.mine} must exceed --scenes {cfg.scenes} (0: no mining)", code="E505")
    samples = dataset.training(cfg.regime)
    if cfg.kind == "generator" and 0 < cfg.synthetic < min(cfg.table_size, samples.scenes.shape[1]):
        raise RulelangError(f"--synthetic {cfg.synthetic} gives fewer scenes per rule than a table holds "
                            f"({min(cfg.table_size, samples.scenes.shape[1])})", code="E505")
    # The validation data first: it may run the checker's parallel Numba kernels, which slow
    # torch down badly when they start after torch's own thread pool.
    task = TASKS[cfg.kind](cfg, samples, _validation(cfg.kind, dataset, cfg, vocab), vocab, universe)
    if cfg.kind == "generator" and cfg.synthetic > 0:
        _add_synthetic(task, dataset)
    return task


def _add_synthetic(task: _Task, dataset: Any) -> None:
    """The generator's synthetic tables, labelled by the regime's own learned interpreter."""
    from .model import LearnedInterpreter, model_path
    from .synthetic import contrast_scenes, synthetic_samples

    cfg = task.cfg
    path = model_path("interpreter", cfg.interpreter or None, cfg.regime)
    interpreter = LearnedInterpreter.load(path, dataset.universe)
    if interpreter.regime != cfg.regime:
        raise RulelangError(f"the interpreter was trained in regime {interpreter.regime}, not {cfg.regime}",
                            code="E703", path=str(path))
    task.cfg = replace(cfg, interpreter=str(path))  # the checkpoint records which one
    samples = synthetic_samples(dataset, interpreter, cfg.synthetic, cfg.seed, dialect_classes(dataset.universe))
    contrast = contrast_scenes(dataset, interpreter, samples.rules, cfg.contrast, cfg.seed) if cfg.contrast else None
    task.add_synthetic(samples, contrast)


class _Run:
    """The model, the optimizer and the bookkeeping of one training run (new or resumed)."""

    def __init__(self, task: _Task, dataset: Any, device: torch.device, ckpt: dict[str, Any] | None) -> None:
        cfg = self.cfg = task.cfg
        self.task, self.device = task, device
        self.universe = dataset.universe
        self.data = {"path": str(dataset.path), "seed": int(dataset.seed)}
        torch.manual_seed(cfg.seed)
        self.netc = net_config(cfg.kind, task.vocab, self.universe, cfg.net)
        try:
            self.model = build(cfg.kind, self.netc).to(device)
        except ValueError as err:  # sizes or an architecture that do not fit together
            raise RulelangError(str(err), code="E505") from None
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.step, self.best, self.best_step, self.seconds = 0, -1.0, 0, 0.0
        self.best_state = self._copy_weights()
        self.history: list[dict[str, float]] = []
        self.schedule = Schedule(cfg)
        # Besides ``seconds`` (wall clock of steps and validations): their CPU time (one
        # process; on a shared machine the wall clock also counts the others' work), and the
        # set-up's (data, validation data, the generator's synthetic tables).
        self.clock = {"cpu_seconds": 0.0, "setup_seconds": 0.0, "setup_cpu_seconds": 0.0}
        if ckpt is not None:
            self.model.load_state_dict(ckpt["state"]["model"])
            self.opt.load_state_dict(ckpt["state"]["optimizer"])
            self.best_state = ckpt["model"]
            self.step, self.best, self.best_step = int(ckpt["step"]), float(ckpt["best_score"]), int(ckpt["best_step"])
            self.seconds, self.history = float(ckpt["seconds"]), list(ckpt["history"])
            self.schedule = Schedule(cfg, ckpt.get("schedule"))
            self.clock.update({k: float(ckpt[k]) for k in self.clock if k in ckpt})
        self.model.train()

    def done(self) -> bool:
        return self.schedule.done(self.step)

    def _copy_weights(self) -> dict[str, Tensor]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def train_step(self) -> dict[str, float]:
        """One optimizer step on the batch of this step (a pure function of seed and step)."""
        start, cpu = time.perf_counter(), time.process_time()
        self.schedule.before_step(self.step)
        b = {k: v.to(self.device) for k, v in self.task.batch(self.step).items()}
        lr = self.schedule.lr(self.step)
        for group in self.opt.param_groups:
            group["lr"] = lr
        loss, acc = self.task.loss(self.model, b)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.step += 1
        self.seconds += time.perf_counter() - start
        self.clock["cpu_seconds"] += time.process_time() - cpu
        self._last = {"loss": loss.item(), "acc": acc, "lr": lr}
        return dict(self._last)

    def validate(self) -> dict[str, float]:
        """Score on the validation split; keep the weights if they are the best so far."""
        start, cpu = time.perf_counter(), time.process_time()
        self.model.eval()
        val = self.task.validate(self.model)
        self.model.train()
        self.seconds += time.perf_counter() - start
        self.clock["cpu_seconds"] += time.process_time() - cpu
        stats = {f"val_{k}": v for k, v in val.items()}
        self.history.append({"step": self.step, "seconds": round(self.seconds, 2), **self._last, **stats})
        if val["score"] > self.best:
            self.best, self.best_step = val["score"], self.step
            self.best_state = self._copy_weights()
        self.schedule.validated(self.step, val["score"])
        return stats

    def snapshot(self, final: bool, slim: bool) -> dict[str, Any]:
        """The checkpoint: the best weights to use, and (unless final and slim) the state to resume."""
        cfg = self.cfg
        out_ckpt = {
            "kind": cfg.kind, "net": self.netc.to_dict(), "vocab": list(self.task.vocab.words),
            "train": cfg.to_dict(), "regime": cfg.regime, "universe": self.universe.name, "data": self.data,
            "step": self.step, "best_score": self.best, "best_step": self.best_step, "seconds": self.seconds,
            "params": n_params(self.model), "history": self.history, "torch": str(torch.__version__),
            "model": self.best_state, "schedule": dict(self.schedule.state), "stopped": self.schedule.stopped(self.step), **self.clock,
        }
        if not (final and slim):
            out_ckpt["state"] = {"model": self.model.state_dict(), "optimizer": self.opt.state_dict()}
        return out_ckpt
