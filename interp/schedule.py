"""The learning-rate schedule and early stopping of a training run.

Without early stopping (``patience = 0``): a linear warm-up, then a cosine over ``steps``.

With early stopping (``patience = P``): the rate stays at ``lr`` after the warm-up while the
validation score improves; once P validations in a row fail to beat the best score by more
than ``min_delta``, it decays (a half cosine, to zero) over ``cooldown`` times the steps taken
so far, and the run ends. The best weights are kept whenever they appear. ``steps`` is then a
cap: the decay starts in time to end there at the latest. So the budget is chosen by the
validation split, and the run still ends with a low learning rate (a warm-up, stable,
decay schedule).

The state (:class:`Schedule`'s ``state``) is three numbers, stored in the checkpoint, so a
resumed run takes the same decisions as an uninterrupted one.
"""

from __future__ import annotations

import math
from typing import Any, Protocol


class _Config(Protocol):
    steps: int
    lr: float
    warmup: int
    patience: int
    min_delta: float
    cooldown: float


class Schedule:
    """The learning rate of every step, and when to stop, for one run's configuration."""

    def __init__(self, cfg: _Config, state: dict[str, Any] | None = None) -> None:
        self.cfg = cfg
        # The score to beat by min_delta, validations since it was, the step the decay began at.
        self.state: dict[str, Any] = {"reference": -1.0, "stale": 0, "decay_start": None, **(state or {})}

    @property
    def decay_start(self) -> int | None:
        return self.state["decay_start"]

    def lr(self, step: int) -> float:
        """The learning rate of ``step`` (call :meth:`before_step` first)."""
        c = self.cfg
        if step < c.warmup:
            return c.lr * (step + 1) / c.warmup
        if c.patience <= 0:
            frac = (step - c.warmup) / max(1, c.steps - c.warmup)
        elif self.decay_start is None:
            return c.lr
        else:
            frac = (step - self.decay_start) / max(1, self.end() - self.decay_start)
        return c.lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, frac)))

    def before_step(self, step: int) -> None:
        """Start the decay at the latest step that still lets it end by the cap."""
        if self.cfg.patience > 0 and self.decay_start is None and step >= self.latest_decay():
            self.state["decay_start"] = step

    def validated(self, step: int, score: float) -> None:
        """Count a validation; after ``patience`` stale ones, start the decay."""
        s = self.state
        if score > s["reference"] + self.cfg.min_delta:
            s["reference"], s["stale"] = score, 0
            return
        s["stale"] += 1
        if self.cfg.patience > 0 and s["stale"] >= self.cfg.patience and s["decay_start"] is None:
            s["decay_start"] = step

    def end(self) -> int:
        """The run's last step."""
        if self.decay_start is None:
            return self.cfg.steps
        return min(self.cfg.steps, self.decay_start + max(1, round(self.cfg.cooldown * self.decay_start)))

    def latest_decay(self) -> int:
        return max(self.cfg.warmup, math.floor(self.cfg.steps / (1.0 + self.cfg.cooldown)))

    def done(self, step: int) -> bool:
        return step >= self.end()

    def stopped(self, step: int | None = None) -> str:
        """Why the run ends (or will): the step budget, the cap, or early stopping; "not yet"
        while no decay has begun, unless ``step`` (the steps taken) has reached the cap."""
        c, start = self.cfg, self.decay_start
        if c.patience <= 0:
            return f"the step budget ({c.steps})"
        if start is None:
            if step is not None and step >= c.steps:  # the warm-up outlasted the cap: no decay
                return f"the step cap ({c.steps}), reached before early stopping could begin"
            return "not yet"
        if start < self.latest_decay():
            return (f"early stopping: no validation gain above {c.min_delta:g} in {c.patience} "
                    f"validations at step {start}, then a cool-down to step {self.end()}")
        return f"the step cap ({c.steps}; the cool-down started at step {start})"
